/**
 * Checking a case import row by row, collecting every problem (row as the clerk sees it, column
 * header, a zh-CN reason) rather than stopping at the first: required fields, lengths, phone and
 * ID number (the intake's own validators), dates, codes of categories and grids that exist and are
 * active, duplicates inside the file and transfers already imported (the source system's name
 * normalised, so 「12345热线」 and 「１２３４５」 are the same 12345), the accused units of a 举报.
 * Pure: the database's answers come in as lookups, the clock as `now`.
 */
import {
  CHANNEL_LABELS,
  NATURE_LABELS,
  TYPE_12345_LABELS,
  URGENCY_LABELS,
  type Channel,
  type Nature,
  type Type12345,
  type Urgency,
} from '../../domain/case-fields.js';
import { validateIdNumber } from '../../domain/personal-data/id-number.js';
import { parsePhone } from '../../domain/personal-data/phone.js';
import { toChinaDate } from '../../domain/deadlines/china-date.js';
import { caseImportReasons, idNumberReasons } from '../../i18n/zh-CN.js';
import type { RegisterCaseInput } from '../register-case.js';
import { headerOf, type ImportColumnKey } from './import-columns.js';
import { parseChinaDateTime } from './parse-china-datetime.js';
import type { CellValue, SheetRow } from './read-import-file.js';

export type ImportReason = keyof typeof caseImportReasons;

/** One problem of one row: what the report lists. */
export interface ImportProblem {
  row: number;
  column: string;
  reason: ImportReason;
  message: string;
}

/** What the database knows, looked up once for the whole file. */
export interface ImportLookups {
  /** active categories by code */
  categoryCodes: ReadonlySet<string>;
  /** active categories' codes by name */
  categoriesByName: ReadonlyMap<string, string[]>;
  /** org units named by the file's grid codes and accused-unit codes */
  unitsByCode: ReadonlyMap<string, { id: string; kind: string; active: boolean; path: string }>;
  /** `source\u0000ref` of transfers already in the database */
  existingRefs: ReadonlySet<string>;
}

export interface CheckedRow {
  row: number;
  input: RegisterCaseInput & { externalSource: string; externalRef: string };
}

/** A clock skew tolerated between the exporting system and the server for "received at". */
/** Control characters (PostgreSQL text holds no NUL) and unpaired surrogates (no UTF-8 form) are refused, as at the API. */
const UNCLEAN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDFFF]/u;
const isCleanText = (s: string) => !UNCLEAN.test(s);
const FUTURE_SKEW_MS = 5 * 60_000;
const EARLIEST = Date.parse('2000-01-01T00:00:00+08:00');

const reverse = <K extends string>(labels: Record<K, string>, extra: Record<string, K> = {}) => {
  const m = new Map<string, K>();
  for (const [k, v] of Object.entries(labels) as [K, string][]) {
    m.set(v, k);
    m.set(k, k);
  }
  for (const [k, v] of Object.entries(extra)) m.set(k, v);
  return m;
};
const TYPES = reverse<Type12345>(TYPE_12345_LABELS, { 建言: 'suggestion', 建议类: 'suggestion', 投诉类: 'complaint', 咨询类: 'inquiry', 求助类: 'help', 举报类: 'report' });
const NATURES = reverse<Nature>(NATURE_LABELS, { 建议: 'suggestion', 意见: 'suggestion', 检举: 'accusation', 控告: 'accusation', 申诉: 'appeal', 求决: 'appeal' });
const URGENCIES = reverse<Urgency>(URGENCY_LABELS, { 普通: 'normal', 特急: 'urgent', 加急: 'urgent', 急: 'urgent', 复杂: 'complex' });
const CHANNEL_ALIASES: Record<string, Channel> = { '12345': 'transfer_12345', 电话: 'phone', 来电话: 'phone', 信件: 'letter', 走访: 'visit', 网上: 'online', 网络: 'online', 网格: 'grid_report' };
const CHANNELS = reverse<Channel>(CHANNEL_LABELS, CHANNEL_ALIASES);
/** 举报 reports wrongdoing: an accusation (检举控告, Art. 30), kept from the accused like every accusation. */
const NATURE_OF_TYPE: Record<Type12345, Nature> = { inquiry: 'appeal', help: 'appeal', complaint: 'appeal', report: 'accusation', suggestion: 'suggestion' };

/** Given a reason and its details, returns the zh-CN message with the details filled in. */
export function reasonMessage(reason: ImportReason, details: Record<string, string | number> = {}): string {
  return caseImportReasons[reason].replace(/\{(\w+)\}/g, (_, k: string) => String(details[k] ?? ''));
}

