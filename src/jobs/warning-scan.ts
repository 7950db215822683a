/**
 * The periodic warning rule "deadlines at risk in a unit" (DOMAIN.md §6 超期风险): a lead unit with
 * ≥ `deadlineRiskMinCases` open cases whose handling deadline (Art. 34) has passed or falls within
 * `deadlineRiskWorkingDays` working days (the official calendar), or whose overdue count grew by
 * ≥ `overdueGrowthMin` since the week before, gets a deadline_risk warning — once per unit and China
 * week (source key deadline_risk:<unit>:<Monday>), so the scan may run as often as it likes and on many
 * instances at once.
 *
 * The week-on-week growth compares with the overdue counts the last scan of the previous week saw,
 * kept in the settings table (`warning_scan_overdue`): no history table is needed, and a deployment
 * that did not scan last week simply has no growth rule that week.
 *
 * The warning links no cases: the unit's own queue lists them (overdue pinned on top), and a list of
 * case ids would reach whoever sees the warning, whatever each case's scope.
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { addDays, addWorkingDays, endOfChinaDay, formatChinaDateTimeZh, toChinaDate, weekdayOf } from '../domain/deadlines/index.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import { findUnitsById } from '../store/org-repository.js';
import { cases } from '../store/schema.js';
import type { AppContext } from '../services/context.js';
import { readSetting, writeSetting } from '../services/settings.js';
import { noticeRaisedWarning } from '../services/warnings/warning-notices.js';
import { readWarningRules } from '../services/warnings/warning-settings.js';
import { raiseWarning } from '../services/warnings/warning-store.js';

/** Every 10 minutes: deadlines move by days, not seconds; the query is one grouped scan of open cases. */
export const WARNING_SCAN_INTERVAL_MS = 10 * 60_000;
const OVERDUE_SNAPSHOT = 'warning_scan_overdue';

/**
 * An ISO instant PostgreSQL casts to timestamptz without error (real calendar dates, leap days
 * included; hours 00–23; offsets up to ±15:59). The clocks write toISOString(); anything else in a
 * snapshot is treated as no due date rather than failing the whole scan.
 */
const LEAP_YEAR = '(\\d\\d(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)';
const YEAR = '([1-9]\\d{3}|0[1-9]\\d{2}|00[1-9]\\d|000[1-9])';
const MONTH_DAY = '((0[1-9]|1[0-2])-(0[1-9]|1\\d|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)';
export const ISO_INSTANT = `^(${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,6})?)?(Z|[+-](0\\d|1[0-5])(:?[0-5]\\d)?)$`;

interface OverdueSnapshot {
  week: string;
  counts: Record<string, number>;
  previous: { week: string; counts: Record<string, number> } | null;
}

export interface WarningScanResult {
  units: number;
  raised: number;
}

