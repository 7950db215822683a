/**
 * The monthly assessment (考核, DOMAIN.md §5): each unit's score from the rates of the month, with
 * configurable weights, ranked. Pure: the service counts numerators and denominators and the
 * spot-check deductions; this file turns them into rates, scores and ranks, and says how in words.
 *
 * The formula (also written out by assessmentExplanation, which the exports print):
 *   base  = 100 × Σ(w_k × s_k) ÷ Σ(w_k), over the rates k that have data (denominator > 0),
 *           where s_k is the rate, or 1 − the rate for 重复信访率 (lower is better);
 *           rates without data are left out and the remaining weights renormalised, so a unit is
 *           neither rewarded nor punished for work it had none of;
 *   score = max(0, base − deductions), both rounded to 2 decimals.
 * A unit with no data in any weighted rate gets base 0 (nothing to assess is not full marks) and so
 * ranks at the bottom. Equal scores share a rank (1, 2, 2, 4), listed by unit name in zh-CN order.
 *
 * Also here, being pure rules over the same rates: annualSuggestions, the 意见和建议 of the annual
 * report (services/annual-report.ts renders it and re-exports it).
 */
import { isValidMonth } from '../china-month.js';
import { RATE_KEYS, type AnnualReport, type AssessmentRow, type AssessmentWeights, type Rate, type RateKey, type UnitRef } from './types.js';

/**
 * The rates' zh-CN names and definitions, as the cockpit and the exports show them; another locale
 * gets a table of the same shape. "期内" is the period asked for, in China dates.
 */
export const RATE_LABELS: Readonly<Record<RateKey, { label: string; definition: string }>> = {
  timely_acceptance: {
    label: '及时受理率',
    definition:
      '期内作出受理决定（受理、不予受理、即时办结、交办或转送）且未超过登记转送期限的件 ÷ 期内作出受理决定的件。按作出受理决定的日期计入期间，计入登记单位。',
  },
  on_time_closure: {
    label: '按期办结率',
    definition: '期内办结（办结或即时办结）且在办理期限内、未超期的件 ÷ 期内办结的件。按办结日期计入期间，计入主办、协办单位（未交办的计入登记单位）。',
  },
  response: {
    label: '响应率',
    definition:
      '最近一次回访或评价在期内、且联系上信访人的件 ÷ 最近一次回访或评价在期内的件。信访人自行评价的，视为已联系上。计入主办、协办单位（未交办的计入登记单位）。',
  },
  resolution: {
    label: '解决率',
    definition: '最近一次回访或评价在期内、联系上信访人且表示问题已解决的件 ÷ 最近一次回访或评价在期内且联系上信访人的件。',
  },
  satisfaction: {
    label: '满意率',
    definition: '最近一次回访或评价在期内、联系上信访人且表示满意的件 ÷ 最近一次回访或评价在期内且联系上信访人的件。',
  },
  participation: {
    label: '参评率',
    definition: '期内办结、且有过联系上信访人的回访或评价的件 ÷ 期内办结的件。',
  },
  repeat: {
    label: '重复信访率',
    definition: '期内登记的重复信访件 ÷ 期内登记的件。越低越好，考核计分时按“1 − 重复信访率”计。计入登记单位；拆分出的子件不重复计入。',
  },
  first_time_resolution: {
    label: '初信初访一次性化解率',
    definition:
      '期内办结的初信初访件中，未退回重办、未申请复查且最近一次评价不是“不满意”的件 ÷ 期内办结的初信初访件。',
  },
  backlog_resolution: {
    label: '积案化解率',
    definition:
      '期内化解（办结）的积案 ÷（期初积案 + 期内新增积案）。积案指曾经超期的件；期初积案指期初尚未办结的积案，期内新增积案指期内首次超期的件。',
  },
};

/** The rates where lower is better (scored as 1 − the rate). */
export const LOWER_IS_BETTER: ReadonlySet<RateKey> = new Set<RateKey>(['repeat']);

/**
 * The default weights, in points out of 100 (they need not add up to 100; the score is normalised).
 * - 满意率 and 按期办结率 weigh most: satisfaction is what the petitioner feels, on-time closure what
 *   the 条例 demands of the unit;
 * - 解决率 next: the problem solved, beyond the procedure;
 * - 及时受理率, 响应率, 初信初访一次性化解率 10 each: the front door, reaching the petitioner, and
 *   settling matters the first time;
 * - 参评率 and 积案化解率 5 each: participation mostly guards the three rates against cherry-picked
 *   visits, and backlogs are few and concentrated, so a large weight would swing small units;
 * - 重复信访率 only 5: it depends on the petitioner's behaviour as much as on the unit, and the
 *   first-time resolution rate already rewards settling a matter once.
 */
