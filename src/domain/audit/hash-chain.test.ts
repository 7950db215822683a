import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  checkSealedPrefix,
  compareToSeal,
  hashEvent,
  sealDigest,
  verifyChain,
  type CaseHead,
  type ChainEvent,
  type ChainEventInput,
} from './hash-chain.js';

/** Builds a correctly chained list of events for one case. */
function chain(caseId: string, n: number): ChainEvent[] {
  const out: ChainEvent[] = [];
  let prev: string | null = null;
  for (let seq = 1; seq <= n; seq++) {
    const ev: ChainEventInput = {
      caseId,
      seq,
      type: seq === 1 ? 'registered' : 'note',
      actorId: seq === 1 ? null : 'u-1',
      at: `2026-03-0${seq}T08:00:00.000Z`,
      data: { n: seq, text: '已受理', nested: { b: 1, a: [1, 'x'] } },
    };
    const hash = hashEvent(prev, ev);
    out.push({ ...ev, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

/** Returns the head a seal would record for a case's events. */
function headOf(events: ChainEvent[]): CaseHead {
  return { caseId: events[0]!.caseId, headHash: events.at(-1)!.hash, count: events.length };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: '中' } })).toBe('{"a":{"c":"中","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever order the keys were written in', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('matches the value after a JSON round trip (as through a jsonb column)', () => {
    const v = { a: undefined, b: [undefined, 1], c: null, d: -0, e: 'é\u2028' };
    expect(canonicalJson(v)).toBe(canonicalJson(JSON.parse(JSON.stringify(v))));
  });

  it('rejects Dates, class instances, bigint and non-finite numbers', () => {
    expect(() => canonicalJson({ at: new Date() })).toThrow(/Date/);
    expect(() => canonicalJson(new Map())).toThrow();
    expect(() => canonicalJson({ n: 1n })).toThrow();
    expect(() => canonicalJson([Number.NaN])).toThrow();
    expect(() => canonicalJson(undefined)).toThrow();
  });
});

describe('hashEvent', () => {
  it('is sha256 hex over the previous hash (or 64 zeros) and the canonical event', () => {
    const [e1] = chain('c1', 1);
    expect(e1!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent(null, e1!)).toBe(hashEvent('0'.repeat(64), e1!));
  });

  it('ignores stored extras such as the hash fields themselves', () => {
    const [e1] = chain('c1', 1);
    expect(hashEvent(null, { ...e1!, hash: 'whatever', prevHash: 'x' } as ChainEvent)).toBe(e1!.hash);
  });

  it('changes when the previous hash changes', () => {
    const [e1] = chain('c1', 1);
    expect(hashEvent('f'.repeat(64), e1!)).not.toBe(e1!.hash);
  });
});

describe('verifyChain', () => {
  it('verifies an intact chain and returns its head and count', () => {
    const events = chain('c1', 5);
    expect(verifyChain(events)).toEqual({ ok: true, head: events[4]!.hash, count: 5 });
  });

  it('accepts an empty chain', () => {
    expect(verifyChain([])).toEqual({ ok: true, head: null, count: 0 });
  });

  it('names the case and seq when one event’s data is altered', () => {
    const events = chain('c1', 5);
    events[2] = { ...events[2]!, data: { n: 3, text: '不予受理' } };
    expect(verifyChain(events)).toEqual({ ok: false, caseId: 'c1', seq: 3, problem: 'hash_mismatch' });
  });

  it('catches an altered event whose hash was recomputed, at the next link', () => {
    const events = chain('c1', 5);
    const forged = { ...events[2]!, actorId: 'u-evil' };
    events[2] = { ...forged, hash: hashEvent(forged.prevHash, forged) };
    expect(verifyChain(events)).toEqual({ ok: false, caseId: 'c1', seq: 4, problem: 'broken_link' });
  });

  it('catches a removed middle event as a seq gap', () => {
    const events = chain('c1', 5);
    events.splice(2, 1);
    expect(verifyChain(events)).toEqual({ ok: false, caseId: 'c1', seq: 3, problem: 'seq_gap' });
  });

  it('catches a removed middle event even when later seqs were renumbered', () => {
    const events = chain('c1', 5);
    events.splice(2, 1);
    const renumbered = events.map((e, i) => ({ ...e, seq: i + 1 }));
    const r = verifyChain(renumbered);
    expect(r).toMatchObject({ ok: false, caseId: 'c1', seq: 3 });
  });

  it('treats an event of another case inside the chain as a broken link', () => {
    const events = chain('c1', 3);
    events[1] = { ...chain('c2', 2)[1]! };
    expect(verifyChain(events)).toMatchObject({ ok: false, caseId: 'c1', seq: 2, problem: 'broken_link' });
  });

  it('does not notice a removed last event — that is the seal’s job', () => {
    expect(verifyChain(chain('c1', 5).slice(0, 4))).toMatchObject({ ok: true, count: 4 });
  });
});

