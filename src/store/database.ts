/**
 * The database factory: embedded PGlite by default, PostgreSQL when DATABASE_URL is set.
 * One schema and one migration folder serve both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything that runs queries: the database or an open transaction. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * PostgreSQL only: a small pool of its own for the short transactions that take case numbers, so a
   * registration takes its number in a commit of its own — the year's counter row locked for that one
   * statement — while its main transaction is open on `db` (never the same pool: a full main pool
   * cannot wait on itself). PGlite has one connection and takes numbers inside the transaction.
   */
  numbering?: Db;
  /**
   * PostgreSQL only: a small pool of its own for read-only transactions that join a snapshot exported
   * by a transaction on `db` (pg_export_snapshot), so reads that must agree with each other still run
   * in parallel, each on a connection of its own. Its transactions run one read each and wait on
   * nothing else, so a transaction on `db` may wait for them without ever waiting on itself.
   */
  snapshotReads?: Db;
  close(): Promise<void>;
}

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` (tests) keeps it in memory and takes no lock. */
  pgliteDir?: string;
  lockFile?: string;
  migrate?: boolean;
}

/** Given where the data lives, returns an open, migrated database. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  const database = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : await openPglite(opts);
  if (opts.migrate !== false) await migrateDatabase(database);
  return database;
}

/** Given an open database, applies every pending migration. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as Parameters<typeof migratePglite>[0], { migrationsFolder: MIGRATIONS });
  } else {
    await migratePg(database.db as Parameters<typeof migratePg>[0], { migrationsFolder: MIGRATIONS });
  }
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  const dir = opts.pgliteDir ?? 'memory://';
  let lock: DataDirLock | null = null;
  if (!dir.startsWith('memory://')) {
    fs.mkdirSync(dir, { recursive: true });
    // PGlite takes no lock of its own: two processes on one directory silently lose rows.
    lock = acquireDataDirLock(opts.lockFile ?? path.join(dir, '..', 'xinfang.lock'));
  }
  try {
    const client = await PGlite.create(dir, { extensions: { pg_trgm } });
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await client.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: 5_000,
    // fail fast instead of queueing forever when the server is gone
    query_timeout: 30_000,
  });
  // A client losing its server (a restart, a failover) must not crash the process: the pool's own
  // listener covers idle clients, this one the clients in use, whose query then fails with the
  // error (503 DB_UNAVAILABLE at the edge); the pool drops a dead client when it is released and the
  // next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const numberingPool = smallPool(url, 4);
  const snapshotPool = smallPool(url, 8);
  return {
    db,
    kind: 'postgres',
    numbering: drizzlePg({ client: numberingPool, schema }) as unknown as Db,
    snapshotReads: drizzlePg({ client: snapshotPool, schema }) as unknown as Db,
    close: async () => void (await Promise.all([pool.end(), numberingPool.end(), snapshotPool.end()])),
  };
}

/** Given a database URL and a size, returns a pool for one kind of short transaction (see Database). */
function smallPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000, query_timeout: 30_000 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
