/**
 * The notification HTTP edge on a real server: every staff user's inbox (own rows only), and the
 * admin's channel API — addresses masked and encrypted, secrets write-only, scope enforced,
 * validation errors as {code, zh-CN message} 400s, test messages queued and delivered, every
 * change audited without the address in clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { startHttpReceiver, type HttpReceiver } from './support/receivers.js';
import { notifyUsers } from '../src/services/notifications/notify.js';
import { runOutboxOnce } from '../src/jobs/outbox-worker.js';
import { createUser } from '../src/services/org-units.js';
import { auditLog, notificationChannels, outbox } from '../src/store/schema.js';
import { errorMessages } from '../src/i18n/zh-CN.js';

const API = '/api/admin/notification-channels';

for (const kind of DB_KINDS) {
  describe(`notification HTTP: inbox and admin channels [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let hook: HttpReceiver;
    let admin: Awaited<ReturnType<typeof loginAs>>;

    beforeAll(async () => {
      hook = await startHttpReceiver();
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      // an admin whose scope is street A only
      await createUser(t.ctx.db, { username: 'admin.street-a', displayName: '街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetA });
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
      await hook?.close();
    });

    const notify = (userId: string, i: number, level: 'info' | 'yellow' | 'red' = 'yellow') =>
      t.ctx.db.transaction((tx) =>
        notifyUsers(t.ctx, tx, [userId], { kind: 'reminder', level, title: `提醒 ${i}`, body: `第 ${i} 条提醒`, caseId: null, unitId: null, dedupeKey: `http-test:${userId}:${i}` }),
      );

    describe('inbox', () => {
      it('lists only the caller’s own messages, newest first, with the unread count and paging', async () => {
        for (let i = 1; i <= 5; i++) {
          await notify(org.actors.handlerA.userId, i);
          t.clock.advance(60_000);
        }
        await notify(org.actors.handlerB.userId, 1);
        const a = await loginAs(server, org.usernames.handlerA!);
        const all = await a.get('/api/inbox');
        expect(all.status).toBe(200);
        expect(all.body).toMatchObject({ total: 5, unread: 5 });
        expect(all.body.items.map((n: any) => n.title)).toEqual(['提醒 5', '提醒 4', '提醒 3', '提醒 2', '提醒 1']);
        expect(all.body.items[0]).toMatchObject({ kind: 'reminder', level: 'yellow', body: '第 5 条提醒', readAt: null });
        const page = await a.get('/api/inbox?limit=2&offset=2');
        expect(page.body.items.map((n: any) => n.title)).toEqual(['提醒 3', '提醒 2']);
        expect(page.body.total).toBe(5);

        const b = await loginAs(server, org.usernames.handlerB!);
        const theirs = await b.get('/api/inbox');
        expect(theirs.body).toMatchObject({ total: 1, unread: 1 });
        expect(theirs.body.items[0].title).toBe('提醒 1');
      });

      it('marks one read (idempotently) and then all; unread=1 filters', async () => {
        const a = await loginAs(server, org.usernames.handlerA!);
        const [newest] = (await a.get('/api/inbox')).body.items;
        const read = await a.post(`/api/inbox/${newest.id}/read`);
        expect(read.status).toBe(200);
        expect(read.body.readAt).toBe(t.clock.now().toISOString());
        t.clock.advance(5_000);
        const again = await a.post(`/api/inbox/${newest.id}/read`);
        expect(again.body.readAt).toBe(read.body.readAt); // the first reading time stays
        const unread = await a.get('/api/inbox?unread=1');
        expect(unread.body).toMatchObject({ total: 4, unread: 4 });
        expect(unread.body.items.every((n: any) => n.readAt === null)).toBe(true);

        const all = await a.post('/api/inbox/read-all');
        expect(all.body).toEqual({ updated: 4 });
        expect((await a.get('/api/inbox')).body).toMatchObject({ total: 5, unread: 0 });
        // someone else's messages were not touched
        const b = await loginAs(server, org.usernames.handlerB!);
        expect((await b.get('/api/inbox')).body.unread).toBe(1);
      });

      it('a user can neither read nor mark another user’s message: 404, and it stays unread', async () => {
        const b = await loginAs(server, org.usernames.handlerB!);
        const [theirs] = (await b.get('/api/inbox')).body.items;
        const a = await loginAs(server, org.usernames.handlerA!);
        const res = await a.post(`/api/inbox/${theirs.id}/read`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ code: 'NOTIFICATION_NOT_FOUND', message: errorMessages.NOTIFICATION_NOT_FOUND, details: { path: 'id' } });
        expect((await a.get('/api/inbox')).body.items.some((n: any) => n.id === theirs.id)).toBe(false);
        expect((await b.get('/api/inbox')).body.items[0].readAt).toBeNull();
      });

      it('refuses bad input with 400s and anonymous callers with 401', async () => {
        const a = await loginAs(server, org.usernames.handlerA!);
        for (const q of ['limit=0', 'limit=101', 'offset=-1', 'unread=maybe', 'limit=abc', 'other=1']) {
          const res = await a.get(`/api/inbox?${q}`);
          expect(res.status, q).toBe(400);
          expect(res.body.code).toBe('VALIDATION_FAILED');
        }
        expect((await a.post('/api/inbox/not-a-uuid/read')).status).toBe(400);
        expect((await client(server).get('/api/inbox')).status).toBe(401);
        // the admin has an inbox too
        expect((await admin.get('/api/inbox')).status).toBe(200);
      });
    });

    describe('admin channels', () => {
      let dingId: string;

      it('creates a signed DingTalk robot for a unit: the address masked, the secret never returned, both encrypted at rest', async () => {
        const target = `${hook.base}/ding/http-test?access_token=secret-token-0123456789`;
        const res = await admin.post(API, { kind: 'dingtalk', name: '街道值班群', unitId: org.units.streetA, target, secret: 'SECabcdef', kinds: ['overdue', 'supervision'], minLevel: 'yellow' });
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ kind: 'dingtalk', name: '街道值班群', unitId: org.units.streetA, unitName: '南苑街道', userId: null, hasSecret: true, kinds: ['overdue', 'supervision'], minLevel: 'yellow', enabled: true });
        expect(res.body.target).not.toContain('secret-token');
        expect(res.body.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…\*\*\*\*6789$/);
        expect(JSON.stringify(res.body)).not.toContain('SECabcdef');
        dingId = res.body.id;
        const [row] = await t.ctx.db.select().from(notificationChannels).where(eq(notificationChannels.id, dingId));
        expect(row!.targetEnc).not.toContain('secret-token');
        expect(row!.secretEnc).not.toContain('SECabcdef');
        expect(t.ctx.cipher.decrypt(row!.targetEnc)).toBe(target);
        const list = await admin.get(API);
        expect(list.status).toBe(200);
        expect(JSON.stringify(list.body)).not.toContain('secret-token');
        expect(list.body.find((c: any) => c.id === dingId).target).toBe(res.body.target);
      });

      it('e-mail and SMS channels for a user are masked like personal data', async () => {
        const mail = await admin.post(API, { kind: 'email', name: '领导邮箱', userId: org.actors.leader.userId, target: 'zhang.wei@example.cn' });
        expect(mail.status).toBe(201);
        expect(mail.body).toMatchObject({ target: 'z***@example.cn', userId: org.actors.leader.userId, userName: 'leader', hasSecret: false });
        const sms = await admin.post(API, { kind: 'sms', name: '短信', userId: org.actors.headA.userId, target: '138 0013 8000' });
        expect(sms.status).toBe(201);
        expect(sms.body.target).toBe('138****8000');
        const byUser = await admin.get(`${API}?userId=${org.actors.headA.userId}`);
        expect(byUser.body.map((c: any) => c.id)).toEqual([sms.body.id]);
      });

      it('validation errors are {code, zh-CN message} 400s, never 500s', async () => {
        const cases: Array<[unknown, string]> = [
          [{ kind: 'fax', name: 'x', unitId: org.units.streetA, target: 'x' }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', target: 'http://127.0.0.1/x' }, 'VALIDATION_FAILED'], // no owner
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, userId: org.actors.headA.userId, target: 'http://127.0.0.1/x' }, 'VALIDATION_FAILED'], // two owners
          [{ kind: 'wecom', name: '', unitId: org.units.streetA, target: 'http://127.0.0.1/x' }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', unitId: 'not-a-uuid', target: 'http://127.0.0.1/x' }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, target: 'http://127.0.0.1/x', minLevel: 'purple' }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, target: 'http://127.0.0.1/x', kinds: ['Bad Kind'] }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, target: 'http://127.0.0.1/x', extra: 1 }, 'VALIDATION_FAILED'],
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, target: 'http://127.0.0.1/x', secret: 'SECx' }, 'VALIDATION_FAILED'], // secret only for DingTalk
          [{ kind: 'wecom', name: 'x', unitId: org.units.streetA, target: 'ftp://127.0.0.1/x' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'dingtalk', name: 'x', unitId: org.units.streetA, target: 'not a url' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'dingtalk', name: 'x', unitId: org.units.streetA, target: 'https://user:pw@oapi.dingtalk.com/robot/send' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'email', name: 'x', unitId: org.units.streetA, target: 'a@b' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'email', name: 'x', unitId: org.units.streetA, target: 'a@example.cn\r\nBcc: x@evil.test' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'email', name: 'x', unitId: org.units.streetA, target: 'a@example.cn, b@example.cn' }, 'NOTIFICATION_TARGET_INVALID'],
          [{ kind: 'sms', name: 'x', unitId: org.units.streetA, target: '010-12345678' }, 'NOTIFICATION_TARGET_INVALID'], // a landline takes no SMS
          [{ kind: 'sms', name: 'x', unitId: org.units.streetA, target: 'x'.repeat(3000) }, 'VALIDATION_FAILED'],
        ];
        for (const [body, code] of cases) {
          const res = await admin.post(API, body);
          expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
          expect(res.body.code, JSON.stringify(body).slice(0, 120)).toBe(code);
          expect(res.body.message).toBe(errorMessages[code as keyof typeof errorMessages]);
          expect(res.body.message).toMatch(/[\u4e00-\u9fff]/);
        }
        expect((await admin.post(API, 'not json', { 'content-type': 'application/json' })).body.code).toBe('BAD_JSON');
        const unknownUnit = await admin.post(API, { kind: 'wecom', name: 'x', unitId: '00000000-0000-4000-8000-000000000000', target: 'http://127.0.0.1/x' });
        expect(unknownUnit.status).toBe(404);
        expect(unknownUnit.body.code).toBe('UNIT_NOT_FOUND');
        const patchBad = await admin.patch(`${API}/${dingId}`, { minLevel: 'urgent' });
        expect(patchBad.status).toBe(400);
        const patchTarget = await admin.patch(`${API}/${dingId}`, { target: 'mailto:x@example.cn' });
        expect(patchTarget.body.code).toBe('NOTIFICATION_TARGET_INVALID');
        expect((await admin.patch(`${API}/00000000-0000-4000-8000-000000000000`, { name: 'x' })).body.code).toBe('NOTIFICATION_CHANNEL_NOT_FOUND');
        expect((await admin.del(`${API}/not-a-uuid`)).status).toBe(400);
      });

      it('only admins manage channels, and only inside their scope', async () => {
        const handler = await loginAs(server, org.usernames.handlerA!);
        expect((await handler.get(API)).status).toBe(403);
        expect((await handler.post(API, { kind: 'wecom', name: 'x', unitId: org.units.gridA1, target: 'http://127.0.0.1/x' })).status).toBe(403);

        const outside = await admin.post(API, { kind: 'wecom', name: '北湖街道群', unitId: org.units.streetB, target: `${hook.base}/wecom/street-b` });
        expect(outside.status).toBe(201);
        const streetAdmin = await loginAs(server, 'admin.street-a');
        const visible = (await streetAdmin.get(API)).body.map((c: any) => c.id);
        expect(visible).toContain(dingId);
        expect(visible).not.toContain(outside.body.id);
        for (const res of [
          await streetAdmin.patch(`${API}/${outside.body.id}`, { name: 'mine now' }),
          await streetAdmin.del(`${API}/${outside.body.id}`),
          await streetAdmin.post(`${API}/${outside.body.id}/test`),
          await streetAdmin.post(API, { kind: 'wecom', name: 'x', unitId: org.units.streetB, target: 'http://127.0.0.1/x' }),
          await streetAdmin.post(API, { kind: 'sms', name: 'x', userId: org.actors.handlerB.userId, target: '13800138000' }),
        ]) {
          expect(res.status).toBe(403);
          expect(res.body.code).toBe('FORBIDDEN');
        }
        // a user channel is in scope when the user's unit is
        expect((await streetAdmin.post(API, { kind: 'sms', name: '网格员短信', userId: org.actors.handlerA.userId, target: '13800138001' })).status).toBe(201);
      });

      it('patches name, filters and the write-only secret; audited without the address or the secret', async () => {
        const res = await admin.patch(`${API}/${dingId}`, { name: '街道值班群（新）', minLevel: 'red', kinds: [], secret: null });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ name: '街道值班群（新）', minLevel: 'red', kinds: [], hasSecret: false });
        const again = await admin.patch(`${API}/${dingId}`, { secret: 'SECnew', target: `${hook.base}/ding/http-test?access_token=new-token-9999` });
        expect(again.body).toMatchObject({ hasSecret: true });
        expect(again.body.target.endsWith('9999')).toBe(true);
        const audits = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, dingId));
        expect(audits.map((a) => a.action)).toEqual(['notification_channel.created', 'notification_channel.updated', 'notification_channel.updated']);
        const text = JSON.stringify(audits);
        expect(text).not.toContain('secret-token');
        expect(text).not.toContain('new-token');
        expect(text).not.toContain('SECnew');
        expect(text).not.toContain('SECabcdef');
        expect(audits[2]!.data).toMatchObject({ changes: { secret: 'set' } });
      });

      it('a test message is queued (202), audited, delivered by the worker, and its status can be read back', async () => {
        const ch = await admin.post(API, { kind: 'wecom', name: '住建局群', unitId: org.units.housing, target: `${hook.base}/wecom/test-message?key=abc` });
        const queued = await admin.post(`${API}/${ch.body.id}/test`);
        expect(queued.status).toBe(202);
        expect(queued.body.queued).toBe(true);
        const before = await admin.get(`${API}/${ch.body.id}/deliveries/${queued.body.outboxId}`);
        expect(before.body).toMatchObject({ status: 'pending', attempts: 0 });
        await runOutboxOnce(t.ctx);
        const [req] = hook.at('/wecom/test-message');
        expect(req!.body.markdown.content).toContain('通知渠道测试');
        expect(req!.body.markdown.content).toContain('住建局群');
        const after = await admin.get(`${API}/${ch.body.id}/deliveries/${queued.body.outboxId}`);
        expect(after.body).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
        const [audit] = await t.ctx.db.select().from(auditLog).where(sql`${auditLog.action} = 'notification_channel.tested' and ${auditLog.targetId} = ${ch.body.id}`);
        expect(audit!.data).toMatchObject({ outboxId: queued.body.outboxId });
        expect(JSON.stringify(audit!.data)).not.toContain('key=abc');

        // a disabled channel takes no test message
        await admin.patch(`${API}/${ch.body.id}`, { enabled: false });
        const refused = await admin.post(`${API}/${ch.body.id}/test`);
        expect(refused.status).toBe(400);
        expect(refused.body.details).toMatchObject({ reason: 'channel_disabled' });
      });

      it('deleting a channel gives up its waiting deliveries and is audited', async () => {
        hook.on('/wecom/to-delete', () => ({ status: 500, body: {} }));
        const ch = await admin.post(API, { kind: 'wecom', name: '待删除', userId: org.actors.supervisor.userId, target: `${hook.base}/wecom/to-delete` });
        await notify(org.actors.supervisor.userId, 99, 'red');
        await runOutboxOnce(t.ctx); // fails once, waits for a retry
        const del = await admin.del(`${API}/${ch.body.id}`);
        expect(del.status).toBe(200);
        expect(del.body).toEqual({ deleted: true, abandonedDeliveries: 1 });
        const rows = await t.ctx.db.select().from(outbox).where(eq(outbox.channelId, ch.body.id));
        expect(rows.map((r) => [r.status, r.lastError])).toEqual([['failed', 'channel deleted']]);
        expect((await admin.get(API)).body.some((c: any) => c.id === ch.body.id)).toBe(false);
        expect((await admin.del(`${API}/${ch.body.id}`)).status).toBe(404);
        const [audit] = await t.ctx.db.select().from(auditLog).where(sql`${auditLog.action} = 'notification_channel.deleted' and ${auditLog.targetId} = ${ch.body.id}`);
        expect(audit).toBeTruthy();
      });
    });
  });
}
