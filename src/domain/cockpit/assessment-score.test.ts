/**
 * The assessment score over hand-computed fixtures: renormalisation when a rate has no data, the
 * repeat rate inverted, deductions and the floor at 0, shared ranks in zh-CN name order, units with
 * no data last, the weights' validation, the rates' labels and the explanation.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ASSESSMENT_WEIGHTS,
  RATE_LABELS,
  assessmentExplanation,
  rateFrom,
  round2,
  scoreUnits,
  validateAssessmentWeights,
  type ScoreInput,
} from './assessment-score.js';
import { RATE_KEYS, type AssessmentWeights, type RateKey } from './types.js';

const unit = (id: string, name: string) => ({ id, name, kind: 'street' });
const rates = (each: [number, number], over: Partial<Record<RateKey, [number, number]>> = {}): ScoreInput['rates'] =>
  Object.fromEntries(RATE_KEYS.map((k) => { const [numerator, denominator] = over[k] ?? each; return [k, { numerator, denominator }]; })) as ScoreInput['rates'];
const input = (id: string, name: string, r: ScoreInput['rates'], deductions = 0): ScoreInput => ({ unit: unit(id, name), rates: r, deductions, received: 10, settled: 8 });
const only = (w: Partial<AssessmentWeights>): AssessmentWeights => ({ ...(Object.fromEntries(RATE_KEYS.map((k) => [k, 0])) as AssessmentWeights), ...w });

describe('the default weights', () => {
  it('are points out of 100, satisfaction and on-time closure weighing most, and pass their own validation', () => {
    expect(RATE_KEYS.reduce((s, k) => s + DEFAULT_ASSESSMENT_WEIGHTS[k], 0)).toBe(100);
    const max = Math.max(...RATE_KEYS.map((k) => DEFAULT_ASSESSMENT_WEIGHTS[k]));
    expect(DEFAULT_ASSESSMENT_WEIGHTS.satisfaction).toBe(max);
    expect(DEFAULT_ASSESSMENT_WEIGHTS.on_time_closure).toBe(max);
    expect(validateAssessmentWeights(DEFAULT_ASSESSMENT_WEIGHTS)).toEqual(DEFAULT_ASSESSMENT_WEIGHTS);
  });
});

describe('scoreUnits', () => {
  it('averages the rates with data by weight, renormalising over the rest, inverting 重复信访率, then deducts', () => {
    // every rate 8/10 except repeat 1/10 (scored 0.9) and no backlog at all (0/0, weight 5 left out):
    // Σw = 100 − 5 = 95; Σw·s = 0.8 × (10+20+10+15+20+5+10) + 0.9 × 5 = 72 + 4.5 = 76.5; base = 7650/95 = 80.5263… → 80.53
    const [row] = scoreUnits([input('a', '云湖街道', rates([8, 10], { repeat: [1, 10], backlog_resolution: [0, 0] }), 3)], DEFAULT_ASSESSMENT_WEIGHTS);
    expect(row!.base).toBe(80.53);
    expect(row!.deductions).toBe(3);
    expect(row!.score).toBe(77.53);
    expect(row!.rank).toBe(1);
    expect(row!.rates.backlog_resolution).toEqual({ numerator: 0, denominator: 0, value: null });
    expect(row!.rates.repeat).toEqual({ numerator: 1, denominator: 10, value: 0.1 });
    expect(row!.received).toBe(10);
    expect(row!.settled).toBe(8);
  });

  it('scores 重复信访率 as 1 − the rate: a quarter repeated is 75 points when it is the only weight', () => {
    const [row] = scoreUnits([input('a', '甲', rates([0, 0], { repeat: [1, 4] }))], only({ repeat: 1 }));
    expect(row!.base).toBe(75);
    const [none] = scoreUnits([input('a', '甲', rates([0, 0], { repeat: [0, 4] }))], only({ repeat: 1 }));
    expect(none!.base).toBe(100);
  });

  it('renormalises two weights when the third has no data (60·0.5 + 40·1 over 100, not over 130)', () => {
    const w = only({ satisfaction: 60, on_time_closure: 40, backlog_resolution: 30 });
    const [row] = scoreUnits([input('a', '甲', rates([0, 0], { satisfaction: [1, 2], on_time_closure: [3, 3] }))], w);
    expect(row!.base).toBe(70);
    // with the backlog rate present at 0 it counts fully: (30 + 40 + 0) / 130 = 53.846… → 53.85
    const [withBacklog] = scoreUnits([input('a', '甲', rates([0, 0], { satisfaction: [1, 2], on_time_closure: [3, 3], backlog_resolution: [0, 5] }))], w);
    expect(withBacklog!.base).toBe(53.85);
  });

  it('gives base 0 to a unit whose weighted rates all lack data, even if a zero-weight rate has some', () => {
    const [row] = scoreUnits([input('a', '甲', rates([0, 0], { response: [5, 5] }))], only({ satisfaction: 1 }));
    expect(row!.base).toBe(0);
    expect(row!.score).toBe(0);
    expect(row!.rates.response.value).toBe(1);
  });

  it('never scores below 0 and keeps counts that disagree visible while capping the rate at 1', () => {
    const [row] = scoreUnits([input('a', '甲', rates([1, 2]), 60)], only({ satisfaction: 1 }));
    expect(row!.base).toBe(50);
    expect(row!.score).toBe(0);
    const [odd] = scoreUnits([input('a', '甲', rates([3, 2]))], only({ satisfaction: 1 }));
    expect(odd!.rates.satisfaction).toEqual({ numerator: 3, denominator: 2, value: 1 });
    expect(odd!.base).toBe(100);
  });

  it('ranks by score, equal scores sharing a rank (1, 2, 2, 4 …) in zh-CN name order, units without data last', () => {
    const w = DEFAULT_ASSESSMENT_WEIGHTS;
    const rows = scoreUnits(
      [
        input('nodata', '青石街道', rates([0, 0])), // base 0 → score 0
        input('east', '东城街道', rates([1, 2])), // every rate ½, repeat ½ scored ½ → 50
        input('west', '西山街道', rates([1, 2]), 60), // 50 − 60 → 0
        input('south', '南苑街道', rates([1, 1], { repeat: [0, 1] })), // 100
        input('north', '北湖街道', rates([2, 4])), // 50, ties with 东城
        input('yun', '云湖街道', rates([8, 10], { repeat: [1, 10], backlog_resolution: [0, 0] }), 3), // 77.53
      ],
      w,
    );
    expect(rows.map((r) => [r.rank, r.unit.name, r.score])).toEqual([
      [1, '南苑街道', 100],
      [2, '云湖街道', 77.53],
      [3, '北湖街道', 50], // běi before dōng
      [3, '东城街道', 50],
      [5, '青石街道', 0], // qīng before xī
      [5, '西山街道', 0],
    ]);
  });

  it('rejects a negative or non-finite deduction', () => {
    expect(() => scoreUnits([input('a', '甲', rates([1, 1]), -1)], DEFAULT_ASSESSMENT_WEIGHTS)).toThrow(RangeError);
    expect(() => scoreUnits([input('a', '甲', rates([1, 1]), Number.NaN)], DEFAULT_ASSESSMENT_WEIGHTS)).toThrow(RangeError);
  });

  it('rounds to 2 decimals half up on the decimal value', () => {
    expect(round2(1.005)).toBe(1.01);
    expect(round2(80.52631578)).toBe(80.53);
    expect(round2(2 / 3)).toBe(0.67);
  });
});

describe('validateAssessmentWeights', () => {
  it('returns a copy with the nine keys in order', () => {
    const given = { ...DEFAULT_ASSESSMENT_WEIGHTS, repeat: 0, satisfaction: 2.5 };
    const w = validateAssessmentWeights(given);
    expect(w).not.toBe(given);
    expect(Object.keys(w)).toEqual([...RATE_KEYS]);
    expect(w.satisfaction).toBe(2.5);
    expect(w.repeat).toBe(0);
  });

  it.each([
    ['not an object', null, '考核权重必须是一个对象'],
    ['an array', [1, 2], '考核权重必须是一个对象'],
    ['a missing key', (() => { const { satisfaction: _s, ...rest } = DEFAULT_ASSESSMENT_WEIGHTS; return rest; })(), '考核权重缺少“满意率”（satisfaction）'],
    ['an unknown key', { ...DEFAULT_ASSESSMENT_WEIGHTS, satisfation: 3 }, '考核权重含有未知的指标：satisfation'],
    ['a negative weight', { ...DEFAULT_ASSESSMENT_WEIGHTS, repeat: -1 }, '“重复信访率”的权重必须是不小于 0 的数'],
    ['a string', { ...DEFAULT_ASSESSMENT_WEIGHTS, response: '10' }, '“响应率”的权重必须是不小于 0 的数'],
    ['NaN', { ...DEFAULT_ASSESSMENT_WEIGHTS, resolution: Number.NaN }, '“解决率”的权重必须是不小于 0 的数'],
    ['Infinity', { ...DEFAULT_ASSESSMENT_WEIGHTS, resolution: Number.POSITIVE_INFINITY }, '“解决率”的权重必须是不小于 0 的数'],
    ['a huge weight', { ...DEFAULT_ASSESSMENT_WEIGHTS, resolution: 1e300 }, '“解决率”的权重不能大于'],
    ['all zero', only({}), '考核权重不能全部为 0'],
  ])('rejects %s with a zh-CN message', (_what, value, message) => {
    expect(() => validateAssessmentWeights(value)).toThrow(message);
  });
});

describe('rateFrom and RATE_LABELS', () => {
  it('labels all nine rates and defines each as a numerator over a denominator', () => {
    expect(RATE_KEYS.map((k) => RATE_LABELS[k].label)).toEqual([
      '及时受理率',
      '按期办结率',
      '响应率',
      '解决率',
      '满意率',
      '参评率',
      '重复信访率',
      '初信初访一次性化解率',
      '积案化解率',
    ]);
    for (const k of RATE_KEYS) expect(RATE_LABELS[k].definition).toContain('÷');
    expect(RATE_LABELS.backlog_resolution.definition).toContain('曾经超期');
  });

  it('computes the value, null without a denominator, and marks 重复信访率 lower-is-better', () => {
    expect(rateFrom('satisfaction', 3, 4)).toEqual({
      key: 'satisfaction',
      label: '满意率',
      numerator: 3,
      denominator: 4,
      value: 0.75,
      definition: RATE_LABELS.satisfaction.definition,
      lowerIsBetter: false,
    });
    expect(rateFrom('on_time_closure', 0, 0).value).toBeNull();
    expect(rateFrom('repeat', 1, 5)).toMatchObject({ label: '重复信访率', value: 0.2, lowerIsBetter: true });
  });
});

describe('assessmentExplanation', () => {
  it('states the formula, each weight with its share, the inversion, the zero weights and the tie rule', () => {
    const text = assessmentExplanation(only({ satisfaction: 3, on_time_closure: 1, repeat: 1 }));
    expect(text).toContain('基础分 = 100 × Σ（权重 × 指标值）÷ Σ（权重）');
    expect(text).toContain('满意率 3（占 60%），按期办结率 1（占 20%），重复信访率 1（占 20%）');
    expect(text).toContain('重复信访率越低越好');
    expect(text).toContain('及时受理率、响应率、解决率、参评率、初信初访一次性化解率、积案化解率权重为 0，只展示，不计分');
    expect(text).toContain('基础分为 0，排在最后');
    expect(text).toContain('1、2、2、4');
    expect(assessmentExplanation(DEFAULT_ASSESSMENT_WEIGHTS)).not.toContain('权重为 0');
  });
});
