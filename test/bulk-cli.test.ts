/**
 * `xinfang import` and `xinfang export` as an operator runs them on a deployment (PGlite data directory
 * or PostgreSQL), judged by exit code, output and what the database holds afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import type { AppContext } from '../src/services/context.js';
import { cases } from '../src/store/schema.js';
import { DB_KINDS, openTestDatabase, type DbKind } from './support/databases.js';
import { seedMiniOrg } from './support/factories.js';
import { goodRows, toCsv } from './bulk-sheets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'xinfang.js');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.MASTER_KEY;
  delete base.DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...base, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function withDeployment<T>(env: Record<string, string>, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await buildContext(loadConfig({ LOG_LEVEL: 'silent', ...env }));
  try {
    return await work(ctx);
  } finally {
    await ctx.database.close();
  }
}

const caseCount = (env: Record<string, string>) => withDeployment(env, async (ctx) => (await ctx.db.select({ n: count() }).from(cases))[0]!.n);

for (const kind of DB_KINDS) {
  describe(`xinfang import / export, the real commands [${kind}]`, () => {
    let dir: string;
    let testDb: Awaited<ReturnType<typeof openTestDatabase>> | null = null;
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-cli-bulk-'));
      env = { DATA_DIR: path.join(dir, 'data') };
      if ((kind as DbKind) === 'postgres') {
        testDb = await openTestDatabase('postgres');
        env.DATABASE_URL = testDb.url!;
      }
      await withDeployment(env, (ctx) => seedMiniOrg(ctx));
    }, 120_000);
    afterAll(async () => {
      await testDb?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a file with bad rows exits 1 with the row report and writes nothing; the fixed file exits 0 with the numbers; an unknown user exits 2 in Chinese', async () => {
      const rows = goodRows('CLI', 10);
      rows[1]!.phone = '12345678901234567890';
      rows[5]!.categoryCode = '999999';
      const bad = path.join(dir, 'bad.csv');
      fs.writeFileSync(bad, toCsv(rows));
      const r1 = await runCli(['import', bad, '--source', '12345', '--as', 'registrar'], env);
      expect(r1.code, r1.stderr).toBe(1);
      expect(r1.stdout).toContain('整个文件未导入');
      expect(r1.stdout).toMatch(/^第 3 行\t联系电话\t/m);
      expect(r1.stdout).toMatch(/^第 7 行\t类别编码\t/m);
      expect(await caseCount(env)).toBe(0);

      const good = path.join(dir, 'good.csv');
      fs.writeFileSync(good, toCsv(goodRows('CLI', 10)));
      const dry = await runCli(['import', good, '--source', '12345', '--as', 'registrar', '--dry-run'], env);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('校验通过');
      expect(await caseCount(env)).toBe(0);
      const r2 = await runCli(['import', good, '--source', '12345', '--as', 'registrar'], env);
      expect(r2.code, r2.stderr).toBe(0);
      expect(r2.stdout).toContain('已导入 10 件');
      expect(r2.stdout.match(/^第 \d+ 行\t[A-Z]+-\d{4}-\d{6}$/gm)).toHaveLength(10);
      expect(await caseCount(env)).toBe(10);

      const r3 = await runCli(['import', good, '--source', '12345', '--as', 'nobody'], env);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toContain('没有在用的用户「nobody」');
      expect(r3.stderr).not.toMatch(/\n\s+at /);
      const r4 = await runCli(['import', good, '--source', '12345', '--as', 'handler.a1'], env);
      expect(r4.code).toBe(2);
      expect(r4.stderr).toContain('没有所需的角色');
    }, 300_000);

    it('`export` writes the masked CSV of a unit and period as a supervisor; a registrar may not export', async () => {
      const out = path.join(dir, 'out.csv');
      const r = await runCli(['export', '--unit', '330110000000', '--from', '2026-02-01', '--to', '2026-02-28', '--format', 'csv', '--out', out, '--as', 'supervisor'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('已导出 10 件');
      const rows = parse(fs.readFileSync(out, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(10);
      expect(rows.map((x) => x['来源工单编号']).sort()).toEqual(goodRows('CLI', 10).map((x) => x.ref).sort());
      for (const x of rows) expect(x['联系电话']).toMatch(/^139\*{4}\d{4}$/);
      const denied = await runCli(['export', '--from', '2026-02-01', '--to', '2026-02-28', '--out', path.join(dir, 'no.csv'), '--as', 'registrar'], env);
      expect(denied.code).toBe(2);
      expect(fs.existsSync(path.join(dir, 'no.csv'))).toBe(false);
    }, 300_000);

    it('`export --out` at a directory, a file that cannot be written or a missing folder exits 2 in Chinese and leaves what was there untouched', async () => {
      const args = (out: string) => ['export', '--from', '2026-02-01', '--to', '2026-02-28', '--out', out, '--as', 'supervisor'];
      const folder = path.join(dir, 'a-folder');
      fs.mkdirSync(folder);
      const r1 = await runCli(args(folder), env);
      expect(r1.code, r1.stderr).toBe(2);
      expect(r1.stderr).toContain('是一个目录');
      expect(r1.stderr).not.toMatch(/\n\s+at |ERR_/);
      expect(fs.statSync(folder).isDirectory()).toBe(true);

      // a file the operator may not write: immutable where we may set that (root), read-only otherwise
      const kept = path.join(dir, 'kept.csv');
      fs.writeFileSync(kept, 'earlier export\n');
      const immutable = spawnSync('chattr', ['+i', kept]).status === 0;
      if (!immutable) fs.chmodSync(kept, 0o444);
      try {
        const r2 = await runCli(args(kept), env);
        expect(r2.code, r2.stderr).toBe(2);
        expect(r2.stderr).toContain(`无法写入文件「${kept}」`);
        expect(fs.readFileSync(kept, 'utf8')).toBe('earlier export\n');
      } finally {
        if (immutable) spawnSync('chattr', ['-i', kept]);
      }

      const r3 = await runCli(args(path.join(dir, 'no-such-folder', 'x.csv')), env);
      expect(r3.code).toBe(2);
      expect(r3.stderr).toContain('无法写入文件');
    }, 300_000);

    it('a file over 10 MB is refused from its size without being read (exit 2, in Chinese); after a refusal the data directory is released, so the next import runs', async () => {
      const big = path.join(dir, 'big.csv');
      fs.writeFileSync(big, Buffer.alloc(11 * 1024 * 1024, 0x41));
      const r1 = await runCli(['import', big, '--source', '12345', '--as', 'registrar'], env);
      expect(r1.code).toBe(2);
      expect(r1.stderr).toContain('文件最大 10 MB');
      const bad = path.join(dir, 'norow.csv');
      fs.writeFileSync(bad, '工单编号,受理时间,诉求人姓名,标题,诉求内容\r\n');
      const r2 = await runCli(['import', bad, '--source', '12345', '--as', 'registrar'], env);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain('没有数据行');
      const good = path.join(dir, 'after.csv');
      fs.writeFileSync(good, toCsv(goodRows('AFTER', 2)));
      const r3 = await runCli(['import', good, '--source', '12345', '--as', 'registrar'], env);
      expect(r3.code, r3.stderr).toBe(0);
      expect(r3.stdout).toContain('已导入 2 件');
    }, 300_000);
  });
}
