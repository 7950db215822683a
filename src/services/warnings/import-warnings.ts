/**
 * Importing other departments' risk data (公安、人社、住建 … 风险线索) as warnings (DOMAIN.md §6). A JSON
 * array of up to 1,000 rows `{ source, externalId, kind? (only 'external'), level, title, detail, unitCode | unitId,
 * occurredAt, caseNumbers? }`. All or nothing, like the org import (services/org-import.ts): every row
 * is checked first — fields, the unit (active, inside the importer's scope), the case numbers (in his
 * scope, and not accusing the unit named) — and one bad row imports nothing, with a report naming each
 * bad row. Idempotent: a row is raised once per source + externalId (source key
 * `import:<source>:<externalId>`); importing the same file again creates nothing and says so.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { WARNING_LEVELS } from '../../domain/warnings/lifecycle.js';
import { findUnitsById } from '../../store/org-repository.js';
import { cases, orgUnits, warnings } from '../../store/schema.js';
import { caseScopeFilter } from '../../store/scope.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { findNamedPerson } from './warning-recipients.js';
import { noticeRaisedWarning } from './warning-notices.js';
import { raiseWarnings, type RaiseWarningInput } from './warning-store.js';

export const MAX_WARNING_IMPORT_ROWS = 1_000;
/** The kinds an import may carry: imported data must never look as if a rule had raised it. */
export const IMPORTABLE_WARNING_KINDS = ['external'] as const;
/** No control characters, no unpaired UTF-16 surrogates (PostgreSQL text and jsonb cannot hold them faithfully). */
const isCleanText = (s: string) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s) && !/[\uD800-\uDFFF]/u.test(s);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const clean = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine(isCleanText, { message: 'bad_characters' });

const ImportRow = z
  .strictObject({
    source: clean(1, 50).refine((s) => !s.includes(':'), { message: 'no_colon' }),
    externalId: clean(1, 100),
    // only `external`: the rule kinds (cluster, extreme_statement, deadline_risk …) are raised by the rules alone
    kind: z.enum(IMPORTABLE_WARNING_KINDS).default('external'),
    level: z.enum(WARNING_LEVELS),
    title: clean(2, 100),
    detail: clean(1, 4000),
    unitCode: clean(1, 40).optional(),
    unitId: z.string().regex(UUID).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
    caseNumbers: z.array(clean(1, 40)).max(50).optional(),
  })
  .refine((r) => !!r.unitCode !== !!r.unitId, { message: 'unit_code_or_id', path: ['unitCode'] });
type ImportRow = z.infer<typeof ImportRow>;

export interface WarningImportResult {
  rowCount: number;
  created: number;
  /** rows imported before (same source and externalId): nothing changed */
  unchanged: number;
  warnings: Array<{ row: number; externalId: string; id: string; number: string; created: boolean }>;
}

interface RowError {
  field: string;
  reason: string;
}

