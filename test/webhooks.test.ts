/**
 * Signed webhooks end to end on a real server and a real loopback receiver: an admin subscribes a
 * system to a unit's case events; the events are queued in the event's own transaction, sent by the
 * worker signed (verified here with the exported helper), retried with back-off, given up after
 * WEBHOOK_MAX_ATTEMPTS and sent again on an admin's retry. Nothing goes out for cases out of scope,
 * for unselected event types, or to a unit the case accuses; no petitioner's data is ever in a
 * payload; the secret is shown once and never listed; non-admins are refused; changes are audited.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { runWebhooksOnce } from '../src/jobs/webhook-worker.js';
import { verifyWebhookSignature } from '../src/services/webhooks/signature.js';
import { auditLog, cases, orgUnits, webhookDeliveries, webhookSubscriptions } from '../src/store/schema.js';
import { errorMessages } from '../src/i18n/zh-CN.js';

const API = '/api/admin/webhooks';
const MAX_ATTEMPTS = 3;

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
  status: number;
}

/** A receiving system on loopback that keeps each request's raw body (signatures are over the bytes) and answers as scripted per path. */
async function startRawReceiver() {
  const requests: Received[] = [];
  const script = new Map<string, (nth: number) => number>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const nth = (counts.get(path) ?? 0) + 1;
      counts.set(path, nth);
      const status = script.get(path)?.(nth) ?? 200;
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {
        /* keep raw */
      }
      requests.push({ path, headers: req.headers, raw, body, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status < 300 ? '{"ok":true}' : '{"error":"busy"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    at: (path: string) => requests.filter((r) => r.path === path),
    on: (path: string, answer: (nth: number) => number) => void script.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

for (const kind of DB_KINDS) {
  describe(`signed webhooks [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let rx: Awaited<ReturnType<typeof startRawReceiver>>;
    let admin: Awaited<ReturnType<typeof loginAs>>;
    let n = 0;

    const register = (gridId: string, extra: Partial<Parameters<typeof registerCase>[2]> = {}) => {
      n += 1;
      return registerCase(t.ctx, org.actors.registrar, {
        channel: 'phone',
        nature: 'appeal',
        title: `小区路灯不亮（${n}）`,
        content: `梅园路小区门口路灯坏了一个月，夜里出行不便，第${n}次反映。`,
        petitioners: [{ name: '王秀英', phone: '13912345678', idNumber: '11010519491231002X', address: '梅园路18号3幢201室' }],
        gridId,
        ...extra,
      });
    };
    const deliveriesOf = (subscriptionId: string) =>
      t.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId)).orderBy(webhookDeliveries.createdAt, webhookDeliveries.eventSeq);
    const pathOf = async (unitId: string) => (await t.ctx.db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, unitId)))[0]!.path;

    beforeAll(async () => {
      rx = await startRawReceiver();
      t = await makeTestContext(kind, { env: { WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
      await rx?.close();
    });

    let streetSub: { id: string; secret: string };

    it('lists the event types the lifecycle writes, with zh-CN labels', async () => {
      const res = await admin.get(`${API}/event-types`);
      expect(res.status).toBe(200);
      const types = res.body.items.map((e: any) => e.type);
      expect(types[0]).toBe('case.registered');
      expect(res.body.items).toEqual(expect.arrayContaining([{ type: 'case.accepted', label: '受理' }, { type: 'case.dispatched', label: '交办' }, { type: 'case.closed', label: '办结' }]));
      expect(types).not.toContain('case.personal_data_revealed');
    });

    it('creates a subscription: the secret shown once (≥ 32 random bytes), encrypted at rest, never in a list; the creation audited', async () => {
      const res = await admin.post(API, { name: '南苑街道网格化平台', url: `${rx.base}/street`, eventTypes: ['case.registered', 'case.dispatched'], scopeUnitId: org.units.streetA });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: '南苑街道网格化平台', url: `${rx.base}/street`, eventTypes: ['case.registered', 'case.dispatched'], scopeUnitId: org.units.streetA, scopeUnitName: '南苑街道', active: true });
      expect(res.body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
      streetSub = { id: res.body.id, secret: res.body.secret };

      const [row] = await t.ctx.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, streetSub.id));
      expect(row!.secretEnc).not.toContain(streetSub.secret.slice(6));
      expect(t.ctx.cipher.decrypt(row!.secretEnc)).toBe(streetSub.secret);

      const list = await admin.get(API);
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: any) => s.id)).toContain(streetSub.id);
      expect(JSON.stringify(list.body)).not.toContain(streetSub.secret.slice(6));
      expect(list.body.items[0].secret).toBeUndefined();

      const audits = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.created'), eq(auditLog.targetId, streetSub.id)));
      expect(audits).toHaveLength(1);
      expect(audits[0]!.actorId).toBe(org.actors.admin.userId);
      expect(JSON.stringify(audits[0]!.data)).not.toContain(streetSub.secret.slice(6));
    });

    it('delivers a case event in scope, signed: the receiver verifies it with the exported helper, and finds no personal data', async () => {
      const c = await register(org.units.gridA1);
      const queued = await deliveriesOf(streetSub.id);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ caseId: c.caseId, eventSeq: 1, eventType: 'case.registered', status: 'pending', attempts: 0 });

      const run = await runWebhooksOnce(t.ctx);
      expect(run).toMatchObject({ claimed: 1, sent: 1 });
      const [got] = rx.at('/street');
      expect(got).toBeDefined();
      expect(got!.headers['content-type']).toMatch(/application\/json/);
      expect(got!.headers['x-xinfang-event']).toBe('case.registered');
      expect(got!.headers['x-xinfang-delivery']).toBe(queued[0]!.id);
      const ts = Number(got!.headers['x-xinfang-timestamp']);
      expect(ts).toBe(Math.floor(t.clock.now().getTime() / 1000));
      expect(got!.headers['x-xinfang-signature']).toMatch(new RegExp(`^t=${ts},v1=[0-9a-f]{64}$`));
      expect(verifyWebhookSignature(streetSub.secret, got!.headers['x-xinfang-signature'] as string, got!.raw, t.clock.now(), 300)).toEqual({ ok: true, timestamp: ts });

      expect(got!.body).toMatchObject({
        id: queued[0]!.id,
        type: 'case.registered',
        case: { number: c.number, state: 'registered', leadUnit: null },
        event: { seq: 1, type: 'case.registered', data: { number: c.number, channel: 'phone', nature: 'appeal', ownerUnitId: org.units.gridA1, petitionerCount: 1 } },
      });
      // no petitioner data, no free text of the case
      for (const secret of ['王秀英', '13912345678', '11010519491231002X', '梅园路18号', '路灯', '秀英']) expect(got!.raw).not.toContain(secret);

      const [sent] = await deliveriesOf(streetSub.id);
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, lastStatus: 200, lastError: null });
      expect(sent!.sentAt).not.toBeNull();
    });

    it('a tampered body, a wrong secret or a stale timestamp fail verification', async () => {
      const [got] = rx.at('/street');
      const header = got!.headers['x-xinfang-signature'] as string;
      const now = t.clock.now();
      expect(verifyWebhookSignature(streetSub.secret, header, got!.raw.replace('"registered"', '"closed"'), now)).toEqual({ ok: false, reason: 'mismatch' });
      expect(verifyWebhookSignature('whsec_wrong', header, got!.raw, now)).toEqual({ ok: false, reason: 'mismatch' });
      expect(verifyWebhookSignature(streetSub.secret, header, got!.raw, new Date(now.getTime() + 301_000), 300)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
      expect(verifyWebhookSignature(streetSub.secret, 'v1=abc', got!.raw, now)).toEqual({ ok: false, reason: 'malformed' });
      expect(verifyWebhookSignature(streetSub.secret, undefined, got!.raw, now)).toEqual({ ok: false, reason: 'malformed' });
    });

    it('sends nothing for a case out of scope, for an unselected event type, or to a unit the case accuses', async () => {
      const before = rx.requests.length;
      // out of scope: a case in street B
      await register(org.units.gridB1);
      // unselected type: accepting a case in scope (the subscription takes registered and dispatched only)
      const inScope = await register(org.units.gridA2);
      await runWebhooksOnce(t.ctx);
      rx.requests.splice(before); // the registration in scope was delivered; forget it
      await runCaseCommand(t.ctx, org.actors.dispatcher, inScope.caseId, { type: 'accept' });
      // an accusation against street A, arising in its grid
      const accusation = await register(org.units.gridA1, { nature: 'accusation', title: '举报南苑街道违规发放补助', content: '南苑街道在发放困难补助时优亲厚友，请调查。', accusedUnitIds: [org.units.streetA] });
      const district = await admin.post(API, { name: '区级平台', url: `${rx.base}/district`, scopeUnitId: org.units.district });
      expect(district.status).toBe(201);
      const accusationIsQueuedFor = async (subId: string) => (await deliveriesOf(subId)).filter((d) => d.caseId === accusation.caseId);
      await runCaseCommand(t.ctx, org.actors.dispatcher, accusation.caseId, { type: 'accept' });

      expect((await deliveriesOf(streetSub.id)).map((d) => d.eventType)).toEqual(['case.registered', 'case.registered']);
      expect(await accusationIsQueuedFor(streetSub.id)).toEqual([]);
      // the district-wide system (not accused) does get the accusation's events
      expect((await accusationIsQueuedFor(district.body.id)).map((d) => d.eventType)).toEqual(['case.accepted']);

      // belt and braces: even a case whose units lie inside the accused subtree (routing never lets
      // that happen) sends nothing to a subscription of the accused unit, while the district still gets it
      await t.ctx.db.update(cases).set({ accusedUnitPaths: [await pathOf(org.units.streetA)] }).where(eq(cases.id, inScope.caseId));
      await runCaseCommand(t.ctx, org.actors.dispatcher, inScope.caseId, { type: 'dispatch', leadUnitId: org.units.housing, assistUnitIds: [] });
      expect((await deliveriesOf(streetSub.id)).filter((d) => d.caseId === inScope.caseId).map((d) => d.eventType)).toEqual(['case.registered']);
      expect((await deliveriesOf(district.body.id)).filter((d) => d.caseId === inScope.caseId).map((d) => d.eventType)).toEqual(['case.dispatched']);

      await runWebhooksOnce(t.ctx);
      expect(rx.at('/street').slice(1).every((r) => r.body.case.number !== accusation.number)).toBe(true);
      expect(rx.at('/district').map((r) => r.body.type).sort()).toEqual(['case.accepted', 'case.dispatched']);
      // switched off: nothing more is queued for it
      expect((await admin.patch(`${API}/${district.body.id}`, { active: false })).body.active).toBe(false);
      await register(org.units.gridA1);
      expect(await deliveriesOf(district.body.id)).toHaveLength(2);
      await runWebhooksOnce(t.ctx);
    });

    it('retries a receiver answering 500 twice and delivers on the third attempt, after the back-off', async () => {
      rx.on('/flaky', (nth) => (nth <= 2 ? 500 : 200));
      const sub = await admin.post(API, { name: '住建局系统', url: `${rx.base}/flaky`, eventTypes: ['case.registered'], scopeUnitId: org.units.communityA });
      const c = await register(org.units.gridA1);
      // street A's subscription takes this registration too, and its receiver answers at once
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 2, sent: 1, retried: 1 });
      let [d] = await deliveriesOf(sub.body.id);
      expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
      expect(d!.lastError).toBe('http_status:500');
      // not due before its back-off (30 s + up to 10 % jitter)
      t.clock.advance(20_000);
      expect((await runWebhooksOnce(t.ctx)).claimed).toBe(0);
      t.clock.advance(15_000);
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
      t.clock.advance(135_000); // 2 min + jitter
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 1, sent: 1 });
      [d] = await deliveriesOf(sub.body.id);
      expect(d).toMatchObject({ status: 'sent', attempts: 3, lastStatus: 200, lastError: null });
      const got = rx.at('/flaky');
      expect(got.map((r) => r.status)).toEqual([500, 500, 200]);
      // the same delivery id every time: the receiver dedupes on it
      expect(new Set(got.map((r) => r.headers['x-xinfang-delivery']))).toEqual(new Set([d!.id]));
      expect(got[2]!.body.case.number).toBe(c.number);
      expect(verifyWebhookSignature(sub.body.secret, got[2]!.headers['x-xinfang-signature'] as string, got[2]!.raw, t.clock.now())).toMatchObject({ ok: true });
    });

    it('gives up after WEBHOOK_MAX_ATTEMPTS with the last status, and an admin retry sends it', async () => {
      let down = true;
      rx.on('/down', () => (down ? 503 : 200));
      const sub = await admin.post(API, { name: '市12345平台', url: `${rx.base}/down`, eventTypes: ['case.registered'], scopeUnitId: org.units.gridA2 });
      await register(org.units.gridA2);
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        await runWebhooksOnce(t.ctx);
        t.clock.advance(4 * 3_600_000);
      }
      admin = await loginAs(server, org.usernames.admin!); // the session did not outlive the hours passed
      let [d] = await deliveriesOf(sub.body.id);
      expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 503 });
      expect((await runWebhooksOnce(t.ctx)).claimed).toBe(0);
      expect(rx.at('/down')).toHaveLength(MAX_ATTEMPTS);

      const listed = await admin.get(`${API}/${sub.body.id}/deliveries`);
      expect(listed.status).toBe(200);
      expect(listed.body.items[0]).toMatchObject({ id: d!.id, status: 'failed', attempts: MAX_ATTEMPTS, lastStatus: 503, eventType: 'case.registered' });
      expect(listed.body.items[0].caseNumber).toMatch(/^YH-/);

      down = false;
      const retried = await admin.post(`${API}/${sub.body.id}/deliveries/${d!.id}/retry`);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ status: 'pending', attempts: 0 });
      // only a failed delivery can be retried
      const again = await admin.post(`${API}/${sub.body.id}/deliveries/${d!.id}/retry`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'WEBHOOK_DELIVERY_NOT_FAILED', message: errorMessages.WEBHOOK_DELIVERY_NOT_FAILED });
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ sent: 1 });
      [d] = await deliveriesOf(sub.body.id);
      expect(d).toMatchObject({ status: 'sent', attempts: 1, lastStatus: 200 });
      const audits = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.delivery_retried'), eq(auditLog.targetId, sub.body.id)));
      expect(audits).toHaveLength(1);
    });

    it('pings a subscription at once with a signed test, and reports a receiver that refuses', async () => {
      const ok = await admin.post(`${API}/${streetSub.id}/ping`);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ ok: true, status: 200, error: null });
      const ping = rx.at('/street').at(-1)!;
      expect(ping.headers['x-xinfang-event']).toBe('ping');
      expect(ping.body).toMatchObject({ type: 'ping', id: ok.body.deliveryId, subscription: { id: streetSub.id } });
      expect(verifyWebhookSignature(streetSub.secret, ping.headers['x-xinfang-signature'] as string, ping.raw, t.clock.now())).toMatchObject({ ok: true });

      rx.on('/street', () => 404);
      const bad = await admin.post(`${API}/${streetSub.id}/ping`);
      expect(bad.body).toEqual({ ok: false, status: 404, error: 'http_status:404', deliveryId: expect.any(String), durationMs: expect.any(Number) });
      // a redirect is not followed: the signed payload goes nowhere the admin did not approve
      rx.on('/street', () => 302);
      const moved = await admin.post(`${API}/${streetSub.id}/ping`);
      expect(moved.body).toMatchObject({ ok: false, status: 302, error: 'redirect' });
      rx.on('/street', () => 200);
      expect(await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.pinged'), eq(auditLog.targetId, streetSub.id)))).toHaveLength(3);
    });

    it('rotates the secret: the new one shown once and used for the next deliveries; the old one no longer verifies', async () => {
      const res = await admin.post(`${API}/${streetSub.id}/rotate-secret`);
      expect(res.status).toBe(200);
      expect(res.body.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
      expect(res.body.secret).not.toBe(streetSub.secret);
      const old = streetSub.secret;
      streetSub.secret = res.body.secret;
      await register(org.units.gridA1);
      await runWebhooksOnce(t.ctx);
      const last = rx.at('/street').at(-1)!;
      expect(last.body.type).toBe('case.registered');
      const header = last.headers['x-xinfang-signature'] as string;
      expect(verifyWebhookSignature(streetSub.secret, header, last.raw, t.clock.now())).toMatchObject({ ok: true });
      expect(verifyWebhookSignature(old, header, last.raw, t.clock.now())).toMatchObject({ ok: false });
      expect(JSON.stringify((await admin.get(API)).body)).not.toContain(streetSub.secret.slice(6));
      expect(await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.secret_rotated'), eq(auditLog.targetId, streetSub.id)))).toHaveLength(1);
    });

    it('edits a subscription (audited with the changes) and refuses bad URLs and unknown event types with stable codes', async () => {
      const res = await admin.patch(`${API}/${streetSub.id}`, { name: '南苑街道平台', eventTypes: ['case.closed'], scopeUnitId: org.units.communityA });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: '南苑街道平台', eventTypes: ['case.closed'], scopeUnitId: org.units.communityA, scopeUnitName: '梅园社区' });
      const [audit] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.updated'), eq(auditLog.targetId, streetSub.id)));
      expect((audit!.data as any).changes).toMatchObject({ name: '南苑街道平台', eventTypes: { before: ['case.registered', 'case.dispatched'], after: ['case.closed'] }, scopeUnitId: { before: org.units.streetA, after: org.units.communityA } });

      for (const [url, reason] of [
        ['ftp://example.gov.cn/hook', 'scheme'],
        ['https://user:pw@example.gov.cn/hook', 'credentials_in_url'],
        ['http://10.1.2.3/hook', 'http_not_allowed'],
        ['not a url', 'not_a_url'],
      ] as const) {
        const bad = await admin.post(API, { name: 'x', url, scopeUnitId: org.units.streetA });
        expect(bad.status, url).toBe(400);
        expect(bad.body).toMatchObject({ code: url === 'not a url' ? expect.any(String) : 'WEBHOOK_URL_INVALID' });
        if (bad.body.code === 'WEBHOOK_URL_INVALID') expect(bad.body).toEqual({ code: 'WEBHOOK_URL_INVALID', message: errorMessages.WEBHOOK_URL_INVALID, details: { path: 'url', reason } });
      }
      expect((await admin.post(API, { name: 'x', url: 'https://hook.example.gov.cn/in', scopeUnitId: org.units.streetA })).status).toBe(201);
      const unknown = await admin.post(API, { name: 'x', url: `${rx.base}/x`, eventTypes: ['case.registered', 'case.exploded'], scopeUnitId: org.units.streetA });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ code: 'WEBHOOK_EVENT_TYPE_UNKNOWN', message: errorMessages.WEBHOOK_EVENT_TYPE_UNKNOWN, details: { path: 'eventTypes', unknown: ['case.exploded'] } });
      const missing = await admin.patch(`${API}/00000000-0000-4000-8000-000000000000`, { active: false });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('WEBHOOK_NOT_FOUND');
      expect((await admin.post(API, { name: 'x', url: `${rx.base}/x` })).status).toBe(400);
    });

    it('refuses non-admins (403) and anonymous callers (401), and keeps an admin to his scope', async () => {
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      for (const [method, path] of [
        ['get', API],
        ['get', `${API}/event-types`],
        ['post', API],
        ['patch', `${API}/${streetSub.id}`],
        ['post', `${API}/${streetSub.id}/rotate-secret`],
        ['post', `${API}/${streetSub.id}/ping`],
        ['get', `${API}/${streetSub.id}/deliveries`],
      ] as const) {
        const res = method === 'get' ? await dispatcher.get(path) : method === 'post' ? await dispatcher.post(path, {}) : await dispatcher.patch(path, {});
        expect(res.status, `${method} ${path}`).toBe(403);
        expect((method === 'get' ? await client(server).get(path) : await client(server).raw(method.toUpperCase(), path, {})).status).toBe(401);
      }
      // a street B admin sees nothing of street A's subscriptions and cannot touch them
      const { createUser } = await import('../src/services/org-units.js');
      const { PASSWORD } = await import('./support/factories.js');
      await createUser(t.ctx.db, { username: 'admin.street-b', displayName: '北湖街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetB });
      const adminB = await loginAs(server, 'admin.street-b');
      expect((await adminB.get(API)).body.items).toEqual([]);
      expect((await adminB.post(`${API}/${streetSub.id}/rotate-secret`)).status).toBe(404);
      const outside = await adminB.post(API, { name: 'x', url: `${rx.base}/x`, scopeUnitId: org.units.streetA });
      expect(outside.status).toBe(403);
    });
  });
}
