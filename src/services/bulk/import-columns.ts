/**
 * The columns of a case import sheet: the Chinese header the template prints, the synonyms other
 * systems' exports use (12345 platforms write 工单编号, 工单号 or 来源编号 for the same thing), and
 * which are required. A header is matched after removing spaces, asterisks and brackets' contents,
 * so `*标题`, `标 题` and `受理时间（必填）` all match.
 */

export const IMPORT_COLUMNS = [
  { key: 'ref', header: '工单编号', synonyms: ['工单号', '来源编号', '原工单编号', '外部编号', '原始编号', '编号'], required: true },
  { key: 'source', header: '来源系统', synonyms: ['来源', '来源平台'], required: false },
  { key: 'receivedAt', header: '受理时间', synonyms: ['登记时间', '受理日期', '登记日期', '来电时间', '收到时间', '派单时间', '创建时间'], required: true },
  { key: 'name', header: '诉求人姓名', synonyms: ['姓名', '诉求人', '来电人', '信访人', '信访人姓名', '联系人'], required: true },
  { key: 'phone', header: '联系电话', synonyms: ['电话', '手机', '手机号', '手机号码', '联系方式', '来电号码'], required: false },
  { key: 'idNumber', header: '身份证号', synonyms: ['身份证号码', '证件号码', '公民身份号码'], required: false },
  { key: 'petitionerAddress', header: '诉求人地址', synonyms: ['联系地址', '住址'], required: false },
  { key: 'title', header: '标题', synonyms: ['诉求标题', '工单标题', '主题'], required: true },
  { key: 'content', header: '诉求内容', synonyms: ['内容', '工单内容', '问题描述', '诉求描述', '来电内容'], required: true },
  { key: 'categoryCode', header: '类别编码', synonyms: ['分类编码', '诉求分类编码'], required: false },
  { key: 'categoryName', header: '类别名称', synonyms: ['类别', '分类', '诉求分类', '分类名称'], required: false },
  { key: 'gridCode', header: '所属网格编码', synonyms: ['网格编码', '所属网格', '网格代码'], required: false },
  { key: 'address', header: '地址', synonyms: ['诉求地址', '事发地址', '事发地点', '问题地址'], required: false },
  { key: 'type12345', header: '诉求类型', synonyms: ['工单类型', '类型', '来电类型'], required: false },
  { key: 'nature', header: '性质', synonyms: ['信访性质', '诉求性质'], required: false },
  { key: 'urgency', header: '紧急程度', synonyms: ['紧急度', '缓急程度'], required: false },
  { key: 'channel', header: '渠道', synonyms: ['来源渠道', '信访形式', '登记渠道'], required: false },
  { key: 'accusedUnitCodes', header: '被举报单位编码', synonyms: ['被举报单位代码', '被检举单位编码', '被控告单位编码'], required: false },
] as const;

export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export type ImportColumnKey = ImportColumn['key'];

/** Given a header as typed, returns it reduced to what is compared (no spaces, stars, bracketed notes). */
export function canonicalHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/[(（][^)）]*[)）]/g, '')
    .replace(/[\s*＊:：]/g, '')
    .toLowerCase();
}

const BY_HEADER = new Map<string, ImportColumnKey>();
for (const c of IMPORT_COLUMNS) {
  BY_HEADER.set(canonicalHeader(c.header), c.key);
  for (const s of c.synonyms) BY_HEADER.set(canonicalHeader(s), c.key);
}

/** Given a header cell's text, returns the column it names, or null (an extra column is ignored). */
export function columnOfHeader(h: string): ImportColumnKey | null {
  return BY_HEADER.get(canonicalHeader(h)) ?? null;
}

/** Given a column key, returns the header the template prints (and reports name). */
export function headerOf(key: ImportColumnKey | ''): string {
  return IMPORT_COLUMNS.find((c) => c.key === key)?.header ?? '';
}

/** The template's example row, by column: a 12345 transfer as the platforms send it. */
export const TEMPLATE_EXAMPLE: Record<ImportColumnKey, string> = {
  ref: 'GD20260105000123',
  source: '12345',
  receivedAt: '2026/1/5 9:30',
  name: '张三',
  phone: '13800138000',
  idNumber: '',
  petitionerAddress: '',
  title: '小区门口路灯不亮',
  content: '梅园小区南门路灯坏了一个月，晚上出行不便，请尽快维修。',
  categoryCode: '',
  categoryName: '',
  gridCode: '',
  address: '梅园小区南门',
  type12345: '求助',
  nature: '',
  urgency: '一般',
  channel: '12345转办',
  accusedUnitCodes: '',
};
