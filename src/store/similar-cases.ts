/**
 * Cases about the same matter, by keywords over the full-text index: each keyword matched as a
 * prefix of the case's search tokens, the cases ranked by how many keywords they hold. One query
 * for the registrar's duplicate hint and the leader's settled-case push.
 */
import { and, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import { prefixTsQuery } from '../domain/text/segment.js';
import type { Queryable } from './database.js';
import { cases } from './schema.js';

export interface SimilarCasesQuery {
  region: string;
  /** the matter's keywords (already cut and ranked; see Segmenter.keywords) */
  keywords: readonly string[];
  /** how many of them a case must hold */
  needed: number;
  /** cases received since then */
  since: Date;
  /** the caller's other conditions: scope, states, the case itself left out … */
  where: Array<SQL | undefined>;
  limit: number;
}

/** Given keywords and conditions, returns the matching cases with how many keywords each holds, best first. */
export async function findSimilarCases(q: Queryable, f: SimilarCasesQuery): Promise<Array<{ c: typeof cases.$inferSelect; matched: number }>> {
  const any = prefixTsQuery(f.keywords);
  if (!any) return [];
  const vector = sql`to_tsvector('simple', ${cases.searchText})`;
  const matched = sql.join(
    f.keywords.map((k) => sql`(${vector} @@ to_tsquery('simple', ${prefixTsQuery([k])}))::int`),
    sql` + `,
  );
  const scored = q
    .select({ id: cases.id, matched: sql<number>`(${matched})`.as('matched') })
    .from(cases)
    .where(and(eq(cases.region, f.region), sql`${vector} @@ to_tsquery('simple', ${any.replaceAll(' & ', ' | ')})`, gte(cases.receivedAt, f.since), ...f.where))
    .as('scored');
  const rows = await q
    .select({ c: cases, matched: scored.matched })
    .from(scored)
    .innerJoin(cases, and(eq(cases.region, f.region), eq(cases.id, scored.id)))
    .where(gte(scored.matched, f.needed))
    .orderBy(desc(scored.matched), desc(cases.receivedAt), cases.number)
    .limit(f.limit);
  return rows.map((r) => ({ c: r.c, matched: Number(r.matched) }));
}
