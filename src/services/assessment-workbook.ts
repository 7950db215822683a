/**
 * The monthly assessment (考核排名) as an Excel workbook (exceljs), in the style of the ledger
 * workbook: sheet 考核排名 with a merged title row, a two-row header (each rate over its 比率 and
 * 分子/分母 columns), frozen header and rank/unit columns, rates as percentages; sheet 计分说明 with
 * the weights, each rate's definition and the scoring rule in words.
 */
import ExcelJS from 'exceljs';
import { monthLabelZh } from '../domain/china-month.js';
import { formatChinaDateTime } from '../domain/deadlines/china-date.js';
import { LOWER_IS_BETTER, RATE_LABELS } from '../domain/cockpit/assessment-score.js';
import { RATE_KEYS, type Assessment, type RateKey } from '../domain/cockpit/types.js';

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FF999999' } },
  left: { style: 'thin', color: { argb: 'FF999999' } },
  bottom: { style: 'thin', color: { argb: 'FF999999' } },
  right: { style: 'thin', color: { argb: 'FF999999' } },
};
const FONT = '宋体';
const PERCENT = '0.00%';
const SCORE = '0.00';
/** shown in a rate's cell when it has no data (denominator 0) */
export const NO_DATA = '—';

export const ASSESSMENT_KIND_ZH: Record<Assessment['kind'], string> = { department: '部门', street: '街道', community: '社区' };

/** The sheet's title, e.g. 云湖区街道信访工作考核排名（2026年3月）. */
export function assessmentTitle(a: Assessment): string {
  return `${a.scope.name}${ASSESSMENT_KIND_ZH[a.kind]}信访工作考核排名（${monthLabelZh(a.month)}）`;
}

/** The leading columns (before the rates) and the trailing ones (after), each spanning both header rows. */
const LEAD = [
  { header: '排名', width: 6 },
  { header: '单位', width: 20 },
  { header: '得分', width: 8 },
  { header: '基础分', width: 8 },
  { header: '扣分', width: 7 },
] as const;
const TRAIL = [
  { header: '受理件数', width: 9 },
  { header: '办结件数', width: 9 },
] as const;

const rateHeader = (key: RateKey) => `${RATE_LABELS[key].label}${LOWER_IS_BETTER.has(key) ? '（越低越好）' : ''}`;

function styleHeader(cell: ExcelJS.Cell) {
  cell.font = { name: FONT, size: 11, bold: true };
  cell.fill = HEADER_FILL;
  cell.border = THIN;
  cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
}

