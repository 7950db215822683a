/**
 * Cases written before intake kept keywords and fingerprints (migration 0004) get them once, at
 * boot, in batches: the keywords hot issues group on, and the MinHash fingerprint later cases are
 * compared with. Matter links between those old cases are not worked out backwards: a new case
 * about an old matter finds it and joins it. A settings flag records that it ran, so a database
 * with nothing to fill costs one read.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { fingerprint } from '../domain/intelligence/minhash.js';
import { routingText } from '../domain/intelligence/routing-model.js';
import { saveFingerprint } from '../store/case-fingerprints.js';
import { caseFingerprints, cases } from '../store/schema.js';
import type { AppContext } from './context.js';
import { indexCaseText } from './search-reindex.js';
import { readSetting, writeSetting } from './settings.js';

const DONE_KEY = 'intelligence.backfilled';
const BATCH = 500;

/** Given a context, fills keywords and fingerprints of cases that have none; returns how many. */
export async function backfillIntelligence(ctx: Pick<AppContext, 'db' | 'segmenter' | 'logger'>): Promise<number> {
  if (await readSetting(ctx.db, DONE_KEY)) return 0;
  let done = 0;
  let after: { region: string; id: string } | null = null;
  for (;;) {
    // Keyset order over the primary key: each batch starts where the last ended, never rescans.
    const page: Array<{ region: string; id: string; title: string; content: string; keywords: string[]; receivedAt: Date; has: boolean }> = await ctx.db
      .select({
        region: cases.region,
        id: cases.id,
        title: cases.title,
        content: cases.content,
        keywords: cases.keywords,
        receivedAt: cases.receivedAt,
        // Qualified by hand: in a select list drizzle writes bare column names, which the subquery would bind to f.
        has: sql<boolean>`exists (select 1 from ${caseFingerprints} f where f.region = "cases"."region" and f.case_id = "cases"."id")`,
      })
      .from(cases)
      .where(after ? sql`(${cases.region}, ${cases.id}) > (${after.region}, ${after.id})` : undefined)
      .orderBy(asc(cases.region), asc(cases.id))
      .limit(BATCH);
    if (!page.length) break;
    after = { region: page[page.length - 1]!.region, id: page[page.length - 1]!.id };
    const rows = page.filter((r) => !r.has);
    if (!rows.length) continue;
    // Cut before the transaction: no lock is held while jieba and MinHash work.
    const prepared = rows.map((r) => ({
      ...r,
      fp: fingerprint(routingText({ title: r.title, body: r.content })),
      newKeywords: r.keywords.length ? null : indexCaseText(ctx, r.title, r.content).keywords,
    }));
    await ctx.db.transaction(async (tx) => {
      for (const r of prepared) {
        await saveFingerprint(tx, r.region, r.id, r.fp, r.receivedAt);
        if (r.newKeywords) await tx.update(cases).set({ keywords: r.newKeywords }).where(and(eq(cases.region, r.region), eq(cases.id, r.id)));
      }
    });
    done += rows.length;
    if (done % 10_000 < BATCH) ctx.logger.info({ cases: done }, '正在为旧案件补建关键词与指纹 (backfilling keywords and fingerprints)');
  }
  await writeSetting(ctx.db, DONE_KEY, { at: new Date().toISOString(), cases: done });
  if (done) ctx.logger.info({ cases: done }, '旧案件的关键词与指纹已补建 (keywords and fingerprints backfilled)');
  return done;
}
