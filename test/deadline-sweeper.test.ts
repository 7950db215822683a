/**
 * Deadlines that act, over a simulated autumn with an injected clock (no sleeping): every reminder
 * and overdue notice fires once, at the first sweep after its moment, across 中秋 and 国庆;
 * supervision escalates when unanswered; two sweepers never double-send; a restart loses nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeClock, makeTestContext, TEST_MASTER_KEY, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { openDatabase } from '../src/store/database.js';
import { runSweepOnce } from '../src/jobs/deadline-sweeper.js';
import { ensureTimersExist, rebuildOpenCaseTimers } from '../src/services/case-timers.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { listCases } from '../src/services/case-queries.js';
import { verifyAudit } from '../src/services/audit-seal.js';
import type { AppContext } from '../src/services/context.js';
import { caseEvents, notifications, supervisions, timers } from '../src/store/schema.js';

const HOUR = 3_600_000;
const STEP = 6 * HOUR;
const petitioner = { name: '孙七', phone: '13600001111' };

async function submit(ctx: AppContext, org: MiniOrg, title: string) {
  const c = await registerCase(ctx, null, { channel: 'online', nature: 'appeal', title, content: `${title}，请尽快处理。`, petitioners: [petitioner], gridId: org.units.gridA1 });
  return c.caseId;
}

async function toHandling(ctx: AppContext, org: MiniOrg, caseId: string) {
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'accept' });
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'dispatch', leadUnitId: org.units.gridA1, assistUnitIds: [] });
  await runCaseCommand(ctx, org.actors.handlerA, caseId, { type: 'sign' });
}

async function eventsOf(ctx: AppContext, caseId: string, type: string) {
  const rows = await ctx.db.select().from(caseEvents).where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, type))).orderBy(caseEvents.seq);
  return rows.map((r) => ({ at: r.at.toISOString(), data: r.data as Record<string, unknown> }));
}

async function inbox(ctx: AppContext, userId: string, caseId: string) {
  const rows = await ctx.db.select().from(notifications).where(and(eq(notifications.userId, userId), eq(notifications.caseId, caseId))).orderBy(notifications.createdAt);
  return rows.map((r) => `${r.kind}:${r.level}`);
}

/** Sweeps every STEP from the clock's time until `until`, as a running server would. */
async function sweepUntil(t: { ctx: AppContext; clock: { now(): Date; advance(ms: number): void } }, until: string) {
  const end = Date.parse(until);
  let fired = 0;
  while (t.clock.now().getTime() + STEP <= end) {
    t.clock.advance(STEP);
    fired += (await runSweepOnce(t.ctx)).fired;
  }
  return fired;
}

