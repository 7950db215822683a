/**
 * Every data test runs on both databases: PGlite in memory and a fresh PostgreSQL database per
 * test file (created with a UTF-8 LC_CTYPE, dropped afterwards). XINFANG_TEST_DATABASES=pglite
 * limits a local run to the embedded engine; CI runs both.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/store/database.js';

export type DbKind = 'pglite' | 'postgres';

export const TEST_PG_URL = process.env.XINFANG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The engines this run covers. */
export const DB_KINDS: DbKind[] = (process.env.XINFANG_TEST_DATABASES ?? 'pglite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is DbKind => s === 'pglite' || s === 'postgres');

export interface TestDatabase {
  database: Database;
  url: string | null;
  drop(): Promise<void>;
}

/** Given an engine, returns a fresh, empty database (migrated unless `migrate: false`) and a function that removes it. */
export async function openTestDatabase(kind: DbKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase({ pgliteDir: 'memory://', migrate: opts.migrate });
    return { database, url: null, drop: () => database.close() };
  }
  const name = `xf_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), migrate: opts.migrate });
  return {
    database,
    url: url.toString(),
    drop: async () => {
      await database.close();
      const a = new pg.Client({ connectionString: TEST_PG_URL });
      await a.connect();
      try {
        await a.query(`drop database if exists ${name} with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
