/**
 * The warnings' store: raising a warning once per source key, numbering it, appending its events, and
 * the scope rule every warning read carries. Every function runs in the caller's transaction.
 *
 * Scope mirrors the cases' (src/store/scope.ts): a warning is visible when one of its unit paths lies in
 * the actor's subtree, or when he is its named person — and never, whatever the scope, to a user inside
 * a unit an accusation among its cases names (Art. 30). Warnings have no accused-unit column of their
 * own: the accused paths of the cases a warning stands for are kept in `data.accusedUnitPaths` and the
 * filter reads them there.
 */
import crypto from 'node:crypto';
import { and, desc, eq, like, sql, type SQL } from 'drizzle-orm';
import type { WarningKind, WarningLevel, WarningState } from '../../domain/warnings/lifecycle.js';
import { WARNING_LEVELS } from '../../domain/warnings/lifecycle.js';
import { toChinaDate } from '../../domain/deadlines/index.js';
import type { Tx } from '../../store/database.js';
import { warningEvents, warnings } from '../../store/schema.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';

export type WarningRow = typeof warnings.$inferSelect;

/** Given a staff actor, returns the SQL condition that limits `warnings` to what he may see. */
export function warningScopeFilter(actor: Pick<StaffActor, 'scopePath' | 'unitPath' | 'userId'>): SQL {
  return sql`(
    (exists (select 1 from unnest(${warnings.unitPaths}) as up(p) where starts_with(up.p, ${actor.scopePath}))
      or ${warnings.assigneeId} = ${actor.userId})
    and not exists (select 1 from jsonb_array_elements_text(coalesce(${warnings.data}->'accusedUnitPaths', '[]'::jsonb)) as ap(p)
      where starts_with(${actor.unitPath}, ap.p))
  )`;
}

/** Given a warning's data, returns the accused unit paths of the cases it stands for. */
export const accusedPathsOf = (w: Pick<WarningRow, 'data'>): string[] => {
  const a = (w.data as { accusedUnitPaths?: unknown }).accusedUnitPaths;
  return Array.isArray(a) ? a.filter((p): p is string => typeof p === 'string') : [];
};

/** Given the same facts in memory, returns whether the actor may see the warning (used after a locked load). */
export function warningInScope(actor: Pick<StaffActor, 'scopePath' | 'unitPath' | 'userId'>, w: Pick<WarningRow, 'unitPaths' | 'assigneeId' | 'data'>): boolean {
  if (accusedPathsOf(w).some((p) => actor.unitPath.startsWith(p))) return false;
  return w.assigneeId === actor.userId || w.unitPaths.some((p) => p.startsWith(actor.scopePath));
}

/** Given a region and id, returns the warning row locked FOR UPDATE, or null. */
export async function findWarningForUpdate(tx: Tx, region: string, id: string): Promise<WarningRow | null> {
  const [row] = await tx.select().from(warnings).where(and(eq(warnings.region, region), eq(warnings.id, id))).for('update').limit(1);
  return row ?? null;
}

export interface NewWarningEvent {
  type: string;
  actorId: string | null;
  data: Record<string, unknown>;
}

/** Given the warning (its event count read under the row lock) and one event, appends it and moves the count; returns the new count. */
export async function appendWarningEvent(tx: Tx, w: Pick<WarningRow, 'region' | 'id' | 'eventCount'>, ev: NewWarningEvent, at: Date): Promise<number> {
  const seq = w.eventCount + 1;
  await tx.insert(warningEvents).values({ region: w.region, warningId: w.id, seq, type: ev.type, actorId: ev.actorId, at, data: ev.data });
  await tx.update(warnings).set({ eventCount: seq, updatedAt: at }).where(and(eq(warnings.region, w.region), eq(warnings.id, w.id)));
  return seq;
}

/** Warning numbers of one region and year wait for each other (max + 1 under this lock: no counter table). */
const WARNING_NUMBER_LOCK = 71_020_030;

/**
 * The lock order of everything that raises or moves warnings, so that no two of them wait on each other:
 *   1. the warning-number lock (lockWarningNumbers; taken by whoever may insert a warning, held to commit),
 *   2. warning rows (FOR UPDATE, or the insert of a new source key), several in source-key order,
 *   3. the global audit lock (writeAudit), only after every warning row is held,
 *   4. then anything else (notices; in registration the case counter comes after the rules).
 * A lifecycle step takes 2 then 3; raiseWarnings (intake, import) 1, 2, 3; raiseWarning one warning the same way.
 */
export async function lockWarningNumbers(ctx: AppContext, tx: Tx): Promise<void> {
  const year = Number(toChinaDate(ctx.now()).slice(0, 4));
  await tx.execute(sql`select pg_advisory_xact_lock(${WARNING_NUMBER_LOCK}, hashtext(${`${ctx.config.REGION}|${year}`}))`);
}

