/**
 * The deadline sweeper (DOMAIN.md §4, §5): fires the timers that are due — a yellow reminder before
 * a deadline, the red overdue notice at it (copied to the unit heads), the escalation of an
 * unanswered supervision — each with its notifications and a case event, in one transaction that
 * also marks the timer fired. So a timer fires once: a crash before commit leaves it unfired (it
 * fires on the next sweep, also after a restart), a commit marks it for good. Several app instances
 * may sweep one PostgreSQL: a case being swept is locked FOR UPDATE SKIP LOCKED, so the others pass
 * it by. Lock order is the commands' own (case row, then its timers), so sweeps and commands never
 * deadlock.
 */
import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm';
import type { CaseSnapshot, ClockName } from '../domain/lifecycle/types.js';
import { isOpen } from '../domain/lifecycle/transitions.js';
import type { Tx } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findUnitsById, nearestScopedUsers } from '../store/org-repository.js';
import { cases, timers } from '../store/schema.js';
import type { AppContext } from '../services/context.js';
import { notifyUnit, notifyUsers, type NotificationInput } from '../services/notifications/notify.js';
import { escalateSupervision } from '../services/supervision.js';
import { formatChinaDateTimeZh } from '../domain/deadlines/china-date.js';

type CaseRow = typeof cases.$inferSelect;
type TimerRow = typeof timers.$inferSelect;

export interface SweepResult {
  /** timers that acted (reminder, overdue notice, escalation) */
  fired: number;
  /** timers whose deadline had moved or whose clock had stopped: marked, nothing sent */
  stale: number;
  /** cases another sweeper or a command held locked: left for the next sweep */
  skipped: number;
}

const CASES_PER_ROUND = 100;
/** The deadline each unit clock stands for, as the notices name it. */
const CLOCK_LABELS_ZH: Partial<Record<ClockName, string>> = { forward: '登记转送交办', handling: '办理', review: '复查', re_review: '复核' };

/** Given the app, fires every timer due now; returns what it did. Safe to run from many instances at once. */
export async function runSweepOnce(ctx: AppContext): Promise<SweepResult> {
  const out: SweepResult = { fired: 0, stale: 0, skipped: 0 };
  const seen = new Set<string>();
  for (;;) {
    const now = ctx.now();
    const due = (await ctx.db
      .select({ region: timers.region, caseId: timers.caseId, first: sql<Date>`min(${timers.fireAt})`.as('first') })
      .from(timers)
      .where(and(isNull(timers.firedAt), lte(timers.fireAt, now)))
      .groupBy(timers.region, timers.caseId)
      .orderBy(sql`first`)
      .limit(CASES_PER_ROUND + seen.size)) as Array<{ region: string; caseId: string }>;
    const fresh = due.filter((d) => !seen.has(`${d.region}:${d.caseId}`));
    if (!fresh.length) return out;
    for (const d of fresh) {
      seen.add(`${d.region}:${d.caseId}`);
      try {
        const r = await ctx.db.transaction((tx) => sweepCase(ctx, tx, d.region, d.caseId, now));
        out.fired += r.fired;
        out.stale += r.stale;
        out.skipped += r.skipped;
      } catch (err) {
        // One case that cannot be swept (its transaction rolled back: nothing half-done) must not
        // hold up every later deadline: it is logged, left unfired, and tried again next sweep.
        ctx.logger.error({ err, caseId: d.caseId }, 'deadline sweep of one case failed');
        out.skipped += 1;
      }
    }
  }
}

async function sweepCase(ctx: AppContext, tx: Tx, region: string, caseId: string, now: Date): Promise<SweepResult> {
  const res: SweepResult = { fired: 0, stale: 0, skipped: 0 };
  const lock = async () =>
    (await tx.select().from(cases).where(and(eq(cases.region, region), eq(cases.id, caseId))).for('update', { skipLocked: true }).limit(1))[0];
  let row = await lock();
  if (!row) {
    res.skipped = 1;
    return res;
  }
  const dueTimers = await tx
    .select()
    .from(timers)
    .where(and(eq(timers.region, region), eq(timers.caseId, caseId), isNull(timers.firedAt), lte(timers.fireAt, now)))
    .orderBy(asc(timers.fireAt), asc(timers.kind))
    .for('update');
  for (const t of dueTimers) {
    const acted = await fire(ctx, tx, row, t, now);
    await tx.update(timers).set({ firedAt: now, outcome: acted ? 'sent' : 'stale' }).where(and(eq(timers.region, region), eq(timers.id, t.id)));
    if (acted) res.fired += 1;
    else res.stale += 1;
    row = (await tx.select().from(cases).where(and(eq(cases.region, region), eq(cases.id, caseId))).limit(1))[0]!; // event count and flags moved
  }
  return res;
}

