/**
 * From counters to figures (pure): the nine rates as numerator over denominator, the tier shares, and
 * the map index (一图一指数). The counters are sums of case facts (case-facts.ts) over a scope and a
 * period; what each rate counts is said in assessment-score.ts's RATE_LABELS, shown in the cockpit.
 */
import type { IndexWeights, RateKey, Tier } from './types.js';
import { TIERS } from './types.js';

/** Sums over a period: metric → dim → value. */
export type Sums = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Given sums, returns the total of a metric over all its dims. */
export function total(sums: Sums, metric: string): number {
  let n = 0;
  for (const v of sums.get(metric)?.values() ?? []) n += v;
  return n;
}

export type RateCounts = Record<RateKey, { numerator: number; denominator: number }>;

/**
 * Given the period's sums and the backlog stock at its start (cases that had become backlog before
 * the period and had neither been resolved nor left), returns each rate's numerator and denominator.
 */
export function rateCounts(sums: Sums, backlogAtStart: number): RateCounts {
  const t = (m: string) => total(sums, m);
  const settled = t('settled');
  const contacted = t('eval_contacted');
  return {
    timely_acceptance: { numerator: t('accept_timely'), denominator: t('accept_decided') },
    on_time_closure: { numerator: t('settled_ontime'), denominator: settled },
    response: { numerator: contacted, denominator: t('eval') },
    resolution: { numerator: t('eval_solved'), denominator: contacted },
    satisfaction: { numerator: t('eval_satisfied'), denominator: contacted },
    participation: { numerator: t('settled_rated'), denominator: settled },
    repeat: { numerator: t('repeat'), denominator: t('received') },
    first_time_resolution: { numerator: t('first_once'), denominator: t('first_settled') },
    backlog_resolution: { numerator: t('backlog_out'), denominator: Math.max(0, backlogAtStart) + t('backlog_in') },
  };
}

/** Given the period's sums, returns settled cases per tier with their share of all settled. */
export function tierCounts(sums: Sums): { tier: Tier; count: number; share: number | null }[] {
  const byTier = sums.get('settled');
  const all = total(sums, 'settled');
  return TIERS.map((tier) => {
    const count = byTier?.get(tier) ?? 0;
    return { tier, count, share: all > 0 ? count / all : null };
  });
}

export const DEFAULT_INDEX_WEIGHTS: IndexWeights = { volume: 0.3, overdue: 0.3, dissatisfaction: 0.2, warnings: 0.2 };

/** Given unknown input, returns valid index weights (each finite and ≥ 0, at least one > 0) or throws with a zh-CN message. */
export function validateIndexWeights(input: unknown): IndexWeights {
  const o = (input ?? {}) as Record<string, unknown>;
  const out = {} as IndexWeights;
  for (const k of Object.keys(DEFAULT_INDEX_WEIGHTS) as (keyof IndexWeights)[]) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1000) throw new Error(`指数权重 ${k} 必须是 0 到 1000 之间的数`);
    out[k] = v;
  }
  if (Object.values(out).every((v) => v === 0)) throw new Error('指数权重不能全为 0');
  return out;
}

export interface AreaInput {
  volume: number;
  overdue: number;
  /** satisfied / reached in the period, null when nobody was reached */
  satisfaction: number | null;
  warnings: number;
}

/**
 * Given the areas shown together on one map and the weights, returns each area's index (0–100) and
 * its parts. Volume, overdue and warnings count relative to the busiest area on the map (so the map
 * compares siblings); dissatisfaction is 1 − satisfaction (0 when nobody was reached). The index is
 * 100 × Σ weight × component / Σ weight, rounded to one decimal; the parts add up to it.
 */
export function mapIndex(areas: readonly AreaInput[], w: IndexWeights): { index: number; parts: { volume: number; overdue: number; dissatisfaction: number; warnings: number } }[] {
  const max = (f: (a: AreaInput) => number) => Math.max(0, ...areas.map(f));
  const mv = max((a) => a.volume);
  const mo = max((a) => a.overdue);
  const mw = max((a) => a.warnings);
  const sum = w.volume + w.overdue + w.dissatisfaction + w.warnings;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return areas.map((a) => {
    const c = {
      volume: mv > 0 ? a.volume / mv : 0,
      overdue: mo > 0 ? a.overdue / mo : 0,
      dissatisfaction: a.satisfaction === null ? 0 : 1 - a.satisfaction,
      warnings: mw > 0 ? a.warnings / mw : 0,
    };
    const parts = {
      volume: r1((100 * w.volume * c.volume) / sum),
      overdue: r1((100 * w.overdue * c.overdue) / sum),
      dissatisfaction: r1((100 * w.dissatisfaction * c.dissatisfaction) / sum),
      warnings: r1((100 * w.warnings * c.warnings) / sum),
    };
    return { index: r1(parts.volume + parts.overdue + parts.dissatisfaction + parts.warnings), parts };
  });
}

/** Given the weights, returns the index explained in words (zh-CN). */
export function indexExplanation(w: IndexWeights): string {
  const sum = w.volume + w.overdue + w.dissatisfaction + w.warnings;
  const pct = (x: number) => `${Math.round((1000 * x) / sum) / 10}%`;
  return (
    `指数 = 100 ×（诉求量 × ${pct(w.volume)} + 超期件 × ${pct(w.overdue)} + 不满意率 × ${pct(w.dissatisfaction)} + 预警 × ${pct(w.warnings)}），` +
    '诉求量、超期件和未结预警按同一张图上最多的区域折算为 0–1，不满意率 = 1 − 满意率（无人参评记 0）。' +
    '0–100，越高越需要关注；权重由管理员在系统设置中调整。'
  );
}
