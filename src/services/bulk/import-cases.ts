/**
 * Bulk import of cases (12345 transfers, legacy systems) from a CSV or Excel file. All or nothing:
 * every row is checked first and one bad row imports nothing (CASE_IMPORT_REJECTED with the whole
 * report); otherwise the case numbers are reserved in a short transaction of their own (so the
 * year's counter is never held by the import), then every row is registered in ONE transaction, as
 * the importing registrar, with its timers. A refusal inside the transaction (a concurrent import of
 * the same transfer, a category question) rolls everything back and is reported against its row; a
 * deadlock or other database failure answers CASE_IMPORT_FAILED (try again). Either way the reserved
 * numbers stay unused, and an audit entry names them, so the gap in the numbering is explained.
 */
import crypto from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { caseImportNotes, errorMessages } from '../../i18n/zh-CN.js';
import type { Queryable } from '../../store/database.js';
import { isDbUnavailable, isRetryableConflict, isUniqueViolation, sqlState } from '../../store/pg-errors.js';
import { cases, categories, orgUnits } from '../../store/schema.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { registerCase } from '../register-case.js';
import { toChinaDate } from '../../domain/deadlines/china-date.js';
import { reserveCaseNumbers, type ReservedRange } from './reserve-case-numbers.js';
import { accusedCodesOf, canonicalRef, canonicalSource, checkImportRows, reasonMessage, type ImportLookups, type ImportProblem } from './check-import-rows.js';
import { headerOf, type ImportColumnKey } from './import-columns.js';
import { readImportFile, type SheetRow } from './read-import-file.js';

/** Who imports: the reception desk and the dispatchers of the petition bureau / hotline centre, who register transfers. */
export const IMPORT_ROLES = ['registrar', 'dispatcher'] as const;
/** How many problems a rejection lists (the counts say how many there were). */
const MAX_REPORTED_PROBLEMS = 5_000;

export interface ImportOptions {
  fileName: string;
  /** the source system for rows without a 来源系统 cell (e.g. '12345') */
  source?: string | null;
  /** check only; nothing is written */
  dryRun?: boolean;
  via: 'api' | 'cli';
}

export interface ImportOutcome {
  dryRun: boolean;
  format: 'csv' | 'xlsx';
  encoding: string | null;
  sha256: string;
  rowCount: number;
  accepted: number;
  created: { row: number; caseId: string; number: string }[];
  ms: number;
}

/** The details of a CASE_IMPORT_REJECTED answer: what the page shows and the report lists. */
export interface ImportRejection {
  fileName: string;
  rowCount: number;
  accepted: number;
  rejectedRowCount: number;
  rejected: Pick<ImportProblem, 'row' | 'column' | 'message' | 'reason'>[];
  /** set when the problem arose while writing (everything rolled back) */
  duringWrite?: boolean;
  /** the case numbers reserved for the import and left unused by its failure (audited) */
  unusedNumbers?: ReservedRange[];
  /** in words, for the page and the command line: which numbers stay unused */
  note?: string;
}

/** Given the app, returns the most rows one import may hold: far fewer on PGlite, which runs in the server's thread. */
export function maxImportRows(ctx: Pick<AppContext, 'config' | 'database'>): number {
  return ctx.database.kind === 'pglite' ? ctx.config.IMPORT_MAX_ROWS_PGLITE : ctx.config.IMPORT_MAX_ROWS;
}

/**
 * Given the importing staff member and the file's bytes, returns the created case numbers (or, for
 * a dry run, how many rows would be imported); CASE_IMPORT_REJECTED naming every bad row, with
 * nothing written, when any row is wrong.
 */