export const DEFAULT_ASSESSMENT_WEIGHTS: AssessmentWeights = {
  timely_acceptance: 10,
  on_time_closure: 20,
  response: 10,
  resolution: 15,
  satisfaction: 20,
  participation: 5,
  repeat: 5,
  first_time_resolution: 10,
  backlog_resolution: 5,
};

/** The largest weight accepted: keeps the sums finite; weights are relative, so no scheme needs more. */
export const MAX_ASSESSMENT_WEIGHT = 1_000_000;

/**
 * Given anything (a request body, a stored setting), returns it as assessment weights: an object with
 * exactly the nine rate keys, each a finite number from 0 to MAX_ASSESSMENT_WEIGHT, at least one above
 * 0. Throws a plain Error with a zh-CN message naming the offending rate otherwise.
 */
export function validateAssessmentWeights(input: unknown): AssessmentWeights {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('考核权重必须是一个对象，包含各项指标的权重');
  }
  const record = input as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((k) => !(RATE_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length) throw new Error(`考核权重含有未知的指标：${unknownKeys.join('、')}`);
  const out = {} as AssessmentWeights;
  for (const key of RATE_KEYS) {
    const { label } = RATE_LABELS[key];
    if (!(key in record)) throw new Error(`考核权重缺少“${label}”（${key}）`);
    const w = record[key];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new Error(`“${label}”的权重必须是不小于 0 的数`);
    }
    if (w > MAX_ASSESSMENT_WEIGHT) throw new Error(`“${label}”的权重不能大于 ${MAX_ASSESSMENT_WEIGHT}`);
    out[key] = w;
  }
  if (RATE_KEYS.every((k) => out[k] === 0)) throw new Error('考核权重不能全部为 0，至少一项指标的权重要大于 0');
  return out;
}

/**
 * Given a rate's key and counts, returns the rate with its zh-CN label and definition. value is
 * numerator ÷ denominator, null when the denominator is 0, and kept within [0, 1] should the counts
 * disagree (the counts themselves are passed through so a disagreement stays visible).
 */
export function rateFrom(key: RateKey, numerator: number, denominator: number): Rate {
  const { label, definition } = RATE_LABELS[key];
  return { key, label, numerator, denominator, value: rateValue(numerator, denominator), definition, lowerIsBetter: LOWER_IS_BETTER.has(key) };
}

function rateValue(numerator: number, denominator: number): number | null {
  if (!(denominator > 0)) return null;
  return Math.min(1, Math.max(0, numerator / denominator));
}

/** Rounds to 2 decimals (the scores' precision), half away from zero on the decimal value. */
export function round2(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x) * 100 + 1e-9) / 100;
}

export interface ScoreInput {
  unit: UnitRef;
  rates: Record<RateKey, { numerator: number; denominator: number }>;
  /** points taken off (e.g. sloppy closures found by spot checks), ≥ 0 */
  deductions: number;
  /** cases received and settled in the month, shown beside the score */
  received: number;
  settled: number;
}

/**
 * Given each unit's counts and the weights, returns the ranked rows: best score first, equal scores
 * sharing a rank (1, 2, 2, 4) and listed by unit name (zh-CN collation), then id. See the file
 * comment for the formula. Throws RangeError on a negative or non-finite deduction.
 */
export function scoreUnits(inputs: readonly ScoreInput[], weights: AssessmentWeights): AssessmentRow[] {
  const scored = inputs.map((input) => {
    if (!Number.isFinite(input.deductions) || input.deductions < 0) {
      throw new RangeError(`deductions of unit ${input.unit.id} must be a finite number ≥ 0, got ${input.deductions}`);
    }
    const rates = {} as AssessmentRow['rates'];
    let weighted = 0;
    let weightSum = 0;
    for (const key of RATE_KEYS) {
      const { numerator, denominator } = input.rates[key];
      const value = rateValue(numerator, denominator);
      rates[key] = { numerator, denominator, value };
      if (value === null) continue;
      const w = weights[key];
      weighted += w * (LOWER_IS_BETTER.has(key) ? 1 - value : value);
      weightSum += w;
    }
    const base = weightSum > 0 ? round2((100 * weighted) / weightSum) : 0;
    const deductions = round2(input.deductions);
    const score = round2(Math.max(0, base - deductions));
    return { rank: 0, unit: input.unit, base, deductions, score, rates, received: input.received, settled: input.settled };
  });
  scored.sort((a, b) => b.score - a.score || a.unit.name.localeCompare(b.unit.name, 'zh-CN') || (a.unit.id < b.unit.id ? -1 : a.unit.id > b.unit.id ? 1 : 0));
  scored.forEach((row, i) => {
    const prev = scored[i - 1];
    row.rank = prev && prev.score === row.score ? prev.rank : i + 1;
  });
  return scored;
}

