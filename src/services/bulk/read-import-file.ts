/**
 * Reading an uploaded case import file into rows: the real type is sniffed from the bytes (an .xlsx
 * is a zip; an old .xls is refused with the advice to save as .xlsx; anything else must be text),
 * CSV text is decoded as UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or, when it is
 * not valid UTF-8, GB18030 — what Chinese systems and Excel on Chinese Windows export. An .xlsx is
 * refused from its zip directory when it would unpack too large, then streamed, stopping one row past
 * the limit. The header is looked for in the first rows (a merged title such as 「2026年3月工单明细」
 * may sit above it); each row keeps the number the clerk sees in the sheet, so a report can point at it.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../domain/errors.js';
import { IMPORT_COLUMNS, columnOfHeader, type ImportColumnKey } from './import-columns.js';
import { readZipDirectory } from './zip-directory.js';

/** 5,000 rows: a month of one district's 12345 transfers; bigger files are split (IMPORT_MAX_ROWS). */
export const MAX_IMPORT_ROWS = 5_000;
/** 10 MiB: 5,000 rows of long complaints fit with room to spare. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
/** 50 MiB unpacked: a 5,000-row workbook with long texts unpacks to a few MB; more is a zip bomb. */
export const MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024;
/** The header may sit below a title row or two: it is looked for in this many first non-empty rows. */
const HEADER_SEARCH_ROWS = 5;

export type CellValue = string | number | Date | boolean | null;

export interface SheetRow {
  /** the row number as the clerk sees it (the header is row 1 in a plain sheet) */
  row: number;
  cells: Partial<Record<ImportColumnKey, CellValue>>;
}

export interface ImportSheet {
  format: 'csv' | 'xlsx';
  encoding: string | null;
  rows: SheetRow[];
}

/**
 * Given the uploaded bytes and the most data rows allowed, returns the rows under the header, or
 * throws CASE_IMPORT_FILE_TYPE / CASE_IMPORT_FILE_INVALID / CASE_IMPORT_TOO_LARGE (bytes, unpacked
 * size or rows) before any further work.
 */
export async function readImportFile(bytes: Buffer, opts: { maxRows?: number } = {}): Promise<ImportSheet> {
  const maxRows = opts.maxRows ?? MAX_IMPORT_ROWS;
  if (bytes.length === 0) throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'empty' });
  if (bytes.length > MAX_IMPORT_BYTES) throw new AppError('CASE_IMPORT_TOO_LARGE', { reason: 'file_too_large', maxBytes: MAX_IMPORT_BYTES });
  const kind = sniff(bytes);
  if (kind === 'xlsx') return { format: 'xlsx', encoding: null, rows: toRows(await readXlsx(bytes, maxRows), maxRows) };
  if (kind === 'xls') throw new AppError('CASE_IMPORT_FILE_TYPE', { reason: 'legacy_xls', expected: ['csv', 'xlsx'] });
  if (kind !== 'text') throw new AppError('CASE_IMPORT_FILE_TYPE', { reason: 'not_csv_or_xlsx', expected: ['csv', 'xlsx'] });
  const { text, encoding } = decodeText(bytes);
  return { format: 'csv', encoding, rows: toRows(readCsv(text), maxRows) };
}

/** Given bytes, returns what they are by their first bytes and content, not by the file name. */
function sniff(b: Buffer): 'xlsx' | 'xls' | 'text' | 'binary' {
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'xlsx';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return 'xls';
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) return 'text'; // UTF-16 with BOM
  // Text has no NUL bytes and few other control bytes; PDFs, images and archives do.
  const head = b.subarray(0, 8192);
  let control = 0;
  for (const x of head) {
    if (x === 0) return 'binary';
    if (x < 0x09 || (x > 0x0d && x < 0x20)) control++;
  }
  return control > head.length / 100 ? 'binary' : 'text';
}

/** Given text bytes, returns them decoded and the encoding found: UTF-8 first, GB18030 when not valid UTF-8. */
export function decodeText(b: Buffer): { text: string; encoding: string } {
  if (b[0] === 0xff && b[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(b.subarray(2)), encoding: 'utf-16le' };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(b.subarray(2)), encoding: 'utf-16be' };
  const bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
  const body = bom ? b.subarray(3) : b;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('gb18030').decode(body), encoding: 'gb18030' };
  }
}

/** Given CSV text, returns its records numbered as a spreadsheet shows them (a multi-line cell is one row, a blank line is a row). */
function readCsv(text: string): RawRow[] {
  // Excel's "Unicode text" and some exports separate by tabs.
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : firstLine.includes('，') && !firstLine.includes(',') ? '，' : ',';
  let records: { record: string[]; info: { records: number; empty_lines: number } }[];
  try {
    records = parse(text, { delimiter, info: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { code?: string; records?: number; empty_lines?: number };
    const row = typeof e.records === 'number' ? e.records + (e.empty_lines ?? 0) + 1 : null;
    throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'csv_malformed', csvError: e.code ?? null, row });
  }
  // records so far plus the blank lines skipped so far: the row a spreadsheet gives the record
  return records.map((r) => ({ row: r.info.records + r.info.empty_lines, values: r.record }));
}