export async function importCases(ctx: AppContext, actor: StaffActor, bytes: Buffer, opts: ImportOptions): Promise<ImportOutcome> {
  const t0 = performance.now();
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const sheet = await readImportFile(bytes, { maxRows: maxImportRows(ctx) });
  const checked = await checkFile(ctx, actor, sheet.rows, opts.source ?? null);
  const base = { format: sheet.format, encoding: sheet.encoding, sha256, rowCount: sheet.rows.length, accepted: checked.checked.length };
  if (checked.problems.length) {
    if (!opts.dryRun) await auditRejection(ctx, actor, opts, sha256, sheet.rows.length, checked.problems);
    throw rejection(opts.fileName, sheet.rows.length, checked.checked.length, checked.problems);
  }
  if (opts.dryRun) return { dryRun: true, ...base, created: [], ms: performance.now() - t0 };

  const reserved = await reserveCaseNumbers(
    ctx.db,
    ctx.config.REGION,
    checked.checked.map((c) => Number(toChinaDate(c.input.receivedAt!).slice(0, 4))),
  );
  let created: ImportOutcome['created'];
  try {
    created = await ctx.db.transaction(async (tx) => {
      const out: ImportOutcome['created'] = [];
      for (const [i, { row, input }] of checked.checked.entries()) {
        try {
          const c = await registerCase(ctx, actor, input, { tx, number: reserved.numbers[i]! });
          out.push({ row, caseId: c.caseId, number: c.number });
        } catch (err) {
          throw new RowWriteFailure(row, err);
        }
        // Let the server answer other requests between rows (PGlite shares its thread).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await writeAudit(
        ctx,
        {
          actorId: actor.userId,
          action: 'cases.imported',
          targetType: 'case',
          targetId: null,
          data: {
            via: opts.via,
            fileName: opts.fileName,
            sha256,
            format: sheet.format,
            source: opts.source ?? null,
            rows: out.length,
            first: out[0]?.number ?? null,
            last: out.at(-1)?.number ?? null,
            numbers: reserved.ranges,
          },
        },
        tx,
      );
      return out;
    });
  } catch (err) {
    const cause = err instanceof RowWriteFailure ? err.error : err;
    const problem = err instanceof RowWriteFailure ? rowProblemOf(err) : null;
    const reason = problem ? 'row_refused' : isRetryableConflict(cause) ? 'conflict' : isDbUnavailable(cause) ? 'unavailable' : sqlState(cause) ? 'database' : null;
    await auditUnusedNumbers(ctx, actor, opts, sha256, reserved.ranges, reason ?? 'error');
    const unused = { unusedNumbers: reserved.ranges, note: unusedNote(reserved.ranges) };
    if (problem) {
      await auditRejection(ctx, actor, opts, sha256, sheet.rows.length, [problem]);
      throw rejection(opts.fileName, sheet.rows.length, checked.checked.length - 1, [problem], unused);
    }
    if (reason) {
      ctx.logger.warn({ err: cause, reason, rows: checked.checked.length }, '导入失败，全部回滚 (case import rolled back)');
      throw new AppError('CASE_IMPORT_FAILED', { reason, fileName: opts.fileName, rowCount: sheet.rows.length, ...unused });
    }
    throw cause; // a bug: answered as such
  }
  return { dryRun: false, ...base, created, ms: performance.now() - t0 };
}

/**
 * Given the file's bytes, returns every problem of every row without writing anything (the report
 * a clerk downloads); an empty list when the file would import.
 */
export async function checkCaseFile(ctx: AppContext, actor: StaffActor, bytes: Buffer, source: string | null): Promise<{ rowCount: number; accepted: number; problems: ImportProblem[] }> {
  const sheet = await readImportFile(bytes, { maxRows: maxImportRows(ctx) });
  const { checked, problems } = await checkFile(ctx, actor, sheet.rows, source);
  return { rowCount: sheet.rows.length, accepted: checked.length, problems };
}

async function checkFile(ctx: AppContext, actor: StaffActor, rows: SheetRow[], source: string | null) {
  const lookups = await loadLookups(ctx.db, ctx.config.REGION, rows, source);
  return checkImportRows(rows, { source: source?.trim() || null, scopePath: actor.scopePath, now: ctx.now(), lookups });
}

function rejection(
  fileName: string,
  rowCount: number,
  accepted: number,
  problems: ImportProblem[],
  duringWrite?: { unusedNumbers: ReservedRange[]; note: string },
): AppError {
  const details: ImportRejection = {
    fileName,
    rowCount,
    accepted,
    rejectedRowCount: new Set(problems.map((p) => p.row)).size,
    rejected: problems.slice(0, MAX_REPORTED_PROBLEMS).map(({ row, column, reason, message }) => ({ row, column, reason, message })),
    ...(duringWrite ? { duringWrite: true, ...duringWrite } : {}),
  };
  return new AppError('CASE_IMPORT_REJECTED', details as unknown as Record<string, unknown>);
}

async function auditRejection(ctx: AppContext, actor: StaffActor, opts: ImportOptions, sha256: string, rows: number, problems: ImportProblem[]) {
  await writeAudit(ctx, {
    actorId: actor.userId,
    action: 'cases.import_rejected',
    targetType: 'case',
    targetId: null,
    data: { via: opts.via, fileName: opts.fileName, sha256, rows, rejectedRows: [...new Set(problems.map((p) => p.row))].slice(0, 100) },
  });
}

/** Given the reserved ranges, returns them in words: 「件号 YH-2026-000101 至 YH-2026-000110（共 10 个）」. */
function unusedNote(ranges: readonly ReservedRange[]): string {
  const list = ranges.map((r) => (r.count === 1 ? r.from : `${r.from} 至 ${r.to}（共 ${r.count} 个）`)).join('、');
  return caseImportNotes.unusedNumbers.replace('{ranges}', list);
}