/**
 * Tells whoever answers for a clock: the handling deadline binds the lead unit (its handlers and
 * head); the forward and review deadlines bind the petition office over the case — the nearest
 * registrars, dispatchers and leaders whose scope covers where it was received. Returns the unit
 * answerable (null for the office) and how many were told.
 */
async function tellResponsible(ctx: AppContext, tx: Tx, row: CaseRow, clock: ClockName, notice: NotificationInput): Promise<{ unitId: string | null; told: number }> {
  if (clock === 'handling') {
    return row.leadUnitId ? { unitId: row.leadUnitId, told: await notifyUnit(ctx, tx, row.leadUnitId, ['handler', 'unit_head'], { ...notice, unitId: row.leadUnitId }) } : { unitId: null, told: 0 };
  }
  const roles = clock === 'forward' ? ['registrar', 'dispatcher'] : ['dispatcher', 'leader'];
  return { unitId: null, told: await notifyUsers(ctx, tx, await nearestScopedUsers(tx, row.unitPaths[0]!, roles), notice) };
}

async function fire(ctx: AppContext, tx: Tx, row: CaseRow, t: TimerRow, now: Date): Promise<boolean> {
  if (t.kind === 'supervision_due') return escalateSupervision(ctx, tx, row, t.ref);
  const clock = t.ref as ClockName;
  const c = (row.snapshot as CaseSnapshot).clocks[clock];
  const stillDue =
    isOpen(row.state as CaseSnapshot['state']) && c && c.stoppedAt === null && c.pausedSince === null && Date.parse(c.dueAt) === t.dueAt.getTime();
  if (!stillDue) return false;
  // A reminder that comes due only after its deadline (the server was down across both) says
  // nothing the red notice does not: it is marked stale, the overdue notice speaks alone.
  if (t.kind === 'remind' && now.getTime() >= t.dueAt.getTime()) return false;
  const label = CLOCK_LABELS_ZH[clock] ?? clock;
  const overdue = t.kind === 'overdue';
  const notice: NotificationInput = {
    kind: overdue ? 'overdue' : 'reminder',
    level: overdue ? 'red' : 'yellow',
    title: overdue ? `已超期：${row.number}` : `即将到期：${row.number}`,
    body: overdue
      ? `案件 ${row.number}「${row.title}」的${label}期限已于 ${formatChinaDateTimeZh(t.dueAt)} 届满，请立即办理。`
      : `案件 ${row.number}「${row.title}」的${label}期限将于 ${formatChinaDateTimeZh(t.dueAt)} 届满，请抓紧办理。`,
    caseId: row.id,
    dedupeKey: `timer:${t.id}`,
  };
  const who = await tellResponsible(ctx, tx, row, clock, notice);
  // the owning leader hears of his cases too (once: the dedupe key is per user)
  if (row.ownerLeaderId) await notifyUsers(ctx, tx, [row.ownerLeaderId], { ...notice, unitId: who.unitId });
  if (overdue && who.unitId) {
    // DOMAIN.md §4: an overdue case is copied to the unit head — the lead unit's own head is told
    // above; the head of the unit over it gets the copy.
    const unit = (await findUnitsById(tx, [who.unitId])).get(who.unitId);
    if (unit?.parentId) await notifyUnit(ctx, tx, unit.parentId, ['unit_head'], { ...notice, unitId: who.unitId, kind: 'overdue_copy', title: `超期抄送：${row.number}` });
  }
  await appendCaseEvents(
    tx,
    { region: row.region, caseId: row.id, count: row.eventCount, headHash: row.headHash },
    [{ type: overdue ? 'case.overdue' : 'case.deadline_reminder', data: { clock, dueAt: t.dueAt.toISOString(), unitId: who.unitId, notified: who.told }, actorId: null, actorRole: 'system' }],
    now,
  );
  // 积案: a case past a unit's deadline stays marked as backlog, for the ledger and the rates.
  if (overdue && !row.flags.includes('backlog')) {
    await tx.update(cases).set({ flags: [...row.flags, 'backlog'] }).where(and(eq(cases.region, row.region), eq(cases.id, row.id)));
  }
  return true;
}

/** Given the app, sweeps every SWEEP_INTERVAL_SECONDS (and once at start); returns a function that stops it. */
export function startDeadlineSweeper(ctx: AppContext): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await runSweepOnce(ctx);
      if (r.fired || r.stale) ctx.logger.info(r, 'deadline sweep');
    } catch (err) {
      ctx.logger.warn({ err }, 'deadline sweep failed; will retry');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, ctx.config.SWEEP_INTERVAL_SECONDS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
