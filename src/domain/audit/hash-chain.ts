/**
 * Tamper evidence for the case event log (ARCHITECTURE.md, Principles; DOMAIN.md §9: "a trace is altered
 * unnoticed" must never happen). Each event stores the hash of its case's previous event, so altering or
 * removing one inside a case breaks the chain. What a per-case chain cannot see — a truncated tail or a whole
 * case deleted — a periodic seal catches: it hashes every case's head and count, and chains to the seal before.
 * Pure: sha256 from node:crypto only.
 */
import { createHash } from 'node:crypto';

export interface ChainEventInput {
  caseId: string;
  seq: number;
  type: string;
  actorId: string | null;
  at: string;
  data: unknown;
}

export interface ChainEvent extends ChainEventInput {
  hash: string;
  prevHash: string | null;
}

export type ChainProblem = 'hash_mismatch' | 'broken_link' | 'seq_gap';
export type ChainResult =
  | { ok: true; head: string | null; count: number }
  | { ok: false; caseId: string; seq: number; problem: ChainProblem };

export interface CaseHead {
  caseId: string;
  headHash: string;
  count: number;
}

export type SealProblem = 'case_missing' | 'events_removed' | 'head_changed';

const GENESIS = '0'.repeat(64);

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * Given a JSON-like value, returns its canonical JSON: keys sorted by UTF-16 code units, no whitespace.
 * It mirrors JSON.stringify (undefined object members dropped, undefined array items as null) so the hash of a
 * value equals the hash of that value after a round trip through a jsonb column. Anything that would not
 * survive that round trip unchanged — Date, Map, class instances, non-finite numbers, bigint — throws.
 */
export function canonicalJson(value: unknown): string {
  const out = encode(value, '$');
  if (out === undefined) throw new TypeError('canonicalJson: top-level value is not representable in JSON');
  return out;
}

/** Given a value and its path (for error messages), returns its canonical JSON, or undefined where JSON drops it. */
function encode(value: unknown, path: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${path}`);
      return JSON.stringify(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError(`canonicalJson: bigint at ${path}`);
  }
  if (Array.isArray(value)) {
    return '[' + value.map((v, i) => encode(v, `${path}[${i}]`) ?? 'null').join(',') + ']';
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // A Date would serialize via toJSON and then read back as a string with a different hash; pass ISO strings.
    throw new TypeError(`canonicalJson: ${value instanceof Date ? 'Date' : 'non-plain object'} at ${path}`);
  }
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  // Default sort compares UTF-16 code units: locale-independent, the same everywhere (as RFC 8785).
  for (const key of Object.keys(obj).sort()) {
    const v = encode(obj[key], `${path}.${key}`);
    if (v !== undefined) parts.push(JSON.stringify(key) + ':' + v);
  }
  return '{' + parts.join(',') + '}';
}

/** Given the previous event's hash (null for a case's first event) and an event, returns the event's sha256 hex hash. */
export function hashEvent(prevHash: string | null, event: ChainEventInput): string {
  // Only these fields are covered; stored extras (hash, prevHash, row ids) must not change the hash.
  const { caseId, seq, type, actorId, at, data } = event;
  return sha256((prevHash ?? GENESIS) + '\n' + canonicalJson({ caseId, seq, type, actorId, at, data }));
}

/**
 * Given one case's events ordered by seq (starting at 1), returns its head hash and count, or the first seq at
 * which the chain fails: seq_gap (a seq missing or repeated; seq is the one expected), broken_link (prevHash is
 * not the previous event's hash, or the event belongs to another case) or hash_mismatch (the event was altered).
 */
export function verifyChain(events: readonly ChainEvent[]): ChainResult {
  let prev: string | null = null;
  const caseId = events[0]?.caseId ?? '';
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const expected = i + 1;
    if (ev.seq !== expected) return { ok: false, caseId, seq: expected, problem: 'seq_gap' };
    if (ev.caseId !== caseId || ev.prevHash !== prev) return { ok: false, caseId, seq: ev.seq, problem: 'broken_link' };
    if (hashEvent(ev.prevHash, ev) !== ev.hash) return { ok: false, caseId, seq: ev.seq, problem: 'hash_mismatch' };
    prev = ev.hash;
  }
  return { ok: true, head: prev, count: events.length };
}

/** Given every case's head and the previous seal's hash (null for the first seal), returns this seal's sha256 hex digest. */
export function sealDigest(heads: readonly CaseHead[], prevSealHash: string | null): string {
  const sorted = sortHeads(heads);
  const body = canonicalJson(sorted.map((h) => [h.caseId, h.count, h.headHash]));
  return sha256((prevSealHash ?? GENESIS) + '\n' + body);
}

/** Given case heads, returns them sorted by caseId (code units), throwing on a duplicate caseId. */
function sortHeads(heads: readonly CaseHead[]): CaseHead[] {
  const sorted = [...heads].sort((a, b) => (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.caseId === sorted[i - 1]!.caseId) throw new TypeError(`sealDigest: duplicate caseId ${sorted[i]!.caseId}`);
  }
  return sorted;
}

/**
 * Given one case's events ordered by seq and that case's sealed {count, headHash}, returns ok when the first
 * `count` events still form a valid chain ending in headHash; events appended after the seal are allowed.
 */
export function checkSealedPrefix(
  events: readonly ChainEvent[],
  sealed: { count: number; headHash: string },
): { ok: true } | { ok: false; problem: 'events_removed' | 'head_changed' } {
  if (events.length < sealed.count) return { ok: false, problem: 'events_removed' };
  const prefix = verifyChain(events.slice(0, sealed.count));
  if (!prefix.ok) return { ok: false, problem: prefix.problem === 'seq_gap' ? 'events_removed' : 'head_changed' };
  // A case sealed with zero events has no head to compare.
  if (sealed.count > 0 && prefix.head !== sealed.headHash) return { ok: false, problem: 'head_changed' };
  return { ok: true };
}

/**
 * Given the heads recorded in the last seal and the heads now, returns one problem per sealed case that is
 * gone (case_missing), shorter (events_removed) or, at the same count, ends in another hash (head_changed).
 * A case that grew cannot be judged from heads alone: pass `hashAtSeq(caseId, seq)` (the stored hash of that
 * case's event at seq, after verifyChain passed) to check it, or run checkSealedPrefix on its events.
 * Cases created after the seal are not problems. Check the seal itself first with sealDigest.
 */
export function compareToSeal(
  sealedHeads: readonly CaseHead[],
  currentHeads: readonly CaseHead[],
  options: { hashAtSeq?: (caseId: string, seq: number) => string | null | undefined } = {},
): Array<{ caseId: string; problem: SealProblem }> {
  const now = new Map(currentHeads.map((h) => [h.caseId, h]));
  const problems: Array<{ caseId: string; problem: SealProblem }> = [];
  for (const sealed of sortHeads(sealedHeads)) {
    const cur = now.get(sealed.caseId);
    if (!cur) problems.push({ caseId: sealed.caseId, problem: 'case_missing' });
    else if (cur.count < sealed.count) problems.push({ caseId: sealed.caseId, problem: 'events_removed' });
    else if (cur.count === sealed.count) {
      if (cur.headHash !== sealed.headHash) problems.push({ caseId: sealed.caseId, problem: 'head_changed' });
    } else if (options.hashAtSeq && sealed.count > 0) {
      if (options.hashAtSeq(sealed.caseId, sealed.count) !== sealed.headHash) {
        problems.push({ caseId: sealed.caseId, problem: 'head_changed' });
      }
    }
  }
  return problems;
}
