/**
 * MinHash fingerprints of cases (domain/intelligence/minhash.ts) for repeat-petition checks at intake:
 * one row per case; candidates are the cases sharing at least one LSH band key, found through the GIN
 * index on `bands` (`&&`), and the caller judges each with `sameMatter`. Measured chance candidates: about
 * 14 per query among 1 M cases (bench/dedupe-quality.ts and the constants' notes).
 */
import { and, desc, eq, gte, sql } from 'drizzle-orm';
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
  // An array literal bound as text and cast: the same on PGlite and node-postgres, and `&&` on an
  // int4[] constant is what the GIN index serves.
  const bands = `{${fp.bands.map((b) => b | 0).join(',')}}`;
  const rows = await q
    .select({
      caseId: caseFingerprints.caseId,
      bands: caseFingerprints.bands,
      signature: caseFingerprints.signature,
      shingles: caseFingerprints.shingles,
      receivedAt: caseFingerprints.receivedAt,
    })
    .from(caseFingerprints)
    .where(
      and(
        eq(caseFingerprints.region, region),
        sql`${caseFingerprints.bands} && ${bands}::int4[]`,
        opts.since ? gte(caseFingerprints.receivedAt, opts.since) : undefined,
      ),
    )
    .orderBy(desc(caseFingerprints.receivedAt), caseFingerprints.caseId)
    .limit(opts.limit ?? DEFAULT_CANDIDATE_LIMIT);
  return rows.map((r) => ({
    caseId: r.caseId,
    fp: { signature: signatureFromInt32(r.signature), bands: r.bands, shingles: r.shingles },
    receivedAt: r.receivedAt,
  }));
}