/**
 * Given a region and a China year, returns the next warning number, YJ-2026-000123. Takes a transaction
 * advisory lock so two raisers never draw the same number; the lock is held to commit (and may already
 * be held: advisory locks stack within a transaction).
 */
async function nextWarningNumber(tx: Tx, region: string, year: number): Promise<string> {
  await tx.execute(sql`select pg_advisory_xact_lock(${WARNING_NUMBER_LOCK}, hashtext(${`${region}|${year}`}))`);
  const prefix = `YJ-${String(year).padStart(4, '0')}-`;
  const [last] = await tx
    .select({ number: warnings.number })
    .from(warnings)
    .where(and(eq(warnings.region, region), like(warnings.number, `${prefix}%`)))
    .orderBy(desc(warnings.number))
    .limit(1);
  const n = last ? Number(last.number.slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(n).padStart(6, '0')}`;
}

/** A warning keeps at most this many case ids; later links are only counted (data.caseTotal). */
export const MAX_WARNING_CASE_IDS = 200;

/** Given a warning row, returns how many cases it stands for (ids kept plus those only counted). */
export const caseTotalOf = (w: Pick<WarningRow, 'caseIds' | 'data'>): number => {
  const t = (w.data as { caseTotal?: unknown }).caseTotal;
  return typeof t === 'number' && t > w.caseIds.length ? t : w.caseIds.length;
};

export interface RaiseWarningInput {
  kind: WarningKind;
  level: WarningLevel;
  title: string;
  detail: string;
  /** the rule's key: a second raise with the same key links its cases to the first warning instead */
  sourceKey: string;
  unitPaths: readonly string[];
  caseIds?: readonly string[];
  /** the accused units of an accusation among the cases: users inside them never see the warning */
  accusedUnitPaths?: readonly string[];
  assigneeId?: string | null;
  data?: Record<string, unknown>;
  /** null when a rule raised it */
  actorId?: string | null;
  /** when it links to an existing warning instead: data fields to set on it, from what it holds (a keyword cluster's keywords) */
  linkData?: (w: WarningRow) => Record<string, unknown>;
}

export interface RaisedWarning {
  warning: WarningRow;
  /** false when the source key had raised it before (the cases were linked to that one) */
  created: boolean;
  /** case ids newly linked to an existing warning */
  linked: string[];
}

/** A warning row held by this transaction: locked (it existed) or just inserted (created), with no event or audit entry yet. */
export interface ClaimedWarning {
  row: WarningRow;
  created: boolean;
}

/**
 * Given a warning to raise, returns its row held by this transaction: the one its source key raised
 * before, locked FOR UPDATE, or a new one numbered and inserted. Writes no event and no audit entry
 * (finishWarning does), so a caller can hold every row it needs before the audit lock.
 */
export async function claimWarning(ctx: AppContext, tx: Tx, input: RaiseWarningInput): Promise<ClaimedWarning> {
  const region = ctx.config.REGION;
  const now = ctx.now();
  const existing = await findWarningBySourceKeyForUpdate(tx, region, input.sourceKey);
  if (existing) return { row: existing, created: false };

  const number = await nextWarningNumber(tx, region, Number(toChinaDate(now).slice(0, 4)));
  const all = [...new Set(input.caseIds ?? [])];
  const caseIds = all.slice(0, MAX_WARNING_CASE_IDS);
  const data = {
    ...(input.data ?? {}),
    accusedUnitPaths: [...new Set(input.accusedUnitPaths ?? [])],
    ...(all.length > caseIds.length ? { caseTotal: all.length } : {}),
  };
  const [row] = await tx
    .insert(warnings)
    .values({
      region,
      id: crypto.randomUUID(),
      number,
      kind: input.kind,
      level: input.level,
      state: 'raised',
      title: input.title,
      detail: input.detail,
      sourceKey: input.sourceKey,
      unitPaths: [...new Set(input.unitPaths)],
      caseIds,
      assigneeId: input.assigneeId ?? null,
      dispatchedUnitId: null,
      dueAt: null,
      data,
      raisedAt: now,
      updatedAt: now,
      closedAt: null,
      eventCount: 0,
    })
    .onConflictDoNothing({ target: [warnings.region, warnings.sourceKey] })
    .returning();
  if (row) return { row, created: true };
  // raised by a concurrent transaction that committed after our look-up: link to it instead
  return { row: (await findWarningBySourceKeyForUpdate(tx, region, input.sourceKey))!, created: false };
}

/**
 * Given a claimed warning and what was to be raised, returns it raised: a new row gets its
 * `warning.raised` event and audit entry; an existing one gets the new cases, unit paths and accused
 * paths (a `warning.note` event says which) and its level raised if the new one is more pressing.
 * A withdrawn or assessed warning is not reopened.
 */
export async function finishWarning(ctx: AppContext, tx: Tx, claimed: ClaimedWarning, input: RaiseWarningInput): Promise<RaisedWarning> {
  const now = ctx.now();
  const row = claimed.row;
  if (!claimed.created) return linkToExisting(ctx, tx, row, input, now);
  const eventData = { kind: input.kind, level: input.level, sourceKey: input.sourceKey, caseIds: row.caseIds, assigneeId: row.assigneeId, title: row.title };
  row.eventCount = await appendWarningEvent(tx, row, { type: 'warning.raised', actorId: input.actorId ?? null, data: eventData }, now);
  await writeAudit(ctx, { actorId: input.actorId ?? null, action: 'warning.raised', targetType: 'warning', targetId: row.id, data: { number: row.number, ...eventData } }, tx);
  return { warning: row, created: true, linked: [] };
}

/** Given one warning to raise, returns it raised once (claimWarning, then finishWarning). */
export async function raiseWarning(ctx: AppContext, tx: Tx, input: RaiseWarningInput): Promise<RaisedWarning> {
  return finishWarning(ctx, tx, await claimWarning(ctx, tx, input), input);
}

/**
 * Given several warnings to raise in one transaction (distinct source keys), returns them raised, in
 * the given order, taking the locks in the documented order: the number lock, every row in source-key
 * order, and only then the events and audit entries.
 */
export async function raiseWarnings(ctx: AppContext, tx: Tx, inputs: readonly RaiseWarningInput[]): Promise<RaisedWarning[]> {
  if (!inputs.length) return [];
  if (new Set(inputs.map((w) => w.sourceKey)).size !== inputs.length) throw new Error('raiseWarnings: source keys must be distinct');
  await lockWarningNumbers(ctx, tx);
  const order = inputs.map((_, i) => i).sort((a, b) => (inputs[a]!.sourceKey < inputs[b]!.sourceKey ? -1 : 1));
  const claimed: ClaimedWarning[] = new Array(inputs.length);
  for (const i of order) claimed[i] = await claimWarning(ctx, tx, inputs[i]!);
  const out: RaisedWarning[] = [];
  for (const [i, input] of inputs.entries()) out.push(await finishWarning(ctx, tx, claimed[i]!, input));
  return out;
}

/** Given a region and a source key, returns its warning locked FOR UPDATE, or null. */
export async function findWarningBySourceKeyForUpdate(tx: Tx, region: string, sourceKey: string): Promise<WarningRow | null> {
  const [row] = await tx.select().from(warnings).where(and(eq(warnings.region, region), eq(warnings.sourceKey, sourceKey))).for('update').limit(1);
  return row ?? null;
}

const rank = (l: string) => WARNING_LEVELS.indexOf(l as WarningLevel);

async function linkToExisting(ctx: AppContext, tx: Tx, w: WarningRow, input: RaiseWarningInput, now: Date): Promise<RaisedWarning> {
  const linked = [...new Set(input.caseIds ?? [])].filter((id) => !w.caseIds.includes(id));
  const newPaths = [...new Set(input.unitPaths)].filter((p) => !w.unitPaths.includes(p));
  const accused = accusedPathsOf(w);
  const newAccused = [...new Set(input.accusedUnitPaths ?? [])].filter((p) => !accused.includes(p));
  const open = w.state !== 'withdrawn' && w.state !== 'assessed';
  const levelUp = open && rank(input.level) >= 0 && rank(input.level) < rank(w.level) ? input.level : null;
  if (!linked.length && !newPaths.length && !newAccused.length && !levelUp) return { warning: w, created: false, linked: [] };
  // the ids are kept up to MAX_WARNING_CASE_IDS; beyond that the links are only counted
  const kept = linked.slice(0, Math.max(0, MAX_WARNING_CASE_IDS - w.caseIds.length));
  const total = caseTotalOf(w) + linked.length;
  const caseIds = [...w.caseIds, ...kept];
  const patch = {
    caseIds,
    unitPaths: [...w.unitPaths, ...newPaths],
    data: {
      ...(w.data as Record<string, unknown>),
      ...(input.linkData?.(w) ?? {}),
      accusedUnitPaths: [...accused, ...newAccused],
      ...(total > caseIds.length ? { caseTotal: total } : {}),
    },
    level: levelUp ?? w.level,
    updatedAt: now,
  };
  await tx.update(warnings).set(patch).where(and(eq(warnings.region, w.region), eq(warnings.id, w.id)));
  const data = { about: 'cases_linked', caseIds: kept, ...(kept.length < linked.length ? { countedOnly: linked.length - kept.length } : {}), ...(levelUp ? { levelFrom: w.level, levelTo: levelUp } : {}) };
  const eventCount = await appendWarningEvent(tx, w, { type: 'warning.note', actorId: input.actorId ?? null, data }, now);
  await writeAudit(ctx, { actorId: input.actorId ?? null, action: 'warning.cases_linked', targetType: 'warning', targetId: w.id, data: { number: w.number, ...data } }, tx);
  return { warning: { ...w, ...patch, eventCount }, created: false, linked };
}

/** The states a warning is in, as its row stores them. */
export const stateOf = (w: Pick<WarningRow, 'state'>) => w.state as WarningState;
