/**
 * Backup and restore of the embedded database as an operator runs them: `node bin/xinfang.js backup`
 * and `restore` in child processes, on a real data directory with cases, events, an attachment and a
 * seal. A restored copy holds the same rows in every table and passes the audit verifier; a running
 * server, a missing or different master key, an occupied target and a damaged file are each refused
 * in Chinese with nothing changed. (PostgreSQL is backed up with pg_dump; the command says so.)
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { sealAudit } from '../src/services/audit-seal.js';
import { addAttachment } from '../src/services/attachments.js';
import { registerCase } from '../src/services/register-case.js';
import { tableChecksums } from '../src/services/backup.js';
import { seedMiniOrg } from './support/factories.js';
import { TEST_PG_URL } from './support/databases.js';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'xinfang.js');
const KEY = crypto.randomBytes(32).toString('hex');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Given a data directory, extra environment and arguments, returns how `node bin/xinfang.js …` ended. */
function xinfang(dataDir: string, env: Record<string, string | undefined>, ...args: string[]): Promise<Run> {
  const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env };
  if (!('DATABASE_URL' in env)) delete e.DATABASE_URL;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Given a data directory, returns every table's checksum, read straight from its PGlite files. */
async function checksumsOf(dataDir: string) {
  const client = await PGlite.create(path.join(dataDir, 'pglite'), { extensions: { pg_trgm } });
  try {
    return await tableChecksums(async (text) => (await client.query<Record<string, unknown>>(text)).rows);
  } finally {
    await client.close();
  }
}

describe('backup and restore of the embedded database', () => {
  let work: string;
  let source: string;
  let backup: string;
  let attachmentPath: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-backup-'));
    source = path.join(work, 'source');
    backup = path.join(work, 'nightly.tar');
    const ctx = await buildContext(loadConfig({ DATA_DIR: source, MASTER_KEY: KEY, LOG_LEVEL: 'silent' }));
    try {
      const org = await seedMiniOrg(ctx);
      for (let i = 0; i < 3; i++) {
        const c = await registerCase(ctx, null, {
          channel: 'online',
          nature: 'appeal',
          title: `小区路灯损坏第${i + 1}处`,
          content: '小区门口路灯损坏多日，夜间出行不便，请尽快维修。',
          petitioners: [{ name: '王小明', phone: '13800138000', idNumber: '110101199003074514' }],
          gridId: org.units.gridA1,
        });
        if (i === 0) {
          await addAttachment(ctx, { kind: 'petitioner', caseId: c.caseId }, c.caseId, { filename: '现场.png', bytes: PNG }, async () => true);
        }
      }
      await sealAudit(ctx, { settleMs: 0 });
    } finally {
      await ctx.database.close();
    }
    const uploads = path.join(source, 'uploads');
    const [dir] = fs.readdirSync(uploads);
    attachmentPath = path.join(dir!, fs.readdirSync(path.join(uploads, dir!))[0]!);
  }, 120_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('backs up to one file and says the master key is kept apart; refused while a server holds the directory', async () => {
    const ctx = await buildContext(loadConfig({ DATA_DIR: source, MASTER_KEY: KEY, LOG_LEVEL: 'silent' }));
    try {
      const busy = await xinfang(source, { MASTER_KEY: KEY }, 'backup', '--out', backup);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain('服务正在使用该数据目录');
      expect(fs.existsSync(backup)).toBe(false);
    } finally {
      await ctx.database.close();
    }
    const r = await xinfang(source, { MASTER_KEY: KEY }, 'backup', '--out', backup);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('备份完成');
    expect(r.stdout).toMatch(/cases 3, events \d+\), 1 attachments/);
    expect(r.stdout).toContain('备份中不含主密钥');
    expect(fs.existsSync(`${backup}.part`)).toBe(false);
    expect(fs.readFileSync(backup).includes(Buffer.from(KEY))).toBe(false);
  }, 120_000);

  it('restores into an empty directory only with the same master key, identical in every table and verified', async () => {
    const target = path.join(work, 'restored');
    const noKey = await xinfang(target, { MASTER_KEY: undefined }, 'restore', backup);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('BACKUP_KEY_MISSING');
    expect(fs.existsSync(path.join(target, 'secret.key'))).toBe(false); // no key is made up on the way
    const otherKey = await xinfang(target, { MASTER_KEY: crypto.randomBytes(32).toString('hex') }, 'restore', backup);
    expect(otherKey.code).toBe(2);
    expect(otherKey.stderr).toContain('主密钥与备份时不同');
    expect(fs.existsSync(path.join(target, 'pglite', 'PG_VERSION'))).toBe(false);

    const r = await xinfang(target, { MASTER_KEY: KEY }, 'restore', backup);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('恢复完成，逐表核对与备份一致');
    expect(r.stdout).toContain('审计链完整');
    const [a, b] = [await checksumsOf(source), await checksumsOf(target)];
    expect(b).toEqual(a);
    expect(a.cases!.rows).toBe(3);
    expect(a.audit_seals!.rows).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(target, 'uploads', attachmentPath))).toEqual(PNG);
  }, 240_000);

  it('does not overwrite a database unless told to, and then keeps the old one aside', async () => {
    const target = path.join(work, 'restored');
    const again = await xinfang(target, { MASTER_KEY: KEY }, 'restore', backup);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const forced = await xinfang(target, { MASTER_KEY: KEY }, 'restore', backup, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('原数据库已移到');
    expect(fs.readdirSync(target).some((n) => n.startsWith('pglite.before-restore-'))).toBe(true);
  }, 240_000);

  it('refuses a damaged backup and leaves the target as it was', async () => {
    const damaged = path.join(work, 'damaged.tar');
    const bytes = fs.readFileSync(backup);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    fs.writeFileSync(damaged, bytes);
    const target = path.join(work, 'from-damaged');
    const r = await xinfang(target, { MASTER_KEY: KEY }, 'restore', damaged);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BACKUP_CORRUPT');
    expect(fs.existsSync(path.join(target, 'pglite'))).toBe(false);
  }, 120_000);

  it('on PostgreSQL, points to pg_dump instead', async () => {
    const r = await xinfang(path.join(work, 'pg'), { MASTER_KEY: KEY, DATABASE_URL: TEST_PG_URL }, 'backup');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pg_dump');
  }, 60_000);
});
