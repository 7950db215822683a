/**
 * Importing an org tree (a district's streets, communities, grids and micro-grids) from JSON rows or
 * a CSV file with the header `code,parentCode,kind,level,name,lat,lng`. A parent is an existing unit
 * or a row of the same file, before or after the child. All or nothing: every row is checked first
 * (ladder, codes, names, cycles, the admin's scope) and one bad row imports nothing; otherwise the
 * whole tree is written in one transaction. The admin API and the CLI (actor null) share this.
 */
import crypto from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { AppError } from '../domain/errors.js';
import type { Queryable } from '../store/database.js';
import { orgUnits } from '../store/schema.js';
import type { UnitRow } from '../store/org-repository.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';
import { lockOrgTree } from './org-admin.js';
import { ALLOWED_PARENT, UNIT_KINDS, placeUnder, type UnitKind } from './org-units.js';

/** 20,000 rows: a whole city's grids and micro-grids in one file. */
export const MAX_IMPORT_ROWS = 20_000;
/** How many bad rows an IMPORT_INVALID answer lists (the count says how many there were). */
const MAX_REPORTED_ROWS = 1_000;

export const CSV_COLUMNS = ['code', 'parentCode', 'kind', 'level', 'name', 'lat', 'lng'] as const;
const REQUIRED_COLUMNS = ['code', 'parentCode', 'kind', 'name'] as const;
const CODE_RE = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,39}$/;
const CONTROL = /[\u0000-\u001F\u007F]/;
/** An unpaired UTF-16 surrogate has no UTF-8 form: PostgreSQL would store U+FFFD instead. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** One row as it arrives (JSON or CSV); `line` is its 1-based line in the file, or its position in the list. */
export interface RawImportRow {
  line?: number;
  [field: string]: unknown;
}

export interface ImportRowError {
  field: string;
  reason: string;
  [detail: string]: unknown;
}

export interface ImportResult {
  created: number;
  byKind: Partial<Record<UnitKind, number>>;
}

interface Row {
  line: number;
  code: string;
  parentCode: string | null;
  kind: UnitKind | null;
  level: 'city' | 'district' | null;
  name: string;
  lat: number | null;
  lng: number | null;
  errors: ImportRowError[];
}

/**
 * Given CSV text, returns its rows with their line numbers; IMPORT_INVALID when the text is not
 * UTF-8, not CSV, or its header is not the import format.
 */
export function parseOrgCsv(text: string): RawImportRow[] {
  // A file saved as GBK decodes with replacement characters; say so instead of importing mojibake.
  if (text.includes('\uFFFD')) throw new AppError('IMPORT_INVALID', { reason: 'not_utf8' });
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { code?: string; lines?: number };
    throw new AppError('IMPORT_INVALID', { reason: 'csv_malformed', csvError: e.code ?? null, line: e.lines ?? null });
  }
  const [head, ...body] = records;
  if (!head) throw new AppError('IMPORT_INVALID', { reason: 'empty' });
  const canon = (s: string) => s.toLowerCase().replace(/[_\s-]/g, '');
  const known = new Map<string, (typeof CSV_COLUMNS)[number]>(CSV_COLUMNS.map((c) => [canon(c), c]));
  const columns = head.record.map((h) => known.get(canon(h)) ?? null);
  const unknown = head.record.filter((_, i) => columns[i] === null);
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  const repeated = columns.filter((c, i) => c && columns.indexOf(c) !== i);
  if (unknown.length || missing.length || repeated.length) {
    throw new AppError('IMPORT_INVALID', { reason: 'bad_header', expected: CSV_COLUMNS, missing, unknown, repeated });
  }
  return body.map(({ record, info }) => {
    // info.lines is where the record ends; a quoted field may span lines.
    const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    const row: RawImportRow = { line };
    columns.forEach((c, i) => {
      if (c) row[c] = record[i] ?? '';
    });
    if (record.length !== columns.length) row.__columnCount = record.length;
    return row;
  });
}

/**
 * Given an actor (an admin, or null for the CLI) and rows, creates the whole tree in one transaction
 * and returns how many units of each kind were created; IMPORT_INVALID naming every bad row, with
 * nothing written, when any row is wrong.
 */
