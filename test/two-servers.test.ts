/**
 * Two app servers on one PostgreSQL (issue 8): two real `xinfang serve` processes, each with every
 * background job running on a one-second beat — the deadline sweeper, the notification outbox, the
 * webhook deliveries, the cockpit rollups and the audit seal — over cases whose reminders and deadlines
 * are all due. Every timer fires once, every message and webhook is sent once, every case is folded
 * into the counters once, and the audit chain (seals included) verifies.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, TEST_MASTER_KEY } from './support/context.js';
import { seedMiniOrg } from './support/factories.js';
import { startHttpReceiver } from './support/receivers.js';
import { registerCase } from '../src/services/register-case.js';
import { createChannelAsAdmin } from '../src/services/notifications/channel-admin.js';
import { createSubscriptionAsAdmin } from '../src/services/webhooks/webhook-admin.js';
import { compareRollups } from '../src/services/rollup-check.js';
import { verifyAudit } from '../src/services/audit-seal.js';
import { startServerProcess, type ServerProcess } from '../bench/server-process.js';

const DAY = 86_400_000;
const CASES = 30;

describe.skipIf(!DB_KINDS.includes('postgres'))('two app servers on one PostgreSQL', () => {
  it('fire every timer once, send every message and webhook once, fold every case once, and keep one audit chain', async () => {
    const t = await makeTestContext('postgres', { start: new Date().toISOString(), env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const receiver = await startHttpReceiver();
    const servers: ServerProcess[] = [];
    try {
      const org = await seedMiniOrg(t.ctx);
      // the registrar's unit forwards its messages to a WeCom robot; another system subscribes to deadline events
      await createChannelAsAdmin(t.ctx, org.actors.admin, { name: '信访局企业微信群', kind: 'wecom', unitId: org.units.bureau, target: `${receiver.base}/wecom` });
      const sub = await createSubscriptionAsAdmin(t.ctx, org.actors.admin, {
        name: '市信访信息系统',
        url: `${receiver.base}/hook`,
        scopeUnitId: org.units.district,
        eventTypes: ['case.deadline_reminder', 'case.overdue'],
      });
      // letters received 40 days ago, registered only now: their 15-day forwarding deadline has passed (the
      // reminder before it is stale); and letters of 13 days ago, whose reminder is due, or soon will be
      const register = (i: number, daysAgo: number) =>
        registerCase(t.ctx, org.actors.registrar, {
          channel: 'letter',
          nature: 'appeal',
          title: `来信反映第${i + 1}号楼外墙脱落`,
          content: `第${i + 1}号楼外墙瓷砖多次脱落，险些砸伤行人，请尽快处理。`,
          petitioners: [{ name: '钱八', phone: `1390000${String(1000 + i)}` }],
          gridId: org.units.gridA1,
          receivedAt: new Date(Date.now() - daysAgo * DAY),
        });
      for (let i = 0; i < CASES; i++) await register(i, i % 2 ? 13 : 40);
      const q = async <T,>(query: ReturnType<typeof sql>) => ((await t.ctx.db.execute(query)) as unknown as { rows: T[] }).rows;
      const { due } = (await q<{ due: number }>(sql`select count(*)::int as due from timers where fired_at is null and fire_at <= now()`))[0]!;
      expect(due).toBeGreaterThanOrEqual(CASES); // the deadline of half, a reminder of each

      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: t.db.url!,
        MASTER_KEY: TEST_MASTER_KEY.toString('hex'),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        SWEEP_INTERVAL_SECONDS: '1',
        OUTBOX_POLL_SECONDS: '1',
        WEBHOOK_POLL_SECONDS: '1',
        ROLLUP_POLL_SECONDS: '1',
        SEAL_INTERVAL_SECONDS: '1',
      };
      const own = () => ({ ...env, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xf-two-')) });
      servers.push(...(await Promise.all([startServerProcess(own()), startServerProcess(own())])));

      // both run until nothing is left to do
      const left = async () =>
        (
          await q<{ n: number }>(sql`select (
            (select count(*) from timers where fired_at is null and fire_at <= now())
          + (select count(*) from outbox where status = 'pending')
          + (select count(*) from webhook_deliveries where status = 'pending')
          + (select count(*) from rollup_queue))::int as n`)
        )[0]!.n;
      await expect.poll(left, { timeout: 90_000, interval: 500 }).toBe(0);
      await new Promise((r) => setTimeout(r, 3000)); // a second firing, if any, would show by now
      await Promise.all(servers.map((s) => s.stop()));

      // every timer once: each due timer fired (sent, or stale when its deadline passed first), and each
      // one sent wrote exactly one event
      const timers = await q<{ kind: string; outcome: string | null; n: number }>(sql`
        select kind, outcome, count(*)::int as n from timers where fire_at <= now() group by 1, 2 order by 1, 2`);
      expect(timers.filter((r) => r.outcome === null)).toEqual([]);
      const sentOf = (kind: string) => timers.find((r) => r.kind === kind && r.outcome === 'sent')?.n ?? 0;
      expect(sentOf('overdue')).toBe(CASES / 2);
      const events = await q<{ type: string; n: number; most: number }>(sql`
        select type, sum(n)::int as n, max(n)::int as most
          from (select case_id, type, count(*) as n from case_events where type in ('case.deadline_reminder', 'case.overdue') group by case_id, type) x
         group by type order by type`);
      expect(events).toEqual([
        ...(sentOf('remind') ? [{ type: 'case.deadline_reminder', n: sentOf('remind'), most: 1 }] : []),
        { type: 'case.overdue', n: CASES / 2, most: 1 },
      ]);
      const deadlineEvents = sentOf('remind') + CASES / 2;

      // every message once: each outbox row sent on its first attempt, and the robot got exactly those
      const out = await q<{ status: string; attempts: number; n: number }>(sql`select status, attempts, count(*)::int as n from outbox group by 1, 2`);
      const sent = out.reduce((s, r) => s + r.n, 0);
      expect(out).toEqual([{ status: 'sent', attempts: 1, n: sent }]);
      expect(sent).toBeGreaterThanOrEqual(deadlineEvents);
      expect(receiver.at('/wecom')).toHaveLength(sent);

      // every webhook once: one delivery per event, each POSTed once
      const deliveries = await q<{ status: string; attempts: number; n: number }>(sql`select status, attempts, count(*)::int as n from webhook_deliveries where subscription_id = ${sub.id} group by 1, 2`);
      expect(deliveries).toEqual([{ status: 'sent', attempts: 1, n: deadlineEvents }]);
      const posted = receiver.at('/hook').map((r) => String(r.headers['x-xinfang-delivery']));
      expect(posted).toHaveLength(deadlineEvents);
      expect(new Set(posted).size).toBe(deadlineEvents);

      // every case folded once: the counters equal a full scan
      const rollups = await compareRollups(t.ctx);
      expect(rollups.cases).toBe(CASES);
      expect(rollups.differences).toEqual([]);

      // one audit chain: the seals both servers wrote link up, every event chain verifies
      const audit = await verifyAudit(t.ctx);
      expect(audit.problems).toEqual([]);
      expect(audit.seals).toBeGreaterThan(0);
      expect(audit.events).toBe(CASES + deadlineEvents); // registered, then the deadline events: nothing else, nothing twice
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await receiver.close();
      await t.close();
    }
  }, 300_000);
});
