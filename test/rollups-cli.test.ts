/**
 * `xinfang rollups` as an operator runs it on a deployment (PGlite data directory or PostgreSQL): folds
 * what is queued, agrees with a full scan, names a counter edited behind its back (exit 1), and a
 * rebuild repairs it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import type { AppContext } from '../src/services/context.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { cockpitDaily } from '../src/store/schema.js';
import { DB_KINDS, openTestDatabase, type DbKind } from './support/databases.js';
import { seedMiniOrg } from './support/factories.js';

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
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
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

for (const kind of DB_KINDS) {
  describe(`xinfang rollups, the real command [${kind}]`, () => {
    let dataDir: string;
    let testDb: Awaited<ReturnType<typeof openTestDatabase>> | null = null;
    let env: Record<string, string>;
    let district = '';

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-cli-rollups-'));
      env = { DATA_DIR: dataDir };
      if ((kind as DbKind) === 'postgres') {
        testDb = await openTestDatabase('postgres');
        env.DATABASE_URL = testDb.url!;
      }
      district = await withDeployment(env, async (ctx) => {
        const org = await seedMiniOrg(ctx);
        for (const [i, channel] of (['letter', 'phone', 'visit'] as const).entries()) {
          const c = await registerCase(ctx, org.actors.registrar, {
            channel,
            nature: 'appeal',
            title: `反映小区路灯不亮（${i}）`,
            content: '小区门口路灯坏了一个月，晚上出行不便，请尽快维修。',
            petitioners: [{ name: '郑秀兰', phone: '13805719876' }],
            gridId: org.units.gridA1,
          });
          if (i === 0) await runCaseCommand(ctx, org.actors.dispatcher, c.caseId, { type: 'accept' });
        }
        return org.units.district;
      });
    }, 120_000);
    afterAll(async () => {
      await testDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('folds the queue, agrees with a full scan, names an edited counter (exit 1), and a rebuild repairs it', async () => {
      const fold = await runCli(['rollups'], env);
      expect(fold.code, fold.stderr).toBe(0);
      expect(fold.stdout).toMatch(/^folded 3 cases; 0 changes still queued/);
      const ok = await runCli(['rollups', '--check'], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('agree with a full scan of 3 cases');

      await withDeployment(env, (ctx) =>
        ctx.db
          .update(cockpitDaily)
          .set({ value: sql`${cockpitDaily.value} + 5` })
          .where(and(eq(cockpitDaily.unitId, district), eq(cockpitDaily.metric, 'received'), eq(cockpitDaily.dim, 'phone'))),
      );
      const bad = await runCli(['rollups', '--check'], env);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain('in 1 counter(s)');
      expect(bad.stdout).toMatch(new RegExp(`cockpit_daily\\t[^\\t]+\\t${district}\\t\\d{4}-\\d\\d-\\d\\d\\treceived\\tphone\\texpected=1\\tactual=6`));

      const rebuilt = await runCli(['rollups', '--rebuild', '--check'], env);
      expect(rebuilt.code, rebuilt.stdout).toBe(0);
      expect(rebuilt.stdout).toContain('rollups rebuilt from 3 cases');
      expect(rebuilt.stdout).toContain('agree with a full scan of 3 cases');
    }, 180_000);
  });
}