describe('seal', () => {
  const a = chain('case-a', 3);
  const b = chain('case-b', 4);
  const c = chain('case-c', 2);
  const sealed = [headOf(a), headOf(b), headOf(c)];

  it('digests heads independently of their order and chains to the previous seal', () => {
    const d = sealDigest(sealed, null);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(sealDigest([...sealed].reverse(), null)).toBe(d);
    expect(sealDigest(sealed, d)).not.toBe(d);
  });

  it('changes its digest when a case is dropped or a count changes', () => {
    const d = sealDigest(sealed, null);
    expect(sealDigest(sealed.slice(1), null)).not.toBe(d);
    expect(sealDigest([{ ...sealed[0]!, count: 2 }, ...sealed.slice(1)], null)).not.toBe(d);
  });

  it('rejects duplicate case ids', () => {
    expect(() => sealDigest([sealed[0]!, sealed[0]!], null)).toThrow(/duplicate/);
  });

  it('finds nothing when nothing changed', () => {
    expect(compareToSeal(sealed, sealed)).toEqual([]);
  });

  it('catches a removed last event', () => {
    const truncated = b.slice(0, 3);
    expect(verifyChain(truncated).ok).toBe(true);
    expect(compareToSeal(sealed, [headOf(a), headOf(truncated), headOf(c)])).toEqual([
      { caseId: 'case-b', problem: 'events_removed' },
    ]);
  });

  it('catches a whole deleted case', () => {
    expect(compareToSeal(sealed, [headOf(a), headOf(c)])).toEqual([{ caseId: 'case-b', problem: 'case_missing' }]);
  });

  it('catches a rewritten chain of the same length', () => {
    const forged = chain('case-c', 2).map((e) => ({ ...e }));
    forged[1] = { ...forged[1]!, data: { forged: true } };
    forged[1].hash = hashEvent(forged[1].prevHash, forged[1]);
    expect(verifyChain(forged).ok).toBe(true);
    expect(compareToSeal(sealed, [headOf(a), headOf(b), headOf(forged)])).toEqual([
      { caseId: 'case-c', problem: 'head_changed' },
    ]);
  });

  it('accepts cases that grew or appeared after the seal', () => {
    const grown = chain('case-a', 6);
    const fresh = chain('case-d', 1);
    const hashAtSeq = (caseId: string, seq: number): string | undefined =>
      caseId === 'case-a' ? grown[seq - 1]?.hash : undefined;
    expect(compareToSeal(sealed, [headOf(grown), headOf(b), headOf(c), headOf(fresh)], { hashAtSeq })).toEqual([]);
  });

  it('catches a grown case whose sealed prefix was rewritten, given hashAtSeq', () => {
    const rewritten = chain('case-a', 6).map((e) => ({ ...e, at: '2020-01-01T00:00:00.000Z' }));
    let prev: string | null = null;
    for (const e of rewritten) {
      e.prevHash = prev;
      e.hash = hashEvent(prev, e);
      prev = e.hash;
    }
    expect(verifyChain(rewritten).ok).toBe(true);
    const hashAtSeq = (_: string, seq: number): string | undefined => rewritten[seq - 1]?.hash;
    expect(compareToSeal(sealed, [headOf(rewritten), headOf(b), headOf(c)], { hashAtSeq })).toEqual([
      { caseId: 'case-a', problem: 'head_changed' },
    ]);
  });
});

describe('checkSealedPrefix', () => {
  const sealedA = { count: 3, headHash: chain('case-a', 3)[2]!.hash };

  it('accepts a case that grew after the seal', () => {
    expect(checkSealedPrefix(chain('case-a', 6), sealedA)).toEqual({ ok: true });
  });

  it('reports removed events when the case is shorter than sealed', () => {
    expect(checkSealedPrefix(chain('case-a', 2), sealedA)).toEqual({ ok: false, problem: 'events_removed' });
  });

  it('reports a changed head when an event inside the sealed prefix was altered', () => {
    const events = chain('case-a', 6);
    events[1] = { ...events[1]!, type: 'forged' };
    expect(checkSealedPrefix(events, sealedA)).toEqual({ ok: false, problem: 'head_changed' });
  });

  it('reports a changed head when the whole chain was recomputed', () => {
    const events = chain('case-a', 4).map((e) => ({ ...e, actorId: 'u-2' }));
    let prev: string | null = null;
    for (const e of events) {
      e.prevHash = prev;
      e.hash = hashEvent(prev, e);
      prev = e.hash;
    }
    expect(checkSealedPrefix(events, sealedA)).toEqual({ ok: false, problem: 'head_changed' });
  });
});
