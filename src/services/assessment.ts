/**
 * 考核 and the annual report, both from the cockpit's rollups: a month's score per unit (the rates of
 * its subtree with configurable weights, less the spot-check and manual deductions of unit_deductions),
 * ranked; and the year's figures of 《信访工作条例》第四十一条 for a scope.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { chinaMonthDates } from '../domain/china-month.js';
import { AppError } from '../domain/errors.js';
import { CHANNEL_LABELS, type Channel } from '../domain/case-fields.js';
import {
  DEFAULT_ASSESSMENT_WEIGHTS,
  assessmentExplanation,
  scoreUnits,
  validateAssessmentWeights,
} from '../domain/cockpit/assessment-score.js';
import { tierCounts, total } from '../domain/cockpit/figures.js';
import type { AnnualReport, Assessment, AssessmentWeights, RateKey, UnitRef } from '../domain/cockpit/types.js';
import { findUnitsById } from '../store/org-repository.js';
import { categories, cockpitDaily, orgUnits, unitDeductions } from '../store/schema.js';
import type { AppContext, StaffActor } from './context.js';
import { RANKING_METRICS, TIER_LABELS, gather, periodSums, readConsistently, scopeUnit, unitRates, type HiddenArg } from './cockpit.js';
import { readSetting } from './settings.js';
import { annualSuggestions } from './annual-report.js';

export const ASSESSMENT_WEIGHTS_KEY = 'cockpit.assessment_weights';
export const ASSESSED_KINDS = ['department', 'street', 'community'] as const;
export type AssessedKind = (typeof ASSESSED_KINDS)[number];

/** Given the app, returns the assessment weights in force (the defaults until an admin sets them). */
export async function readAssessmentWeights(ctx: AppContext): Promise<AssessmentWeights> {
  const stored = await readSetting<unknown>(ctx.db, ASSESSMENT_WEIGHTS_KEY);
  if (stored === undefined) return DEFAULT_ASSESSMENT_WEIGHTS;
  try {
    return validateAssessmentWeights(stored);
  } catch {
    return DEFAULT_ASSESSMENT_WEIGHTS;
  }
}

const ref = (u: { id: string; name: string; kind: string }): UnitRef => ({ id: u.id, name: u.name, kind: u.kind });

/** Given a reader, a month and a kind of unit, returns the units of that kind in his scope, scored and ranked. */
export async function monthlyAssessment(ctx: AppContext, actor: StaffActor, q: { month: string; kind: AssessedKind; unitId?: string }): Promise<Assessment> {
  const scope = await scopeUnit(ctx, actor, q.unitId);
  const { first, last } = chinaMonthDates(q.month);
  const units = await ctx.db
    .select({ id: orgUnits.id, name: orgUnits.name, kind: orgUnits.kind, path: orgUnits.path })
    .from(orgUnits)
    .where(and(eq(orgUnits.kind, q.kind), eq(orgUnits.active, true), sql`starts_with(${orgUnits.path}, ${scope.path})`))
    .orderBy(asc(orgUnits.code));
  const ids = units.map((u) => u.id);
  return readConsistently(ctx, actor, units, async (ctx, hidden) => {
    const [rated, deductions, weights] = await gather(ctx, [
      (ctx) => unitRates(ctx, ids, { from: first, to: last }, hidden),
      (ctx) => ids.length
        ? ctx.db
            .select({ unitId: unitDeductions.unitId, points: sql<number>`sum(${unitDeductions.points})::float8` })
            .from(unitDeductions)
            .where(and(eq(unitDeductions.region, ctx.config.REGION), eq(unitDeductions.month, q.month), inArray(unitDeductions.unitId, ids)))
            .groupBy(unitDeductions.unitId)
        : Promise.resolve([]),
      (ctx) => readAssessmentWeights(ctx),
    ] as const);
    const lost = new Map(deductions.map((d) => [d.unitId, Number(d.points)]));
    const rows = scoreUnits(
      units.map((u) => {
        const r = rated.get(u.id)!;
        return {
          unit: ref(u),
          rates: Object.fromEntries(r.rates.map((x) => [x.key, { numerator: x.numerator, denominator: x.denominator }])) as Record<RateKey, { numerator: number; denominator: number }>,
          deductions: lost.get(u.id) ?? 0,
          received: total(r.sums, 'received'),
          settled: total(r.sums, 'settled'),
        };
      }),
      weights,
    );
    return { month: q.month, scope: ref(scope), kind: q.kind, weights, explanation: assessmentExplanation(weights), rows, generatedAt: ctx.now().toISOString() };
  });
}

