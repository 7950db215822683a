/**
 * Notifications end to end on real components: notifyUsers / notifyUnit write inbox and outbox
 * rows in the caller's transaction; the outbox worker sends them to receivers on loopback (an HTTP
 * server for the DingTalk and WeCom robots and the SMS gateway, an SMTP server for e-mail), retries
 * with back-off on an injected clock, gives up, survives a crashed worker, and never sends a row
 * twice with two workers on one PostgreSQL.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './support/receivers.js';
import { notifyUnit, notifyUsers, type NotificationInput } from '../src/services/notifications/notify.js';
import { createChannelAsAdmin, type NewChannel } from '../src/services/notifications/channel-admin.js';
import { BACKOFF_JITTER, backoffDelayMs, claimDueOutbox, leaseMs, runOutboxOnce } from '../src/jobs/outbox-worker.js';
import { createUser } from '../src/services/org-units.js';
import { notifications, outbox } from '../src/store/schema.js';
import type { StaffRole } from '../src/domain/lifecycle/types.js';
import { maskTarget, normalizeTarget } from '../src/services/notifications/channel-targets.js';
import { truncateUtf8 } from '../src/services/notifications/channels/types.js';
import { dingtalkSign, dingtalkUrl } from '../src/services/notifications/channels/dingtalk.js';
import { smsText, SMS_MAX_CHARS } from '../src/services/notifications/channels/sms.js';

const SECOND = 1000;
const MAX_ATTEMPTS = 4;
const SMS_TOKEN = 'sms-gateway-token-for-tests';
const DING_SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';

let seq = 0;
/** A message with a fresh dedupeKey (tests must not collide with each other's keys). */
const message = (over: Partial<NotificationInput> = {}): NotificationInput => ({
  kind: 'reminder',
  level: 'yellow',
  title: `办理期限提醒：YH-2026-00${100 + ++seq}`,
  body: `案件「小区路灯不亮」的办理期限将于 3 日后届满。\n请及时办理并答复信访人。`,
  dedupeKey: `test:${seq}:${Math.random().toString(36).slice(2)}`,
  ...over,
});

describe('notifications: pure parts', () => {
  it('back-off grows 30 s, 2 min, 10 min, 1 h, 3 h, then stays at 6 h, with at most 10 % jitter added', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelayMs(n, () => 0))).toEqual([30, 120, 600, 3600, 10800, 21600, 21600, 21600].map((s) => s * SECOND));
    expect(backoffDelayMs(1, () => 0.999999)).toBeLessThanOrEqual(33 * SECOND);
  });

  it('DingTalk signature: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, URL-encoded on the webhook', () => {
    const sign = dingtalkSign('SECtest', 1700000000000);
    expect(sign).toBe(createHmac('sha256', 'SECtest').update('1700000000000\nSECtest').digest('base64'));
    const url = dingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SECtest', new Date(1700000000000));
    expect(url).toBe(`https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=${encodeURIComponent(sign)}`);
    expect(dingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', null, new Date())).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc');
  });

  it('addresses are checked per kind and masked for display', () => {
    expect(normalizeTarget('sms', '+86 138-0013-8000')).toBe('13800138000');
    expect(maskTarget('sms', '13800138000')).toBe('138****8000');
    expect(maskTarget('email', 'zw@example.cn')).toBe('z***@example.cn');
    expect(maskTarget('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef')).toBe('https://oapi.dingtalk.com/…****cdef');
    expect(() => normalizeTarget('wecom', 'javascript:alert(1)')).toThrow();
    expect(() => normalizeTarget('email', 'a@b.cn\nBcc: c@d.cn')).toThrow();
  });

  it('texts are cut on character boundaries to fit a channel', () => {
    const cut = truncateUtf8('信访'.repeat(100), 31);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(31);
    expect(cut).toBe('信访信访信访信访信…'); // 9 × 3 bytes + the 3-byte ellipsis
    const sms = smsText({ kind: 'x', level: 'info', title: '标题', body: '长'.repeat(1000) });
    expect(Array.from(sms)).toHaveLength(SMS_MAX_CHARS);
  });
});

