import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { seedDemoCategoryQuestions } from '../src/services/seed-categories.js';
import { fromXml, schemaErrors, type ResponseKind } from './fixtures/open311/schemas.js';
import { XMLValidator } from 'fast-xml-parser';
import { ownCasesQuery } from '../src/services/open311/read-requests.js';

/** Given SQL with $n placeholders and its parameters, returns it with the values written in (for EXPLAIN). */
function inline(text: string, params: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_m, n) => {
    const v = params[Number(n) - 1];
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
}

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

    describe('what a key reads: personal data kept back, reads audited against the key', () => {
      const runSql = async <T,>(q: ReturnType<typeof sql>) => ((await t.ctx.db.execute(q)) as unknown as { rows: T[] }).rows;
      const postRealtime = async (extra: Record<string, string> = {}) => {
        const posted = await api.post('requests.json', { form: { ...lampForm(realtimeKey), ...extra } });
        expect(posted.status, posted.text).toBe(200);
        return posted.body[0].service_request_id as string;
      };

      it('ID and phone numbers in the text are masked, coordinates rounded to about 100 m', async () => {
        const id = await postRealtime({ description: '我叫李四，身份证330102199001011234，电话13900001111，家门口路灯不亮。', lat: '30.412345', long: '120.298765' });
        for (const format of ['json', 'xml'] as const) {
          const one = await api.get(`requests/${id}.${format}?api_key=${realtimeKey}`);
          expectValid(one, 200, 'requests', format);
          expect(one.text).not.toContain('330102199001011234');
          expect(one.text).not.toContain('13900001111');
          expect(one.body[0].description).toContain('139****1111');
          expect(one.body[0]).toMatchObject({ lat: 30.412, long: 120.299 });
        }
        const listed = await api.get(`requests.json?api_key=${realtimeKey}&service_request_id=${id}`);
        expect(listed.text).not.toContain('13900001111');
        expect(listed.body[0].lat).toBe(30.412);
      });

      it('the reason of a refusal and a reply reach the key with their phone numbers masked', async () => {
        const posted = await api.post('requests.json', { form: lampForm(batchKey, { description: '路灯坏了，要求赔偿两万元。' }) });
        const stored = await caseOfToken(posted.body[0].token);
        const dispatcher = await loginAs(server, org.usernames.dispatcher!);
        const reason = '赔偿争议请向人民法院起诉，咨询电话13812345678';
        expect((await dispatcher.post(`/api/cases/${stored.id}/commands`, { type: 'refuse', reason, legalChannel: 'court' })).status).toBe(200);
        const one = await api.get(`requests/${stored.number}.json?api_key=${batchKey}`);
        expect(one.body[0].status_notes).toBe('不予受理。不予受理：赔偿争议请向人民法院起诉，咨询电话138****5678');
      });

      it('a confidential case or an accusation shows only its state: no text, no place, no reply', async () => {
        const id = await postRealtime({ description: '反映某单位工作人员吃拿卡要，电话13900001111。', lat: '30.412345', long: '120.298765' });
        await t.ctx.db.execute(sql`update cases set confidential = true, reply_text = '经查属实，已处理', reply_opinion = 'support' where number = ${id}`);
        const hidden = await api.get(`requests/${id}.json?api_key=${realtimeKey}`);
        expectValid(hidden, 200, 'requests', 'json');
        expect(hidden.body[0]).toMatchObject({ service_request_id: id, description: '（保密件，内容不予提供）', status_notes: '已受理', address: null, lat: null, long: null });
        expect(hidden.text).not.toContain('吃拿卡要');
        expect(hidden.text).not.toContain('经查属实');

        await t.ctx.db.execute(sql`update cases set confidential = false, accused_unit_paths = array[${'/accused/'}]::text[] where number = ${id}`);
        for (const format of ['json', 'xml'] as const) {
          const accused = await api.get(`requests.${format}?api_key=${realtimeKey}&service_request_id=${id}`);
          expectValid(accused, 200, 'requests', format);
          expect(accused.body[0].description).toBe('（保密件，内容不予提供）');
          expect(accused.text).not.toContain('吃拿卡要');
          expect(accused.body[0].lat).toBeNull();
        }
      });

      it('a read is audited with the key as its target and no person as its actor', async () => {
        const id = await postRealtime();
        expect((await api.get(`requests/${id}.json?api_key=${realtimeKey}`)).status).toBe(200);
        expect((await api.get(`requests.json?api_key=${realtimeKey}&service_request_id=${id}`)).status).toBe(200);
        const keyId = (await runSql<{ id: string }>(sql`select id from api_keys where name = '12345 热线系统'`))[0]!.id;
        const rows = await runSql<{ action: string; actor_id: string | null; target_type: string; target_id: string; data: { numbers: string[] } }>(
          sql`select action, actor_id, target_type, target_id, data from audit_log where action in ('open311.request_read', 'open311.requests_read') and data->'numbers' ? ${id} order by id`,
        );
        expect(rows.map((r) => [r.action, r.actor_id, r.target_type, r.target_id])).toEqual([
          ['open311.request_read', null, 'api_key', keyId],
          ['open311.requests_read', null, 'api_key', keyId],
        ]);
      });

      it('a page of refused and answered cases reads their decisions in one query, not one per case', async () => {
        const dispatcher = await loginAs(server, org.usernames.dispatcher!);
        const admin = await loginAs(server, org.usernames.admin!);
        const pageKey = (await admin.post('/api/admin/api-keys', { name: '整页读取' })).body.key as string;
        for (let i = 0; i < 6; i++) {
          const posted = await api.post('requests.json', { form: lampForm(pageKey, { description: `第 ${i} 件：路灯坏了，要求赔偿。` }) });
          const stored = await caseOfToken(posted.body[0].token);
          const cmd = i % 2 ? { type: 'refuse', reason: `理由 ${i}`, legalChannel: 'court' } : { type: 'answer_on_spot', answer: `答复 ${i}` };
          expect((await dispatcher.post(`/api/cases/${stored.id}/commands`, cmd)).status).toBe(200);
        }
        const session = (t.ctx.db as unknown as { session: { logger: { logQuery(q: string, p: unknown[]): void } } }).session;
        const before = session.logger;
        const seen: string[] = [];
        session.logger = { logQuery: (q) => void seen.push(q) };
        let page: Answer;
        try {
          page = await api.get(`requests.json?api_key=${pageKey}`);
        } finally {
          session.logger = before;
        }
        expect(page.body.length).toBe(6);
        expect(page.body.map((r: any) => r.status_notes).sort()).toEqual(
          ['即时办结。当场答复：答复 0', '即时办结。当场答复：答复 2', '即时办结。当场答复：答复 4', '不予受理。不予受理：理由 1', '不予受理。不予受理：理由 3', '不予受理。不予受理：理由 5'].sort(),
        );
        expect(seen.filter((q) => q.includes('"case_events"')).length).toBe(1);
      });

      it('text XML cannot carry (&, <, control characters, U+FFFE, a lone surrogate) comes out well-formed and schema-valid', async () => {
        const id = await postRealtime();
        const nasty = `A&B <tag> "q" 'a' \u0001ctl\uFFFEnon \uD800lone ]]> 完`;
        await t.ctx.db.execute(sql`update cases set content = ${nasty} where number = ${id}`);
        const one = await api.get(`requests/${id}.xml?api_key=${realtimeKey}`);
        expect(XMLValidator.validate(one.text)).toBe(true);
        expectValid(one, 200, 'requests', 'xml');
        expect(one.body[0].description).toContain('A&B <tag>');
        expect(one.body[0].description).toContain('完');
        expect(one.text).not.toMatch(/[\u0001\uFFFE]/);
      });

      it('GET requests of one key walks the (region, api_key_id, created_at) index', async () => {
        if (t.kind !== 'postgres') return; // PGlite plans alike, but the planner's choice is PostgreSQL's to show
        const keyId = (await runSql<{ id: string }>(sql`select id from api_keys where name = '12345 热线系统'`))[0]!.id;
        const plan = await t.ctx.db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_seqscan = off`);
          const q = ownCasesQuery(tx, t.ctx.config.REGION, keyId, [], 50, 0).toSQL();
          const r = (await tx.execute(sql.raw(`explain ${inline(q.sql, q.params)}`))) as unknown as { rows: Array<{ 'QUERY PLAN': string }> };
          return r.rows.map((x) => x['QUERY PLAN']).join('\n');
        });
        expect(plan).toContain('open311_tokens_key_idx');
      });
    });

    describe('POST parameters', () => {
      it('attribute codes that would reach a prototype, over-long codes and a list for attribute are refused, not dropped', async () => {
        const proto = await api.post('requests.json', { form: lampForm(batchKey, { 'attribute[__proto__][]': 'x' }) });
        expect(proto.status).toBe(400);
        expect(proto.body.map((e: any) => e.description).join(' ')).toContain('attribute[__proto__]');
        expect(({} as Record<string, unknown>).x).toBeUndefined();
        for (const code of ['constructor', 'prototype', 'c'.repeat(61)]) {
          const bad = await api.post('requests.json', { form: lampForm(batchKey, { [`attribute[${code}]`]: 'x' }) });
          expect(bad.status, code).toBe(400);
          expect(bad.body[0].xf_code).toBe('VALIDATION_FAILED');
        }
        const { 'attribute[lamp_no]': _n, 'attribute[lamp_damage]': _d, ...plain } = lampForm(batchKey);
        const list = await api.post('requests.json', { json: { ...plain, attribute: ['LD-1'] } });
        expect(list.status).toBe(400);
        expect(list.body[0].description).toContain('attribute');
      });

      it('email, device_id and media_url are accepted; the notice says what was not kept; the media link stays in the content', async () => {
        const posted = await api.post('requests.json', {
          form: lampForm(realtimeKey, { email: 'li4@example.cn', device_id: 'dev-1', media_url: 'https://img.example.cn/lamp.jpg' }),
        });
        expect(posted.status, posted.text).toBe(200);
        const notice = posted.body[0].service_notice as string;
        expect(notice).toContain('电子邮箱（email');
        expect(notice).toContain('设备编号（device_id）');
        expect(notice).toContain('附件链接（media_url）已作为文字记入诉求内容');
        const id = posted.body[0].service_request_id;
        const row = (await t.ctx.db.execute(sql`select content from cases where number = ${id}`)) as unknown as { rows: Array<{ content: string }> };
        expect(row.rows[0]!.content).toContain('附件链接（media_url）：https://img.example.cn/lamp.jpg');
        expect(JSON.stringify(row.rows[0])).not.toContain('li4@example.cn');
        const plain = await api.post('requests.json', { form: lampForm(realtimeKey) });
        expect(plain.body[0].service_notice).not.toContain('未保存');
      });
    });

    describe('Idempotency-Key under concurrent retries', () => {
      for (const which of ['batch', 'realtime'] as const) {
        it(`5 identical POSTs at once with one key (${which}): one case, one token, the same answer to all`, async () => {
          const key = which === 'batch' ? batchKey : realtimeKey;
          const headers = { 'idempotency-key': `burst-${which}-0001` };
          const form = lampForm(key, { description: `同时重试的提交（${which}）：路灯不亮。` });
          const answers = await Promise.all(Array.from({ length: 5 }, () => api.post('requests.json', { form, headers })));
          expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
          expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
          const made = (await t.ctx.db.execute(sql`select c.id, c.state, (select count(*)::int from open311_tokens o where o.case_id = c.id) as tokens from cases c where c.content = ${form.description}`)) as unknown as {
            rows: Array<{ id: string; state: string; tokens: number }>;
          };
          expect(made.rows.length).toBe(1);
          expect(made.rows[0]!.tokens).toBe(1);
          expect(made.rows[0]!.state).toBe(which === 'batch' ? 'registered' : 'accepted');
          const accepts = (await t.ctx.db.execute(sql`select count(*)::int as n from case_events where case_id = ${made.rows[0]!.id} and type = 'case.accepted'`)) as unknown as { rows: Array<{ n: number }> };
          expect(accepts.rows[0]!.n).toBe(which === 'batch' ? 0 : 1);
          // A later retry still gets the same answer.
          expect(JSON.stringify((await api.post('requests.json', { form, headers })).body)).toBe(JSON.stringify(answers[0]!.body));
        });
      }

      it('the same Idempotency-Key with a different body is refused (400 IDEMPOTENCY_CONFLICT), making nothing', async () => {
        const headers = { 'idempotency-key': 'reused-key-0001' };
        expect((await api.post('requests.json', { form: lampForm(batchKey, { description: '第一次提交：路灯不亮。' }), headers })).status).toBe(200);
        const other = await api.post('requests.json', { form: lampForm(batchKey, { description: '另一件事：井盖缺失。' }), headers });
        expect(other.status).toBe(400);
        expect(other.body[0].xf_code).toBe('IDEMPOTENCY_CONFLICT');
        const made = (await t.ctx.db.execute(sql`select count(*)::int as n from cases where content = '另一件事：井盖缺失。'`)) as unknown as { rows: Array<{ n: number }> };
        expect(made.rows[0]!.n).toBe(0);
      });
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

      it('errors Fastify raises before any route (over-long parameter, bad percent-escape) keep the spec’s format', async () => {
        const long = expectError(await api.get(`tokens/${'a'.repeat(120)}.xml`), 404, 'NOT_FOUND', 'xml');
        expect(long.length).toBe(1);
        expect(XMLValidator.validate((await api.get(`tokens/${'a'.repeat(120)}.xml`)).text)).toBe(true);
        expectError(await api.get(`tokens/${'a'.repeat(120)}.json`), 404, 'NOT_FOUND');
        expectError(await api.get('requests/%E0%A4%A.xml'), 400, 'VALIDATION_FAILED', 'xml');
        expectError(await api.get('requests/%E0%A4%A.json'), 400, 'VALIDATION_FAILED');
        // Elsewhere the app's own body stays.
        const elsewhere = await fetch(`${server.base}/api/cases/%E0%A4%A`);
        expect(((await elsewhere.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
      });

      it('more than 200 ids, or a start date after now without an end date, are refused with a message that fits', async () => {
        const ids = Array.from({ length: 201 }, (_, i) => `YH-2026-${String(i).padStart(6, '0')}`).join(',');
        const many = expectError(await api.get(`requests.json?api_key=${batchKey}&service_request_id=${ids}`), 400, 'VALIDATION_FAILED');
        expect(many[0]!.description).toBe('service_request_id：一次最多查询 200 个件号');
        const future = encodeURIComponent(new Date(t.clock.now().getTime() + 86_400_000).toISOString());
        const ahead = expectError(await api.get(`requests.json?api_key=${batchKey}&start_date=${future}`), 400, 'VALIDATION_FAILED');
        expect(ahead[0]!.description).toBe('start_date：开始时间（start_date）不能晚于当前时间');
        expect(ahead[0]!.description).not.toContain('结束');
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
    const PUBLIC_RATE = 5;
    /** Given a test, returns a fresh server (its own counters) closed after the test. */
    const freshServer = async (use: (s: TestServer) => Promise<void>) => {
      const s = await startServer(t.ctx, { rateLimit: true });
      try {
        await use(s);
      } finally {
        await s.close();
      }
    };
    beforeAll(async () => {
      t = await makeTestContext(kind, { env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(PUBLIC_RATE) } });
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

    it('refused requests count too: invalid parameters, an unknown format and an unknown resource use up the key’s minute', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const key = (await admin.post('/api/admin/api-keys', { name: '限速 4 次', ratePerMinute: 4 })).body.key as string;
      await freshServer(async (s) => {
        const api = open311(s);
        expect((await api.get(`requests.json?api_key=${key}&page=0`)).status).toBe(400);
        expect((await api.get(`requests.json?api_key=${key}&page=0`)).status).toBe(400);
        expect((await api.get(`requests/x.yaml?api_key=${key}`)).status).toBe(400);
        expect((await api.get(`nothing-here.json?api_key=${key}`)).status).toBe(404);
        const fifth = await api.get(`requests.json?api_key=${key}`);
        expectValid(fifth, 429, 'errors', 'json');
        expect(fifth.body[0].xf_code).toBe('RATE_LIMITED');
      });
    });

    it('without a key a client is limited by its address at the public rate; invented keys do not escape it, and a limited request touches no key', async () => {
      await freshServer(async (s) => {
        const api = open311(s);
        for (let i = 0; i < PUBLIC_RATE; i++) expect((await api.get('services.json')).status).toBe(200);
        expectValid(await api.get('services.json'), 429, 'errors', 'json');
      });
      await freshServer(async (s) => {
        const api = open311(s);
        const invented = () => `xf_${crypto.randomBytes(30).toString('base64').replace(/[^0-9A-Za-z]/g, '').slice(0, 40).padEnd(40, 'Q')}`;
        for (let i = 0; i < PUBLIC_RATE; i++) expect((await api.get(`requests.json?api_key=${invented()}`)).status).toBe(403);
        const session = (t.ctx.db as unknown as { session: { logger: { logQuery(q: string, p: unknown[]): void } } }).session;
        const before = session.logger;
        const seen: string[] = [];
        session.logger = { logQuery: (q) => void seen.push(q) };
        try {
          expect((await api.get(`requests.json?api_key=${invented()}`)).status).toBe(429);
        } finally {
          session.logger = before;
        }
        expect(seen).toEqual([]);
      });
    });

    it('a revoked key is refused at once, though its rate is still remembered', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const issued = (await admin.post('/api/admin/api-keys', { name: '将被吊销', ratePerMinute: 100 })).body;
      await freshServer(async (s) => {
        const api = open311(s);
        expect((await api.get(`requests.json?api_key=${issued.key}`)).status).toBe(200);
        expect((await admin.post(`/api/admin/api-keys/${issued.id}/revoke`)).status).toBe(200);
        expect((await api.get(`requests.json?api_key=${issued.key}`)).status).toBe(403);
      });
    });

    it('the request log never holds an api_key, from the query string or a form', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const key = (await admin.post('/api/admin/api-keys', { name: '日志检查' })).body.key as string;
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const app = await buildApp({ ...t.ctx, logger: pino({ level: 'info' }, destination) }, { rateLimit: false, web: false });
      try {
        await app.inject({ method: 'GET', url: `/open311/v2/requests.json?api_key=${key}&page=1` });
        await app.inject({ method: 'GET', url: `/open311/v2/requests.json?page=0&api_key=${key}` });
        await app.inject({ method: 'GET', url: `/open311/v2/nothing.xml?api_key=${key}` });
        await app.inject({
          method: 'POST',
          url: '/open311/v2/requests.json',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ api_key: key, service_code: '010201', address_string: '梅园路 1 号', description: '想咨询公租房申请需要哪些材料。', first_name: '五', last_name: '王' }).toString(),
        });
      } finally {
        await app.close();
      }
      const log = lines.join('');
      expect(log).toContain('/open311/v2/requests.json?api_key=***&page=1');
      expect(log).toContain('page=0&api_key=***');
      expect(log).not.toContain(key);
      expect(log).not.toContain(key.slice(10));
    });
  });
}
