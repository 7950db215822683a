/**
 * The monthly 百案攻坚 ledger as an Excel workbook (exceljs), the way offices exchange 台账: one sheet
 * with the cases (a merged title row, a styled and frozen header, filters, dates as dates), one with
 * the month's figures. Dates are written as China calendar dates: Excel cells have no zone, so a
 * date cell holds midnight UTC of the China date, which every spreadsheet shows as that date.
 */
import ExcelJS from 'exceljs';
import { monthLabelZh } from '../domain/china-month.js';
import { toChinaDate } from '../domain/deadlines/china-date.js';
import type { Ledger, LedgerRow } from './ledger.js';

const KIND_ZH = { owned: '包案', backlog: '积案' } as const;
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FF999999' } },
  left: { style: 'thin', color: { argb: 'FF999999' } },
  bottom: { style: 'thin', color: { argb: 'FF999999' } },
  right: { style: 'thin', color: { argb: 'FF999999' } },
};
const FONT = '宋体';
const DATE_FORMAT = 'yyyy-mm-dd';

interface Column {
  header: string;
  width: number;
  value: (r: LedgerRow, i: number) => ExcelJS.CellValue;
  date?: boolean;
  wrap?: boolean;
}

/** The ledger sheet's columns, in order; the header row the tests read back is exactly these. */
export const LEDGER_COLUMNS: readonly Column[] = [
  { header: '序号', width: 6, value: (_r, i) => i + 1 },
  { header: '案件编号', width: 17, value: (r) => r.number },
  { header: '标题', width: 30, value: (r) => r.title, wrap: true },
  { header: '类别', width: 12, value: (r) => r.categoryName ?? r.categoryCode ?? '' },
  { header: '主办单位', width: 16, value: (r) => r.leadUnitName ?? '' },
  { header: '包案领导', width: 10, value: (r) => r.ownerLeaderName ?? '' },
  { header: '类型', width: 10, value: (r) => r.kinds.map((k) => KIND_ZH[k]).join('、') },
  { header: '收到日期', width: 12, value: (r) => excelDate(toChinaDate(new Date(r.receivedAt))), date: true },
  { header: '办理期限', width: 12, value: (r) => (r.dueDate ? excelDate(r.dueDate) : null), date: true },
  { header: '状态', width: 10, value: (r) => r.stateLabel },
  { header: '超期天数', width: 9, value: (r) => r.overdueDays },
  { header: '本月新增', width: 9, value: (r) => (r.newAssignment ? '是' : '') },
  { header: '本月销号', width: 9, value: (r) => (r.closedOut ? '是' : '') },
  { header: '销号日期', width: 12, value: (r) => (r.closedOutAt ? excelDate(toChinaDate(new Date(r.closedOutAt))) : null), date: true },
  { header: '滚动审查', width: 12, value: (r) => r.review?.statusLabel ?? '未审查' },
  { header: '本月进展', width: 40, value: (r) => r.review?.progress ?? '', wrap: true },
  { header: '审查人', width: 10, value: (r) => r.review?.reviewerName ?? '' },
];

/** Given a China date 'YYYY-MM-DD', returns the Date exceljs writes as that calendar date. */
function excelDate(chinaDate: string): Date {
  return new Date(`${chinaDate}T00:00:00Z`);
}

/** Given a month's ledger, returns the workbook as .xlsx bytes. */
export async function ledgerWorkbook(ledger: Ledger): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'xinfang';
  wb.created = new Date(ledger.generatedAt);
  const title = `${ledger.scopeName}百案攻坚台账（${monthLabelZh(ledger.month)}）`;

  const ws = wb.addWorksheet('台账', {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 2 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
  });
  LEDGER_COLUMNS.forEach((c, i) => {
    ws.getColumn(i + 1).width = c.width;
  });
  ws.mergeCells(1, 1, 1, LEDGER_COLUMNS.length);
  const titleCell = ws.getCell(1, 1);
  titleCell.value = title;
  titleCell.font = { name: FONT, size: 16, bold: true };
  titleCell.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 30;

  const header = ws.getRow(2);
  LEDGER_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { name: FONT, size: 11, bold: true };
    cell.fill = HEADER_FILL;
    cell.border = THIN;
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  });
  header.height = 22;

  ledger.rows.forEach((r, idx) => {
    const row = ws.getRow(3 + idx);
    LEDGER_COLUMNS.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      cell.value = c.value(r, idx);
      cell.font = { name: FONT, size: 10, ...(r.overdueDays > 0 && c.header === '超期天数' ? { color: { argb: 'FFC00000' }, bold: true } : {}) };
      cell.border = THIN;
      cell.alignment = { vertical: 'middle', wrapText: !!c.wrap, ...(c.wrap ? {} : { horizontal: 'center' }) };
      if (c.date) cell.numFmt = DATE_FORMAT;
    });
  });
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2 + Math.max(ledger.rows.length, 0), column: LEDGER_COLUMNS.length } };

  const sum = wb.addWorksheet('月度汇总', { views: [{ state: 'frozen', ySplit: 2 }] });
  sum.getColumn(1).width = 24;
  sum.getColumn(2).width = 12;
  sum.mergeCells(1, 1, 1, 2);
  const sumTitle = sum.getCell(1, 1);
  sumTitle.value = `${monthLabelZh(ledger.month)}百案攻坚汇总`;
  sumTitle.font = { name: FONT, size: 14, bold: true };
  sumTitle.alignment = { horizontal: 'center', vertical: 'middle' };
  sum.getRow(1).height = 26;
  const s = ledger.summary;
  const lines: Array<[string, number | string]> = [
    ['项目', '数量'],
    ['台账案件', s.total],
    ['其中：领导包案', s.owned],
    ['其中：积案', s.backlog],
    ['本月新增包案', s.newAssignments],
    ['本月销号', s.closedOut],
    ['月末仍在办', s.stillOpen],
    ['其中：超期', s.overdue],
    ['已滚动审查', s.reviewed],
    ['进展正常', s.onTrack],
    ['进展滞后', s.delayed],
    ['本月催办督办', ledger.supervisions.length],
  ];
  lines.forEach(([label, n], i) => {
    const row = sum.getRow(2 + i);
    row.getCell(1).value = label;
    row.getCell(2).value = n;
    for (const col of [1, 2]) {
      const cell = row.getCell(col);
      cell.border = THIN;
      cell.font = { name: FONT, size: i === 0 ? 11 : 10, bold: i === 0 };
      cell.alignment = { vertical: 'middle', horizontal: col === 1 && i > 0 ? 'left' : 'center' };
      if (i === 0) cell.fill = HEADER_FILL;
    }
  });
  const note = sum.getRow(3 + lines.length);
  note.getCell(1).value = `统计范围：${ledger.scopeName}；统计期间：${ledger.firstDate} 至 ${ledger.lastDate}${ledger.partial ? '（本月尚未结束，数据截至导出时）' : ''}`;
  note.getCell(1).font = { name: FONT, size: 9, italic: true };
  sum.mergeCells(3 + lines.length, 1, 3 + lines.length, 2);

  return Buffer.from(await wb.xlsx.writeBuffer());
}