/** Given a source system's name, returns whether it is the 12345 hotline (its transfers keep the 12345 channel). */
export const is12345 = (source: string) => /12345/.test(source);

/**
 * Given a source system's name as typed, returns the name a transfer's uniqueness is kept under:
 * full-width forms folded (NFKC), spaces removed, and every name of the 12345 hotline
 * (「12345热线」「12345政务服务便民热线」「１２３４５」) as '12345'.
 */
export function canonicalSource(name: string): string {
  const s = name.normalize('NFKC').replace(/\s+/g, '');
  return is12345(s) ? '12345' : s;
}

/** Given an external ref as typed, returns it as kept: full-width forms folded (NFKC), surrounding spaces removed. */
export const canonicalRef = (ref: string) => ref.normalize('NFKC').trim();

/** Given an accused-units cell, returns its codes (separated by 、 , ， ； or spaces). */
export const accusedCodesOf = (text: string) => [...new Set(text.normalize('NFKC').split(/[、,;；\s]+/).filter(Boolean))];

/**
 * Given the file's rows, the source named for the whole file (or null), the actor's scope path,
 * the time and the database's lookups, returns the rows ready to register and every problem found.
 */
export function checkImportRows(
  rows: readonly SheetRow[],
  opts: { source: string | null; scopePath: string; now: Date; lookups: ImportLookups },
): { checked: CheckedRow[]; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const checked: CheckedRow[] = [];
  const firstRowOfRef = new Map<string, number>();
  const today = toChinaDate(opts.now);
  const { lookups } = opts;

  for (const { row, cells } of rows) {
    const before = problems.length;
    const add = (column: ImportColumnKey, reason: ImportReason, details: Record<string, string | number> = {}) =>
      problems.push({ row, column: headerOf(column), reason, message: reasonMessage(reason, details) });
    const textOf = (key: ImportColumnKey, min: number, max: number, required: boolean): string | null => {
      const v = cells[key];
      const s = cellText(v);
      if (s === undefined) {
        add(key, 'not_text');
        return null;
      }
      if (!s) {
        if (required) add(key, 'required');
        return null;
      }
      if (!isCleanText(s)) add(key, 'bad_characters');
      else if (Array.from(s).length > max) add(key, 'too_long', { max });
      else if (Array.from(s).length < min) add(key, 'too_short', { min });
      else return s;
      return null;
    };
    const choice = <T extends string>(key: ImportColumnKey, map: Map<string, T>, labels: Record<T, string>): T | null => {
      const s = textOf(key, 1, 20, false);
      if (!s) return null;
      const v = map.get(s.replace(/\s/g, ''));
      if (!v) add(key, 'unknown_value', { allowed: Object.values<string>(labels).join('、') });
      return v ?? null;
    };

    // A long number in a number cell has lost digits (past 15) or turned into 1e+21: refused like an ID number.
    const refText = typeof cells.ref === 'number' ? (add('ref', 'ref_as_number'), null) : textOf('ref', 1, 64, true);
    const ref = refText === null ? null : canonicalRef(refText);
    const sourceCell = textOf('source', 1, 32, false);
    const sourceText = sourceCell ?? opts.source;
    const source = sourceText ? canonicalSource(sourceText) : null;
    if (!source && !(cellText(cells.source) ?? '').length) add('source', 'source_required');

    let receivedAt: Date | null = null;
    const rawDate = cells.receivedAt;
    if (rawDate === null || rawDate === undefined || (typeof rawDate === 'string' && !rawDate.trim())) add('receivedAt', 'required');
    else {
      receivedAt = parseChinaDateTime(rawDate);
      if (!receivedAt) add('receivedAt', 'date_invalid');
      else if (receivedAt.getTime() > opts.now.getTime() + FUTURE_SKEW_MS) add('receivedAt', 'date_in_future');
      else if (receivedAt.getTime() < EARLIEST) add('receivedAt', 'date_too_early');
    }

    const name = textOf('name', 1, 50, true);
    let phone: string | null = null;
    const phoneText = textOf('phone', 3, 30, false);
    if (phoneText) {
      const p = parsePhone(phoneText);
      if (p.ok) phone = p.normalized;
      else add('phone', 'phone_invalid');
    }
    let idNumber: string | null = null;
    if (typeof cells.idNumber === 'number') add('idNumber', 'id_number_as_number');
    else {
      const idText = textOf('idNumber', 15, 25, false);
      if (idText) {
        const r = validateIdNumber(idText, today);
        if (r.ok) idNumber = r.normalized;
        else add('idNumber', 'id_number_invalid', { why: idNumberReasons[r.reason] });
      }
    }
    const petitionerAddress = textOf('petitionerAddress', 1, 200, false);
    const title = textOf('title', 2, 100, true);
    const content = textOf('content', 5, 10_000, true);

    let categoryCode: string | null = null;
    const codeText = codeCell(cells.categoryCode);
    if (codeText) {
      if (lookups.categoryCodes.has(codeText)) categoryCode = codeText;
      else add('categoryCode', 'category_not_found');
    } else {
      const catName = textOf('categoryName', 1, 50, false);
      if (catName) {
        const codes = lookups.categoriesByName.get(catName) ?? [];
        if (codes.length === 1) categoryCode = codes[0]!;
        else if (codes.length === 0) add('categoryName', 'category_name_not_found', { name: catName });
        else add('categoryName', 'category_name_ambiguous', { name: catName, codes: codes.join('、') });
      }
    }

    let gridId: string | null = null;
    const gridCode = codeCell(cells.gridCode, false);
    if (gridCode) {
      const u = lookups.unitsByCode.get(gridCode);
      if (!u || !u.active) add('gridCode', 'grid_not_found');
      else if (u.kind !== 'grid' && u.kind !== 'micro_grid' && u.kind !== 'community') add('gridCode', 'grid_not_a_grid');
      else if (!u.path.startsWith(opts.scopePath)) add('gridCode', 'grid_outside_scope');
      else gridId = u.id;
    }
    const address = textOf('address', 1, 200, false);
    if (!gridCode && !address && !(cellText(cells.address) ?? '').length) add('gridCode', 'place_required');

    const type12345 = choice('type12345', TYPES, TYPE_12345_LABELS);
    const nature = choice('nature', NATURES, NATURE_LABELS) ?? (type12345 ? NATURE_OF_TYPE[type12345] : 'appeal');
    const urgency = choice('urgency', URGENCIES, URGENCY_LABELS) ?? 'normal';
    const accusedUnitIds: string[] = [];
    const accusedText = textOf('accusedUnitCodes', 1, 500, false);
    if (accusedText) {
      if (nature !== 'accusation') add('accusedUnitCodes', 'accused_units_not_accusation');
      for (const code of accusedCodesOf(accusedText)) {
        const u = lookups.unitsByCode.get(code);
        if (!u || !u.active) add('accusedUnitCodes', 'accused_unit_not_found', { code });
        else accusedUnitIds.push(u.id);
      }
    }
    let channel = choice('channel', CHANNELS, CHANNEL_LABELS);
    if (!channel && !cellText(cells.channel) && source) {
      if (is12345(source)) channel = 'transfer_12345';
      else add('channel', 'channel_required', { allowed: Object.values(CHANNEL_LABELS).join('、') });
    }

    if (ref && source) {
      const key = `${source}\u0000${ref}`;
      const first = firstRowOfRef.get(key);
      if (first !== undefined) add('ref', 'duplicate_in_file', { firstRow: first });
      else {
        firstRowOfRef.set(key, row);
        if (lookups.existingRefs.has(key)) add('ref', 'already_imported');
      }
    }

    if (problems.length > before) continue;
    checked.push({
      row,
      input: {
        channel: channel!,
        nature,
        type12345,
        categoryCode,
        title: title!,
        content: content!,
        urgency,
        petitioners: [{ name: name!, phone, idNumber, address: petitionerAddress }],
        gridId,
        location: address ? { address } : null,
        ...(accusedUnitIds.length ? { accusedUnitIds } : {}),
        receivedAt: receivedAt!,
        externalSource: source!,
        externalRef: ref!,
      },
    });
  }
  return { checked, problems };
}

/** Given a cell, returns its text trimmed ('' when empty), or undefined when it holds a date where text belongs. */
function cellText(v: CellValue | undefined): string | undefined {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return String(v).trim();
}

/**
 * Given a code cell, returns the code as text. Category codes are 2, 4 or 6 digits with a leading 0
 * that a number cell drops (010101 → 10101): an odd-length number gets it back.
 */
function codeCell(v: CellValue | undefined, padCategory = true): string {
  if (typeof v === 'number' && Number.isInteger(v)) {
    const s = String(v);
    return padCategory && s.length % 2 === 1 ? '0' + s : s;
  }
  return cellText(v)?.replace(/\s/g, '') ?? '';
}
