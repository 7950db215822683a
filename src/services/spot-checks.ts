/**
 * Spot checks (抽查, DOMAIN.md §5): a supervisor draws a month's round — a seeded, stratified
 * sample of the cases closed (办结) that month in his scope (domain/spot-checks/sample-round.ts) —
 * visits each sampled petitioner again (contacted? solved? satisfied?) and judges the closure ok or
 * sloppy (草率办结). A sloppy closure costs the unit answerable for it (the lead unit when it was
 * closed) the configured points, once: the deduction row is unique per spot check, and a verdict is
 * given once. Every step is an event on the case's timeline, appended under the case row's lock in
 * the step's transaction, so the hash chain stays whole. Each draw — seed, rate, population — goes to
 * the audit log, so a round can be re-drawn and compared.
 */
import crypto from 'node:crypto';
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { chinaMonthBounds, chinaMonthOf, isValidMonth } from '../domain/china-month.js';
import { sampleRound } from '../domain/spot-checks/sample-round.js';
import type { Queryable, Tx } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findUnitsById } from '../store/org-repository.js';
import { auditLog, caseEvents, cases, spotChecks, unitDeductions } from '../store/schema.js';
import { caseInScope, caseScopeFilter } from '../store/scope.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';
import { notifyUnit } from './notifications/notify.js';
import { findCaseForUpdate, type CaseRow } from './run-case-command.js';
import { readSetting, SPOT_CHECK_SETTINGS, writeSetting } from './settings.js';

export interface SpotCheckSettings {
  /** the share of each unit's closures checked, 0 < rate ≤ 1 */
  rate: number;
  /** the points a unit loses for one sloppy closure */
  pointsPerSloppy: number;
}

export const DEFAULT_SPOT_CHECK_SETTINGS: SpotCheckSettings = { rate: 0.05, pointsPerSloppy: 2 };

export const VISIT_METHODS = ['phone', 'visit', 'sms', 'online'] as const;
export type VisitMethod = (typeof VISIT_METHODS)[number];

export interface SpotCheckVisit {
  contacted: boolean;
  solved: boolean;
  satisfied: boolean;
  method: VisitMethod;
  note?: string | null;
}

/** Draws of one month in one region wait for each other, so two supervisors cannot both fill the same share. */
const ROUND_LOCK = 71_020_020;

/** Returns the settings in force (stored values over the defaults). */
export async function readSpotCheckSettings(q: Queryable): Promise<SpotCheckSettings> {
  const stored = await readSetting<Partial<SpotCheckSettings>>(q, SPOT_CHECK_SETTINGS);
  return { ...DEFAULT_SPOT_CHECK_SETTINGS, ...(stored ?? {}) };
}

/** Given a change to the rate and/or the points, stores it (audited) and returns the settings in force. */
export async function updateSpotCheckSettings(ctx: AppContext, actor: StaffActor, patch: Partial<SpotCheckSettings>): Promise<SpotCheckSettings> {
  if (patch.rate !== undefined && !(patch.rate > 0 && patch.rate <= 1)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'rate', message: '抽查比例须大于 0 且不超过 1' }] });
  if (patch.pointsPerSloppy !== undefined && !(patch.pointsPerSloppy >= 0 && patch.pointsPerSloppy <= 100)) {
    throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'pointsPerSloppy', message: '扣分须在 0 到 100 之间' }] });
  }
  return ctx.db.transaction(async (tx) => {
    const before = await readSpotCheckSettings(tx);
    const next = { ...before, ...patch };
    await writeSetting(tx, SPOT_CHECK_SETTINGS, next);
    await writeAudit(ctx, { actorId: actor.userId, action: 'settings.spot_check', targetType: 'setting', targetId: SPOT_CHECK_SETTINGS, data: { before, after: next } }, tx);
    return next;
  });
}

