import { describe, expect, it } from 'vitest';
import {
  BANDS,
  PERMUTATIONS,
  estimateSimilarity,
  fingerprint,
  normaliseForFingerprint,
  sameMatter,
  signatureFromInt32,
  signatureToInt32,
} from './minhash.js';

const NOISE =
  'A市A3区联丰路米兰春天G2栋320有一家婚纱摄影工作室，据说一年营业额就上百万，因为地处居民楼内部，而且开了蛮长的时间，请税务局和工商局查一下，看看有没有正常纳税。如果没有，应该怎么处理？';
const SITE =
  '位于A2区书香路的北辰中央公园工地，已至少连续一个月通宵施工，每晚都是挖机和渣土车的声音，噪音严重影响睡眠。就算关窗了也无济于事。我们多次打电话给城管，没有任何回复。希望有关部门能够帮忙解决一下，还居民一个安静的夜晚。';

/** A text's distinct 3-grams after normalisation. */
function grams(t: string): Set<string> {
  const c = Array.from(normaliseForFingerprint(t));
  return new Set(c.slice(0, -2).map((_, i) => c[i]! + c[i + 1]! + c[i + 2]!));
}

/** Exact Jaccard of two texts' 3-gram sets (the quantity the signature estimates). */
function exactJaccard(a: string, b: string): number {
  const x = grams(a);
  const y = grams(b);
  let common = 0;
  for (const g of x) if (y.has(g)) common++;
  return common / (x.size + y.size - common);
}

describe('MinHash fingerprints', () => {
  it('has the stored layout: 128 unsigned values, 42 signed 32-bit band keys, the distinct shingle count', () => {
    const fp = fingerprint(SITE);
    expect(fp.signature).toHaveLength(PERMUTATIONS);
    expect(fp.bands).toHaveLength(BANDS);
    expect(BANDS).toBe(42);
    for (const b of fp.bands) expect(b).toBe(b | 0);
    expect(fp.shingles).toBe(grams(SITE).size);
  });

  it('never changes for a given text (stored fingerprints must keep matching new ones)', () => {
    const fp = fingerprint('夜间施工噪音扰民');
    expect(fp.shingles).toBe(6);
    expect(Array.from(fp.signature.slice(0, 4))).toEqual(Array.from(fingerprint('夜间施工噪音扰民').signature.slice(0, 4)));
    // pinned values: if these change, every case_fingerprints row has to be recomputed
    expect([fp.signature[0], fp.signature[127], fp.bands[0], fp.bands[41]]).toMatchInlineSnapshot(`
      [
        57671446,
        1400738467,
        1531544328,
        2118534567,
      ]
    `);
  });

  it('ignores punctuation, spaces, letter case and full-width forms', () => {
    const a = fingerprint('ＡＢＣ小区，门口 占道经营！１２３');
    const b = fingerprint('abc小区门口占道经营123');
    expect(Array.from(a.signature)).toEqual(Array.from(b.signature));
    expect(a.shingles).toBe(b.shingles);
  });

  it('round-trips the signature through signed int4 values', () => {
    const sig = fingerprint(NOISE).signature;
    const stored = signatureToInt32(sig);
    for (const v of stored) expect(v).toBe(v | 0);
    expect(Array.from(signatureFromInt32(stored))).toEqual(Array.from(sig));
  });

  it('estimates the Jaccard similarity of the 3-gram sets within the sampling error', () => {
    const pairs: Array<[string, string]> = [
      [SITE, SITE.slice(0, Math.floor(SITE.length * 0.6))],
      [SITE, SITE.replace('北辰中央公园', '恒泰楚壹府').replace('城管', '环保局')],
      [NOISE, NOISE.slice(20) + SITE.slice(0, 40)],
    ];
    for (const [a, b] of pairs) {
      const exact = exactJaccard(a, b);
      expect(Math.abs(estimateSimilarity(fingerprint(a), fingerprint(b)).jaccard - exact)).toBeLessThan(0.15);
    }
  });

  it('matches a resubmission with its sentences in another order', () => {
    const reordered = SITE.split('。').reverse().join('。');
    expect(sameMatter(fingerprint(SITE), fingerprint(reordered))).toBe(true);
  });

  it('matches a resubmission cut to half by containment, though the Jaccard similarity is only ~0.5', () => {
    const half = fingerprint(SITE.slice(0, Math.floor(SITE.length / 2)));
    const full = fingerprint(SITE);
    const s = estimateSimilarity(full, half);
    expect(s.jaccard).toBeLessThan(0.65);
    expect(s.containment).toBeGreaterThan(0.85);
    expect(sameMatter(full, half)).toBe(true);
  });

  it('matches a resubmission with a few words changed', () => {
    const edited = SITE.replace('通宵施工', '半夜施工').replace('挖机', '挖掘机').replace('无济于事', '没有用').replace('城管', '城管局');
    expect(sameMatter(fingerprint(SITE), fingerprint(edited))).toBe(true);
  });

  it('does not match two different complaints that share a stock phrase', () => {
    const a = '荷塘社区5号楼停水三天了，没有任何通知。希望有关部门能够帮忙解决一下。';
    const b = '梅园小区门口流动摊贩占道经营，油烟很大。希望有关部门能够帮忙解决一下。';
    expect(sameMatter(fingerprint(a), fingerprint(b))).toBe(false);
    expect(sameMatter(fingerprint(SITE), fingerprint(NOISE))).toBe(false);
  });

  it('matches very short texts only when they are (almost) the same', () => {
    expect(sameMatter(fingerprint('小区停水'), fingerprint('小区停水！'))).toBe(true);
    expect(sameMatter(fingerprint('小区停水'), fingerprint('小区停电'))).toBe(false);
    // a short text inside a long one is not enough: too few shingles to tell a matter from a phrase
    expect(sameMatter(fingerprint('希望有关部门能够帮忙解决一下'), fingerprint(SITE))).toBe(false);
  });

  it('a text with no letter or digit resembles nothing, not even itself', () => {
    const empty = fingerprint('！？。…… ');
    expect(empty.shingles).toBe(0);
    expect(sameMatter(empty, empty)).toBe(false);
    expect(estimateSimilarity(empty, fingerprint(SITE))).toEqual({ jaccard: 0, containment: 0 });
  });

  it('fingerprints a 500-character text in well under a millisecond', () => {
    const text = (SITE + NOISE + SITE.split('').reverse().join('') + NOISE).slice(0, 500);
    for (let i = 0; i < 50; i++) fingerprint(text);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) fingerprint(text);
    expect((performance.now() - t0) / 200).toBeLessThan(1);
  });
});
