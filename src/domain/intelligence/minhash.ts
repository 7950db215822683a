/**
 * Near-duplicate texts by MinHash: one verdict, `sameMatter`, for the batch `xinfang dedupe` and for
 * repeat-petition checks at intake (candidates found through the LSH band keys in PostgreSQL's GIN index).
 *
 * A text becomes the set of its character 3-grams after normalisation; the signature keeps, for each of 128
 * hash functions, the smallest hash over the set, so the share of equal positions between two signatures
 * estimates the Jaccard similarity of the two sets. Containment (|A∩B| / min(|A|,|B|)) follows from that
 * estimate and the two set sizes: it is what survives a truncated resubmission.
 *
 * Every constant below was chosen on `npm run bench:dedupe` (bench/dedupe-quality.ts: 1,000 messages of
 * hot_messages.jsonl, 6 planted variants each — sentences reordered, 10–20 % of words replaced, cut to
 * 50–80 %, and the three pairings — among all 4,326 messages as distractors), checked on a second seed.
 * The hash seeds and the band layout are stored data (case_fingerprints): changing any of them means
 * recomputing every stored fingerprint.
 */

/** A text's MinHash fingerprint. */
export interface Fingerprint {
  /** PERMUTATIONS unsigned 32-bit minima */
  signature: Uint32Array;
  /** BANDS signed 32-bit LSH keys (band index mixed in, so equal keys only ever mean the same band) */
  bands: number[];
  /** how many distinct shingles the text had (0 for a text with no letter or digit) */
  shingles: number;
}

/**
 * Characters per shingle. Measured (seed 1, orig–variant pairs): 3-grams keep 93 % of the hardest variants
 * (replace + truncate) as LSH candidates with 42×3 bands, 2-grams 97 %, but 2-grams make 16× more chance
 * candidates between unrelated messages (222 vs 14 per query at 1 M cases) and 10× more false matches at the
 * same threshold: common bigrams (小区, 问题, 反映) are shared by everything.
 */
export const SHINGLE_CHARS = 3;
/** Hash functions per signature: Jaccard estimate ± 0.044 (1 s.d. at J = 0.5; measured RMSE 0.042). */
export const PERMUTATIONS = 128;
/**
 * Signature values per LSH band. Two texts become candidates when any band agrees: P = 1 − (1 − J³)⁴².
 * Measured: 3 rows find 98–100 % of single-edit variants and 93 % of replace + truncate, at ~14 chance
 * candidates per query among 1 M cases; 4 rows (32 bands) miss a third of replace + truncate; 2 rows (64
 * bands) make ~1,400 chance candidates per query.
 */
export const BAND_ROWS = 3;
/** 42 bands × 3 rows use 126 of the 128 values (all 128 count for the estimate). */
export const BANDS = Math.floor(PERMUTATIONS / BAND_ROWS);
/**
 * Containment from which two texts are the same matter. Measured on the planted set: 0.45 → recall 0.983,
 * 2 false matches; 0.5 → 0.979–0.981, 0–1; 0.55 → 0.969, 0. The real data's nearest different matters sit
 * at 0.3–0.46 (one user's template letters on different topics, two building sites described with the same
 * sentences); variants that lose more than half their 3-grams to word swaps fall below it.
 */
export const MIN_CONTAINMENT = 0.5;
/**
 * …and at least this Jaccard similarity: containment is estimated from Jaccard and the sizes, so a short
 * text against one ten times longer has a noisy estimate (J ≈ 0.05 ± 0.02 blown up ×10). Measured: removes
 * the one false match left at 0.5 on seed 2 and no true one.
 */
export const MIN_JACCARD = 0.1;
/**
 * Below this many shingles (about 22 characters after normalisation) a text only matches near-exactly:
 * two short messages sharing a stock phrase (希望有关部门尽快处理) have a high containment and are not
 * one matter. Measured: raising it from 10 to 20 costs 0.1 % recall.
 */