/** Given a weight, returns it as written in the explanation (20, 2.5, 0.25). */
function weightText(w: number): string {
  return String(Number(w.toFixed(4)));
}

/** Given the weights, returns the scoring rule in words (zh-CN), with each rate's weight and share. */
export function assessmentExplanation(weights: AssessmentWeights): string {
  const total = RATE_KEYS.reduce((s, k) => s + weights[k], 0);
  const counted = RATE_KEYS.filter((k) => weights[k] > 0).sort((a, b) => weights[b] - weights[a]);
  const ignored = RATE_KEYS.filter((k) => !(weights[k] > 0));
  const parts = counted.map((k) => `${RATE_LABELS[k].label} ${weightText(weights[k])}（占 ${Number(((weights[k] / total) * 100).toFixed(2))}%）`);
  const lower = RATE_KEYS.filter((k) => LOWER_IS_BETTER.has(k) && weights[k] > 0).map((k) => RATE_LABELS[k].label);
  return [
    '得分 = 基础分 − 扣分，最低为 0 分，基础分和得分均保留两位小数。',
    '基础分 = 100 × Σ（权重 × 指标值）÷ Σ（权重），只计当月有数据（分母大于 0）的指标；没有数据的指标不计入，其余指标的权重按比例折算，使权重合计仍为 100%。',
    lower.length ? `${lower.join('、')}越低越好，计分时按“1 − 该比率”计。` : '',
    `各项权重：${parts.join('，')}。`,
    ignored.length ? `${ignored.map((k) => RATE_LABELS[k].label).join('、')}权重为 0，只展示，不计分。` : '',
    '所有计分指标当月均无数据的单位，基础分为 0，排在最后。',
    '扣分为当月抽查等发现问题（如草率办结）扣减的分数。',
    '得分相同的单位名次相同（如 1、2、2、4），按单位名称排列。',
  ]
    .filter(Boolean)
    .join('');
}

// ---- the annual report's suggestions (《信访工作条例》第四十一条) ----

/**
 * The reference lines the suggestions measure the rates against (the report's own, not official
 * quotas): a rate below its target (above it, for 重复信访率) gets a suggestion.
 */
export const ANNUAL_RATE_TARGETS: Readonly<Record<RateKey, number>> = {
  timely_acceptance: 0.95,
  on_time_closure: 0.95,
  response: 0.9,
  resolution: 0.85,
  satisfaction: 0.9,
  participation: 0.8,
  repeat: 0.1,
  first_time_resolution: 0.85,
  backlog_resolution: 0.8,
};

/** What to do about each rate that misses its target. */
const RATE_ADVICE: Readonly<Record<RateKey, string>> = {
  timely_acceptance: '建议严格落实登记、受理、转送时限，做到来信来访及时登记、及时告知',
  on_time_closure: '建议强化办理期限预警和跟踪督办，对临期、超期事项及时催办，防止久拖不办',
  response: '建议提高回访覆盖面，对一时联系不上的信访人通过电话、上门等多种方式回访',
  resolution: '建议对未解决的事项逐件分析原因，推动问题实质性解决，防止“程序性办结”',
  satisfaction: '建议对不满意的事项逐件复核，加强与信访人沟通，提升办理质量和群众满意度',
  participation: '建议办结后及时回访或邀请信访人评价，确保办理结果接受群众检验',
  repeat: '建议提高初信初访办理质量，对重复信访事项落实领导包案，防止小问题拖成“老信访户”',
  first_time_resolution: '建议压实首办责任，把问题解决在初信初访阶段',
  backlog_resolution: '建议落实领导包案和百案攻坚，逐案制定化解方案，推动积案清仓见底',
};

