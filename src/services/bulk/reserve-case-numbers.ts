/**
 * Case numbers for a bulk import, taken in one short transaction of their own before the import's
 * transaction begins: the year's counter row is locked only for that moment, so intakes elsewhere in
 * the region never wait for an import, and the import never holds the counter while it takes other
 * locks (the warning numbers), the order a single intake takes them in reverse.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../store/database.js';
import { caseCounters } from '../../store/schema.js';
import { formatCaseNumber } from '../case-numbers.js';

/** One year's block of reserved numbers, e.g. YH-2026-000101 … YH-2026-000600. */
export interface ReservedRange {
  year: number;
  from: string;
  to: string;
  count: number;
}

export interface ReservedNumbers {
  /** the number of each row, in the order the years were given */
  numbers: string[];
  ranges: ReservedRange[];
}

/**
 * Given the year of each row to import, moves each year's counter past as many numbers in one
 * transaction and returns each row's number (the rows of a year numbered in their order) and the
 * ranges taken.
 */
export async function reserveCaseNumbers(db: Db, region: string, years: readonly number[]): Promise<ReservedNumbers> {
  const countByYear = new Map<number, number>();
  for (const y of years) countByYear.set(y, (countByYear.get(y) ?? 0) + 1);
  const firstByYear = new Map<number, number>();
  await db.transaction(async (tx) => {
    for (const [year, n] of [...countByYear].sort((a, b) => a[0] - b[0])) {
      const [row] = await tx
        .insert(caseCounters)
        .values({ region, year, last: n })
        .onConflictDoUpdate({ target: [caseCounters.region, caseCounters.year], set: { last: sql`${caseCounters.last} + ${n}` } })
        .returning({ last: caseCounters.last });
      firstByYear.set(year, row!.last - n + 1);
    }
  });
  const next = new Map(firstByYear);
  const numbers = years.map((y) => {
    const n = next.get(y)!;
    next.set(y, n + 1);
    return formatCaseNumber(region, y, n);
  });
  const ranges = [...countByYear]
    .sort((a, b) => a[0] - b[0])
    .map(([year, count]) => ({ year, count, from: formatCaseNumber(region, year, firstByYear.get(year)!), to: formatCaseNumber(region, year, firstByYear.get(year)! + count - 1) }));
  return { numbers, ranges };
}