/**
 * Given a failed import's reserved numbers, records them as unused (件件可倒查: every gap in the
 * numbering is explained). Best effort: when the database itself is gone, the log keeps them.
 */
async function auditUnusedNumbers(ctx: AppContext, actor: StaffActor, opts: ImportOptions, sha256: string, ranges: ReservedRange[], reason: string) {
  try {
    await writeAudit(ctx, {
      actorId: actor.userId,
      action: 'cases.import_numbers_unused',
      targetType: 'case',
      targetId: null,
      data: { via: opts.via, fileName: opts.fileName, sha256, reason, ranges },
    });
  } catch (err) {
    ctx.logger.error({ err, ranges, fileName: opts.fileName }, '导入失败后预留件号未使用，审计记录写入失败 (unused reserved case numbers not audited)');
  }
}

class RowWriteFailure extends Error {
  constructor(
    readonly row: number,
    readonly error: unknown,
  ) {
    super(`row ${row}`);
  }
}

const COLUMN_OF_CODE: Partial<Record<string, ImportColumnKey>> = {
  CATEGORY_NOT_FOUND: 'categoryCode',
  UNIT_NOT_FOUND: 'gridCode',
  PHONE_INVALID: 'phone',
  ID_NUMBER_INVALID: 'idNumber',
  ACCUSATION_CONFLICT: 'accusedUnitCodes',
};

/** Given a row's failure while writing, returns it as the row's problem, or null when it is not the row's fault (a deadlock, the database, a bug). */
function rowProblemOf(f: RowWriteFailure): ImportProblem | null {
  if (isUniqueViolation(f.error)) return { row: f.row, column: headerOf('ref'), reason: 'imported_meanwhile', message: reasonMessage('imported_meanwhile') };
  if (f.error instanceof AppError) {
    const why = errorMessages[f.error.code];
    return { row: f.row, column: headerOf(COLUMN_OF_CODE[f.error.code] ?? ''), reason: 'write_failed', message: reasonMessage('write_failed', { why }) };
  }
  // SQLSTATE 22 (data exception) and 23 (integrity): the row's data, refused by the database
  const state = sqlState(f.error);
  if (state && (state.startsWith('22') || state.startsWith('23'))) {
    return { row: f.row, column: '', reason: 'write_failed', message: reasonMessage('write_failed', { why: caseImportNotes.databaseRefused }) };
  }
  return null;
}

/** Given the rows, returns what the checks need from the database, each looked up once for the whole file. */
async function loadLookups(q: Queryable, region: string, rows: SheetRow[], fileSource: string | null): Promise<ImportLookups> {
  const cats = await q.select({ code: categories.code, name: categories.name }).from(categories).where(eq(categories.active, true));
  const categoriesByName = new Map<string, string[]>();
  for (const c of cats) categoriesByName.set(c.name, [...(categoriesByName.get(c.name) ?? []), c.code]);

  const str = (v: unknown) => (v === null || v === undefined || v instanceof Date ? '' : String(v).trim());
  const gridCodes = [
    ...new Set([...rows.map((r) => str(r.cells.gridCode).replace(/\s/g, '')), ...rows.flatMap((r) => accusedCodesOf(str(r.cells.accusedUnitCodes)))].filter(Boolean)),
  ];
  const unitsByCode = new Map<string, { id: string; kind: string; active: boolean; path: string }>();
  for (let i = 0; i < gridCodes.length; i += 1_000) {
    const found = await q
      .select({ id: orgUnits.id, code: orgUnits.code, kind: orgUnits.kind, active: orgUnits.active, path: orgUnits.path })
      .from(orgUnits)
      .where(inArray(orgUnits.code, gridCodes.slice(i, i + 1_000)));
    for (const u of found) unitsByCode.set(u.code, u);
  }

  const refsBySource = new Map<string, Set<string>>();
  for (const r of rows) {
    const source = canonicalSource(str(r.cells.source) || fileSource?.trim() || '');
    const ref = typeof r.cells.ref === 'number' ? '' : canonicalRef(str(r.cells.ref));
    if (!source || !ref) continue;
    const set = refsBySource.get(source) ?? new Set<string>();
    set.add(ref);
    refsBySource.set(source, set);
  }
  const existingRefs = new Set<string>();
  for (const [source, set] of refsBySource) {
    const refs = [...set];
    for (let i = 0; i < refs.length; i += 1_000) {
      const found = await q
        .select({ ref: cases.externalRef })
        .from(cases)
        .where(and(eq(cases.region, region), eq(cases.externalSource, source), inArray(cases.externalRef, refs.slice(i, i + 1_000))));
      for (const f of found) existingRefs.add(`${source}\u0000${f.ref}`);
    }
  }
  return { categoryCodes: new Set(cats.map((c) => c.code)), categoriesByName, unitsByCode, existingRefs };
}