export const MIN_SHINGLES = 20;
/** Jaccard at which texts of any length are near-identical (a few characters changed). */
export const NEAR_IDENTICAL = 0.8;

// Fixed odd multipliers and offsets, (a·h + b) mod 2³² per hash function: measured RMSE of the Jaccard
// estimate 0.0415 against 0.0408 for a full murmur3 finaliser per value, 20 % faster. The minimum is
// dominated by the high bits, which depend on every bit of h. Derived once from a splitmix32 sequence;
// NEVER change them (stored signatures would stop matching new ones).
const MUL = new Int32Array(PERMUTATIONS);
const ADD = new Int32Array(PERMUTATIONS);
{
  let s = 0x2545f491;
  for (let i = 0; i < PERMUTATIONS; i++) {
    s = (s + 0x9e3779b9) | 0;
    MUL[i] = fmix32(s) | 1;
    s = (s + 0x9e3779b9) | 0;
    ADD[i] = fmix32(s);
  }
}

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const ASCII_KEPT = Uint8Array.from({ length: 128 }, (_, c) => (LETTER_OR_DIGIT.test(String.fromCharCode(c)) ? 1 : 0));

/**
 * Given a text, returns what the shingles are cut from: NFKC (full-width letters and digits become ASCII),
 * lower case, only letters and digits. Digits are kept as they are: masking them changed no measured figure,
 * and a house number (3栋411房) tells two complaints apart. (fingerprint does the same in one pass.)
 */
export function normaliseForFingerprint(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(NOT_LETTER_OR_DIGIT, '');
}

/** Given a text (the caller's choice, usually title + '\n' + body), returns its fingerprint. */
export function fingerprint(text: string): Fingerprint {
  const shingles = shingleHashes(text);
  const signature = new Uint32Array(PERMUTATIONS);
  const m = shingles.length;
  // four hash functions per pass over the shingles: 1.6× faster than one (measured, 372-char average)
  for (let i = 0; i < PERMUTATIONS; i += 4) {
    const a0 = MUL[i]!, a1 = MUL[i + 1]!, a2 = MUL[i + 2]!, a3 = MUL[i + 3]!;
    const b0 = ADD[i]!, b1 = ADD[i + 1]!, b2 = ADD[i + 2]!, b3 = ADD[i + 3]!;
    let m0 = 0xffffffff, m1 = 0xffffffff, m2 = 0xffffffff, m3 = 0xffffffff;
    for (let j = 0; j < m; j++) {
      const h = shingles[j]!;
      const v0 = (Math.imul(h, a0) + b0) >>> 0;
      if (v0 < m0) m0 = v0;
      const v1 = (Math.imul(h, a1) + b1) >>> 0;
      if (v1 < m1) m1 = v1;
      const v2 = (Math.imul(h, a2) + b2) >>> 0;
      if (v2 < m2) m2 = v2;
      const v3 = (Math.imul(h, a3) + b3) >>> 0;
      if (v3 < m3) m3 = v3;
    }
    signature[i] = m0;
    signature[i + 1] = m1;
    signature[i + 2] = m2;
    signature[i + 3] = m3;
  }
  return { signature, bands: bandKeys(signature), shingles: m };
}

/**
 * Given two fingerprints, returns the estimated Jaccard similarity of their shingle sets and the estimated
 * containment |A∩B| / min(|A|,|B|) (from |A∩B| = J·(|A|+|B|)/(1+J)). A text without shingles resembles nothing.
 */
export function estimateSimilarity(a: Fingerprint, b: Fingerprint): { jaccard: number; containment: number } {
  if (a.shingles === 0 || b.shingles === 0 || a.signature.length !== b.signature.length) return { jaccard: 0, containment: 0 };
  let equal = 0;
  for (let i = 0; i < a.signature.length; i++) if (a.signature[i] === b.signature[i]) equal++;
  const jaccard = equal / a.signature.length;
  const common = (jaccard * (a.shingles + b.shingles)) / (1 + jaccard);
  return { jaccard, containment: Math.min(1, common / Math.min(a.shingles, b.shingles)) };
}