/** Given an importer (admin or supervisor) and the rows, raises their warnings in one transaction; IMPORT_INVALID naming every bad row, with nothing written, when any row is wrong. */
export async function importWarnings(ctx: AppContext, actor: StaffActor, raw: readonly unknown[]): Promise<WarningImportResult> {
  if (raw.length === 0) throw new AppError('IMPORT_INVALID', { reason: 'empty' });
  if (raw.length > MAX_WARNING_IMPORT_ROWS) throw new AppError('IMPORT_INVALID', { reason: 'too_many_rows', max: MAX_WARNING_IMPORT_ROWS, rowCount: raw.length });
  const region = ctx.config.REGION;
  const parsed = raw.map((r) => {
    const res = ImportRow.safeParse(r);
    return res.success
      ? { row: res.data, errors: [] as RowError[] }
      : { row: null, errors: res.error.issues.map((i) => ({ field: i.path.join('.') || '', reason: i.code === 'custom' ? i.message : i.code })) };
  });

  return ctx.db.transaction(async (tx) => {
    const good = parsed.map((p) => p.row).filter((r): r is ImportRow => !!r);
    const byCode = new Map(
      (await tx.select().from(orgUnits).where(inArray(orgUnits.code, [...new Set(good.flatMap((r) => (r.unitCode ? [r.unitCode] : [])))]))).map((u) => [u.code, u]),
    );
    const byId = await findUnitsById(tx, good.flatMap((r) => (r.unitId ? [r.unitId] : [])));
    const numbers = [...new Set(good.flatMap((r) => r.caseNumbers ?? []))];
    const caseByNumber = new Map(
      (numbers.length
        ? await tx
            .select({ id: cases.id, number: cases.number, accused: cases.accusedUnitPaths })
            .from(cases)
            .where(and(eq(cases.region, region), inArray(cases.number, numbers), caseScopeFilter(actor)))
        : []
      ).map((c) => [c.number, c]),
    );
    const keys = good.map((r) => sourceKeyOf(r));
    const known = new Map(
      (keys.length ? await tx.select({ sourceKey: warnings.sourceKey, id: warnings.id, number: warnings.number }).from(warnings).where(and(eq(warnings.region, region), inArray(warnings.sourceKey, keys))) : []).map(
        (w) => [w.sourceKey, w],
      ),
    );

    const seen = new Set<string>();
    const checked = parsed.map((p) => {
      if (!p.row) return { ...p, unit: null };
      const r = p.row;
      const errors: RowError[] = [];
      const unit = r.unitCode ? byCode.get(r.unitCode) : byId.get(r.unitId!);
      if (!unit || !unit.active || !unit.path.startsWith(actor.scopePath)) errors.push({ field: r.unitCode ? 'unitCode' : 'unitId', reason: 'unit_not_found' });
      for (const n of r.caseNumbers ?? []) {
        const c = caseByNumber.get(n);
        // an accusation of the unit named cannot be linked: that unit would then see it
        if (!c || (unit && c.accused.some((a) => unit.path.startsWith(a)))) errors.push({ field: 'caseNumbers', reason: 'case_not_found', number: n } as RowError);
      }
      const key = sourceKeyOf(r);
      if (seen.has(key)) errors.push({ field: 'externalId', reason: 'duplicate_in_file' });
      seen.add(key);
      return { row: r, errors, unit: errors.length ? null : unit! };
    });
    const bad = checked.map((c, i) => ({ ...c, index: i })).filter((c) => c.errors.length > 0);
    if (bad.length) {
      throw new AppError('IMPORT_INVALID', {
        reason: 'bad_rows',
        rowCount: raw.length,
        badRowCount: bad.length,
        rows: bad.slice(0, 200).map((b) => ({ row: b.index + 1, externalId: b.row?.externalId ?? externalIdOf(raw[b.index]), errors: b.errors })),
      });
    }

    const out: WarningImportResult = { rowCount: raw.length, created: 0, unchanged: 0, warnings: [] };
    const toRaise: Array<{ index: number; input: RaiseWarningInput }> = [];
    for (const [i, c] of checked.entries()) {
      const r = c.row!;
      const unit = c.unit!;
      const before = known.get(sourceKeyOf(r));
      if (before) {
        out.unchanged += 1;
        out.warnings.push({ row: i + 1, externalId: r.externalId, id: before.id, number: before.number, created: false });
        continue;
      }
      const linked = (r.caseNumbers ?? []).map((n) => caseByNumber.get(n)!);
      const person = r.level === 'urgent' ? await findNamedPerson(tx, unit.path, linked.flatMap((l) => l.accused)) : null;
      toRaise.push({
        index: i,
        input: {
          kind: r.kind,
          level: r.level,
          title: r.title,
          detail: r.detail,
          sourceKey: sourceKeyOf(r),
          unitPaths: [unit.path],
          caseIds: linked.map((l) => l.id),
          accusedUnitPaths: linked.flatMap((l) => l.accused),
          assigneeId: person?.userId ?? null,
          actorId: actor.userId,
          data: { source: r.source, externalId: r.externalId, occurredAt: new Date(r.occurredAt).toISOString(), importedBy: actor.userId },
        },
      });
    }
    // every row held first (number lock, rows in key order), then events, audit entries and notices
    const raisedAll = await raiseWarnings(ctx, tx, toRaise.map((t) => t.input));
    for (const [k, raised] of raisedAll.entries()) {
      const i = toRaise[k]!.index;
      await noticeRaisedWarning(ctx, tx, raised);
      out.created += raised.created ? 1 : 0;
      out.warnings.push({ row: i + 1, externalId: checked[i]!.row!.externalId, id: raised.warning.id, number: raised.warning.number, created: raised.created });
    }
    out.warnings.sort((a, b) => a.row - b.row);
    await writeAudit(ctx, { actorId: actor.userId, action: 'warning.imported', targetType: 'warning', targetId: null, data: { rowCount: out.rowCount, created: out.created, unchanged: out.unchanged, sources: [...new Set(good.map((r) => r.source))] } }, tx);
    return out;
  });
}

const sourceKeyOf = (r: Pick<ImportRow, 'source' | 'externalId'>) => `import:${r.source}:${r.externalId}`;

function externalIdOf(raw: unknown): string | null {
  const v = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).externalId : null;
  return typeof v === 'string' ? v.slice(0, 100) : null;
}
