/**
 * Filling the search tokens of cases written before full-text search existed (migration 0001 adds
 * the column empty). Runs at boot; a database with nothing to fill costs one indexed probe.
 */
import { and, eq, sql } from 'drizzle-orm';
import { cases } from '../store/schema.js';
import type { AppContext } from './context.js';

const BATCH = 500;

/** Given a context, segments every case whose search tokens are still empty; returns how many. */
export async function backfillSearchText(ctx: Pick<AppContext, 'db' | 'segmenter' | 'logger'>): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await ctx.db
      .select({ region: cases.region, id: cases.id, title: cases.title, content: cases.content })
      .from(cases)
      .where(sql`${cases.searchText} = '' and (${cases.title} <> '' or ${cases.content} <> '')`)
      .limit(BATCH);
    if (!rows.length) break;
    await ctx.db.transaction(async (tx) => {
      for (const r of rows) {
        const searchText = ctx.segmenter.searchText(r.title, r.content) || ' ';
        await tx.update(cases).set({ searchText }).where(and(eq(cases.region, r.region), eq(cases.id, r.id)));
      }
    });
    done += rows.length;
  }
  if (done) ctx.logger.info({ cases: done }, '已为旧案件建立全文检索词 (search tokens backfilled)');
  return done;
}
