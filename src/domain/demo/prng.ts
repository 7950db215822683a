/**
 * A tiny seeded PRNG for demo data and deterministic training. Everything under src/domain/demo draws
 * from here and never from Math.random, so one seed always yields the same org tree, staff and cases
 * (tests pin that down); the routing classifier shuffles with it, so one corpus yields one model.
 */

/** Given a seed (truncated to 32 bits), returns mulberry32: a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Given a seed and a label, returns a 32-bit seed for an independent stream (FNV-1a of the label, mixed). */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3 finaliser: FNV alone leaves nearby labels ('case:1', 'case:2') with correlated low bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Convenience draws over one mulberry32 stream. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  float(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element, uniformly; throws on an empty list (a caller bug, not data). */
  pick<T>(items: readonly T[]): T;
  /** One value, with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /**
   * An independent stream named by `label`, derived from this stream's seed and not from how much
   * of it was consumed: adding a draw here does not reshuffle what a fork produces.
   */
  fork(label: string): Rng;
}

/** Given a seed, returns an Rng over a mulberry32 stream. */
export function createRng(seed: number): Rng {
  const base = seed >>> 0;
  const next = mulberry32(base);
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    float: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('Rng.pick: empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    weighted: <T>(entries: readonly (readonly [T, number])[]): T => {
      const total = entries.reduce((s, [, w]) => s + Math.max(0, w), 0);
      if (entries.length === 0 || total <= 0) throw new Error('Rng.weighted: no positive weight');
      let x = next() * total;
      for (const [value, w] of entries) {
        x -= Math.max(0, w);
        if (x < 0) return value;
      }
      return (entries[entries.length - 1] as readonly [T, number])[0];
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
    fork: (label) => createRng(deriveSeed(base, label)),
  };
  return rng;
}
