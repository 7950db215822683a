/**
 * Drawing a spot-check round (抽查, DOMAIN.md §5): which closed cases a supervisor visits again.
 *
 * Stratified by the unit answerable for the closure (the lead unit): a unit that closed n cases in
 * the month gets ceil(rate × n) of them checked — never fewer than the rate, so at least one for
 * every unit that closed any, and at most one more than the rate asks (a unit with 3 closures at 5 %
 * still gets one). Within a unit the cases are put in id order and shuffled by a seeded PRNG whose
 * stream is derived from the round's seed and the unit's id, so the same seed over the same
 * closures gives the same sample (the seed is kept with the round), and one unit's closures do not
 * change another unit's draw. Cases already sampled in this round count toward the unit's share:
 * drawing again later in the month only tops a unit up to its share of the closures since.
 */
import { createRng, deriveSeed } from '../demo/prng.js';

export interface RoundCandidate {
  caseId: string;
  unitId: string;
  /** already sampled in this round */
  sampled: boolean;
}

export interface UnitShare {
  unitId: string;
  /** cases the unit closed in the month (the stratum) */
  closed: number;
  /** how many of them the round checks */
  target: number;
  /** sampled before this draw */
  already: number;
  /** sampled by this draw */
  added: string[];
}

/** Given a unit's closures and the rate, returns how many of them the round checks: ceil(rate × n), at least one when n > 0. */
export function shareFor(closed: number, rate: number): number {
  if (closed <= 0) return 0;
  // 0.1 × 30 is 3.0000000000000004 in floating point: a tolerance keeps it 3, not 4.
  return Math.min(closed, Math.max(1, Math.ceil(rate * closed - 1e-9)));
}

/** Given the month's candidates, the rate (0 < rate ≤ 1) and a 32-bit seed, returns each unit's share and the cases to add. */
export function sampleRound(candidates: readonly RoundCandidate[], rate: number, seed: number): { units: UnitShare[]; added: string[] } {
  if (!(rate > 0 && rate <= 1)) throw new RangeError(`sampling rate must be in (0, 1]: ${rate}`);
  const byUnit = new Map<string, RoundCandidate[]>();
  for (const c of candidates) {
    const list = byUnit.get(c.unitId) ?? [];
    list.push(c);
    byUnit.set(c.unitId, list);
  }
  const units: UnitShare[] = [];
  for (const unitId of [...byUnit.keys()].sort()) {
    const list = byUnit.get(unitId)!;
    const target = shareFor(list.length, rate);
    const already = list.filter((c) => c.sampled).length;
    const open = list
      .filter((c) => !c.sampled)
      .map((c) => c.caseId)
      .sort();
    const shuffled = createRng(deriveSeed(seed, unitId)).shuffle(open);
    units.push({ unitId, closed: list.length, target, already, added: shuffled.slice(0, Math.max(0, target - already)) });
  }
  return { units, added: units.flatMap((u) => u.added) };
}
