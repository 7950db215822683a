/**
 * Signed webhooks after the review (issue 7): what an admin of an accused unit never sees in a
 * subscription's history, which addresses a webhook may reach (and what a ping tells), answers that
 * are huge, slow or never come, old deliveries swept, stable error codes, edits audited only when
 * something changed, a unit losing a case told of it, late retries describing the case as it was,
 * no free text of any event in a payload, two workers never sending one delivery twice, a late settle
 * refused, stop() waiting for sends in flight, and no secret or URL token in the logs. Real server,
 * real loopback receivers, both databases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, ne } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { loadConfig } from '../src/config.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { createUser } from '../src/services/org-units.js';
import { runWebhooksOnce, startWebhookWorker, webhookLeaseMs } from '../src/jobs/webhook-worker.js';
import { sweepWebhookDeliveries } from '../src/jobs/sweep-webhook-deliveries.js';
import { isSpecialAddress, makeAddressPolicy } from '../src/services/webhooks/address-policy.js';
import { postWebhook } from '../src/services/webhooks/post-webhook.js';
import { pingSubscriptionAsAdmin } from '../src/services/webhooks/webhook-admin.js';
import type { AppContext } from '../src/services/context.js';
import { auditLog, cases, orgUnits, webhookDeliveries, webhookSubscriptions } from '../src/store/schema.js';
import { errorMessages } from '../src/i18n/zh-CN.js';

const API = '/api/admin/webhooks';

interface Got {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
}
type Answer = (req: http.IncomingMessage, res: http.ServerResponse, nth: number) => void;

/** A receiving system on loopback: each path answers as scripted (200 by default); requests kept with their raw body. */
async function startReceiver() {
  const got: Got[] = [];
  const script = new Map<string, Answer>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const p = (req.url ?? '/').split('?')[0]!;
      const nth = (counts.get(p) ?? 0) + 1;
      counts.set(p, nth);
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {
        /* keep raw */
      }
      got.push({ path: p, headers: req.headers, raw, body });
      const answer = script.get(p);
      if (answer) answer(req, res, nth);
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    got,
    at: (p: string) => got.filter((r) => r.path === p),
    on: (p: string, a: Answer) => void script.set(p, a),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A pino logger whose lines are kept in memory (to prove what never reaches the logs). */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

describe('which addresses a webhook may reach (pure)', () => {
  it('private, loopback, link-local, shared, multicast and mapped addresses are special; public ones are not', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:7f00:1::1']) {
      expect(isSpecialAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '114.114.114.114', '172.32.0.1', '2400:3200::1', '::ffff:8.8.8.8']) expect(isSpecialAddress(ip), ip).toBe(false);
  });

  it('the allow-list permits named hosts, *.suffixes, addresses and CIDRs, and nothing else; the default allow-list is empty', () => {
    const p = makeAddressPolicy(['10.20.0.0/16', 'oa.gov.local', '*.zw.local', '192.168.5.9']);
    expect(p.permits('hook.example.gov.cn', '8.8.8.8')).toBe(true);
    expect(p.permits('x', '10.20.3.4')).toBe(true);
    expect(p.permits('x', '10.21.3.4')).toBe(false);
    expect(p.permits('oa.gov.local', '10.99.0.1')).toBe(true);
    expect(p.permits('a.zw.local', '172.16.0.1')).toBe(true);
    expect(p.permits('zw.local.evil', '172.16.0.1')).toBe(false);
    expect(p.permits('x', '192.168.5.9')).toBe(true);
    expect(p.permits('x', '192.168.5.10')).toBe(false);
    expect(p.permits('x', '169.254.169.254')).toBe(false);
    expect(makeAddressPolicy([]).permits('localhost', '127.0.0.1')).toBe(false);
    const cfg = loadConfig({ DATA_DIR: path.join(os.tmpdir(), 'xf-cfg-default') });
    expect(cfg.WEBHOOK_ALLOWED_HOSTS).toEqual([]);
    expect(loadConfig({ DATA_DIR: path.join(os.tmpdir(), 'xf-cfg'), WEBHOOK_ALLOWED_HOSTS: ' OA.gov.local , 10.0.0.0/8 ' }).WEBHOOK_ALLOWED_HOSTS).toEqual(['oa.gov.local', '10.0.0.0/8']);
    expect(() => loadConfig({ DATA_DIR: path.join(os.tmpdir(), 'xf-cfg'), WEBHOOK_ALLOWED_HOSTS: 'http://x/y' })).toThrow(/WEBHOOK_ALLOWED_HOSTS/);
  });
});

