import { describe, expect, it } from 'vitest';
import { sampleRound, shareFor } from './sample-round.js';

const cases = (unitId: string, n: number, sampled = 0) =>
  Array.from({ length: n }, (_, i) => ({ caseId: `${unitId}-case-${String(i).padStart(3, '0')}`, unitId, sampled: i < sampled }));

describe('drawing a spot-check round', () => {
  it('checks ceil(rate × closures) of each unit: never below the rate, at least one per unit that closed any', () => {
    expect([0, 1, 3, 20, 21, 30, 40].map((n) => shareFor(n, 0.05))).toEqual([0, 1, 1, 1, 2, 2, 2]);
    expect(shareFor(30, 0.1)).toBe(3); // 0.1 × 30 is 3.0000000000000004 in floating point
    expect(shareFor(5, 1)).toBe(5);
  });

  it('samples within each unit and only from its own closures', () => {
    const population = [...cases('u-a', 25), ...cases('u-b', 3), ...cases('u-c', 1)];
    const { units, added } = sampleRound(population, 0.1, 42);
    expect(units.map((u) => [u.unitId, u.closed, u.target, u.added.length])).toEqual([
      ['u-a', 25, 3, 3],
      ['u-b', 3, 1, 1],
      ['u-c', 1, 1, 1],
    ]);
    for (const u of units) expect(u.added.every((id) => id.startsWith(`${u.unitId}-`))).toBe(true);
    expect(new Set(added).size).toBe(5);
  });

  it('the same seed over the same closures gives the same sample, whatever order they come in; another seed another sample', () => {
    const population = [...cases('u-a', 60), ...cases('u-b', 40)];
    const first = sampleRound(population, 0.1, 20260301).added;
    expect(sampleRound([...population].reverse(), 0.1, 20260301).added).toEqual(first);
    expect(sampleRound(population, 0.1, 7).added).not.toEqual(first);
  });

  it('a unit\'s draw does not depend on other units\' closures', () => {
    const a = cases('u-a', 50);
    const alone = sampleRound(a, 0.1, 99).units[0]!.added;
    const withOthers = sampleRound([...cases('u-0', 17), ...a, ...cases('u-z', 8)], 0.1, 99).units.find((u) => u.unitId === 'u-a')!.added;
    expect(withOthers).toEqual(alone);
  });

  it('cases already sampled in the round count toward the share: a second draw only tops up', () => {
    const { units, added } = sampleRound([...cases('u-a', 25, 3), ...cases('u-b', 30, 1)], 0.1, 5);
    expect(units.map((u) => [u.already, u.added.length])).toEqual([
      [3, 0],
      [1, 2],
    ]);
    expect(added.every((id) => !['u-b-case-000'].includes(id))).toBe(true);
  });

  it('refuses a rate outside (0, 1]', () => {
    expect(() => sampleRound([], 0, 1)).toThrow(RangeError);
    expect(() => sampleRound([], 1.5, 1)).toThrow(RangeError);
  });
});
