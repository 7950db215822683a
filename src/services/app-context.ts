/**
 * Building the application context at boot: config → database (migrated) → statute → cipher.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../store/database.js';
import { loadStatute } from '../statute/load-statute.js';
import { createCipher, generateMasterKey, parseMasterKey } from '../domain/personal-data/cipher.js';
import type { AppContext } from './context.js';
import { sharedSegmenter } from './segmenter.js';
import { backfillIntelligence } from './intelligence-backfill.js';
import { queueRollupsAtFirstBoot } from '../jobs/rollup-worker.js';
import { sqlState } from '../store/pg-errors.js';
import { backfillSearchText } from './search-backfill.js';
import { loadLexicon } from './lexicon.js';
import { ensureTimersExist } from './case-timers.js';

/** Given the config, returns the master key: from MASTER_KEY, else from DATA_DIR/secret.key (made on first run). */
export function resolveMasterKey(config: Config, logger?: Logger): Buffer {
  if (config.MASTER_KEY) return parseMasterKey(config.MASTER_KEY);
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return parseMasterKey(fs.readFileSync(file, 'utf8').trim());
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = generateMasterKey();
  fs.writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  logger?.warn({ file }, '已生成个人信息加密主密钥 (generated the personal-data master key); back it up with the database');
  return key;
}

export interface BuildContextOptions {
  database?: Database;
  logger?: Logger;
  now?: () => Date;
  masterKey?: Buffer;
}

/** Given the config, returns a ready context (database opened and migrated unless one is passed). */
export async function buildContext(config: Config, opts: BuildContextOptions = {}): Promise<AppContext> {
  const logger = opts.logger ?? pino({ level: config.LOG_LEVEL, base: { app: 'xinfang' } });
  const database =
    opts.database ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      pgliteDir: path.join(config.dataDir, 'pglite'),
      lockFile: path.join(config.dataDir, 'xinfang.lock'),
    }));
  if (database.kind === 'postgres') await warnUnlessUtf8(database, logger);
  const statute = loadStatute();
  if (!statute.ruleSets.has(config.DEFAULT_RULE_SET)) {
    await database.close();
    throw new Error(`未知的默认期限规则集 DEFAULT_RULE_SET=${config.DEFAULT_RULE_SET}`);
  }
  const cipher = createCipher(opts.masterKey ?? resolveMasterKey(config, logger));
  fs.mkdirSync(config.uploadDir, { recursive: true });
  const segmenter = sharedSegmenter();
  await unlessTableMissing(logger, () => loadLexicon({ db: database.db, segmenter, logger }));
  await backfillSearchText({ db: database.db, segmenter, logger });
  await unlessTableMissing(logger, () => backfillIntelligence({ db: database.db, segmenter, logger }));
  await ensureTimersExist({ db: database.db, statute, logger });
  await unlessTableMissing(logger, () => queueRollupsAtFirstBoot({ db: database.db, logger }));
  return { database, db: database.db, config, statute, cipher, logger, now: opts.now ?? (() => new Date()), segmenter, uploadDir: config.uploadDir };
}

/** Chinese search (pg_trgm, tokenised text) needs a UTF-8 LC_CTYPE; in `C` it silently finds nothing. */
async function warnUnlessUtf8(database: Database, logger: Logger): Promise<void> {
  const res = (await database.db.execute(sql`select datctype from pg_database where datname = current_database()`)) as unknown as { rows: Array<{ datctype: string }> };
  const ctype = res.rows[0]?.datctype ?? '';
  if (!/utf-?8/i.test(ctype)) {
    logger.warn({ ctype }, '数据库 LC_CTYPE 不是 UTF-8，中文检索将不可用；请按 README 以 UTF-8 重建数据库');
  }
}

/**
 * Boot work on tables that a database handed in without migrating may not have yet (a tool or test
 * that migrates step by step) is skipped with a warning; any other failure stops the boot.
 */
async function unlessTableMissing(logger: Logger, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    // 42P01 undefined table, 42703 undefined column
    if (sqlState(err) !== '42P01' && sqlState(err) !== '42703') throw err;
    logger.warn({ err }, '数据库尚未迁移到最新版本，跳过依赖新表的启动步骤 (schema not current: boot step skipped)');
  }
}