describe('one POST to a receiver (loopback, no database)', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => rx?.close());
  const post = (p: string, opts: { timeoutMs?: number; allow?: string[]; host?: string } = {}) =>
    postWebhook({
      url: `http://${opts.host ?? '127.0.0.1'}:${rx.port}${p}`,
      secret: 'whsec_test',
      eventType: 'ping',
      deliveryId: '00000000-0000-4000-8000-000000000001',
      body: { hello: 1 },
      now: new Date(),
      timeoutMs: opts.timeoutMs ?? 5000,
      policy: makeAddressPolicy(opts.allow ?? ['127.0.0.1']),
    });

  it('refuses loopback by default, whether typed as an address or reached through a name, and the receiver hears nothing', async () => {
    const before = rx.got.length;
    expect(await post('/a', { allow: [] })).toMatchObject({ ok: false, status: null, error: 'blocked_address' });
    expect(await post('/a', { allow: [], host: 'localhost' })).toMatchObject({ ok: false, status: null, error: 'blocked_address' });
    expect(rx.got.length).toBe(before);
    expect(await post('/a', { allow: ['127.0.0.0/8'] })).toMatchObject({ ok: true, status: 200, error: null });
    expect(await post('/a', { allow: ['localhost'], host: 'localhost' })).toMatchObject({ ok: true, status: 200 });
  });

  it('a fast 500 with a 400 MB body is judged by its status: answered at once, the body not read (memory stays flat)', async () => {
    let written = 0;
    let closed = false;
    rx.on('/huge', (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(1 << 20, 'x');
      const pump = () => {
        while (written < 400 * (1 << 20) && !closed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => {
        closed = true;
      });
      pump();
    });
    const rss = process.memoryUsage().rss;
    const o = await post('/huge');
    expect(o).toMatchObject({ ok: false, status: 500, error: 'http_status:500' });
    expect(process.memoryUsage().rss - rss).toBeLessThan(50 * (1 << 20));
    await expect.poll(() => closed).toBe(true);
    expect(written).toBeLessThan(100 * (1 << 20));
  });

  it('a 2xx whose body trickles forever is a success at once; an answer that never comes is a timeout', async () => {
    rx.on('/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const ok = await post('/trickle', { timeoutMs: 10_000 });
    expect(ok).toMatchObject({ ok: true, status: 200 });
    expect(ok.durationMs).toBeLessThan(5_000);
    rx.on('/silent', () => {
      /* never answers */
    });
    expect(await post('/silent', { timeoutMs: 300 })).toMatchObject({ ok: false, status: null, error: 'timeout' });
    rx.on('/moved', (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end());
    expect(await post('/moved')).toMatchObject({ ok: false, status: 302, error: 'redirect' });
  });
});

for (const kind of DB_KINDS) {
  describe(`signed webhooks after the review [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let rx: Awaited<ReturnType<typeof startReceiver>>;
    let admin: Awaited<ReturnType<typeof loginAs>>;
    let adminA: Awaited<ReturnType<typeof loginAs>>;
    let adminB: Awaited<ReturnType<typeof loginAs>>;
    let n = 0;

    const register = (gridId: string, extra: Partial<Parameters<typeof registerCase>[2]> = {}) => {
      n += 1;
      return registerCase(t.ctx, org.actors.registrar, {
        channel: 'phone',
        nature: 'appeal',
        title: `小区路灯不亮（${n}）`,
        content: `梅园路小区门口路灯坏了一个月，第${n}次反映。`,
        petitioners: [{ name: '王秀英', phone: '13912345678', idNumber: '11010519491231002X', address: '梅园路18号3幢201室' }],
        gridId,
        ...extra,
      });
    };
    const deliveriesOf = (subscriptionId: string) =>
      t.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, subscriptionId)).orderBy(webhookDeliveries.createdAt, webhookDeliveries.eventSeq);
    const pathOf = async (unitId: string) => (await t.ctx.db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, unitId)))[0]!.path;
    /** Switches every subscription off and settles whatever is pending, so a test sees only its own deliveries. */
    const quiet = async () => {
      await t.ctx.db.update(webhookSubscriptions).set({ active: false });
      await t.ctx.db.update(webhookDeliveries).set({ status: 'failed' }).where(eq(webhookDeliveries.status, 'pending'));
    };
    const subscribe = async (name: string, p: string, scopeUnitId: string, eventTypes: string[] = []) => {
      const res = await admin.post(API, { name, url: `${rx.base}${p}`, eventTypes, scopeUnitId });
      expect(res.status).toBe(201);
      return res.body as { id: string; secret: string };
    };

    beforeAll(async () => {
      rx = await startReceiver();
      t = await makeTestContext(kind, { env: { WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_SECONDS: '5' } });
      org = await seedMiniOrg(t.ctx);
      await createUser(t.ctx.db, { username: 'admin.street-a', displayName: '南苑街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetA });
      await createUser(t.ctx.db, { username: 'admin.street-b', displayName: '北湖街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetB });
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      adminA = await loginAs(server, 'admin.street-a');
      adminB = await loginAs(server, 'admin.street-b');
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
      await rx?.close();
    });

    it('Art. 30: a district subscription moved onto the accused street shows that street no trace of the accusation, and cannot retry it', async () => {
      await quiet();
      const sub = await subscribe('区级平台', '/art30', org.units.district);
      const accusation = await register(org.units.gridA1, { nature: 'accusation', title: '举报南苑街道违规发放补助', content: '南苑街道在发放困难补助时优亲厚友。', accusedUnitIds: [org.units.streetA] });
      const ordinary = await register(org.units.gridA2);
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ sent: 2 });
      await runCaseCommand(t.ctx, org.actors.dispatcher, accusation.caseId, { type: 'accept' });
      const [sentOne] = (await deliveriesOf(sub.id)).filter((d) => d.caseId === accusation.caseId && d.status === 'sent');
      await t.ctx.db.update(webhookDeliveries).set({ status: 'failed', lastError: 'http_status:500' }).where(eq(webhookDeliveries.id, sentOne!.id));
      // the district admin moves the subscription onto street A
      expect((await admin.patch(`${API}/${sub.id}`, { scopeUnitId: org.units.streetA })).status).toBe(200);

      // street A's admin now manages it: its history holds the ordinary case only
      expect((await adminA.get(API)).body.items.map((s: any) => s.id)).toContain(sub.id);
      const history = await adminA.get(`${API}/${sub.id}/deliveries`);
      expect(history.status).toBe(200);
      expect(history.body.items.map((d: any) => d.caseNumber)).toEqual([ordinary.number]);
      expect(JSON.stringify(history.body)).not.toContain(accusation.number);
      expect(JSON.stringify(history.body)).not.toContain(accusation.caseId);
      expect(JSON.stringify(history.body)).not.toMatch(/accus|举报|withheld/);
      const retry = await adminA.post(`${API}/${sub.id}/deliveries/${sentOne!.id}/retry`);
      expect(retry.status).toBe(404);
      expect(retry.body).toMatchObject({ code: 'WEBHOOK_DELIVERY_NOT_FOUND', message: errorMessages.WEBHOOK_DELIVERY_NOT_FOUND });
      // the pending "accepted" is withheld at send time, and stays out of the history
      const before = rx.at('/art30').length;
      await runWebhooksOnce(t.ctx);
      expect(rx.at('/art30').length).toBe(before);
      const pending = (await deliveriesOf(sub.id)).find((d) => d.caseId === accusation.caseId && d.eventType === 'case.accepted')!;
      expect(pending).toMatchObject({ status: 'failed', lastError: 'scope_accused' });
      expect((await adminA.get(`${API}/${sub.id}/deliveries`)).body.items).toHaveLength(1);
    });

    it('Art. 30 at send time: an accusation of the scope unit added after queueing, before sending, stops the delivery', async () => {
      await quiet();
      const sub = await subscribe('南苑街道平台', '/late-accused', org.units.streetA);
      const c = await register(org.units.gridA1);
      expect((await deliveriesOf(sub.id)).map((d) => d.status)).toEqual(['pending']);
      await t.ctx.db.update(cases).set({ accusedUnitPaths: [await pathOf(org.units.streetA)] }).where(eq(cases.id, c.caseId));
      await runWebhooksOnce(t.ctx);
      expect(rx.at('/late-accused')).toEqual([]);
      expect((await deliveriesOf(sub.id))[0]).toMatchObject({ status: 'failed', lastError: 'scope_accused' });
      expect((await admin.get(`${API}/${sub.id}/deliveries`)).body.items).toEqual([]);
    });

    it('refuses addresses in private or special ranges at create/update (unless allow-listed), and a ping to a blocked address says so without a sound', async () => {
      for (const url of ['https://10.0.0.8/hook', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://[fd00::5]/x', 'https://[::ffff:10.0.0.1]/x', 'https://0.0.0.0/x']) {
        const bad = await admin.post(API, { name: 'x', url, scopeUnitId: org.units.streetA });
        expect(bad.status, url).toBe(400);
        expect(bad.body, url).toEqual({ code: 'WEBHOOK_ADDRESS_BLOCKED', message: errorMessages.WEBHOOK_ADDRESS_BLOCKED, details: { path: 'url' } });
      }
      // allow-listed (WEBHOOK_ALLOWED_HOSTS=127.0.0.1 here): accepted
      const sub = await subscribe('本机接收端', '/blocked', org.units.streetA);
      expect((await admin.patch(`${API}/${sub.id}`, { url: 'https://192.168.1.20/in' })).body.code).toBe('WEBHOOK_ADDRESS_BLOCKED');
      // the same subscription under the default (empty) allow-list: the ping reaches nobody
      const strict: AppContext = { ...t.ctx, config: { ...t.ctx.config, WEBHOOK_ALLOWED_HOSTS: [] } };
      const o = await pingSubscriptionAsAdmin(strict, org.actors.admin, sub.id);
      expect(o).toMatchObject({ ok: false, status: null, error: 'blocked_address' });
      expect(rx.at('/blocked')).toEqual([]);
    });

    it('a ping shows the status and a code, never the receiver\'s answer text', async () => {
      const sub = await subscribe('内网系统', '/tattle', org.units.streetA);
      rx.on('/tattle', (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('db password is hunter2; internal admin at 10.0.0.1'));
      const res = await admin.post(`${API}/${sub.id}/ping`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deliveryId: expect.any(String), ok: false, status: 500, error: 'http_status:500', durationMs: expect.any(Number) });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      const [audit] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'webhook.pinged'), eq(auditLog.targetId, sub.id)));
      expect(JSON.stringify(audit!.data)).not.toContain('hunter2');
    });

    it('a pending delivery of a subscription switched off fails with subscription_off and is not sent', async () => {
      await quiet();
      const sub = await subscribe('将停用的平台', '/off', org.units.streetA);
      await register(org.units.gridA1);
      expect((await admin.patch(`${API}/${sub.id}`, { active: false })).status).toBe(200);
      await runWebhooksOnce(t.ctx);
      expect(rx.at('/off')).toEqual([]);
      expect((await deliveriesOf(sub.id))[0]).toMatchObject({ status: 'failed', lastError: 'subscription_off', lastStatus: null });
    });

    it('edits are audited only for what changed; the URL is audited without its query string (a token)', async () => {
      const res = await admin.post(API, { name: '带令牌的地址', url: `${rx.base}/tok?token=TOPSECRET123&x=1`, eventTypes: ['case.registered', 'case.closed'], scopeUnitId: org.units.streetA });
      expect(res.status).toBe(201);
      const id = res.body.id;
      const audits = () => t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetType, 'webhook_subscription'), eq(auditLog.targetId, id)));
      expect(JSON.stringify((await audits())[0]!.data)).not.toContain('TOPSECRET123');
      expect(((await audits())[0]!.data as any).url).toBe(`${rx.base}/tok`);
      // the same types in another order, nothing else: no change, no audit row
      const same = await admin.patch(`${API}/${id}`, { eventTypes: ['case.closed', 'case.registered'] });
      expect(same.status).toBe(200);
      expect(await audits()).toHaveLength(1);
      // a rename with the same types: only the name recorded
      await admin.patch(`${API}/${id}`, { name: '改名后', eventTypes: ['case.registered', 'case.closed'], url: `${rx.base}/tok?token=TOPSECRET123&x=1` });
      const rows = await audits();
      expect(rows).toHaveLength(2);
      expect((rows.find((r) => r.action === 'webhook.updated')!.data as any).changes).toEqual({ name: '改名后' });
      await admin.patch(`${API}/${id}`, { url: `${rx.base}/tok2?token=NEWSECRET456` });
      expect(JSON.stringify((await audits()).map((r) => r.data))).not.toMatch(/TOPSECRET123|NEWSECRET456/);
    });

    it('a unit losing a case on redispatch is told of it; a late retry describes the case as its event left it', async () => {
      await quiet();
      const sub = await subscribe('南苑街道平台', '/lost', org.units.streetA, ['case.dispatched', 'case.redispatched']);
      rx.on('/lost', (_req, res, nth) => res.writeHead(nth === 1 ? 500 : 200).end());
      const c = await register(org.units.gridA1);
      await runCaseCommand(t.ctx, org.actors.dispatcher, c.caseId, { type: 'accept' });
      await runCaseCommand(t.ctx, org.actors.dispatcher, c.caseId, { type: 'dispatch', leadUnitId: org.units.gridA1, assistUnitIds: [] });
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 1, retried: 1 });
      // the case goes to street B: street A's system still hears of the redispatch
      await runCaseCommand(t.ctx, org.actors.dispatcher, c.caseId, { type: 'redispatch', leadUnitId: org.units.gridB1, assistUnitIds: [], reason: '属北湖街道辖区' });
      expect((await deliveriesOf(sub.id)).map((d) => d.eventType)).toEqual(['case.dispatched', 'case.redispatched']);
      t.clock.advance(40_000);
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 2, sent: 2 });
      const byType = new Map(rx.at('/lost').slice(1).map((r) => [r.body.type, r.body]));
      const gridA1 = (await t.ctx.db.select({ name: orgUnits.name }).from(orgUnits).where(eq(orgUnits.id, org.units.gridA1)))[0]!.name;
      const gridB1 = (await t.ctx.db.select({ name: orgUnits.name }).from(orgUnits).where(eq(orgUnits.id, org.units.gridB1)))[0]!.name;
      // the retried "dispatched" still names the unit it was dispatched to, not where the case is now
      expect(byType.get('case.dispatched').case).toMatchObject({ number: c.number, state: 'dispatched', leadUnit: { id: org.units.gridA1, name: gridA1 }, dueAt: null });
      expect(byType.get('case.redispatched').case).toMatchObject({ state: 'dispatched', leadUnit: { id: org.units.gridB1, name: gridB1 } });
      expect(byType.get('case.redispatched').case.dueAt).toEqual(expect.any(String));
      expect(JSON.stringify(byType.get('case.redispatched'))).not.toContain('属北湖街道辖区');
    });

    it('no free text of any event leaves: notes, instructions, contact logs, joint meetings, mediation, replies, refusals, splits', async () => {
      await quiet();
      const sub = await subscribe('区级全量', '/all', org.units.district);
      const texts = ['备注甲一', '交办说明乙二', '联系记录丙三', '参会人丁四', '会商决定戊五', '调解员己六', '调解协议庚七', '答复正文辛八', '不予受理理由壬九', '拆分标题癸十', '拆分内容子一', '受理备注丑二'];
      const c = await register(org.units.gridA1);
      const run = (caseId: string, actor: keyof MiniOrg['actors'], command: any) => runCaseCommand(t.ctx, org.actors[actor], caseId, command);
      await run(c.caseId, 'dispatcher', { type: 'accept', note: '受理备注丑二' });
      await run(c.caseId, 'dispatcher', { type: 'note', text: '备注甲一' });
      await run(c.caseId, 'dispatcher', { type: 'dispatch', leadUnitId: org.units.gridA1, assistUnitIds: [], instructions: '交办说明乙二' });
      await run(c.caseId, 'handlerA', { type: 'sign' });
      await run(c.caseId, 'handlerA', { type: 'contact_log', method: 'phone', summary: '联系记录丙三', reached: true });
      await run(c.caseId, 'dispatcher', { type: 'refer_joint_meeting', attendees: ['参会人丁四', '区住建局'], decisions: '会商决定戊五', leadUnitId: org.units.housing, assistUnitIds: [org.units.streetA] });
      await run(c.caseId, 'housingHandler', { type: 'sign' });
      await run(c.caseId, 'housingHandler', { type: 'record_mediation', mediator: '调解员己六', outcome: 'agreement', agreement: '调解协议庚七' });
      await run(c.caseId, 'housingHandler', { type: 'reply', opinion: 'support', text: '答复正文辛八' });
      const refused = await register(org.units.gridA2);
      await run(refused.caseId, 'dispatcher', { type: 'refuse', reason: '不予受理理由壬九', legalChannel: 'court' });
      const parent = await register(org.units.gridA2);
      await run(parent.caseId, 'dispatcher', { type: 'accept' });
      await run(parent.caseId, 'dispatcher', { type: 'split', parts: [{ title: '拆分标题癸十', content: '拆分内容子一' }, { title: '另一部分', content: '另一部分内容' }] });
      await runWebhooksOnce(t.ctx);
      const types = rx.at('/all').map((r) => r.body.type);
      for (const type of ['case.accepted', 'case.noted', 'case.dispatched', 'case.contact_logged', 'case.joint_meeting_referred', 'case.mediation_recorded', 'case.replied', 'case.refused', 'case.split']) {
        if (!types.includes(type)) expect.soft(types, `${type} delivered`).toContain(type);
      }
      const all = rx.at('/all').map((r) => r.raw).join('\n');
      for (const s of [...texts, '王秀英', '13912345678', '11010519491231002X', '梅园路18号', '路灯']) expect(all, s).not.toContain(s);
      // the split's new cases are registered (and delivered) with their numbers, not their text
      expect(types.filter((x) => x === 'case.registered').length).toBeGreaterThanOrEqual(5);
      expect(await t.ctx.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.subscriptionId, sub.id), ne(webhookDeliveries.status, 'sent')))).toEqual([]);
    });

    it('two workers at once never send one delivery twice', async () => {
      await quiet();
      await subscribe('并发接收端', '/twice', org.units.streetA, ['case.registered']);
      for (let i = 0; i < 12; i++) await register(i % 2 ? org.units.gridA1 : org.units.gridA2);
      const [a, b] = await Promise.all([runWebhooksOnce(t.ctx), runWebhooksOnce(t.ctx)]);
      expect(a.claimed + b.claimed).toBe(12);
      expect(a.sent + b.sent).toBe(12);
      const ids = rx.at('/twice').map((r) => r.headers['x-xinfang-delivery']);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    });

    it('a late settle after the lease expired and another worker sent the delivery is refused; the newer claim decides', async () => {
      await quiet();
      const sub = await subscribe('慢接收端', '/slow', org.units.streetA, ['case.registered']);
      let release: (() => void) | null = null;
      rx.on('/slow', (_req, res, nth) => {
        if (nth === 1) release = () => res.writeHead(500).end();
        else res.writeHead(200).end();
      });
      await register(org.units.gridA1);
      const first = runWebhooksOnce(t.ctx);
      await expect.poll(() => rx.at('/slow').length).toBe(1);
      t.clock.advance(webhookLeaseMs(t.ctx) + 1_000);
      expect(await runWebhooksOnce(t.ctx)).toMatchObject({ claimed: 1, sent: 1 });
      release!();
      expect(await first).toMatchObject({ claimed: 1, lost: 1, retried: 0 });
      expect((await deliveriesOf(sub.id))[0]).toMatchObject({ status: 'sent', attempts: 2, lastStatus: 200, lastError: null });
    });

    it('stop() waits for a send in flight and claims nothing new', async () => {
      await quiet();
      const sub = await subscribe('停机接收端', '/stop', org.units.streetA, ['case.registered']);
      let release: (() => void) | null = null;
      rx.on('/stop', (_req, res) => {
        release = () => res.writeHead(200).end();
      });
      await register(org.units.gridA1);
      const stop = startWebhookWorker(t.ctx);
      await expect.poll(() => rx.at('/stop').length).toBe(1);
      let stopped = false;
      const stopping = stop().then(() => {
        stopped = true;
      });
      await register(org.units.gridA1); // queued while stopping: left for the next start
      expect(stopped).toBe(false);
      release!();
      await stopping;
      const rows = await deliveriesOf(sub.id);
      expect(rows.map((d) => d.status).sort()).toEqual(['pending', 'sent']);
      expect(rx.at('/stop')).toHaveLength(1);
    });

    it('sweeps sent deliveries after 30 days and given-up ones after 90 (from their last attempt); pending ones stay', async () => {
      await quiet();
      const sub = await subscribe('保留期', '/retention', org.units.streetA);
      const day = 86_400_000;
      const now = t.clock.now().getTime();
      const at = (days: number) => new Date(now - days * day);
      const row = (seq: number, status: string, created: number, extra: Partial<typeof webhookDeliveries.$inferInsert> = {}) => ({
        region: t.ctx.config.REGION,
        subscriptionId: sub.id,
        caseId: '00000000-0000-4000-8000-00000000aaaa',
        eventSeq: seq,
        eventType: 'case.registered',
        status,
        nextAttemptAt: at(created),
        createdAt: at(created),
        ...extra,
      });
      await t.ctx.db.insert(webhookDeliveries).values([
        row(1, 'sent', 40, { sentAt: at(31) }),
        row(2, 'sent', 40, { sentAt: at(29) }),
        row(3, 'failed', 95, { nextAttemptAt: at(91) }),
        row(4, 'failed', 100, { nextAttemptAt: at(10) }), // an admin retried it ten days ago
        row(5, 'pending', 200, { nextAttemptAt: at(-1) }),
        row(6, 'sent', 60, { sentAt: at(59) }),
      ]);
      expect(await sweepWebhookDeliveries(t.ctx, { batch: 1 })).toEqual({ deleted: 3 });
      expect((await deliveriesOf(sub.id)).map((d) => d.eventSeq).sort()).toEqual([2, 4, 5]);
      expect(await sweepWebhookDeliveries(t.ctx)).toEqual({ deleted: 0 });
    });

    it('retry, patch, ping and deliveries of a subscription outside the admin\'s scope are refused as not found; a retry of an unknown delivery too', async () => {
      const sub = await subscribe('南苑专用', '/scope', org.units.streetA);
      const someId = '00000000-0000-4000-8000-000000000123';
      for (const [method, p] of [
        ['patch', `${API}/${sub.id}`],
        ['post', `${API}/${sub.id}/ping`],
        ['get', `${API}/${sub.id}/deliveries`],
        ['post', `${API}/${sub.id}/deliveries/${someId}/retry`],
        ['post', `${API}/${sub.id}/rotate-secret`],
      ] as const) {
        const res = method === 'get' ? await adminB.get(p) : method === 'post' ? await adminB.post(p) : await adminB.patch(p, { active: false });
        expect(res.status, `${method} ${p}`).toBe(404);
        expect(res.body.code).toBe('WEBHOOK_NOT_FOUND');
      }
      expect(rx.at('/scope')).toEqual([]);
      const unknown = await admin.post(`${API}/${sub.id}/deliveries/${someId}/retry`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
      expect((await client(server).raw('POST', `${API}/${sub.id}/deliveries/${someId}/retry`, {})).status).toBe(401);
    });

    it('neither the secret nor a token in the URL reaches the logs (worker failures, retries, ping)', async () => {
      await quiet();
      const res = await admin.post(API, { name: '日志检查', url: `${rx.base}/logs?token=URLTOKEN789`, eventTypes: ['case.registered'], scopeUnitId: org.units.streetA });
      const { logger, lines } = capturedLogger();
      const logged: AppContext = { ...t.ctx, logger };
      rx.on('/logs', (_req, res2) => res2.writeHead(500).end('nope'));
      await register(org.units.gridA1);
      await runWebhooksOnce(logged);
      for (let i = 0; i < 3; i++) {
        t.clock.advance(4 * 3_600_000);
        await runWebhooksOnce(logged);
      }
      await pingSubscriptionAsAdmin(logged, org.actors.admin, res.body.id);
      const text = lines.join('');
      expect(text).toMatch(/webhook delivery (will be retried|given up)/);
      expect(text).not.toContain(res.body.secret);
      expect(text).not.toContain(res.body.secret.slice(6));
      expect(text).not.toContain('URLTOKEN789');
      admin = await loginAs(server, org.usernames.admin!);
      adminA = await loginAs(server, 'admin.street-a');
      adminB = await loginAs(server, 'admin.street-b');
    });
  });
}