/**
 * Given two fingerprints, returns whether the texts are about the same matter: near-identical at any length,
 * or — when both have MIN_SHINGLES — one mostly contained in the other (reordered, reworded, cut short).
 */
export function sameMatter(a: Fingerprint, b: Fingerprint): boolean {
  const { jaccard, containment } = estimateSimilarity(a, b);
  if (jaccard >= NEAR_IDENTICAL) return true;
  if (Math.min(a.shingles, b.shingles) < MIN_SHINGLES) return false;
  return containment >= MIN_CONTAINMENT && jaccard >= MIN_JACCARD;
}

/** Given a signature, returns it as signed 32-bit integers (a PostgreSQL int4[] value). */
export function signatureToInt32(sig: Uint32Array): number[] {
  return Array.from(sig, (v) => v | 0);
}

/** Given signed 32-bit integers read from an int4[] column, returns the signature. */
export function signatureFromInt32(v: readonly number[]): Uint32Array {
  return Uint32Array.from(v, (x) => x >>> 0);
}

/** Given a signature, returns its LSH band keys (also for a signature read back from the database). */
export function bandKeys(sig: Uint32Array): number[] {
  const bands: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h = Math.imul(band + 1, 0x9e3779b1);
    for (let r = 0; r < BAND_ROWS; r++) h = Math.imul(h ^ sig[band * BAND_ROWS + r]!, 0x01000193) ^ (h >>> 15);
    bands.push(fmix32(h) | 0);
  }
  return bands;
}

// Reused between calls (one thread, no re-entry): an open-addressing set of the text's shingle hashes,
// cleared by bumping the generation instead of zeroing (a Set<number> was 30 % of the time).
let slots = new Int32Array(1024);
let slotGen = new Int32Array(1024);
let generation = 0;
let found = new Int32Array(512);

/**
 * Given a raw text, returns the hashes of the distinct 3-grams of its normalised form (NFKC, lower case,
 * letters and digits only; by code point, so a character outside the BMP counts once); a text shorter than
 * a shingle is one shingle, an empty one none.
 */
function shingleHashes(raw: string): Int32Array {
  const text = raw.normalize('NFKC').toLowerCase();
  const capacity = 1 << Math.max(10, 32 - Math.clz32(text.length * 2));
  if (slots.length < capacity) {
    slots = new Int32Array(capacity);
    slotGen = new Int32Array(capacity);
    found = new Int32Array(capacity >> 1);
  }
  if (++generation === 0x7fffffff) {
    slotGen.fill(0);
    generation = 1;
  }
  const mask = slots.length - 1;
  let count = 0;
  const add = (h: number) => {
    let at = h & mask;
    while (slotGen[at] === generation) {
      if (slots[at] === h) return;
      at = (at + 1) & mask;
    }
    slotGen[at] = generation;
    slots[at] = h;
    found[count++] = h;
  };
  let c0 = 0;
  let c1 = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
      }
    }
    const kept = c < 128 ? ASCII_KEPT[c] === 1 : (c >= 0x4e00 && c <= 0x9fff) || LETTER_OR_DIGIT.test(String.fromCodePoint(c));
    if (!kept) continue;
    if (n >= SHINGLE_CHARS - 1) add(fmix32(Math.imul(Math.imul(Math.imul(0x811c9dc5 ^ c0, 0x01000193) ^ c1, 0x01000193) ^ c, 0x01000193)));
    c0 = c1;
    c1 = c;
    n++;
  }
  if (n > 0 && n < SHINGLE_CHARS) add(fmix32(Math.imul(Math.imul(0x811c9dc5 ^ c0, 0x01000193) ^ c1, 0x01000193) ^ n));
  return found.slice(0, count);
}

/** murmur3's 32-bit finaliser: every input bit flips each output bit with probability ~½. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