for (const kind of DB_KINDS) {
  describe(`deadline sweeper over a simulated autumn [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      // Sunday 2026-09-20 10:00 China time — a 调休 workday before 中秋 (09-25..27) and 国庆 (10-01..07).
      t = await makeTestContext(kind, { start: '2026-09-20T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      ids.unaccepted = await submit(t.ctx, org, '无人受理的来信');
      ids.handled = await submit(t.ctx, org, '楼道堆放杂物');
      await toHandling(t.ctx, org, ids.handled);
      ids.extended = await submit(t.ctx, org, '小区化粪池外溢');
      await toHandling(t.ctx, org, ids.extended);
      ids.chased = await submit(t.ctx, org, '路面塌陷');
      await toHandling(t.ctx, org, ids.chased);
      ids.answered = await submit(t.ctx, org, '井盖缺失');
      await toHandling(t.ctx, org, ids.answered);
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    it('the forward deadline crosses 国庆: reminded on the last working day before, red when it passes, once each', async () => {
      await runCaseCommand(t.ctx, org.actors.supervisor, ids.chased!, { type: 'chase', reason: '群众多次来电，请加快办理', replyDueAt: '2026-09-24T10:00:00.000Z' });
      const sup = await runCaseCommand(t.ctx, org.actors.supervisor, ids.answered!, { type: 'supervise', reason: '存在安全隐患', replyDueAt: '2026-09-24T10:00:00.000Z', listed: true });
      const [s] = await t.ctx.db.select().from(supervisions).where(eq(supervisions.caseId, ids.answered!));
      await runCaseCommand(t.ctx, org.actors.handlerA, ids.answered!, { type: 'supervision_reply', supervisionId: s!.id, text: '已设置围挡并更换井盖' });
      expect(sup.state).toBe('handling');

      await sweepUntil(t, '2026-10-10T00:00:00.000Z');
      // received 09-20; 15 days end on 10-05, a holiday → due 10-08 24:00; three days before is 10-05 → 09-30 09:00.
      const reminders = await eventsOf(t.ctx, ids.unaccepted!, 'case.deadline_reminder');
      expect(reminders).toHaveLength(1);
      expect(reminders[0]!.data).toMatchObject({ clock: 'forward', dueAt: '2026-10-08T15:59:59.999Z' });
      expect(reminders[0]!.at).toBe('2026-09-30T02:00:00.000Z'); // the first 6-hourly sweep after 09:00 (01:00Z)
      const overdue = await eventsOf(t.ctx, ids.unaccepted!, 'case.overdue');
      expect(overdue.map((e) => e.at)).toEqual(['2026-10-08T20:00:00.000Z']);
      // the intake office was told (registrar, dispatcher), its head copied one level up: nobody twice
      expect(await inbox(t.ctx, org.actors.registrar.userId, ids.unaccepted!)).toEqual(['reminder:yellow', 'overdue:red']);
      expect(await inbox(t.ctx, org.actors.dispatcher.userId, ids.unaccepted!)).toEqual(['reminder:yellow', 'overdue:red']);
    });

    it('an unanswered chase escalates once at its reply deadline; an answered one does not', async () => {
      const esc = await eventsOf(t.ctx, ids.chased!, 'case.supervision_escalated');
      expect(esc).toHaveLength(1);
      expect(esc[0]!.at).toBe('2026-09-24T14:00:00.000Z');
      expect(esc[0]!.data.escalatedToUnitId).toBe(org.units.communityA);
      expect(await inbox(t.ctx, org.actors.handlerA.userId, ids.chased!)).toEqual(['chase:yellow']);
      expect(await inbox(t.ctx, org.actors.communityHeadA.userId, ids.chased!)).toEqual(['supervision_escalated:red']);
      expect(await inbox(t.ctx, org.actors.supervisor.userId, ids.chased!)).toEqual(['supervision_escalated:red']);
      expect(await eventsOf(t.ctx, ids.answered!, 'case.supervision_escalated')).toEqual([]);
      expect(await inbox(t.ctx, org.actors.supervisor.userId, ids.answered!)).toEqual(['supervision_reply:info']);
    });

    it('an extension moves the red notice; a reply silences the rest; the handling deadline fires once at its moment', async () => {
      // handling: accepted 09-20, 60 days → 11-19 24:00 (a Thursday); reminder 11-16 09:00 (Monday).
      await runCaseCommand(t.ctx, org.actors.handlerA, ids.extended!, { type: 'request_extension', days: 30, reason: '需更换管道' });
      await runCaseCommand(t.ctx, org.actors.communityHeadA, ids.extended!, { type: 'approve_extension', days: 30 });
      await sweepUntil(t, '2026-11-18T00:00:00.000Z');
      const r = await eventsOf(t.ctx, ids.handled!, 'case.deadline_reminder');
      expect(r.map((e) => [e.at, e.data.dueAt])).toEqual([['2026-11-16T02:00:00.000Z', '2026-11-19T15:59:59.999Z']]);
      expect(await eventsOf(t.ctx, ids.extended!, 'case.deadline_reminder')).toEqual([]);
      await runCaseCommand(t.ctx, org.actors.handlerA, ids.chased!, { type: 'reply', opinion: 'support', text: '已修复路面' });

      await sweepUntil(t, '2026-12-31T00:00:00.000Z');
      expect((await eventsOf(t.ctx, ids.handled!, 'case.overdue')).map((e) => e.at)).toEqual(['2026-11-19T20:00:00.000Z']);
      // extended by 30 days → 12-19 (a Saturday, a rest day: not a holiday, so the period ends on it; 民法典 Art. 203 moves only holidays? see rules) …
      const ext = await eventsOf(t.ctx, ids.extended!, 'case.overdue');
      expect(ext).toHaveLength(1);
      expect(Date.parse(ext[0]!.data.dueAt as string)).toBeGreaterThan(Date.parse('2026-12-18T00:00:00.000Z'));
      expect(await eventsOf(t.ctx, ids.chased!, 'case.overdue')).toEqual([]);
      expect(await inbox(t.ctx, org.actors.handlerA.userId, ids.handled!)).toEqual(['reminder:yellow', 'overdue:red']);
      expect(await inbox(t.ctx, org.actors.communityHeadA.userId, ids.handled!)).toEqual(['overdue_copy:red']);
    });

    it('an overdue case is marked backlog, pinned on top of the handler\'s queue, and the trail still verifies', async () => {
      const q = await listCases(t.ctx, org.actors.handlerA, { queue: 'handling', limit: 10, offset: 0 });
      expect(q.items[0]!.dueStatus).toBe('overdue');
      expect(q.items[0]!.flags).toContain('backlog');
      const unfired = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(timers).where(sql`fired_at is null and fire_at <= ${t.clock.now()}`);
      expect(unfired[0]!.n).toBe(0);
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toEqual([]);
    });
  });
}

describe('sweepers on one PostgreSQL, and restarts', () => {
  it.skipIf(!DB_KINDS.includes('postgres'))('two sweepers racing over the same due timers fire each exactly once', async () => {
    const t = await makeTestContext('postgres', { start: '2026-09-20T02:00:00.000Z' });
    try {
      const org = await seedMiniOrg(t.ctx);
      const caseIds: string[] = [];
      for (let i = 0; i < 30; i++) caseIds.push(await submit(t.ctx, org, `并发测试案件${i}`));
      // a second app instance: its own pool on the same database, the same clock
      const other = await buildContext(loadConfig({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xf-sw-')), LOG_LEVEL: 'silent', DATABASE_URL: t.db.url! }), {
        logger: pino({ level: 'silent' }), now: t.clock.now, masterKey: TEST_MASTER_KEY,
      });
      try {
        t.clock.set('2026-10-08T12:00:00.000Z'); // every reminder is due, no deadline yet
        const [a, b] = await Promise.all([runSweepOnce(t.ctx), runSweepOnce(other)]);
        expect(a.fired + b.fired).toBe(30);
        t.clock.set('2026-10-09T00:00:00.000Z'); // every forward deadline has passed
        const [c, d] = await Promise.all([runSweepOnce(t.ctx), runSweepOnce(other)]);
        expect(c.fired + d.fired).toBe(30);
        const counts = await t.ctx.db.execute(sql`select type, count(*)::int n, count(distinct case_id)::int cases from case_events where type in ('case.deadline_reminder','case.overdue') group by type order by type`);
        expect((counts as unknown as { rows: unknown[] }).rows).toEqual([
          { type: 'case.deadline_reminder', n: 30, cases: 30 },
          { type: 'case.overdue', n: 30, cases: 30 },
        ]);
        const inboxRows = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(eq(notifications.userId, org.actors.registrar.userId));
        expect(inboxRows[0]!.n).toBe(60);
        expect(await runSweepOnce(other)).toEqual({ fired: 0, stale: 0, skipped: 0 });
      } finally {
        await other.database.close();
      }
    } finally {
      await t.close();
    }
  }, 120_000);

  it('rebuilding the timers of open cases (after a bulk load or a rule change) gives the same timers and never re-arms a fired one', async () => {
    const t = await makeTestContext('pglite', { start: '2026-09-20T02:00:00.000Z' });
    try {
      const org = await seedMiniOrg(t.ctx);
      const a = await submit(t.ctx, org, '重建计时测试一');
      const b = await submit(t.ctx, org, '重建计时测试二');
      await toHandling(t.ctx, org, b);
      t.clock.set('2026-09-30T02:00:00.000Z');
      expect((await runSweepOnce(t.ctx)).fired).toBe(1); // a's forward reminder
      const snapshot = async () =>
        (await t.ctx.db.select().from(timers).orderBy(timers.caseId, timers.kind, timers.ref)).map((x) => `${x.caseId}:${x.kind}:${x.ref}:${x.dueAt.toISOString()}:${x.fireAt.toISOString()}:${x.firedAt ? 'fired' : '-'}`);
      const before = await snapshot();
      await t.ctx.db.delete(timers).where(sql`fired_at is null`);
      expect(await rebuildOpenCaseTimers(t.ctx)).toBe(2);
      expect(await snapshot()).toEqual(before);
      expect((await runSweepOnce(t.ctx)).fired).toBe(0); // the fired reminder is not sent again
      // a database from before timers existed gets them at boot; one that has them is left alone
      await t.ctx.db.delete(timers);
      await ensureTimersExist(t.ctx);
      expect((await t.ctx.db.select().from(timers)).length).toBe(before.length);
      void a;
    } finally {
      await t.close();
    }
  }, 60_000);

  it('a restart in the middle of the month loses nothing (embedded database on disk)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-restart-'));
    const clock = makeClock('2026-09-20T02:00:00.000Z');
    const open = async () => {
      const database = await openDatabase({ pgliteDir: path.join(dir, 'pglite'), lockFile: path.join(dir, 'xinfang.lock') });
      return buildContext(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), { database, logger: pino({ level: 'silent' }), now: clock.now, masterKey: TEST_MASTER_KEY });
    };
    try {
      let ctx = await open();
      const org = await seedMiniOrg(ctx);
      const a = await submit(ctx, org, '重启前登记的案件');
      await sweepUntil({ ctx, clock }, '2026-09-29T00:00:00.000Z'); // nothing due yet
      await ctx.database.close(); // the server stops…
      clock.set('2026-10-12T00:00:00.000Z'); // …and comes back after both moments passed
      ctx = await open();
      const first = await runSweepOnce(ctx);
      // the red notice goes out; the reminder, now too late to help, is marked and not sent
      expect(first).toMatchObject({ fired: 1, stale: 1 });
      expect((await eventsOf(ctx, a, 'case.deadline_reminder')).length).toBe(0);
      expect((await eventsOf(ctx, a, 'case.overdue')).length).toBe(1);
      expect((await runSweepOnce(ctx)).fired).toBe(0);
      await ctx.database.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