export async function importOrgTree(ctx: AppContext, actor: StaffActor | null, raw: readonly RawImportRow[]): Promise<ImportResult> {
  if (raw.length === 0) throw new AppError('IMPORT_INVALID', { reason: 'empty' });
  if (raw.length > MAX_IMPORT_ROWS) throw new AppError('IMPORT_INVALID', { reason: 'too_many_rows', max: MAX_IMPORT_ROWS, rowCount: raw.length });
  const rows = raw.map((r, i) => normalizeRow(r, i));

  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const existing = await findUnitsByCodes(tx, [...new Set(rows.flatMap((r) => (r.parentCode ? [r.code, r.parentCode] : [r.code])))]);
    const order = checkTree(rows, existing, actor);
    const bad = rows.filter((r) => r.errors.length > 0);
    if (bad.length > 0) {
      throw new AppError('IMPORT_INVALID', {
        reason: 'bad_rows',
        rowCount: rows.length,
        badRowCount: bad.length,
        rows: bad.slice(0, MAX_REPORTED_ROWS).map((r) => ({ row: r.line, code: r.code || null, errors: r.errors })),
      });
    }

    // One multi-row insert per 1,000 units: 20,000 single inserts (createUnit per row) held the
    // transaction — and on PGlite every other request — for 14 s (PostgreSQL 9 s); batched, the
    // whole 20,000-row request takes 2–4 s. Rows are built as createUnit builds them; the ladder was
    // checked above.
    const created = new Map<string, Pick<UnitRow, 'id' | 'kind' | 'level' | 'path' | 'depth'>>();
    const byKind: Partial<Record<UnitKind, number>> = {};
    const values: (typeof orgUnits.$inferInsert)[] = [];
    const region = ctx.config.REGION;
    for (const r of order) {
      const parent = r.parentCode ? created.get(r.parentCode) ?? existing.get(r.parentCode)! : null;
      const id = crypto.randomUUID();
      const kind = r.kind!;
      const level = kind === 'department' ? r.level ?? (parent?.kind === 'city' ? 'city' : parent?.level ?? 'district') : null;
      const row = { id, parentId: parent?.id ?? null, kind, level, name: r.name, code: r.code, ...placeUnder(parent, id), region, active: true, lat: r.lat, lng: r.lng };
      values.push(row);
      created.set(r.code, row);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    }
    try {
      for (let i = 0; i < values.length; i += 1_000) await tx.insert(orgUnits).values(values.slice(i, i + 1_000));
    } catch (err) {
      // only a writer that skips the org lock can get here between our check and our insert
      if (isUniqueViolation(err)) throw new AppError('IMPORT_INVALID', { reason: 'code_taken_meanwhile' });
      throw err;
    }
    const roots = order.filter((r) => !r.parentCode || !created.has(r.parentCode)).map((r) => r.code);
    await writeAudit(
      ctx,
      {
        actorId: actor?.userId ?? null,
        action: 'org.imported',
        targetType: 'org_unit',
        targetId: null,
        data: { via: actor ? 'api' : 'cli', created: order.length, byKind, roots, codes: order.map((r) => r.code) },
      },
      tx,
    );
    return { created: order.length, byKind };
  });
}

async function findUnitsByCodes(q: Queryable, codes: string[]): Promise<Map<string, UnitRow>> {
  const out = new Map<string, UnitRow>();
  for (let i = 0; i < codes.length; i += 5_000) {
    const rows = await q.select().from(orgUnits).where(inArray(orgUnits.code, codes.slice(i, i + 5_000)));
    for (const r of rows) out.set(r.code, r);
  }
  return out;
}

const FIELDS = new Set<string>(CSV_COLUMNS);

function normalizeRow(raw: RawImportRow, index: number): Row {
  const errors: ImportRowError[] = [];
  const line = typeof raw.line === 'number' && Number.isInteger(raw.line) ? raw.line : index + 1;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { line, code: '', parentCode: null, kind: null, level: null, name: '', lat: null, lng: null, errors: [{ field: '', reason: 'not_an_object' }] };
  }
  if (typeof raw.__columnCount === 'number') errors.push({ field: '', reason: 'column_count', columns: raw.__columnCount });
  for (const key of Object.keys(raw)) {
    if (key !== 'line' && key !== '__columnCount' && !FIELDS.has(key)) errors.push({ field: key, reason: 'unknown_field' });
  }
  const str = (field: string): string => {
    const v = raw[field];
    if (v === undefined || v === null) return '';
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') {
      errors.push({ field, reason: 'not_text' });
      return '';
    }
    return v.trim();
  };
  const num = (field: 'lat' | 'lng', bound: number): number | null => {
    const v = raw[field];
    if (v === undefined || v === null || v === '') return null;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n) || Math.abs(n) > bound) {
      errors.push({ field, reason: 'out_of_range' });
      return null;
    }
    return n;
  };

  const code = str('code');
  if (!code) errors.push({ field: 'code', reason: 'required' });
  else if (!CODE_RE.test(code)) errors.push({ field: 'code', reason: 'bad_format' });
  const parentCode = str('parentCode') || null;
  if (parentCode && !CODE_RE.test(parentCode)) errors.push({ field: 'parentCode', reason: 'bad_format' });
  const kindText = str('kind');
  const kind = (UNIT_KINDS as readonly string[]).includes(kindText) ? (kindText as UnitKind) : null;
  if (!kind) errors.push({ field: 'kind', reason: kindText ? 'unknown_kind' : 'required', allowed: UNIT_KINDS });
  const levelText = str('level');
  let level: Row['level'] = null;
  if (levelText) {
    if (kind && kind !== 'department') errors.push({ field: 'level', reason: 'only_for_departments' });
    else if (levelText === 'city' || levelText === 'district') level = levelText;
    else errors.push({ field: 'level', reason: 'unknown_level', allowed: ['city', 'district'] });
  }
  const name = str('name');
  if (!name) errors.push({ field: 'name', reason: 'required' });
  else if (name.length > 100) errors.push({ field: 'name', reason: 'too_long', max: 100 });
  else if (CONTROL.test(name) || LONE_SURROGATE.test(name)) errors.push({ field: 'name', reason: 'bad_characters' });
  const lat = num('lat', 90);
  const lng = num('lng', 180);
  return { line, code, parentCode, kind, level, name, lat, lng, errors };
}

