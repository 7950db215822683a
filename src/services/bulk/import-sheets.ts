/**
 * The sheets a clerk downloads around an import: the template (the headers and one example row, as
 * .xlsx with the text columns formatted as text so ID numbers keep their digits, or as UTF-8 CSV with
 * a BOM so Excel opens the Chinese right) and the report of rejected rows (row, column, reason).
 */
import ExcelJS from 'exceljs';
import { IMPORT_COLUMNS, TEMPLATE_EXAMPLE } from './import-columns.js';
import type { ImportProblem } from './check-import-rows.js';

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const REQUIRED_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFCE4D6' } };
const BOM = '\uFEFF';

/** A text cell Excel or LibreOffice would run as a formula (=, +, -, @, or a tab or CR first). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Given a value, returns it as one CSV field (quoted when it holds a comma, quote or line break); a
 * text starting like a formula gets a leading ' (OWASP CSV injection), so `=HYPERLINK(...)` opens as
 * text. Numbers are written as they are.
 */
export function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Given nothing, returns the import template as an .xlsx workbook: required headers shaded, a notes sheet. */
export async function templateWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('导入');
  ws.columns = IMPORT_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.key === 'content' ? 40 : c.key === 'title' ? 24 : 16, style: { numFmt: c.key === 'receivedAt' ? 'yyyy/m/d h:mm' : '@' } }));
  ws.getRow(1).eachCell((cell, i) => {
    cell.font = { bold: true };
    cell.fill = IMPORT_COLUMNS[i - 1]!.required ? REQUIRED_FILL : HEADER_FILL;
  });
  ws.addRow(IMPORT_COLUMNS.map((c) => TEMPLATE_EXAMPLE[c.key]));
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  const notes = wb.addWorksheet('填写说明');
  notes.columns = [{ header: '列', width: 16 }, { header: '是否必填', width: 10 }, { header: '也接受的表头', width: 40 }];
  for (const c of IMPORT_COLUMNS) notes.addRow([c.header, c.required ? '必填' : '选填', c.synonyms.join('、')]);
  notes.addRow([]);
  notes.addRow(['说明', '', '第 1 行为表头，从第 2 行起每行一件；整个文件任何一行不合格则全部不导入，请按报告修改后重新导入。']);
  notes.addRow(['', '', '所属网格编码与地址至少填写一项；来源系统可在导入时统一指定（如 12345）；同一来源的工单编号只能导入一次。']);
  notes.addRow(['', '', '诉求类型：咨询、求助、投诉、举报、建议；性质：建议意见、检举控告、申诉求决；紧急程度：一般、紧急、水电气热、疑难复杂。']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Given nothing, returns the import template as UTF-8 CSV with a BOM. */
export function templateCsv(): string {
  return BOM + [IMPORT_COLUMNS.map((c) => c.header), IMPORT_COLUMNS.map((c) => TEMPLATE_EXAMPLE[c.key])].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const REPORT_HEADERS = ['行号', '列', '问题'] as const;

/** Given the problems of a file, returns the report as an .xlsx workbook (a line saying all passed when there are none). */
export async function reportWorkbook(fileName: string, problems: readonly Pick<ImportProblem, 'row' | 'column' | 'message'>[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('不合格行');
  ws.columns = [{ header: REPORT_HEADERS[0], width: 8 }, { header: REPORT_HEADERS[1], width: 16 }, { header: REPORT_HEADERS[2], width: 60 }];
  ws.getRow(1).eachCell((cell) => {
    cell.font = { bold: true };
    cell.fill = HEADER_FILL;
  });
  for (const p of problems) ws.addRow([p.row, p.column, p.message]);
  if (problems.length === 0) ws.addRow(['', '', `「${fileName}」全部行检查通过`]);
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  ws.autoFilter = { from: 'A1', to: 'C1' };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Given the problems of a file, returns the report as UTF-8 CSV with a BOM. */
export function reportCsv(problems: readonly Pick<ImportProblem, 'row' | 'column' | 'message'>[]): string {
  return BOM + [REPORT_HEADERS.join(','), ...problems.map((p) => [p.row, p.column, p.message].map(csvField).join(','))].join('\r\n') + '\r\n';
}