/** Given a reader, a year and a unit in his scope, returns the figures of the annual report (Art. 41). */
export async function annualReport(ctx: AppContext, actor: StaffActor, q: { year: number; unitId?: string }): Promise<AnnualReport> {
  const scope = await scopeUnit(ctx, actor, q.unitId);
  if (!Number.isInteger(q.year) || q.year < 2000 || q.year > 2100) throw new AppError('COCKPIT_BAD_PERIOD', { year: q.year });
  const period = { from: `${q.year}-01-01`, to: `${q.year}-12-31` };
  return readConsistently(ctx, actor, [scope], async (ctx, hidden) => {
    const [rated, rankings, monthly, cats] = await gather(ctx, [
      (ctx) => unitRates(ctx, [scope.id], period, hidden),
      (ctx) => periodSums(ctx, [scope.id], period, RANKING_METRICS, hidden),
      (ctx) => monthlySeries(ctx, scope.id, q.year, hidden),
      (ctx) => ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(eq(categories.level, 1)),
    ] as const);
    const { sums: rateSums, rates } = rated.get(scope.id)!;
    const sums = new Map([...rateSums, ...(rankings.get(scope.id) ?? new Map())]);
    const catName = new Map(cats.map((c) => [c.code, c.name]));
    const top = (metric: string, n = 10) =>
      [...(sums.get(metric) ?? new Map())]
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, n);
    const accused = top('accused');
    const petitioned = top('petitioned');
    const named = await findUnitsById(ctx.db, [...accused, ...petitioned].map(([id]) => id));
    const unitOf = (id: string): UnitRef => (named.has(id) ? ref(named.get(id)!) : { id, name: '（已撤销单位）', kind: 'unknown' });
    const base: Omit<AnnualReport, 'suggestions'> = {
      year: q.year,
      scope: ref(scope),
      generatedAt: ctx.now().toISOString(),
      received: total(sums, 'received'),
      byChannel: top('received', 20).map(([c, count]) => ({ label: CHANNEL_LABELS[c as Channel] ?? c, count })),
      byCategory: top('received_cat', 20).map(([code, count]) => ({ name: code === 'none' ? '未分类' : (catName.get(code) ?? code), count })),
      mostAccused: accused.map(([id, count]) => ({ unit: unitOf(id), count })),
      mostPetitioned: petitioned.map(([id, count]) => ({ unit: unitOf(id), count })),
      supervision: { dispatched: total(sums, 'dispatched'), chased: total(sums, 'chased'), supervised: total(sums, 'supervised') },
      rates,
      tiers: tierCounts(sums).map((t) => ({ ...t, label: TIER_LABELS[t.tier] })),
      byMonth: monthly,
    };
    return { ...base, suggestions: annualSuggestions(base) };
  });
}

/** Given a unit and a year, returns received and settled per month (one grouped range scan per metric). */
async function monthlySeries(ctx: AppContext, unitId: string, year: number, hidden: HiddenArg): Promise<AnnualReport['byMonth']> {
  const rows = await ctx.db
    .select({ month: sql<string>`left(${cockpitDaily.day}, 7)`, metric: cockpitDaily.metric, value: sql<string>`sum(${cockpitDaily.value})` })
    .from(cockpitDaily)
    .where(
      and(
        eq(cockpitDaily.region, ctx.config.REGION),
        eq(cockpitDaily.unitId, unitId),
        inArray(cockpitDaily.metric, ['received', 'settled']),
        sql`${cockpitDaily.day} between ${`${year}-01-01`} and ${`${year}-12-31`}`,
      ),
    )
    .groupBy(sql`1`, cockpitDaily.metric);
  const months = Array.from({ length: 12 }, (_, i) => ({ month: `${year}-${String(i + 1).padStart(2, '0')}`, received: 0, settled: 0 }));
  for (const r of rows) {
    const m = months[Number(r.month.slice(5, 7)) - 1];
    if (m && (r.metric === 'received' || r.metric === 'settled')) m[r.metric] += Number(r.value);
  }
  for (const it of (await hidden).get(unitId) ?? []) {
    const m = it.day.startsWith(`${year}-`) ? months[Number(it.day.slice(5, 7)) - 1] : undefined;
    if (m && (it.metric === 'received' || it.metric === 'settled')) m[it.metric] -= it.value;
  }
  return months;
}