/**
 * Checks codes, parents, the ladder and the actor's scope row by row (recording errors on the rows)
 * and returns the rows in creation order: every parent before its children.
 */
function checkTree(rows: Row[], existing: Map<string, UnitRow>, actor: StaffActor | null): Row[] {
  const byCode = new Map<string, Row>();
  for (const r of rows) {
    if (!r.code) continue;
    const first = byCode.get(r.code);
    if (first) r.errors.push({ field: 'code', reason: 'duplicate_in_file', firstRow: first.line });
    else byCode.set(r.code, r);
    if (existing.has(r.code)) r.errors.push({ field: 'code', reason: 'code_exists' });
  }

  const childrenOf = new Map<Row, Row[]>();
  const roots: Row[] = [];
  for (const r of rows) {
    if (!r.parentCode) {
      if (r.kind && !ALLOWED_PARENT[r.kind].includes(null)) r.errors.push({ field: 'parentCode', reason: 'required' });
      else if (actor) r.errors.push({ field: 'parentCode', reason: 'parent_outside_scope' }); // a new root lies outside every admin's scope
      roots.push(r);
      continue;
    }
    if (r.parentCode === r.code) {
      r.errors.push({ field: 'parentCode', reason: 'cycle' });
      continue;
    }
    const inFile = byCode.get(r.parentCode);
    const stored = existing.get(r.parentCode);
    let parentKind: UnitKind | null = null;
    let parentLevel: string | null = null;
    if (inFile && inFile !== r) {
      parentKind = inFile.kind;
      parentLevel = inFile.level;
      const siblings = childrenOf.get(inFile);
      if (siblings) siblings.push(r);
      else childrenOf.set(inFile, [r]);
    } else if (stored) {
      parentKind = stored.kind as UnitKind;
      parentLevel = stored.level;
      if (!stored.active) r.errors.push({ field: 'parentCode', reason: 'parent_inactive' });
      else if (actor && !stored.path.startsWith(actor.scopePath)) r.errors.push({ field: 'parentCode', reason: 'parent_outside_scope' });
      roots.push(r);
    } else {
      r.errors.push({ field: 'parentCode', reason: 'parent_not_found' });
      continue;
    }
    if (r.kind && parentKind && !ALLOWED_PARENT[r.kind].includes(parentKind)) {
      r.errors.push({ field: 'kind', reason: 'not_allowed_under_parent', kind: r.kind, parentKind, allowedParents: ALLOWED_PARENT[r.kind] });
    }
    if (r.kind === 'department' && r.level && parentKind) {
      const expected = parentKind === 'city' ? 'city' : parentKind === 'district' ? 'district' : parentLevel;
      if (expected && expected !== r.level) r.errors.push({ field: 'level', reason: 'level_mismatch', expected });
    }
  }

  // Parents before children (Kahn over in-file parent links); what is never reached hangs in a cycle.
  const order: Row[] = [...roots];
  const seen = new Set<Row>(roots);
  for (let i = 0; i < order.length; i++) {
    for (const c of childrenOf.get(order[i]!) ?? []) {
      if (!seen.has(c)) {
        seen.add(c);
        order.push(c);
      }
    }
  }
  for (const r of rows) {
    if (seen.has(r) || !r.parentCode || r.parentCode === r.code || !byCode.has(r.parentCode)) continue;
    let p = byCode.get(r.parentCode);
    const walked = new Set<Row>();
    while (p && !walked.has(p) && p !== r) {
      walked.add(p);
      p = p.parentCode ? byCode.get(p.parentCode) : undefined;
    }
    r.errors.push({ field: 'parentCode', reason: p === r ? 'cycle' : 'ancestor_in_cycle' });
  }
  return order;
}