/** Given a month's assessment, returns the workbook as .xlsx bytes. */
export async function assessmentWorkbook(a: Assessment): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'xinfang';
  wb.created = new Date(a.generatedAt);
  const title = assessmentTitle(a);
  const rateCol = (i: number) => LEAD.length + 1 + 2 * i; // first column of the i-th rate (1-based)
  const trailCol = LEAD.length + 2 * RATE_KEYS.length + 1;
  const lastCol = trailCol + TRAIL.length - 1;

  const ws = wb.addWorksheet('考核排名', {
    views: [{ state: 'frozen', xSplit: 2, ySplit: 3 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:3' },
  });
  LEAD.forEach((c, i) => (ws.getColumn(i + 1).width = c.width));
  RATE_KEYS.forEach((_k, i) => {
    ws.getColumn(rateCol(i)).width = 10;
    ws.getColumn(rateCol(i) + 1).width = 10;
  });
  TRAIL.forEach((c, i) => (ws.getColumn(trailCol + i).width = c.width));

  ws.mergeCells(1, 1, 1, lastCol);
  const titleCell = ws.getCell(1, 1);
  titleCell.value = title;
  titleCell.font = { name: FONT, size: 16, bold: true };
  titleCell.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 30;

  const spanning = [...LEAD.map((c, i) => [i + 1, c.header] as const), ...TRAIL.map((c, i) => [trailCol + i, c.header] as const)];
  for (const [col, header] of spanning) {
    ws.mergeCells(2, col, 3, col);
    ws.getCell(2, col).value = header;
  }
  RATE_KEYS.forEach((key, i) => {
    ws.mergeCells(2, rateCol(i), 2, rateCol(i) + 1);
    ws.getCell(2, rateCol(i)).value = rateHeader(key);
    ws.getCell(3, rateCol(i)).value = '比率';
    ws.getCell(3, rateCol(i) + 1).value = '分子/分母';
  });
  for (let col = 1; col <= lastCol; col++) {
    styleHeader(ws.getCell(2, col));
    styleHeader(ws.getCell(3, col));
  }
  ws.getRow(2).height = 32;
  ws.getRow(3).height = 18;

  a.rows.forEach((r, idx) => {
    const row = ws.getRow(4 + idx);
    const put = (col: number, value: ExcelJS.CellValue, numFmt?: string, left = false) => {
      const cell = row.getCell(col);
      cell.value = value;
      cell.font = { name: FONT, size: 10 };
      cell.border = THIN;
      cell.alignment = { vertical: 'middle', horizontal: left ? 'left' : 'center' };
      if (numFmt) cell.numFmt = numFmt;
    };
    put(1, r.rank);
    put(2, r.unit.name, undefined, true);
    put(3, r.score, SCORE);
    put(4, r.base, SCORE);
    put(5, r.deductions, SCORE);
    RATE_KEYS.forEach((key, i) => {
      const rate = r.rates[key];
      put(rateCol(i), rate.value ?? NO_DATA, rate.value === null ? undefined : PERCENT);
      put(rateCol(i) + 1, `${rate.numerator}/${rate.denominator}`);
    });
    put(trailCol, r.received);
    put(trailCol + 1, r.settled);
    if (r.deductions > 0) row.getCell(5).font = { name: FONT, size: 10, color: { argb: 'FFC00000' } };
    row.getCell(3).font = { name: FONT, size: 10, bold: true };
  });
  if (!a.rows.length) {
    ws.mergeCells(4, 1, 4, lastCol);
    ws.getCell(4, 1).value = '本月没有参加考核的单位。';
    ws.getCell(4, 1).font = { name: FONT, size: 10 };
  }
  const noteRow = 5 + Math.max(a.rows.length, 1);
  ws.mergeCells(noteRow, 1, noteRow, lastCol);
  const note = ws.getCell(noteRow, 1);
  note.value = `考核范围：${a.scope.name}（${ASSESSMENT_KIND_ZH[a.kind]}）；考核月份：${monthLabelZh(a.month)}；生成时间：${formatChinaDateTime(new Date(a.generatedAt))}。“${NO_DATA}”表示该项当月无数据、不计分；计分方法见“计分说明”。`;
  note.font = { name: FONT, size: 9, italic: true };
  note.alignment = { wrapText: true, vertical: 'top' };
  ws.getRow(noteRow).height = 30;

  const ex = wb.addWorksheet('计分说明', { views: [{ state: 'frozen', ySplit: 2 }] });
  [16, 8, 9, 80].forEach((w, i) => (ex.getColumn(i + 1).width = w));
  ex.mergeCells(1, 1, 1, 4);
  const exTitle = ex.getCell(1, 1);
  exTitle.value = `计分说明（${monthLabelZh(a.month)}）`;
  exTitle.font = { name: FONT, size: 14, bold: true };
  exTitle.alignment = { horizontal: 'center', vertical: 'middle' };
  ex.getRow(1).height = 26;
  ['指标', '权重', '权重占比', '口径'].forEach((h, i) => {
    const cell = ex.getCell(2, i + 1);
    cell.value = h;
    styleHeader(cell);
  });
  const total = RATE_KEYS.reduce((s, k) => s + a.weights[k], 0);
  RATE_KEYS.forEach((key, i) => {
    const row = ex.getRow(3 + i);
    const values: ExcelJS.CellValue[] = [rateHeader(key), a.weights[key], total > 0 ? a.weights[key] / total : null, RATE_LABELS[key].definition];
    values.forEach((v, c) => {
      const cell = row.getCell(c + 1);
      cell.value = v;
      cell.font = { name: FONT, size: 10 };
      cell.border = THIN;
      cell.alignment = { vertical: 'middle', wrapText: true, horizontal: c === 3 || c === 0 ? 'left' : 'center' };
    });
    row.getCell(3).numFmt = PERCENT;
    row.height = 32;
  });
  const exRow = 4 + RATE_KEYS.length;
  ex.mergeCells(exRow, 1, exRow, 4);
  const exCell = ex.getCell(exRow, 1);
  exCell.value = a.explanation;
  exCell.font = { name: FONT, size: 10 };
  exCell.alignment = { wrapText: true, vertical: 'top' };
  ex.getRow(exRow).height = 110;

  return Buffer.from(await wb.xlsx.writeBuffer());
}
