/**
 * A query that runs out of time (the server's statement_timeout, SQLSTATE 57014) is recognised as such
 * on PostgreSQL (PGlite, one thread in-process, has no statement timeout), so the edge answers 503 TRY_AGAIN with Retry-After instead of a 500 — and nothing
 * of the transaction it ran in is kept.
 */
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS, openTestDatabase } from './support/databases.js';
import { isQueryTimeout } from '../src/store/pg-errors.js';

describe.skipIf(!DB_KINDS.includes('postgres'))('a query out of time (postgres)', () => {
  const kind = 'postgres' as const;
  it('is recognised, and its transaction leaves nothing behind', async () => {
    const tdb = await openTestDatabase(kind);
    try {
      const db = tdb.database.db;
      await db.execute(sql`create table timeout_probe (n int)`);
      let caught: unknown = null;
      try {
        await db.transaction(async (tx) => {
          await tx.execute(sql`insert into timeout_probe values (1)`);
          await tx.execute(sql`set local statement_timeout = 50`);
          await tx.execute(sql`select pg_sleep(2)`);
        });
      } catch (err) {
        caught = err;
      }
      expect(isQueryTimeout(caught)).toBe(true);
      expect(isQueryTimeout(new Error('duplicate key value violates unique constraint'))).toBe(false);
      const rows = ((await db.execute(sql`select count(*)::int as n from timeout_probe`)) as unknown as { rows: { n: number }[] }).rows;
      expect(rows[0]!.n).toBe(0);
    } finally {
      await tdb.drop();
    }
  });
});
