/**
 * Case numbers, per region and year (YH-2026-000123), from the year's counter row in case_counters.
 * Taken inside the registration's transaction (the row stays locked until it commits, so numbers never
 * skip) or, on PostgreSQL, in a commit of their own on the numbering pool just before the case is
 * written (the row locked for one statement; a registration failing after it leaves its number
 * unused, and the audit log names it).
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../store/database.js';
import { caseCounters } from '../store/schema.js';

/** Given a region, a year and a counter value, returns the case number, e.g. YH-2026-000123. */
export const formatCaseNumber = (region: string, year: number, n: number) => `${region}-${String(year).padStart(4, '0')}-${String(n).padStart(6, '0')}`;

/** Given a connection (or transaction), moves the year's counter on by one and returns the number. */
export async function nextCaseNumber(q: Queryable, region: string, year: number): Promise<string> {
  const [row] = await q
    .insert(caseCounters)
    .values({ region, year, last: 1 })
    .onConflictDoUpdate({ target: [caseCounters.region, caseCounters.year], set: { last: sql`${caseCounters.last} + 1` } })
    .returning({ last: caseCounters.last });
  return formatCaseNumber(region, year, row!.last);
}
