import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { seedDemoCategoryQuestions } from '../src/services/seed-categories.js';
import { fromXml, schemaErrors, type ResponseKind } from './fixtures/open311/schemas.js';

const LAMPS = '010602'; // 路灯: lamp_no (string, required), lamp_damage (single-value list)
const NOISE = '0703'; // noise_periods (multi-value list, required), noise_since (datetime)

interface Answer {
  status: number;
  type: string;
  body: any;
  text: string;
}

/** Given a server, returns a raw Open311 client: each answer parsed from JSON or XML as its suffix says. */
function open311(server: TestServer) {
  const call = async (method: string, path: string, init: { form?: Record<string, string | string[]>; json?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(init.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${server.base}/open311/v2/${path}`, { method, headers, body });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const xml = /\.xml(\?|$)/.test(path);
    return { status: res.status, type, text, body: xml ? fromXml(text).body : JSON.parse(text) };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, init: { form?: Record<string, string | string[]>; json?: unknown; headers?: Record<string, string> }) => call('POST', path, init),
  };
}

/** Asserts the answer has the status, the format's content type and passes its GeoReport v2 schema. */
function expectValid(a: Answer, status: number, kind: ResponseKind, format: 'json' | 'xml') {
  expect(a.status, a.text).toBe(status);
  expect(a.type).toBe(format === 'xml' ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8');
  if (format === 'xml') expect(a.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  expect(schemaErrors(kind, a.body)).toEqual([]);
}

for (const kind of DB_KINDS) {
  describe(`Open311 GeoReport v2 [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let api: ReturnType<typeof open311>;
    let batchKey: string;
    let realtimeKey: string;
    let otherKey: string;

    const caseOfToken = async (token: string) => {
      const r = (await t.ctx.db.execute(sql`select c.id, c.number, c.answers, c.next_due_at from open311_tokens o join cases c on c.id = o.case_id where o.token = ${token}`)) as unknown as {
        rows: Array<{ id: string; number: string; answers: Record<string, unknown>; next_due_at: Date | string | null }>;
      };
      return r.rows[0]!;
    };
    const lampForm = (key: string, extra: Record<string, string | string[]> = {}) => ({
      api_key: key,
      service_code: LAMPS,
      lat: '30.41',
      long: '120.3',
      description: '梅园小区北门路灯坏了一个多月，晚上出行很不安全。',
      first_name: '四',
      last_name: '李',
      phone: '13900001111',
      'attribute[lamp_no]': 'LD-0231',
      'attribute[lamp_damage]': 'dark',
      ...extra,
    });

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      await seedDemoCategoryQuestions(t.ctx);
      server = await startServer(t.ctx);
      api = open311(server);
      const admin = await loginAs(server, org.usernames.admin!);
      batchKey = (await admin.post('/api/admin/api-keys', { name: '市民随手拍 App' })).body.key;
      realtimeKey = (await admin.post('/api/admin/api-keys', { name: '12345 热线系统', actingUserId: org.actors.dispatcher.userId })).body.key;
      otherKey = (await admin.post('/api/admin/api-keys', { name: '另一个客户端' })).body.key;
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    for (const format of ['json', 'xml'] as const) {
      it(`discovery names this endpoint, both formats and the spec (${format})`, async () => {
        const d = await api.get(`discovery.${format}`);
        expectValid(d, 200, 'discovery', format);
        expect(d.body.endpoints[0].url).toBe(`${server.base}/open311/v2`);
        expect(d.body.endpoints[0].formats).toEqual(['text/xml', 'application/json']);
      });

      it(`full round trip: services → definition → POST (form) → token → accepted by staff → id → request (${format})`, async () => {
        // services: every active category; the lamp category has questions (metadata) and, for a key without
        // an acting user, answers POSTs with a token (batch).
        const services = await api.get(`services.${format}?api_key=${batchKey}`);
        expectValid(services, 200, 'services', format);
        const lamps = services.body.find((s: any) => s.service_code === LAMPS);
        expect(lamps).toMatchObject({ metadata: true, type: 'batch', group: '城乡建设' });
        expect(services.body.find((s: any) => s.service_code === '010101')).toMatchObject({ metadata: true }); // 0101 asks the estate's name
        expect(services.body.find((s: any) => s.service_code === '010201')).toMatchObject({ metadata: false });

        const def = await api.get(`services/${LAMPS}.${format}`);
        expectValid(def, 200, 'definition', format);
        expect(def.body.service_code).toBe(LAMPS);
        expect(def.body.attributes.map((a: any) => [a.code, a.datatype, a.required, a.order])).toEqual([
          ['lamp_no', 'string', true, 1],
          ['lamp_damage', 'singlevaluelist', false, 2],
        ]);
        expect(def.body.attributes[0]).toMatchObject({ variable: true, description: '灯杆编号' });
        expect(def.body.attributes[1].values).toContainEqual({ key: 'dark', name: '灯不亮' });

        const posted = await api.post(`requests.${format}`, { form: lampForm(batchKey) });
        expectValid(posted, 200, 'post', format);
        const token = posted.body[0].token as string;
        expect(token).toMatch(/^[0-9a-f]{32}$/);
        expect(posted.body[0].service_request_id).toBeUndefined();
        expect(posted.body[0].service_notice).toContain('15 日内');

        // Before acceptance the token gives no id yet.
        const waiting = await api.get(`tokens/${token}.${format}`);
        expectValid(waiting, 200, 'token', format);
        expect(waiting.body).toEqual([{ token }]);
        const stored = await caseOfToken(token);
        expect(stored.answers).toEqual({ lamp_no: 'LD-0231', lamp_damage: 'dark' });
        // Not listed either: the key does not know the id yet.
        expect((await api.get(`requests.${format}?api_key=${batchKey}&service_request_id=${stored.number}`)).body).toEqual([]);

        // The petition office accepts it and sends it to the housing bureau, through the normal staff API.
        const dispatcher = await loginAs(server, org.usernames.dispatcher!);
        expect((await dispatcher.post(`/api/cases/${stored.id}/commands`, { type: 'accept' })).status).toBe(200);
        const accepted = await api.get(`tokens/${token}.${format}`);
        expectValid(accepted, 200, 'token', format);
        expect(accepted.body).toEqual([{ service_request_id: stored.number, token }]);

        const one = await api.get(`requests/${stored.number}.${format}?api_key=${batchKey}`);
        expectValid(one, 200, 'requests', format);
        expect(one.body[0]).toMatchObject({ service_request_id: stored.number, status: 'open', status_notes: '已受理', service_code: LAMPS, agency_responsible: '区信访局' });

        expect((await dispatcher.post(`/api/cases/${stored.id}/commands`, { type: 'dispatch', leadUnitId: org.units.housing })).status).toBe(200);
        const after = await api.get(`requests/${stored.number}.${format}?api_key=${batchKey}`);
        expectValid(after, 200, 'requests', format);
        const due = (await caseOfToken(token)).next_due_at;
        expect(after.body[0]).toMatchObject({ status: 'open', status_notes: '已交办', agency_responsible: '区住建局', lat: 30.41, long: 120.3 });
        expect(new Date(after.body[0].expected_datetime).getTime()).toBe(new Date(due!).getTime());
        expect(after.body[0].requested_datetime).toMatch(/\+08:00$/);
        expect(after.body[0].description).toBe('梅园小区北门路灯坏了一个多月，晚上出行很不安全。');
      });

      it(`a key with an acting user gets the case number at once, accepted in that user's name (${format})`, async () => {
        const posted = await api.post(`requests.${format}`, {
          json: {
            api_key: realtimeKey,
            service_code: NOISE,
            address_string: '云湖区梅园路 18 号 3 幢 502 室',
            description: '楼下酒吧每天夜里噪音很大，影响休息。',
            first_name: 'Anna',
            last_name: 'Schmidt',
            account_id: 'acct-77',
            attribute: { noise_periods: ['evening', 'night'], noise_since: '2026-03-01T23:30:00+08:00' },
          },
        });
        expectValid(posted, 200, 'post', format);
        const id = posted.body[0].service_request_id as string;
        expect(id).toMatch(/^YH-2026-\d{6}$/);
        expect(posted.body[0].token).toBeUndefined();
        expect(posted.body[0].account_id).toBe('acct-77');

        const services = await api.get(`services.${format}?api_key=${realtimeKey}`);
        expect(services.body.find((s: any) => s.service_code === NOISE).type).toBe('realtime');

        const one = await api.get(`requests/${id}.${format}?api_key=${realtimeKey}`);
        expectValid(one, 200, 'requests', format);
        // The address is shown masked: a petition's address is personal data.
        expect(one.body[0]).toMatchObject({ status: 'open', status_notes: '已受理', address: '云湖区梅园路****', lat: null, long: null });
        const ev = (await t.ctx.db.execute(sql`select e.type, e.actor_id from case_events e join cases c on c.id = e.case_id where c.number = ${id} order by e.seq`)) as unknown as {
          rows: Array<{ type: string; actor_id: string }>;
        };
        expect(ev.rows.map((r) => [r.type, r.actor_id])).toEqual([
          ['case.registered', org.actors.dispatcher.userId],
          ['case.accepted', org.actors.dispatcher.userId],
        ]);
        // Another key cannot read it.
        expect((await api.get(`requests/${id}.${format}?api_key=${otherKey}`)).status).toBe(404);
      });
    }

    it('GET requests: only the key’s own, filtered by id list, service, status and dates, paged', async () => {
      const mine = await api.get(`requests.json?api_key=${realtimeKey}`);
      expectValid(mine, 200, 'requests', 'json');
      expect(mine.body.length).toBe(2);
      expect(mine.body.every((r: any) => r.service_code === NOISE)).toBe(true);
      // newest first, one per page
      const p1 = await api.get(`requests.json?api_key=${realtimeKey}&page_size=1`);
      const p2 = await api.get(`requests.json?api_key=${realtimeKey}&page_size=1&page=2`);
      expect([p1.body[0].service_request_id, p2.body[0].service_request_id]).toEqual(mine.body.map((r: any) => r.service_request_id));
      expect((await api.get(`requests.json?api_key=${realtimeKey}&page=3&page_size=1`)).body).toEqual([]);
      const ids = mine.body.map((r: any) => r.service_request_id).join(',');
      expect((await api.get(`requests.xml?api_key=${realtimeKey}&service_request_id=${ids}`)).body.length).toBe(2);
      expect((await api.get(`requests.json?api_key=${realtimeKey}&status=closed`)).body).toEqual([]);
      expect((await api.get(`requests.json?api_key=${realtimeKey}&status=open,closed&service_code=${NOISE}`)).body.length).toBe(2);
      expect((await api.get(`requests.json?api_key=${realtimeKey}&service_code=${LAMPS}`)).body).toEqual([]);
      const early = encodeURIComponent('2025-01-01T00:00:00+08:00');
      const later = encodeURIComponent('2025-03-01T00:00:00+08:00');
      expect((await api.get(`requests.json?api_key=${realtimeKey}&start_date=${early}&end_date=${later}`)).body).toEqual([]);
      // The other key submitted nothing: it sees nothing, whatever it asks.
      expect((await api.get(`requests.json?api_key=${otherKey}&service_request_id=${ids}`)).body).toEqual([]);
      // Reads are audited against the key.
      const audited = (await t.ctx.db.execute(sql`select count(*)::int as n from audit_log where action like 'open311.request%'`)) as unknown as { rows: Array<{ n: number }> };
      expect(audited.rows[0]!.n).toBeGreaterThan(3);
    });

    it('a refused petition is closed, with the reason in the status notes', async () => {
      const posted = await api.post('requests.json', { form: lampForm(batchKey, { description: '路灯坏了，要求赔偿我家电器损失两万元。' }) });
      const stored = await caseOfToken(posted.body[0].token);
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const refused = await dispatcher.post(`/api/cases/${stored.id}/commands`, { type: 'refuse', reason: '赔偿争议请向人民法院起诉', legalChannel: 'court' });
      expect(refused.status).toBe(200);
      const one = await api.get(`requests/${stored.number}.xml?api_key=${batchKey}`);
      expectValid(one, 200, 'requests', 'xml');
      expect(one.body[0]).toMatchObject({ status: 'closed', status_notes: '不予受理。不予受理：赔偿争议请向人民法院起诉', expected_datetime: null });
    });

    it('an Idempotency-Key retry makes no second case and answers with the same token', async () => {
      const headers = { 'idempotency-key': 'app-retry-0001' };
      const a = await api.post('requests.json', { form: lampForm(batchKey), headers });
      const b = await api.post('requests.json', { form: lampForm(batchKey), headers });
      expect(a.status).toBe(200);
      expect(b.body[0].token).toBe(a.body[0].token);
    });

    describe('errors in the spec’s format and codes', () => {
      const expectError = (a: Answer, status: number, xfCode: string, format: 'json' | 'xml' = 'json') => {
        expectValid(a, status, 'errors', format);
        expect(a.body[0].code).toBe(status);
        expect(a.body[0].xf_code).toBe(xfCode);
        return a.body as { code: number; description: string; xf_code: string }[];
      };

      it('a missing, wrong or revoked key is 403', async () => {
        expectError(await api.post('requests.json', { form: { ...lampForm(batchKey), api_key: '' } }), 403, 'OPEN311_API_KEY_INVALID');
        expectError(await api.post('requests.xml', { form: lampForm('xf_' + 'a'.repeat(40)) }), 403, 'OPEN311_API_KEY_INVALID', 'xml');
        expectError(await api.get('requests.json?api_key=nonsense'), 403, 'OPEN311_API_KEY_INVALID');
        const admin = await loginAs(server, org.usernames.admin!);
        const issued = (await admin.post('/api/admin/api-keys', { name: '将被吊销' })).body;
        expect((await api.post('requests.json', { form: lampForm(issued.key) })).status).toBe(200);
        await admin.post(`/api/admin/api-keys/${issued.id}/revoke`);
        expectError(await api.post('requests.json', { form: lampForm(issued.key) }), 403, 'OPEN311_API_KEY_INVALID');
        expectError(await api.get(`requests.json?api_key=${issued.key}`), 403, 'OPEN311_API_KEY_INVALID');
      });

      it('an unknown service, request, token or resource is 404', async () => {
        expectError(await api.get('services/9999.json'), 404, 'OPEN311_SERVICE_NOT_FOUND');
        expectError(await api.get('services/9999.xml'), 404, 'OPEN311_SERVICE_NOT_FOUND', 'xml');
        expectError(await api.post('requests.json', { form: lampForm(batchKey, { service_code: '9999' }) }), 404, 'OPEN311_SERVICE_NOT_FOUND');
        expectError(await api.get(`requests/YH-2026-999999.json?api_key=${batchKey}`), 404, 'OPEN311_REQUEST_NOT_FOUND');
        expectError(await api.get(`tokens/${'0'.repeat(32)}.json`), 404, 'OPEN311_TOKEN_NOT_FOUND');
        expectError(await api.get('nothing-here.json'), 404, 'NOT_FOUND');
        expectError(await api.get('requests/abc'), 404, 'NOT_FOUND');
      });

      it('bad parameters are 400, each naming the parameter', async () => {
        const descr = (a: Answer | { description: string }[]) => (Array.isArray(a) ? a : (a.body as { description: string }[])).map((e) => e.description).join(' | ');
        const badDate = await api.get(`requests.json?api_key=${batchKey}&start_date=yesterday`);
        expectError(badDate, 400, 'VALIDATION_FAILED');
        expect(descr(badDate)).toContain('start_date');
        const span = await api.get(`requests.json?api_key=${batchKey}&start_date=${encodeURIComponent('2025-01-01T00:00:00Z')}&end_date=${encodeURIComponent('2025-12-01T00:00:00Z')}`);
        expect(descr(expectError(span, 400, 'VALIDATION_FAILED') )).toContain('90');
        const bigPage = await api.get(`requests.json?api_key=${batchKey}&page_size=500`);
        expectError(bigPage, 400, 'VALIDATION_FAILED');
        expect(descr(bigPage)).toContain('page_size');
        expectError(await api.get(`requests.json?api_key=${batchKey}&status=pending`), 400, 'VALIDATION_FAILED');
        expectError(await api.get('services.yaml'), 400, 'VALIDATION_FAILED');

        const { lat: _lat, long: _long, ...noPlace } = lampForm(batchKey);
        const noLocation = await api.post('requests.json', { form: noPlace });
        expectError(noLocation, 400, 'VALIDATION_FAILED');
        expect(descr(noLocation)).toContain('address_string');

        const badAnswer = await api.post('requests.xml', { form: lampForm(batchKey, { 'attribute[lamp_damage]': 'exploded' }) });
        expectError(badAnswer, 400, 'VALIDATION_FAILED', 'xml');
        expect(descr(badAnswer)).toContain('attribute[lamp_damage]');
        const { 'attribute[lamp_no]': _no, ...unanswered } = lampForm(batchKey);
        const missing = await api.post('requests.json', { form: unanswered });
        expect(descr(expectError(missing, 400, 'VALIDATION_FAILED') )).toContain('attribute[lamp_no]：请回答：灯杆编号');
        const noise = await api.post('requests.json', { form: { ...lampForm(batchKey), service_code: NOISE, 'attribute[noise_periods][]': ['night', 'never'] } });
        expect(descr(noise)).toContain('attribute[noise_periods]');

        const phone = await api.post('requests.json', { form: lampForm(batchKey, { phone: '1390000' }) });
        expectError(phone, 400, 'PHONE_INVALID');
        expect(descr(phone)).toContain('phone');
        const nameless = await api.post('requests.json', { form: lampForm(batchKey, { first_name: '', last_name: '' }) });
        expect(descr(expectError(nameless, 400, 'VALIDATION_FAILED') )).toContain('first_name');
        expectError(await api.post('requests.json', { form: lampForm(batchKey, { lat: 'north' }) }), 400, 'VALIDATION_FAILED');
        expectError(await api.post('requests.json', { form: lampForm(batchKey, { description: 'x' }) }), 400, 'VALIDATION_FAILED');
      });
    });
  });

  describe(`Open311 rate limit per key [${kind}]`, () => {
    let t: TestContext;
    let server: TestServer;
    let org: MiniOrg;
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      await seedDemoCategoryQuestions(t.ctx);
      server = await startServer(t.ctx, { rateLimit: true });
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a key allowed 3 a minute gets 429 on its 4th POST while another key still works', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const slow = (await admin.post('/api/admin/api-keys', { name: '限速 3 次', ratePerMinute: 3 })).body.key;
      const other = (await admin.post('/api/admin/api-keys', { name: '另一个' })).body.key;
      const api = open311(server);
      const form = (key: string) => ({ api_key: key, service_code: '010201', address_string: '梅园路 1 号', description: '想咨询公租房申请需要哪些材料。', first_name: '五', last_name: '王' });
      for (let i = 0; i < 3; i++) expect((await api.post('requests.json', { form: form(slow) })).status).toBe(200);
      const fourth = await api.post('requests.json', { form: form(slow) });
      expectValid(fourth, 429, 'errors', 'json');
      expect(fourth.body[0].xf_code).toBe('RATE_LIMITED');
      const xml = await api.get(`services.xml?api_key=${slow}`);
      expectValid(xml, 429, 'errors', 'xml');
      expect((await api.post('requests.json', { form: form(other) })).status).toBe(200);
    });
  });
}
