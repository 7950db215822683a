/**
 * Import sheets for the bulk tests, built the way a 12345 platform or a clerk's Excel writes them.
 */
import ExcelJS from 'exceljs';

export const GRID_A1 = '330110001001001'; // 梅园社区第1网格 in seedMiniOrg
export const GRID_B1 = '330110002001001';

export interface SheetRow {
  ref: string;
  receivedAt: string | Date;
  name: string;
  phone: string | number;
  idNumber?: string | number;
  title: string;
  content: string;
  categoryCode?: string;
  gridCode?: string;
  address?: string;
  type?: string;
  urgency?: string;
}

export const HEADERS = ['工单编号', '受理时间', '诉求人姓名', '联系电话', '身份证号', '标题', '诉求内容', '类别编码', '所属网格编码', '地址', '诉求类型', '紧急程度'];
const valuesOf = (r: SheetRow) => [r.ref, r.receivedAt, r.name, r.phone, r.idNumber ?? '', r.title, r.content, r.categoryCode ?? '', r.gridCode ?? '', r.address ?? '', r.type ?? '', r.urgency ?? ''];

/** Given a prefix and a count, returns that many good 12345 transfers received in February 2026. */
export function goodRows(prefix: string, n: number): SheetRow[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: `${prefix}-${String(i + 1).padStart(4, '0')}`,
    receivedAt: `2026/2/${(i % 27) + 1} ${8 + (i % 9)}:${String((i * 7) % 60).padStart(2, '0')}`,
    name: `${['张', '李', '王', '赵', '陈'][i % 5]}${['建国', '秀英', '磊', '芳', '伟'][(i * 3) % 5]}`,
    phone: `1390571${String(1000 + i).padStart(4, '0')}`,
    title: `${prefix} 第${i + 1}件：小区路灯不亮`,
    content: `梅园小区南门路灯坏了很久（第${i + 1}件），晚上出行不便，请尽快维修。`,
    categoryCode: i % 2 ? '010101' : '',
    gridCode: i % 3 ? GRID_A1 : '',
    address: i % 3 ? '' : '梅园小区南门',
    type: ['求助', '投诉', '咨询', '建议'][i % 4],
    urgency: i % 5 ? '' : '紧急',
  }));
}

const field = (v: unknown) => {
  const s = v instanceof Date ? v.toISOString() : String(v ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
/** Given rows, returns CSV text as a 12345 platform writes it (UTF-8 with BOM, CRLF). */
export const toCsv = (rows: SheetRow[]) => '\uFEFF' + [HEADERS, ...rows.map(valuesOf)].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';

/** Given rows, returns an .xlsx workbook's bytes (dates written as real date cells when given as Date). */
export async function toXlsx(rows: SheetRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  ws.addRow(HEADERS);
  for (const r of rows) ws.addRow(valuesOf(r));
  ws.getColumn(2).numFmt = 'yyyy/m/d h:mm';
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Given file bytes and a name, returns multipart form data as a browser sends it. */
export function form(bytes: string | Buffer, fileName: string, fields: Record<string, string> = { source: '12345' }): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append('file', new Blob([new Uint8Array(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes)]), fileName);
  return fd;
}