/** Given a month, throws unless it is a month that has begun (China time). */
function assertPastOrCurrentMonth(ctx: AppContext, month: string): void {
  if (!isValidMonth(month)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '月份格式应为 YYYY-MM' }] });
  if (month > chinaMonthOf(ctx.now())) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '不能抽查尚未到来的月份' }] });
}

export interface DrawResult {
  round: string;
  seed: number;
  rate: number;
  /** cases closed in the month in the drawer's scope and not checked in another round */
  closed: number;
  /** cases this draw added to the round */
  added: number;
  units: Array<{ unitId: string; unitName: string | null; closed: number; target: number; sampled: number }>;
  checks: SpotCheckView[];
}

/**
 * Given a supervisor and a month, samples the month's closed cases in his scope into that month's
 * round (topping up a round drawn before) and returns what was drawn. `seed` replays a draw.
 */
export async function drawSpotCheckRound(ctx: AppContext, actor: StaffActor, input: { month: string; seed?: number }): Promise<DrawResult> {
  assertPastOrCurrentMonth(ctx, input.month);
  const month = input.month;
  const { rate } = await readSpotCheckSettings(ctx.db);
  const seed = input.seed ?? crypto.randomInt(0, 2 ** 32);
  const region = ctx.config.REGION;
  const { start, end } = chinaMonthBounds(month);
  const drawn = await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ROUND_LOCK}, hashtext(${`${region}|${month}`}))`);
    const now = ctx.now();
    // 办结 in the month: the case.closed event, whatever the case did afterwards (review, 终结).
    const closedInMonth = sql`exists (select 1 from ${caseEvents} e where e.region = ${cases.region} and e.case_id = ${cases.id}
      and e.type = 'case.closed' and e.at >= ${start} and e.at < ${end})`;
    const rows = await tx
      .select({ id: cases.id, leadUnitId: cases.leadUnitId, round: spotChecks.round, checkedUnitId: spotChecks.unitId })
      .from(cases)
      .leftJoin(spotChecks, and(eq(spotChecks.region, cases.region), eq(spotChecks.caseId, cases.id)))
      .where(and(eq(cases.region, region), caseScopeFilter(actor), isNotNull(cases.leadUnitId), closedInMonth));
    // A case checked in another month's round is not checked again (one spot check per case).
    const candidates = rows
      .filter((r) => r.round === null || r.round === month)
      .map((r) => ({ caseId: r.id, unitId: (r.round === month ? r.checkedUnitId : r.leadUnitId)!, sampled: r.round === month }));
    const { units, added } = sampleRound(candidates, rate, seed);

    const inserted = added.length
      ? await tx
          .insert(spotChecks)
          .values(
            added.map((caseId) => ({
              region,
              id: crypto.randomUUID(),
              caseId,
              unitId: candidates.find((c) => c.caseId === caseId)!.unitId,
              round: month,
              sampledAt: now,
              sampledBy: actor.userId,
              verdict: 'pending',
            })),
          )
          .onConflictDoNothing({ target: [spotChecks.region, spotChecks.caseId] })
          .returning()
      : [];
    // Case rows are locked in id order, the same order every draw uses.
    for (const s of [...inserted].sort((a, b) => (a.caseId < b.caseId ? -1 : 1))) {
      const row = (await findCaseForUpdate(tx, region, s.caseId))!;
      await appendEvent(tx, row, actor, 'case.spot_checked', { stage: 'sampled', spotCheckId: s.id, round: month, unitId: s.unitId, seed }, now);
    }
    const digest = crypto.createHash('sha256').update(candidates.map((c) => c.caseId).sort().join('\n')).digest('hex');
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'spot_check.round_drawn',
        targetType: 'spot_check_round',
        targetId: month,
        data: {
          scopeUnitId: actor.scopeUnitId,
          scopePath: actor.scopePath,
          seed,
          rate,
          closed: candidates.length,
          populationSha256: digest,
          units: units.map((u) => ({ unitId: u.unitId, closed: u.closed, target: u.target, already: u.already, added: u.added.length })),
          addedCaseIds: inserted.map((s) => s.caseId),
        },
      },
      tx,
    );
    return { units, inserted: inserted.map((s) => s.id), closed: candidates.length };
  });
  const names = await findUnitsById(ctx.db, drawn.units.map((u) => u.unitId));
  const checks = (await listRoundChecks(ctx, actor, month)).filter((c) => drawn.inserted.includes(c.id));
  return {
    round: month,
    seed,
    rate,
    closed: drawn.closed,
    added: drawn.inserted.length,
    units: drawn.units.map((u) => ({ unitId: u.unitId, unitName: names.get(u.unitId)?.name ?? null, closed: u.closed, target: u.target, sampled: u.already + u.added.length })),
    checks,
  };
}

export interface SpotCheckView {
  id: string;
  caseId: string;
  number: string;
  title: string;
  round: string;
  unitId: string;
  unitName: string | null;
  closedAt: string | null;
  sampledAt: string;
  verdict: string;
  visit: (SpotCheckVisit & { at: string; by: string }) | null;
  note: string | null;
  checkedAt: string | null;
  deductedPoints: number | null;
}

/** Given an actor, returns the rounds that hold cases in his scope, newest first, with their counts. */
export async function listSpotCheckRounds(ctx: AppContext, actor: StaffActor) {
  const rows = await ctx.db
    .select({
      round: spotChecks.round,
      total: sql<number>`count(*)::int`,
      pending: sql<number>`(count(*) filter (where ${spotChecks.verdict} = 'pending'))::int`,
      ok: sql<number>`(count(*) filter (where ${spotChecks.verdict} = 'ok'))::int`,
      sloppy: sql<number>`(count(*) filter (where ${spotChecks.verdict} = 'sloppy'))::int`,
      visited: sql<number>`(count(*) filter (where ${spotChecks.visit} is not null))::int`,
      deductedPoints: sql<number>`coalesce(sum(${unitDeductions.points}), 0)::float8`,
    })
    .from(spotChecks)
    .innerJoin(cases, and(eq(cases.region, spotChecks.region), eq(cases.id, spotChecks.caseId)))
    .leftJoin(unitDeductions, and(eq(unitDeductions.region, spotChecks.region), eq(unitDeductions.source, 'spot_check'), eq(unitDeductions.sourceId, spotChecks.id)))
    .where(and(eq(spotChecks.region, ctx.config.REGION), caseScopeFilter(actor)))
    .groupBy(spotChecks.round)
    .orderBy(desc(spotChecks.round));
  return rows.map((r) => ({ ...r, deductedPoints: Number(r.deductedPoints) }));
}

/** Given an actor and a month, returns the draws of that round made within his scope (seed, rate, population), oldest first. */
export async function listRoundDraws(ctx: AppContext, actor: StaffActor, month: string) {
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.action, 'spot_check.round_drawn'),
        eq(auditLog.targetId, month),
        sql`starts_with(${auditLog.data}->>'scopePath', ${actor.scopePath})`,
      ),
    )
    .orderBy(asc(auditLog.id));
  return rows.map((r) => {
    const d = r.data as { scopeUnitId: string; seed: number; rate: number; closed: number; populationSha256: string; addedCaseIds: string[] };
    return { at: r.at.toISOString(), by: r.actorId, scopeUnitId: d.scopeUnitId, seed: d.seed, rate: d.rate, closed: d.closed, populationSha256: d.populationSha256, added: d.addedCaseIds.length };
  });
}

/** Given an actor and a month, returns the round's checks on cases in his scope, by unit and case number. */
export async function listRoundChecks(ctx: AppContext, actor: StaffActor, month: string): Promise<SpotCheckView[]> {
  if (!isValidMonth(month)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '月份格式应为 YYYY-MM' }] });
  const rows = await ctx.db
    .select({ s: spotChecks, c: { number: cases.number, title: cases.title, closedAt: cases.closedAt }, points: unitDeductions.points })
    .from(spotChecks)
    .innerJoin(cases, and(eq(cases.region, spotChecks.region), eq(cases.id, spotChecks.caseId)))
    .leftJoin(unitDeductions, and(eq(unitDeductions.region, spotChecks.region), eq(unitDeductions.source, 'spot_check'), eq(unitDeductions.sourceId, spotChecks.id)))
    .where(and(eq(spotChecks.region, ctx.config.REGION), eq(spotChecks.round, month), caseScopeFilter(actor)))
    .orderBy(asc(spotChecks.unitId), asc(cases.number));
  const units = await findUnitsById(ctx.db, rows.map((r) => r.s.unitId));
  return rows
    .map((r) => presentSpotCheck(r.s, r.c, units.get(r.s.unitId)?.name ?? null, r.points))
    .sort((a, b) => (a.unitName ?? '').localeCompare(b.unitName ?? '', 'zh-CN') || a.number.localeCompare(b.number));
}

function presentSpotCheck(
  s: typeof spotChecks.$inferSelect,
  c: { number: string; title: string; closedAt: Date | null },
  unitName: string | null,
  points: number | null,
): SpotCheckView {
  return {
    id: s.id,
    caseId: s.caseId,
    number: c.number,
    title: c.title,
    round: s.round,
    unitId: s.unitId,
    unitName,
    closedAt: c.closedAt?.toISOString() ?? null,
    sampledAt: s.sampledAt.toISOString(),
    verdict: s.verdict,
    visit: (s.visit as SpotCheckView['visit']) ?? null,
    note: s.note,
    checkedAt: s.checkedAt?.toISOString() ?? null,
    deductedPoints: points ?? null,
  };
}

/**
 * Given a spot check id, returns it with its case locked for update, if the case lies in the
 * actor's scope; a check the actor cannot see is answered like a missing one.
 */
async function loadForUpdate(ctx: AppContext, tx: Tx, actor: StaffActor, id: string): Promise<{ spot: typeof spotChecks.$inferSelect; row: CaseRow }> {
  const region = ctx.config.REGION;
  const [first] = await tx.select().from(spotChecks).where(and(eq(spotChecks.region, region), eq(spotChecks.id, id))).limit(1);
  if (!first) throw new AppError('SPOT_CHECK_NOT_FOUND');
  // The case row first, then the check: the lock order of every writer of this case.
  const row = await findCaseForUpdate(tx, region, first.caseId);
  if (!row || !caseInScope(actor, row)) throw new AppError('SPOT_CHECK_NOT_FOUND');
  const [spot] = await tx.select().from(spotChecks).where(and(eq(spotChecks.region, region), eq(spotChecks.id, id))).for('update').limit(1);
  return { spot: spot!, row };
}

/** Given a sampled case, records the supervisor's return visit (again, until the verdict) and returns the check. */
export async function recordSpotCheckVisit(ctx: AppContext, actor: StaffActor, id: string, visit: SpotCheckVisit): Promise<SpotCheckView> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const { spot, row } = await loadForUpdate(ctx, tx, actor, id);
    if (spot.verdict !== 'pending') throw new AppError('SPOT_CHECK_ALREADY_JUDGED', { verdict: spot.verdict });
    const stored = { contacted: visit.contacted, solved: visit.solved, satisfied: visit.satisfied, method: visit.method, note: visit.note ?? null, at: now.toISOString(), by: actor.userId };
    const [updated] = await tx.update(spotChecks).set({ visit: stored }).where(and(eq(spotChecks.region, spot.region), eq(spotChecks.id, spot.id))).returning();
    const { at: _at, by: _by, ...eventData } = stored;
    await appendEvent(tx, row, actor, 'case.spot_checked', { stage: 'visited', spotCheckId: spot.id, round: spot.round, ...eventData }, now);
    const unit = (await findUnitsById(tx, [spot.unitId])).get(spot.unitId);
    return presentSpotCheck(updated!, row, unit?.name ?? null, null);
  });
}

/**
 * Given a visited sampled case, records the verdict — once. A sloppy closure (草率办结) writes the
 * unit's deduction for the round's month and tells the unit's head.
 */
export async function recordSpotCheckVerdict(ctx: AppContext, actor: StaffActor, id: string, input: { verdict: 'ok' | 'sloppy'; reason?: string | null }): Promise<SpotCheckView> {
  const reason = input.reason?.trim() || null;
  if (input.verdict === 'sloppy' && !reason) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'reason', message: '认定草率办结须写明理由' }] });
  const { pointsPerSloppy } = await readSpotCheckSettings(ctx.db);
  return ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const { spot, row } = await loadForUpdate(ctx, tx, actor, id);
    if (spot.verdict !== 'pending') throw new AppError('SPOT_CHECK_ALREADY_JUDGED', { verdict: spot.verdict });
    if (!spot.visit) throw new AppError('SPOT_CHECK_VISIT_REQUIRED');
    const [updated] = await tx
      .update(spotChecks)
      .set({ verdict: input.verdict, note: reason, checkedAt: now, checkedBy: actor.userId })
      .where(and(eq(spotChecks.region, spot.region), eq(spotChecks.id, spot.id), eq(spotChecks.verdict, 'pending')))
      .returning();
    if (!updated) throw new AppError('SPOT_CHECK_ALREADY_JUDGED');
    let deduction: { id: string; points: number } | null = null;
    if (input.verdict === 'sloppy') {
      const [d] = await tx
        .insert(unitDeductions)
        .values({
          region: spot.region,
          id: crypto.randomUUID(),
          unitId: spot.unitId,
          month: spot.round,
          points: pointsPerSloppy,
          reason: `抽查认定草率办结：${row.number}「${row.title}」。${reason}`,
          source: 'spot_check',
          sourceId: spot.id,
          createdAt: now,
          createdBy: actor.userId,
        })
        .onConflictDoNothing({ target: [unitDeductions.region, unitDeductions.source, unitDeductions.sourceId] })
        .returning({ id: unitDeductions.id, points: unitDeductions.points });
      if (!d) throw new AppError('SPOT_CHECK_ALREADY_JUDGED');
      deduction = d;
    }
    await appendEvent(
      tx,
      row,
      actor,
      'case.spot_check_verdict',
      { spotCheckId: spot.id, round: spot.round, verdict: input.verdict, reason, unitId: spot.unitId, ...(deduction ? { deductionId: deduction.id, points: deduction.points } : {}) },
      now,
    );
    const unit = (await findUnitsById(tx, [spot.unitId])).get(spot.unitId);
    if (deduction) {
      await notifyUnit(ctx, tx, spot.unitId, ['handler', 'unit_head'], {
        kind: 'spot_check',
        level: 'red',
        title: `抽查认定草率办结：${row.number}`,
        body: `案件 ${row.number}「${row.title}」经抽查回访认定为草率办结，${unit?.name ?? '本单位'}扣 ${deduction.points} 分（${spot.round} 考核）。理由：${reason}`,
        caseId: row.id,
        unitId: spot.unitId,
        dedupeKey: `spot_check:${spot.id}`,
      });
    }
    return presentSpotCheck(updated, row, unit?.name ?? null, deduction?.points ?? null);
  });
}

/** Appends one event to a case locked in this transaction (re-reading its head, which earlier appends moved). */
async function appendEvent(tx: Tx, row: CaseRow, actor: StaffActor, type: string, data: Record<string, unknown>, now: Date): Promise<void> {
  const [head] = await tx.select({ count: cases.eventCount, headHash: cases.headHash }).from(cases).where(and(eq(cases.region, row.region), eq(cases.id, row.id))).limit(1);
  await appendCaseEvents(tx, { region: row.region, caseId: row.id, count: head!.count, headHash: head!.headHash }, [{ type, data, actorId: actor.userId, actorRole: 'supervisor' }], now);
}
