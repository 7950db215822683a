/**
 * A real application context on a test database, with a clock the test moves by hand (no sleeping,
 * no hidden time) and a fixed master key.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { buildContext } from '../../src/services/app-context.js';
import type { AppContext } from '../../src/services/context.js';
import { openTestDatabase, type DbKind, type TestDatabase } from './databases.js';

export interface TestClock {
  now: () => Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

/** Given a start instant, returns a clock that moves only when told. */
export function makeClock(start: string | Date = '2026-03-02T02:00:00.000Z'): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = new Date(iso).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface TestContext {
  kind: DbKind;
  ctx: AppContext;
  clock: TestClock;
  db: TestDatabase;
  close(): Promise<void>;
}

export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

/** Given an engine, returns a context on a fresh database of that engine. */
export async function makeTestContext(kind: DbKind, opts: { start?: string; env?: Record<string, string> } = {}): Promise<TestContext> {
  const db = await openTestDatabase(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(db.url ? { DATABASE_URL: db.url } : {}), ...opts.env });
  const clock = makeClock(opts.start);
  const ctx = await buildContext(config, { database: db.database, logger: pino({ level: process.env.XINFANG_TEST_LOG ?? 'silent' }), now: clock.now, masterKey: TEST_MASTER_KEY });
  return {
    kind,
    ctx,
    clock,
    db,
    close: async () => {
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
