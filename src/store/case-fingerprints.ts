/**
 * MinHash fingerprints of cases (domain/intelligence/minhash.ts) for repeat-petition checks at intake:
 * one row per case; candidates are the cases sharing at least one LSH band key, found through the GIN
 * index on `bands` (`&&`), and the caller judges each with `sameMatter`. Measured chance candidates: about
 * 14 per query among 1 M cases (bench/dedupe-quality.ts and the constants' notes).
 */
import { sql } from 'drizzle-orm';
import { signatureFromInt32, signatureToInt32, type Fingerprint } from '../domain/intelligence/minhash.js';
import type { Queryable } from './database.js';
import { caseFingerprints } from './schema.js';

/** How many candidates a probe returns unless told: the most recent first. */
const DEFAULT_CANDIDATE_LIMIT = 200;

/** Given a case's fingerprint, stores it (replacing an earlier one of the same case). */
export async function saveFingerprint(q: Queryable, region: string, caseId: string, fp: Fingerprint, receivedAt: Date): Promise<void> {
  const row = { bands: fp.bands, signature: signatureToInt32(fp.signature), shingles: fp.shingles, receivedAt };
  await q
    .insert(caseFingerprints)
    .values({ region, caseId, ...row })
    .onConflictDoUpdate({ target: [caseFingerprints.region, caseFingerprints.caseId], set: row });
}

/**
 * Given a fingerprint, returns the region's cases sharing at least one band key with it (received since
 * `since`, most recent first, at most `limit`), with their fingerprints for the caller's `sameMatter`.
 */
export async function findFingerprintCandidates(
  q: Queryable,
  region: string,
  fp: Fingerprint,
  opts: { since?: Date; limit?: number } = {},
): Promise<Array<{ caseId: string; fp: Fingerprint; receivedAt: Date }>> {
  if (fp.shingles === 0 || fp.bands.length === 0) return [];
  const limit = opts.limit ?? DEFAULT_CANDIDATE_LIMIT;
  // One GIN probe per band key, gathered in a materialised CTE, then the newest `limit` distinct cases.
  // Not `bands && <all 42 keys>`: without element statistics (band keys are near-unique) the planner
  // guesses 1 − 0.995⁴² ≈ 19 % of the table matches and, at 1 M cases, scans it in parallel (5.3 s per
  // probe, bench/intake-intelligence.ts). One key at a time it guesses 0.5 %, and a nested loop over the
  // keys can only use the index. Each key returns at most `limit` rows (in table order, not newest first):
  // only a key shared by more than `limit` cases of the window — boilerplate — can lose newer ones, and
  // the bound keeps the plan's estimated cost below jit_above_cost (JIT alone cost 200 ms per probe).
  const bands = `{${fp.bands.map((b) => b | 0).join(',')}}`;
  const since = opts.since ?? new Date(0);
  const res = (await q.execute(sql`
    with hits as materialized (
      select g.case_id, g.bands, g.signature, g.shingles, g.received_at
      from unnest(${bands}::int4[]) as k(key)
      cross join lateral (
        select f.case_id, f.bands, f.signature, f.shingles, f.received_at from ${caseFingerprints} f
        where f.region = ${region} and f.bands && array[k.key] and f.received_at >= ${since}
        limit ${limit}
      ) g
    )
    select distinct on (received_at, case_id) case_id, bands, signature, shingles, received_at
    from hits order by received_at desc, case_id limit ${limit}`)) as unknown as
    | { rows: Array<Record<string, unknown>> }
    | Array<Record<string, unknown>>;
  const raw = Array.isArray(res) ? res : res.rows;
  const rows = raw.map((r) => ({
    caseId: String(r.case_id),
    bands: (r.bands as number[]).map(Number),
    signature: (r.signature as number[]).map(Number),
    shingles: Number(r.shingles),
    receivedAt: r.received_at instanceof Date ? r.received_at : new Date(String(r.received_at)),
  }));
  return rows.map((r) => ({
    caseId: r.caseId,
    fp: { signature: signatureFromInt32(r.signature), bands: r.bands, shingles: r.shingles },
    receivedAt: r.receivedAt,
  }));
}
