/**
 * "A trace is altered unnoticed" must never happen (DOMAIN.md §9). Real tampering on both databases,
 * by hand in SQL as an insider with database access would do it, each on a fresh database: the verifier
 * (and `xinfang verify-audit`, the command an auditor runs) must name the case and the event.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { sealAudit, verifyAudit, type AuditProblem } from '../src/services/audit-seal.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import type { AppContext } from '../src/services/context.js';
import { DB_KINDS, openTestDatabase, type DbKind } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, startServer } from './support/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'xinfang.js');

interface MadeCase {
  id: string;
  number: string;
  events: number;
}

/** Rows of a raw query, the same shape on both drivers. */
async function rows<T>(ctx: AppContext, query: SQL): Promise<T[]> {
  return ((await ctx.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/**
 * Given a fresh context, returns three cases made through the HTTP API (logins write the audit log):
 * one in handling with 5 events, one replied with 6, one merely accepted with 2.
 */
async function makeCases(t: TestContext, org: MiniOrg): Promise<MadeCase[]> {
  const server = await startServer(t.ctx);
  try {
    const login = async (username: string) => {
      const r = await client(server).post<{ token: string }>('/api/auth/login', { username, password: PASSWORD });
      expect(r.status).toBe(200);
      return client(server, r.body.token);
    };
    const dispatcher = await login(org.usernames.dispatcher!);
    const grid = await login(org.usernames.handlerA!);
    const made: MadeCase[] = [];
    const steps: Record<string, unknown>[][] = [
      [{ type: 'dispatch', leadUnitId: org.units.gridA1 }, { type: 'sign' }, { type: 'contact_log', method: 'phone', summary: '已电话联系', reached: true }],
      [{ type: 'dispatch', leadUnitId: org.units.gridA1 }, { type: 'sign' }, { type: 'note', text: '现场查看' }, { type: 'reply', opinion: 'support', text: '已处理。' }],
      [],
    ];
    for (const [i, list] of steps.entries()) {
      const created = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title: `封签测试第${i + 1}件`,
        content: '来电反映小区路灯不亮，请尽快修复。',
        petitioners: [{ name: '吴志强', phone: `1380571${String(3000 + i)}` }],
        acceptNow: true,
      });
      expect(created.status).toBe(201);
      for (const command of list) {
        const by = command.type === 'dispatch' ? dispatcher : grid;
        const r = await by.post(`/api/cases/${created.body.id}/commands`, command);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
      made.push({ id: created.body.id, number: created.body.number, events: 2 + list.length });
    }
    return made;
  } finally {
    await server.close();
  }
}

/** Given a context whose clock the test drives, seals everything written so far. */
async function sealNow(t: TestContext, expectedCases: number) {
  t.clock.advance(1000); // the seal takes events strictly older than its cutoff
  const seal = await sealAudit(t.ctx, { settleMs: 0 });
  expect(seal).not.toBeNull();
  expect(seal!.caseCount).toBe(expectedCases);
  return seal!;
}

const summary = (problems: AuditProblem[]) => problems.map((p) => ({ kind: p.kind, caseId: p.caseId, seq: p.seq, detail: p.detail }));

for (const kind of DB_KINDS) {
  describe(`tampering with the trace by hand in SQL is caught and named [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let made: MadeCase[];

    /** A fresh database with three sealed cases and a clean verification. */
    async function freshSealed() {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      made = await makeCases(t, org);
      await sealNow(t, 3);
      const clean = await verifyAudit(t.ctx);
      expect(summary(clean.problems)).toEqual([]);
      expect(clean.cases).toBe(3);
      expect(clean.events).toBe(made.reduce((n, c) => n + c.events, 0));
      expect(clean.seals).toBe(1);
    }
    afterEach(async () => {
      await t?.close();
      t = undefined as unknown as TestContext;
    });

    it('an intact trace verifies clean, also after legitimate work continues past the seal', async () => {
      await freshSealed();
      const [first] = made;
      await runCaseCommand(t.ctx, org.actors.handlerA, first!.id, { type: 'reply', opinion: 'explain', text: '已解释说明。' });
      const report = await verifyAudit(t.ctx);
      expect(summary(report.problems)).toEqual([]);
      expect(report.events).toBe(made.reduce((n, c) => n + c.events, 0) + 1);
      await sealNow(t, 1);
      expect(summary((await verifyAudit(t.ctx)).problems)).toEqual([]);
    }, 60_000);

    it('(a) an event whose data was edited is named by case and seq: case_chain hash_mismatch', async () => {
      await freshSealed();
      const target = made[1]!;
      await t.ctx.db.execute(sql`update case_events set data = jsonb_set(data, '{text}', '"现场查看（已篡改）"') where case_id = ${target.id} and seq = 5`);
      const [edited] = await rows<{ type: string; text: string }>(t.ctx, sql`select type, data->>'text' as text from case_events where case_id = ${target.id} and seq = 5`);
      expect(edited).toEqual({ type: 'case.noted', text: '现场查看（已篡改）' });
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'case_chain', caseId: target.id, number: target.number, seq: 5, detail: 'hash_mismatch' }));
      // Only the altered case is accused.
      expect(new Set(report.problems.map((p) => p.caseId))).toEqual(new Set([target.id]));
    }, 60_000);

    it('(b) a deleted event in the middle of a case is named by case and seq', async () => {
      await freshSealed();
      const target = made[0]!;
      await t.ctx.db.execute(sql`delete from case_events where case_id = ${target.id} and seq = 3`);
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'case_chain', caseId: target.id, number: target.number, seq: 3 }));
      expect(new Set(report.problems.map((p) => p.caseId))).toEqual(new Set([target.id]));
    }, 60_000);

    it('(c) a deleted last event with the case row’s head fixed up to hide it is caught by the seal, naming the case', async () => {
      await freshSealed();
      const target = made[1]!;
      const n = target.events;
      await t.ctx.db.execute(sql`delete from case_events where case_id = ${target.id} and seq = ${n}`);
      const [prev] = await rows<{ hash: string }>(t.ctx, sql`select hash from case_events where case_id = ${target.id} and seq = ${n - 1}`);
      await t.ctx.db.execute(sql`update cases set event_count = ${n - 1}, head_hash = ${prev!.hash} where id = ${target.id}`);
      const report = await verifyAudit(t.ctx);
      // The chain itself is consistent now: only the seal can tell.
      expect(report.problems.filter((p) => p.kind === 'case_chain' || p.kind === 'case_head')).toEqual([]);
      expect(report.problems.length).toBeGreaterThan(0);
      // The seal catches it; the case row's state no longer matching its last event may also show.
      expect(report.problems.some((p) => p.kind === 'sealed_events_removed' || p.kind === 'sealed_head_changed')).toBe(true);
      for (const p of report.problems) {
        expect(['sealed_events_removed', 'sealed_head_changed', 'case_state']).toContain(p.kind);
        expect(p.caseId).toBe(target.id);
        expect(p.number).toBe(target.number);
      }
    }, 60_000);

    it('(d) a whole case deleted with its events and petitioners after sealing is reported sealed_case_missing with its id', async () => {
      await freshSealed();
      const target = made[2]!;
      await t.ctx.db.execute(sql`delete from case_events where case_id = ${target.id}`);
      await t.ctx.db.execute(sql`delete from case_petitioners where case_id = ${target.id}`);
      await t.ctx.db.execute(sql`delete from cases where id = ${target.id}`);
      const report = await verifyAudit(t.ctx);
      expect(report.cases).toBe(2);
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'sealed_case_missing', caseId: target.id }));
      expect(new Set(report.problems.map((p) => p.caseId))).toEqual(new Set([target.id]));
    }, 60_000);

    it('(f) a case row edited by hand without an event (state set to closed) is reported case_state', async () => {
      await freshSealed();
      const target = made[0]!;
      await t.ctx.db.execute(sql`update cases set state = 'closed' where id = ${target.id}`);
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toEqual([expect.objectContaining({ kind: 'case_state', caseId: target.id, number: target.number })]);
    }, 60_000);

    it('(g) the newest audit log entries deleted after a seal are reported', async () => {
      await freshSealed();
      await t.ctx.db.execute(sql`delete from audit_log where id = (select max(id) from audit_log)`);
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'audit_log' }));
    }, 60_000);

    it('(e) an altered audit log row (a login) is reported as an audit_log problem at that entry', async () => {
      await freshSealed();
      const log = await rows<{ id: number; action: string }>(t.ctx, sql`select id, action from audit_log order by id`);
      expect(log.length).toBeGreaterThanOrEqual(2);
      expect(log.map((l) => l.action)).toContain('auth.login');
      await t.ctx.db.execute(sql`update audit_log set actor_id = null where id = 2`);
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'audit_log', seq: 2 }));
      expect(report.problems.filter((p) => p.kind !== 'audit_log')).toEqual([]);
    }, 60_000);
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Given CLI arguments and environment, returns the exit code and output of `node bin/xinfang.js …`. */
function runCli(args: string[], env: Record<string, string>): Promise<Run> {
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

/** Given an env for buildContext, opens the deployment in-process, runs `work`, closes it. */
async function withDeployment<T>(env: Record<string, string>, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await buildContext(loadConfig({ LOG_LEVEL: 'silent', ...env }));
  try {
    return await work(ctx);
  } finally {
    await ctx.database.close();
  }
}

for (const kind of DB_KINDS) {
  describe(`xinfang verify-audit, the real command, on a real deployment [${kind}]`, () => {
    let dataDir: string;
    let testDb: Awaited<ReturnType<typeof openTestDatabase>> | null = null;
    let env: Record<string, string>;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-cli-audit-'));
      env = { DATA_DIR: dataDir };
      if ((kind as DbKind) === 'postgres') {
        testDb = await openTestDatabase('postgres');
        env.DATABASE_URL = testDb.url!;
      }
    }, 60_000);
    afterAll(async () => {
      await testDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('exits 0 on an intact sealed trace, and 1 naming the case number once an event was edited in SQL', async () => {
      const made = await withDeployment(env, async (ctx) => {
        const org = await seedMiniOrg(ctx);
        const c = await registerCase(ctx, org.actors.registrar, {
          channel: 'letter',
          nature: 'appeal',
          title: '来信反映自来水水质浑浊',
          content: '来信反映近一周自来水发黄浑浊，请供水部门检测。',
          petitioners: [{ name: '郑秀兰', phone: '13805719876' }],
        });
        await runCaseCommand(ctx, org.actors.dispatcher, c.caseId, { type: 'accept' });
        await new Promise((r) => setTimeout(r, 20)); // the seal takes events strictly older than now
        const seal = await sealAudit(ctx, { settleMs: 0 });
        expect(seal?.caseCount).toBe(1);
        return c;
      });

      const ok = await runCli(['verify-audit'], env);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('1 cases, 2 events, 1 seals');

      await withDeployment(env, async (ctx) => {
        await ctx.db.execute(sql`update case_events set data = jsonb_set(data, '{note}', '"篡改"') where case_id = ${made.caseId} and seq = 2`);
      });
      const broken = await runCli(['verify-audit'], env);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(made.number);
      expect(broken.stdout).toMatch(new RegExp(`case_chain\\s+case=${made.caseId}\\s+number=${made.number}\\s+seq=2\\s+hash_mismatch`));

      const json = await runCli(['verify-audit', '--json'], env);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { problems: AuditProblem[] };
      expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'case_chain', caseId: made.caseId, seq: 2 }));
    }, 120_000);
  });
}