interface RawRow {
  row: number;
  values: CellValue[];
}

/**
 * Given an .xlsx's bytes, returns the first visible non-empty sheet's non-empty rows, at most as many
 * as decide the row limit (the header's search rows, the limit and one more); CASE_IMPORT_TOO_LARGE
 * when the zip directory says it unpacks beyond MAX_XLSX_UNPACKED_BYTES.
 */
async function readXlsx(bytes: Buffer, maxRows: number): Promise<RawRow[]> {
  const dir = readZipDirectory(bytes);
  if (!dir) throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'xlsx_malformed' });
  if (dir.uncompressedBytes > MAX_XLSX_UNPACKED_BYTES) {
    throw new AppError('CASE_IMPORT_TOO_LARGE', { reason: 'unpacked_too_large', maxUnpackedBytes: MAX_XLSX_UNPACKED_BYTES });
  }
  const enough = maxRows + HEADER_SEARCH_ROWS + 1;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    sharedStrings: 'cache',
    styles: 'cache', // date cells are numbers with a date format
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const raw: RawRow[] = [];
  try {
    for await (const sheet of reader) {
      if ((sheet as unknown as { state?: string }).state === 'hidden' || (sheet as unknown as { state?: string }).state === 'veryHidden') continue;
      for await (const r of sheet) {
        const row = r as ExcelJS.Row;
        const values: CellValue[] = [];
        for (let c = 1; c <= row.cellCount; c++) values.push(cellValue(row.getCell(c).value));
        if (values.every(isBlank)) continue;
        raw.push({ row: row.number, values });
        if (raw.length >= enough) break;
      }
      if (raw.length) break;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'xlsx_malformed' });
  }
  if (!raw.length) throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'empty' });
  return raw;
}

/** Given an exceljs cell value, returns plain text, a number, a date or null (rich text joined, formulas by their result). */
function cellValue(v: ExcelJS.CellValue): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('formula' in v || 'sharedFormula' in v) return cellValue((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('text' in v) return String((v as ExcelJS.CellHyperlinkValue).text);
    if ('error' in v) return null;
  }
  return null;
}

const isBlank = (v: CellValue) => v === null || (typeof v === 'string' && v.trim() === '');

/** Given a row, returns how many of its cells name a known column. */
const knownColumns = (r: RawRow) => r.values.filter((v) => typeof v === 'string' && columnOfHeader(v.replace(/^\uFEFF/, ''))).length;

/**
 * Given raw rows, returns those under the header keyed by column. The header is the row naming the
 * most known columns among the first few non-empty rows (a title row above it is passed over);
 * CASE_IMPORT_FILE_INVALID when it lacks a required column, CASE_IMPORT_TOO_LARGE past maxRows.
 */
function toRows(raw: RawRow[], maxRows: number): SheetRow[] {
  const nonEmpty = raw.filter((r) => r.values.some((v) => !isBlank(v)));
  if (!nonEmpty.length) throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'empty' });
  let at = 0;
  for (let i = 1; i < Math.min(HEADER_SEARCH_ROWS, nonEmpty.length); i++) if (knownColumns(nonEmpty[i]!) > knownColumns(nonEmpty[at]!)) at = i;
  const head = nonEmpty[at]!;
  const body = nonEmpty.slice(at + 1);
  const columns = head.values.map((v) => (typeof v === 'string' ? columnOfHeader(v.replace(/^\uFEFF/, '')) : null));
  const repeated = [...new Set(columns.filter((c, i) => c && columns.indexOf(c) !== i))];
  const missing = IMPORT_COLUMNS.filter((c) => c.required && !columns.includes(c.key)).map((c) => c.header);
  if (missing.length || repeated.length) {
    throw new AppError('CASE_IMPORT_FILE_INVALID', {
      reason: 'bad_header',
      missing,
      repeated: repeated.map((k) => IMPORT_COLUMNS.find((c) => c.key === k)!.header),
      expected: IMPORT_COLUMNS.map((c) => c.header),
    });
  }
  if (body.length === 0) throw new AppError('CASE_IMPORT_FILE_INVALID', { reason: 'no_rows' });
  if (body.length > maxRows) throw new AppError('CASE_IMPORT_TOO_LARGE', { reason: 'too_many_rows', max: maxRows });
  return body.map(({ row, values }) => {
    const cells: SheetRow['cells'] = {};
    columns.forEach((c, i) => {
      if (c) cells[c] = values[i] ?? null;
    });
    return { row, cells };
  });
}