for (const kind of DB_KINDS) {
  describe(`notifications: inbox, outbox and channels on loopback [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let hook: HttpReceiver;
    let smtp: SmtpReceiver;
    /** a second handler in grid A1, so a unit has two recipients */
    let handlerA2: string;

    beforeAll(async () => {
      hook = await startHttpReceiver();
      smtp = await startSmtpReceiver();
      t = await makeTestContext(kind, {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtp.port),
          SMTP_FROM: '信访平台 <noreply@xinfang.test>',
          SMS_GATEWAY_URL: `${hook.base}/sms`,
          SMS_GATEWAY_TOKEN: SMS_TOKEN,
          OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
          NOTIFY_TIMEOUT_SECONDS: '30',
        },
      });
      org = await seedMiniOrg(t.ctx);
      const u = await createUser(t.ctx.db, { username: 'handler.a1b', displayName: '网格员乙', password: 'Pass-word-2026', roles: ['handler'], unitId: org.units.gridA1 });
      handlerA2 = u.id;
    });
    afterAll(async () => {
      await t?.close();
      await hook?.close();
      await smtp?.close();
    });
    // Each test starts with nothing due and only its own channels: what an earlier test left is set aside.
    beforeEach(async () => {
      await t.ctx.db.execute(sql`update notification_channels set enabled = false`);
      await t.ctx.db.update(outbox).set({ status: 'failed', lastError: 'set aside by the test' }).where(eq(outbox.status, 'pending'));
    });

    const channel = (input: Omit<NewChannel, 'name'> & { name?: string }) => createChannelAsAdmin(t.ctx, org.actors.admin, { name: '测试渠道', ...input });
    const inTx = <T>(fn: (tx: any) => Promise<T>) => t.ctx.db.transaction(fn);
    const toUnit = (unitId: string, roles: StaffRole[] | null, n: NotificationInput) => inTx((tx) => notifyUnit(t.ctx, tx, unitId, roles, n));
    const toUsers = (ids: string[], n: NotificationInput) => inTx((tx) => notifyUsers(t.ctx, tx, ids, n));
    const inboxOf = (userId: string, dedupeKey: string) =>
      t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, userId), eq(notifications.dedupeKey, dedupeKey)));
    const outboxFor = (channelId: string) => t.ctx.db.select().from(outbox).where(eq(outbox.channelId, channelId));
    /** past the longest possible back-off after `attempts` failures (jitter included) */
    const pastBackoff = (attempts: number) => backoffDelayMs(attempts, () => 1) + SECOND;
    const justBeforeBackoff = (attempts: number) => backoffDelayMs(attempts, () => 0) - SECOND;

    it('notifyUnit writes one inbox row per active holder of the roles, and nothing twice for the same key', async () => {
      const n = message({ caseId: null, unitId: org.units.gridA1 });
      expect(await toUnit(org.units.gridA1, ['handler'], n)).toBe(2);
      expect(await toUnit(org.units.gridA1, ['handler'], n)).toBe(0);
      expect(await inboxOf(org.actors.handlerA.userId, n.dedupeKey)).toHaveLength(1);
      expect(await inboxOf(handlerA2, n.dedupeKey)).toHaveLength(1);
      // roles filter: the street's unit head only, not other roles; an empty role list tells nobody
      const head = message();
      expect(await toUnit(org.units.streetA, ['unit_head'], head)).toBe(1);
      expect(await toUnit(org.units.streetA, [], message())).toBe(0);
      // notifyUsers: unknown and repeated ids are ignored
      const direct = message();
      expect(await toUsers([org.actors.supervisor.userId, org.actors.supervisor.userId, '00000000-0000-4000-8000-000000000000'], direct)).toBe(1);
      expect(await toUsers([org.actors.supervisor.userId], direct)).toBe(0);
    });

    it('a notification rolled back with its transaction leaves neither inbox nor outbox rows', async () => {
      const ch = await channel({ kind: 'wecom', userId: org.actors.leader.userId, target: `${hook.base}/wecom/rollback` });
      const n = message();
      await expect(
        inTx(async (tx) => {
          await notifyUsers(t.ctx, tx, [org.actors.leader.userId], n);
          throw new Error('the command failed after notifying');
        }),
      ).rejects.toThrow('the command failed');
      expect(await inboxOf(org.actors.leader.userId, n.dedupeKey)).toHaveLength(0);
      expect(await outboxFor(ch.id)).toHaveLength(0);
    });

    it('the same dedupeKey notified twice gives one inbox row and one delivery; a unit channel gets one delivery per key, not one per member', async () => {
      const unitCh = await channel({ kind: 'wecom', unitId: org.units.gridA1, target: `${hook.base}/wecom/grid-a1` });
      const userCh = await channel({ kind: 'wecom', userId: org.actors.handlerA.userId, target: `${hook.base}/wecom/handler-a` });
      const n = message({ unitId: org.units.gridA1 });
      expect(await toUnit(org.units.gridA1, null, n)).toBe(2);
      expect(await toUnit(org.units.gridA1, null, n)).toBe(0);
      // the same key again, to one member directly: nothing new anywhere
      expect(await toUsers([handlerA2], n)).toBe(0);
      expect(await outboxFor(unitCh.id)).toHaveLength(1);
      expect(await outboxFor(userCh.id)).toHaveLength(1);

      // A key reaching the unit's members in two steps still reaches the unit channel once.
      const split = message({ unitId: org.units.gridA1 });
      expect(await toUsers([handlerA2], split)).toBe(1);
      expect(await toUsers([org.actors.handlerA.userId], split)).toBe(1);
      expect(await outboxFor(unitCh.id)).toHaveLength(2); // n and split
      expect(await outboxFor(userCh.id)).toHaveLength(2);

      const run = await runOutboxOnce(t.ctx);
      expect(run).toMatchObject({ claimed: 4, sent: 4, retried: 0, failed: 0 });
      expect(hook.at('/wecom/grid-a1')).toHaveLength(2);
      expect(hook.at('/wecom/handler-a')).toHaveLength(2);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      expect(hook.at('/wecom/grid-a1')).toHaveLength(2);
    });

    it('channels filter by kind and minimum level; disabled channels get nothing', async () => {
      const redOnly = await channel({ kind: 'wecom', userId: org.actors.headA.userId, target: `${hook.base}/wecom/red-only`, minLevel: 'red' });
      const overdueOnly = await channel({ kind: 'wecom', userId: org.actors.headA.userId, target: `${hook.base}/wecom/overdue-only`, kinds: ['overdue', 'overdue_copy'] });
      const off = await channel({ kind: 'wecom', userId: org.actors.headA.userId, target: `${hook.base}/wecom/off`, enabled: false });
      await toUsers([org.actors.headA.userId], message({ kind: 'reminder', level: 'yellow' }));
      await toUsers([org.actors.headA.userId], message({ kind: 'overdue_copy', level: 'red' }));
      await toUsers([org.actors.headA.userId], message({ kind: 'chase', level: 'red' }));
      expect(await outboxFor(redOnly.id)).toHaveLength(2);
      expect(await outboxFor(overdueOnly.id)).toHaveLength(1);
      expect(await outboxFor(off.id)).toHaveLength(0);
    });

    it('a receiver that fails twice gets the message exactly once on the third try, and not before each back-off has passed', async () => {
      hook.on('/ding/flaky', (_req, nth) => (nth <= 2 ? { status: 500, body: { error: 'busy' } } : { status: 200, body: { errcode: 0, errmsg: 'ok' } }));
      const ch = await channel({ kind: 'dingtalk', userId: org.actors.dispatcher.userId, target: `${hook.base}/ding/flaky?access_token=abc123` });
      await toUsers([org.actors.dispatcher.userId], message({ level: 'red', kind: 'overdue' }));

      expect(await runOutboxOnce(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
      let [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.lastError).toContain('HTTP 500');
      const first = row!.nextAttemptAt.getTime() - t.clock.now().getTime();
      expect(first).toBeGreaterThanOrEqual(30 * SECOND);
      expect(first).toBeLessThanOrEqual(30 * SECOND * (1 + BACKOFF_JITTER));

      t.clock.advance(justBeforeBackoff(1));
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      t.clock.advance(pastBackoff(1) - justBeforeBackoff(1));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
      [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      expect(row!.nextAttemptAt.getTime() - t.clock.now().getTime()).toBeGreaterThanOrEqual(2 * 60 * SECOND);

      t.clock.advance(justBeforeBackoff(2));
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      expect(hook.at('/ding/flaky').filter((r) => r.status === 200)).toHaveLength(0);
      t.clock.advance(pastBackoff(2) - justBeforeBackoff(2));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ claimed: 1, sent: 1 });

      [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null, leaseUntil: null });
      expect(hook.at('/ding/flaky').map((r) => r.status)).toEqual([500, 500, 200]);
      t.clock.advance(24 * 3600 * SECOND);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      expect(hook.at('/ding/flaky')).toHaveLength(3);
    });

    it('DingTalk: markdown body, signed URL that the receiver verifies; a non-zero errcode is a failure', async () => {
      let verified = 0;
      hook.on('/ding/signed', (req) => {
        const url = new URL(req.url, hook.base);
        const timestamp = url.searchParams.get('timestamp')!;
        const expected = createHmac('sha256', DING_SECRET).update(`${timestamp}\n${DING_SECRET}`).digest('base64');
        if (url.searchParams.get('access_token') !== 'tok-1' || url.searchParams.get('sign') !== expected) return { status: 200, body: { errcode: 310000, errmsg: 'sign not match' } };
        // the raw query carries the signature URL-encoded (base64 '+', '/', '=' escaped)
        if (!req.url.includes(`sign=${encodeURIComponent(expected)}`)) return { status: 200, body: { errcode: 310000, errmsg: 'sign not url-encoded' } };
        verified++;
        return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
      });
      await channel({ kind: 'dingtalk', unitId: org.units.bureau, target: `${hook.base}/ding/signed?access_token=tok-1`, secret: DING_SECRET });
      const wrong = await channel({ kind: 'dingtalk', unitId: org.units.bureau, target: `${hook.base}/ding/signed?access_token=tok-1`, secret: 'SECwrong' });
      const n = message({ level: 'red', kind: 'overdue', title: '逾期：YH-2026-000777', body: '案件已超过办理期限。\n请立即处理。' });
      await toUnit(org.units.bureau, ['dispatcher'], n);
      const run = await runOutboxOnce(t.ctx);
      expect(run).toMatchObject({ claimed: 2, sent: 1, retried: 1 });
      expect(verified).toBe(1);
      const ok = hook.at('/ding/signed').find((r) => r.status === 200 && new URL(r.url, hook.base).searchParams.get('timestamp') === String(t.clock.now().getTime()));
      expect(ok).toBeTruthy();
      const body = hook.at('/ding/signed')[0]!.body;
      expect(body.msgtype).toBe('markdown');
      expect(body.markdown.title).toBe('【红色警示】逾期：YH-2026-000777');
      expect(body.markdown.text).toContain('逾期：YH-2026-000777');
      expect(body.markdown.text).toContain('案件已超过办理期限。\n\n请立即处理。');
      const [failed] = await outboxFor(wrong.id);
      expect(failed!.lastError).toContain('errcode 310000');
      expect(failed!.lastError).not.toContain('tok-1');
    });

    it('WeCom: markdown content with the title and the body; errcode checked', async () => {
      hook.on('/wecom/group', (req) => (req.body?.msgtype === 'markdown' && typeof req.body?.markdown?.content === 'string' ? { status: 200, body: { errcode: 0, errmsg: 'ok' } } : { status: 200, body: { errcode: 40008, errmsg: 'invalid message type' } }));
      await channel({ kind: 'wecom', unitId: org.units.housing, target: `${hook.base}/wecom/group?key=k-1` });
      await toUnit(org.units.housing, null, message({ kind: 'chase', level: 'yellow', title: '催办：YH-2026-000888', body: '请于 3 日内回复催办。' }));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ sent: 1 });
      const [req] = hook.at('/wecom/group');
      expect(Object.keys(req!.body)).toEqual(['msgtype', 'markdown']);
      expect(req!.body.markdown.content).toContain('催办：YH-2026-000888');
      expect(req!.body.markdown.content).toContain('> 请于 3 日内回复催办。');
      expect(req!.headers['content-type']).toContain('application/json');
    });

    it('e-mail: the SMTP receiver gets the message with a Chinese subject and body in UTF-8', async () => {
      await channel({ kind: 'email', userId: org.actors.leader.userId, target: 'leader.office@example.cn' });
      await toUsers([org.actors.leader.userId], message({ kind: 'leader_push', level: 'info', title: '包案件已办结：YH-2026-000999', body: '您包案的「征地补偿款未发放」已办结。\n同类在办件已推送至相关单位。' }));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ sent: 1 });
      expect(smtp.mails).toHaveLength(1);
      const mail = smtp.mails[0]!;
      expect(mail.envelopeTo).toEqual(['leader.office@example.cn']);
      expect(mail.subject).toBe('包案件已办结：YH-2026-000999');
      expect(mail.text).toContain('您包案的「征地补偿款未发放」已办结。');
      expect(mail.text).toContain('同类在办件已推送至相关单位。');
      expect(mail.from?.text).toContain('noreply@xinfang.test');
      const contentType = mail.headers.get('content-type') as { value: string; params: Record<string, string> };
      expect(contentType.value).toBe('text/plain');
      expect(contentType.params.charset!.toLowerCase()).toBe('utf-8');
    });

    it('SMS: the gateway receives {phone, text} with the bearer token', async () => {
      await channel({ kind: 'sms', userId: org.actors.headA.userId, target: '+86 138-0013-8000' });
      await toUsers([org.actors.headA.userId], message({ kind: 'supervision', level: 'red', title: '督办：YH-2026-000555', body: '区信访局对该件督办，请于 5 日内回复。' }));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ sent: 1 });
      const [req] = hook.at('/sms');
      expect(req!.headers.authorization).toBe(`Bearer ${SMS_TOKEN}`);
      expect(req!.body).toEqual({ phone: '13800138000', text: '【红色警示】督办：YH-2026-000555：区信访局对该件督办，请于 5 日内回复。' });
    });

    it('gives up after the maximum number of attempts, keeping the last error', async () => {
      hook.on('/ding/down', () => ({ status: 503, body: { error: 'maintenance' } }));
      const ch = await channel({ kind: 'dingtalk', userId: org.actors.registrar.userId, target: `${hook.base}/ding/down?access_token=x` });
      await toUsers([org.actors.registrar.userId], message());
      const outcomes: string[] = [];
      for (let i = 1; i <= MAX_ATTEMPTS; i++) {
        const r = await runOutboxOnce(t.ctx);
        outcomes.push(r.failed ? 'failed' : r.retried ? 'retried' : 'none');
        t.clock.advance(pastBackoff(i));
      }
      expect(outcomes).toEqual([...Array(MAX_ATTEMPTS - 1).fill('retried'), 'failed']);
      const [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, leaseUntil: null });
      expect(row!.lastError).toContain('HTTP 503');
      t.clock.advance(7 * 24 * 3600 * SECOND);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      expect(hook.at('/ding/down')).toHaveLength(MAX_ATTEMPTS);
    });

    it('a delivery whose channel was disabled before it went out is given up at once', async () => {
      const ch = await channel({ kind: 'wecom', userId: org.actors.registrar.userId, target: `${hook.base}/wecom/disabled-later` });
      await toUsers([org.actors.registrar.userId], message());
      await t.ctx.db.execute(sql`update notification_channels set enabled = false where id = ${ch.id}`);
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ claimed: 1, failed: 1 });
      const [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'failed', lastError: 'channel disabled' });
      expect(hook.at('/wecom/disabled-later')).toHaveLength(0);
    });

    it('a lease left by a crashed worker keeps others off until it expires, then the row is sent (at least once)', async () => {
      const ch = await channel({ kind: 'wecom', userId: org.actors.supervisor.userId, target: `${hook.base}/wecom/after-crash` });
      await toUsers([org.actors.supervisor.userId], message());
      // A worker claims the row and dies before sending or settling it.
      const claimed = await claimDueOutbox(t.ctx);
      expect(claimed.map((r) => r.channelId)).toEqual([ch.id]);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      t.clock.advance(leaseMs(t.ctx) - SECOND);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
      expect(hook.at('/wecom/after-crash')).toHaveLength(0);
      t.clock.advance(2 * SECOND);
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ claimed: 1, sent: 1 });
      const [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
      expect(hook.at('/wecom/after-crash')).toHaveLength(1);
    });

    it('a worker that overran its lease cannot overwrite the outcome of the worker that took the row over', async () => {
      hook.on('/wecom/slow', () => ({ status: 500, body: {} }));
      const ch = await channel({ kind: 'wecom', userId: org.actors.supervisor.userId, target: `${hook.base}/wecom/slow` });
      await toUsers([org.actors.supervisor.userId], message());
      const [stale] = await claimDueOutbox(t.ctx);
      t.clock.advance(leaseMs(t.ctx) + SECOND);
      hook.on('/wecom/slow', () => ({ status: 200, body: { errcode: 0 } }));
      expect(await runOutboxOnce(t.ctx)).toMatchObject({ sent: 1 });
      // The first worker wakes up and tries to record a retry under its old lease: nothing changes.
      await t.ctx.db
        .update(outbox)
        .set({ nextAttemptAt: t.clock.now(), lastError: 'late' })
        .where(and(eq(outbox.id, stale!.id), eq(outbox.status, 'pending'), eq(outbox.leaseUntil, stale!.leaseUntil!)));
      const [row] = await outboxFor(ch.id);
      expect(row).toMatchObject({ status: 'sent', lastError: null });
    });

    it('two workers running at once never send one row twice', async () => {
      hook.on('/wecom/busy', () => ({ status: 200, body: { errcode: 0 }, delayMs: 15 }));
      const ch = await channel({ kind: 'wecom', unitId: org.units.streetB, target: `${hook.base}/wecom/busy` });
      const u = await createUser(t.ctx.db, { username: 'handler.street-b', displayName: '街道办事员', password: 'Pass-word-2026', roles: ['handler'], unitId: org.units.streetB });
      for (let i = 0; i < 60; i++) await toUsers([u.id], message({ body: `第 ${i} 条` }));
      const [a, b] = await Promise.all([runOutboxOnce(t.ctx), runOutboxOnce(t.ctx)]);
      // Each row was claimed by exactly one of the two workers, once.
      expect(a.claimed + b.claimed).toBe(60);
      if (kind === 'postgres') expect(a.claimed > 0 && b.claimed > 0).toBe(true); // both workers really worked
      const rows = await t.ctx.db.select().from(outbox).where(eq(outbox.channelId, ch.id));
      expect(rows.map((r) => r.attempts)).toEqual(Array(60).fill(1));
      // A send the worker saw fail (a loaded machine can time out) waits for its retry; none was sent twice.
      expect(a.sent + b.sent, JSON.stringify(rows.map((r) => r.lastError).filter(Boolean))).toBe(60);
      const bodies = hook.at('/wecom/busy').map((r) => r.body.markdown.content as string);
      expect(bodies).toHaveLength(60);
      expect(new Set(bodies).size).toBe(60);
      expect((await runOutboxOnce(t.ctx)).claimed).toBe(0);
    });
  });
}