/** Given the app, raises the deadline-risk warnings due now; returns how many units were at risk and how many warnings were new. */
export async function runWarningScanOnce(ctx: AppContext): Promise<WarningScanResult> {
  const now = ctx.now();
  const region = ctx.config.REGION;
  const rules = await readWarningRules(ctx.db);
  const today = toChinaDate(now);
  const horizon = endOfChinaDay(addWorkingDays(today, rules.deadlineRiskWorkingDays, ctx.statute.calendar));
  const week = addDays(today, -((weekdayOf(today) + 6) % 7)); // the Monday of this China week
  const lastWeek = addDays(week, -7);

  // A malformed dueAt in one snapshot must not stop the scan: only a valid ISO instant is cast, anything else counts as none.
  const dueText = sql`${cases.snapshot} #>> '{clocks,handling,dueAt}'`;
  const due = sql`(case when ${dueText} ~ ${ISO_INSTANT} then (${dueText})::timestamptz end)`;
  const rows = await ctx.db
    .select({
      unitId: cases.leadUnitId,
      atRisk: sql<number>`(count(*) filter (where ${due} <= ${horizon}))::int`,
      overdue: sql<number>`(count(*) filter (where ${due} < ${now}))::int`,
    })
    .from(cases)
    .where(
      and(
        eq(cases.region, region),
        inArray(cases.state, [...OPEN_STATES]),
        isNotNull(cases.leadUnitId),
        sql`${cases.snapshot} #>> '{clocks,handling,stoppedAt}' is null`,
        sql`${cases.snapshot} #>> '{clocks,handling,pausedSince}' is null`,
        sql`${due} is not null`,
      ),
    )
    .groupBy(cases.leadUnitId);

  const stored = await readSetting<OverdueSnapshot>(ctx.db, OVERDUE_SNAPSHOT);
  const previous = stored && stored.week !== week ? { week: stored.week, counts: stored.counts } : (stored?.previous ?? null);
  const before = previous?.week === lastWeek ? previous.counts : null;
  const counts = Object.fromEntries(rows.filter((r) => r.overdue > 0).map((r) => [r.unitId!, r.overdue]));
  await writeSetting(ctx.db, OVERDUE_SNAPSHOT, { week, counts, previous } satisfies OverdueSnapshot);

  const atRisk = rows
    .map((r) => ({ ...r, unitId: r.unitId!, growth: before ? r.overdue - (before[r.unitId!] ?? 0) : 0 }))
    .filter((r) => r.atRisk >= rules.deadlineRiskMinCases || (before !== null && r.growth >= rules.overdueGrowthMin));
  const units = await findUnitsById(ctx.db, atRisk.map((r) => r.unitId));
  let raised = 0;
  for (const r of atRisk) {
    const unit = units.get(r.unitId);
    if (!unit) continue;
    const grew = before !== null && r.growth >= rules.overdueGrowthMin;
    try {
      const created = await ctx.db.transaction(async (tx) => {
        const w = await raiseWarning(ctx, tx, {
          kind: 'deadline_risk',
          level: r.overdue >= rules.deadlineRiskMinCases || grew ? 'high' : 'normal',
          sourceKey: `deadline_risk:${unit.id}:${week}`,
          title: `超期风险：${unit.name}${r.overdue ? `已有${r.overdue}件超期` : ''}${r.atRisk - r.overdue > 0 ? `${r.overdue ? '，' : ''}${r.atRisk - r.overdue}件${rules.deadlineRiskWorkingDays}个工作日内到期` : ''}`,
          detail:
            `截至 ${formatChinaDateTimeZh(now)}，${unit.name}主办的在办件中，办理期限已届满${r.overdue}件，` +
            `${rules.deadlineRiskWorkingDays}个工作日内（${formatChinaDateTimeZh(horizon)}前）届满${r.atRisk - r.overdue}件` +
            `${grew ? `；超期件数比上周增加${r.growth}件` : ''}。请督促按期办结或依法申请延期。`,
          unitPaths: [unit.path],
          data: { unitId: unit.id, week, atRisk: r.atRisk, overdue: r.overdue, growth: before ? r.growth : null, horizon: horizon.toISOString() },
        });
        await noticeRaisedWarning(ctx, tx, w);
        return w.created;
      });
      if (created) raised += 1;
    } catch (err) {
      // one unit's failure (rolled back whole) must not hold up the others; the next scan tries again
      ctx.logger.error({ err, unitId: unit.id }, 'deadline-risk warning failed');
    }
  }
  return { units: atRisk.length, raised };
}

/** Given the app, scans every WARNING_SCAN_INTERVAL_MS (and once at start), beside the deadline sweeper; returns a function that stops it. */
export function startWarningScan(ctx: AppContext): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await runWarningScanOnce(ctx);
      if (r.raised) ctx.logger.info(r, 'warning scan');
    } catch (err) {
      ctx.logger.warn({ err }, 'warning scan failed; will retry');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, WARNING_SCAN_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