/** Given a share in [0, 1], returns it as a percentage with at most 2 decimals: 87.5%, 100%, 33.33%. */
export function percentZh(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

/** '2026-03' → '3月' (anything else as given). */
export function monthShortZh(month: string): string {
  return isValidMonth(month) ? `${Number(month.slice(5, 7))}月` : month;
}

/**
 * Given the year's figures, returns suggestions drawn from them, in this order: each rate with data
 * that misses its target (ANNUAL_RATE_TARGETS, in the order of the figures' rates); the largest
 * field; the unit most complained about; the trend of the volume (last quarter against the first,
 * and the peak month); settled against received; settlement at higher tiers. Always at least one.
 */
export function annualSuggestions(r: Omit<AnnualReport, 'suggestions'>): string[] {
  const out: string[] = [];

  for (const rate of r.rates) {
    if (rate.value === null) continue;
    const target = ANNUAL_RATE_TARGETS[rate.key];
    const missed = rate.lowerIsBetter ? rate.value > target : rate.value < target;
    if (!missed) continue;
    out.push(
      `${rate.label}为 ${percentZh(rate.value)}（${rate.numerator}/${rate.denominator}），${rate.lowerIsBetter ? '高于' : '低于'} ${percentZh(target)} 的目标，${RATE_ADVICE[rate.key]}。`,
    );
  }

  const topCategory = [...r.byCategory].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'zh-CN'))[0];
  if (topCategory && topCategory.count > 0) {
    out.push(
      `信访事项较多集中在“${topCategory.name}”领域（${topCategory.count} 件${r.received > 0 ? `，占 ${percentZh(topCategory.count / r.received)}` : ''}），建议相关部门深入分析成因，从政策和源头上研究解决措施，减少同类问题发生。`,
    );
  }

  const topAccused = [...r.mostAccused].sort((a, b) => b.count - a.count || a.unit.name.localeCompare(b.unit.name, 'zh-CN'))[0];
  if (topAccused && topAccused.count > 0) {
    out.push(
      `${topAccused.unit.name}全年被投诉 ${topAccused.count} 件，居各单位之首，建议督促其对照群众反映的问题查找工作作风和依法履职方面的不足，认真整改。`,
    );
  }

  const months = [...r.byMonth].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  if (months.length >= 6) {
    const first = months.slice(0, 3).reduce((s, m) => s + m.received, 0);
    const last = months.slice(-3).reduce((s, m) => s + m.received, 0);
    const span = `${monthShortZh(months[months.length - 3]!.month)}至${monthShortZh(months[months.length - 1]!.month)}`;
    const start = `${monthShortZh(months[0]!.month)}至${monthShortZh(months[2]!.month)}`;
    if (first > 0 && last >= first * 1.2) {
      out.push(
        `${span}收到信访事项 ${last} 件，比${start}的 ${first} 件增长 ${percentZh((last - first) / first)}，呈上升趋势，建议加强矛盾纠纷排查化解和风险预警，及早发现苗头性问题。`,
      );
    } else if (first > 0 && last <= first * 0.8) {
      out.push(
        `${span}收到信访事项 ${last} 件，比${start}的 ${first} 件下降 ${percentZh((first - last) / first)}，建议总结有效做法，巩固源头治理成效。`,
      );
    }
  }
  if (months.length >= 2) {
    const peak = [...months].sort((a, b) => b.received - a.received || (a.month < b.month ? -1 : 1))[0]!;
    const average = months.reduce((s, m) => s + m.received, 0) / months.length;
    if (peak.received > 0 && peak.received >= average * 1.5) {
      out.push(`${monthShortZh(peak.month)}收到信访事项 ${peak.received} 件，为全年最多，明显高于月均 ${Number(average.toFixed(1))} 件，建议分析该时段集中反映的问题，提前做好同期防范。`);
    }
  }
  const settled = months.reduce((s, m) => s + m.settled, 0);
  if (r.received > 0 && settled < r.received * 0.9) {
    out.push(`全年办结信访事项 ${settled} 件，少于收到的 ${r.received} 件，在办事项有所积存，建议加强统筹调度，加快办理进度。`);
  }

  const tierTotal = r.tiers.reduce((s, t) => s + t.count, 0);
  const high = r.tiers.filter((t) => t.tier === 'district' || t.tier === 'city').reduce((s, t) => s + t.count, 0);
  if (tierTotal > 0 && high / tierTotal > 0.3) {
    out.push(
      `区级及以上化解的信访事项占 ${percentZh(high / tierTotal)}，建议推动力量下沉，落实“小事不出村社、大事不出街道”，把矛盾化解在基层。`,
    );
  }

  if (!out.length) {
    out.push('全年各项主要指标均达到目标，建议继续巩固信访工作法治化成果，坚持和发展新时代“枫桥经验”，推动信访工作高质量发展。');
  }
  return out;
}
