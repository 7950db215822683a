import { describe, expect, it } from 'vitest';
import { hotIssueScore, rankHotIssues, type HotIssueCase } from './hot-issues.js';

const day = (d: number) => new Date(Date.UTC(2026, 2, d, 2));
let seq = 0;
const mk = (keywords: string[], over: Partial<HotIssueCase> = {}): HotIssueCase => ({
  id: `c${String(++seq).padStart(3, '0')}`,
  keywords,
  categoryCode: null,
  placePath: '/d/s1/c1/',
  receivedAt: day(10),
  ...over,
});

describe('hot issues: grouping similar cases and ranking them', () => {
  it('groups cases sharing two of their top keywords, labels the group and counts its places', () => {
    seq = 0;
    const stalls = [
      mk(['占道经营', '摊贩', '油烟', '小区'], { categoryCode: '0101', receivedAt: day(5) }),
      mk(['摊贩', '占道经营', '噪音'], { categoryCode: '0101', receivedAt: day(6) }),
      mk(['油烟', '摊贩', '夜市'], { categoryCode: '0102', receivedAt: day(7) }), // joins through 摊贩+油烟
      mk(['占道经营', '油烟', '摊贩'], { categoryCode: '0101', receivedAt: day(8), placePath: '/d/s1/c2/' }),
    ];
    const noise = [mk(['停水', '5号楼']), mk(['施工', '噪音', '凌晨'])]; // share nothing with two words
    const [g, ...rest] = rankHotIssues([...noise, ...stalls], []);
    expect(rest).toEqual([]);
    expect(g).toEqual({
      key: 'c001',
      keywords: ['摊贩', '占道经营', '油烟'],
      categoryCode: '0101',
      volume: 4,
      previous: 0,
      growth: 4,
      score: 8,
      places: [
        { placePath: '/d/s1/c1/', count: 3 },
        { placePath: '/d/s1/c2/', count: 1 },
      ],
      caseIds: ['c004', 'c003', 'c002', 'c001'],
    });
  });

  it('a group needs three current cases; one shared word is not enough', () => {
    seq = 0;
    expect(rankHotIssues([mk(['工资', '拖欠']), mk(['拖欠', '工资'])], [mk(['拖欠', '工资'])])).toEqual([]);
    expect(rankHotIssues([mk(['工资', '拖欠']), mk(['工资', '物业']), mk(['工资', '停车'])], [])).toEqual([]);
  });

  it('the same matter joins cases whatever their words', () => {
    seq = 0;
    const got = rankHotIssues([mk(['甲', '乙'], { matterId: 'm1' }), mk(['丙', '丁'], { matterId: 'm1' }), mk(['戊'], { matterId: 'm1' })], []);
    expect(got.map((g) => g.volume)).toEqual([3]);
  });

  it('growth compares with the same group in the previous window and ranks a growing group above a steady larger one', () => {
    seq = 0;
    const growing = [1, 2, 3, 4, 5, 6].map((d) => mk(['电梯', '加装', '老旧小区'], { receivedAt: day(20 + d) }));
    const growingBefore = [mk(['加装', '电梯'], { receivedAt: day(1) }), mk(['电梯', '加装'], { receivedAt: day(2) })];
    const steady = [1, 2, 3, 4, 5, 6, 7].map((d) => mk(['拖欠', '工资', '工地'], { receivedAt: day(20 + d) }));
    const steadyBefore = [1, 2, 3, 4, 5, 6, 7].map((d) => mk(['工资', '拖欠'], { receivedAt: day(d) }));
    const got = rankHotIssues([...steady, ...growing], [...steadyBefore, ...growingBefore]);
    expect(got.map((g) => [g.keywords.slice(0, 2), g.volume, g.previous, g.growth, g.score])).toEqual([
      [['电梯', '加装'], 6, 2, 2, 12],
      [['拖欠', '工资'], 7, 7, 0, 7],
    ]);
  });

  it('the score counts growth at most as a doubling and a shrinking group sinks', () => {
    expect(hotIssueScore(5, 0)).toEqual({ growth: 5, score: 10 });
    expect(hotIssueScore(12, 12)).toEqual({ growth: 0, score: 12 });
    expect(hotIssueScore(3, 12)).toEqual({ growth: -0.75, score: 0.75 });
  });

  it('is deterministic: the input order does not change the answer', () => {
    seq = 0;
    const cases = Array.from({ length: 30 }, (_, i) => mk([`词${i % 4}`, `词${(i + 1) % 4}`, `其他${i}`], { receivedAt: day(1 + (i % 9)), placePath: `/d/s${i % 3}/` }));
    const a = rankHotIssues(cases, []);
    const b = rankHotIssues([...cases].reverse(), []);
    expect(b).toEqual(a);
    // 词0+词1, 词1+词2 …: neighbours share one word only, so four groups, not one chain
    expect(a.map((g) => g.volume)).toEqual([8, 8, 7, 7]);
  });
});
