/**
 * "A bad input crashes the server or corrupts data" must never happen (DOMAIN.md §9). Every public and
 * staff write endpoint gets malformed, mistyped, oversized, deeply nested and oddly encoded bodies; the
 * answer is always a 4xx with a stable `code` and a zh-CN `message`, and no rejected request leaves a
 * case, an event or an idempotency key behind.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type JsonResponse, type TestServer } from './support/server.js';
import { idCheckDigit } from '../src/domain/personal-data/id-number.js';

type Client = ReturnType<typeof client>;

const CJK = /[\u4e00-\u9fff]/;
const ERROR_KEYS = new Set(['code', 'message', 'details', 'requestId']);

/** Asserts a clean refusal: the given status and code, `{code, message[, details]}`, a Chinese message. */
function expectRefused(r: JsonResponse, status: number, code: string, label = '') {
  const seen = `${label} → ${r.status} ${JSON.stringify(r.body)?.slice(0, 300)}`;
  expect(r.status, seen).toBeLessThan(500);
  expect(r.status, seen).toBe(status);
  expect(r.body, seen).toBeTypeOf('object');
  expect(r.body?.code, seen).toBe(code);
  expect(r.body.message, seen).toMatch(CJK);
  for (const k of Object.keys(r.body)) expect(ERROR_KEYS.has(k), `${seen}: unexpected key ${k}`).toBe(true);
  expect(r.headers.get('content-type') ?? '', seen).toMatch(/^application\/json/);
}

/** Returns an 18-digit ID number with a correct check character for the given first 17 digits. */
const withCheck = (first17: string) => first17 + idCheckDigit(first17);

const PUBLIC_BODY = {
  title: '小区电梯长期故障',
  content: '荷塘社区8号楼电梯已停运一个月，老人上下楼十分困难，请督促物业维修。',
  petitioner: { name: '钱多多', phone: '13811112222' },
};
const STAFF_BODY = {
  channel: 'phone',
  nature: 'appeal',
  title: '小区电梯长期故障',
  content: '荷塘社区8号楼电梯已停运一个月，老人上下楼十分困难，请督促物业维修。',
  petitioners: [{ name: '钱多多', phone: '13811112222' }],
};

interface Endpoint {
  name: string;
  path: () => string;
  client: () => Client;
  /** a body that would pass validation (never sent as is by the refusal tests) */
  valid: () => Record<string, unknown>;
  /** the valid body with `v` put into one of its free-text fields */
  withText: (v: string) => Record<string, unknown>;
  /** how a control character / NUL / lone surrogate in that text field is refused */
  textRefusal: [number, string];
}

for (const kind of DB_KINDS) {
  describe(`bad input never crashes the server or leaves data behind [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let pub: Client;
    let dispatcher: Client;
    let caseId: string;
    let number: string;
    let queryCode: string;
    const counts = async () => {
      const one = async (table: string) =>
        Number(((await t.ctx.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] }).rows[0]!.n);
      return { cases: await one('cases'), events: await one('case_events'), petitioners: await one('case_petitioners'), idempotency: await one('idempotency_keys') };
    };
    let before: Awaited<ReturnType<typeof counts>>;

    const endpoints = (): Endpoint[] => [
      {
        name: 'POST /api/public/cases',
        path: () => '/api/public/cases',
        client: () => pub,
        valid: () => structuredClone(PUBLIC_BODY),
        withText: (v) => ({ ...PUBLIC_BODY, content: v }),
        textRefusal: [400, 'VALIDATION_FAILED'],
      },
      {
        name: 'POST /api/public/cases/:number/commands',
        path: () => `/api/public/cases/${number}/commands?code=${queryCode}`,
        client: () => pub,
        valid: () => ({ type: 'withdraw', reason: '问题已自行解决' }),
        withText: (v) => ({ type: 'withdraw', reason: v }),
        textRefusal: [400, 'VALIDATION_FAILED'],
      },
      {
        name: 'POST /api/auth/login',
        path: () => '/api/auth/login',
        client: () => pub,
        valid: () => ({ username: 'dispatcher', password: PASSWORD }),
        withText: (v) => ({ username: v, password: PASSWORD }),
        // no such user can exist: the same answer as any unknown user
        textRefusal: [401, 'AUTH_FAILED'],
      },
      {
        name: 'POST /api/cases',
        path: () => '/api/cases',
        client: () => dispatcher,
        valid: () => structuredClone(STAFF_BODY),
        withText: (v) => ({ ...STAFF_BODY, title: v }),
        textRefusal: [400, 'VALIDATION_FAILED'],
      },
      {
        name: 'POST /api/cases/:id/commands',
        path: () => `/api/cases/${caseId}/commands`,
        client: () => dispatcher,
        valid: () => ({ type: 'note', text: '电话联系未接通' }),
        withText: (v) => ({ type: 'note', text: v }),
        textRefusal: [400, 'VALIDATION_FAILED'],
      },
      {
        name: 'POST /api/cases/:id/reveal',
        path: () => `/api/cases/${caseId}/reveal`,
        client: () => dispatcher,
        valid: () => ({ reason: '核实信访人身份' }),
        withText: (v) => ({ reason: v }),
        textRefusal: [400, 'VALIDATION_FAILED'],
      },
    ];

    const rawJson = (e: Endpoint, body: string, contentType = 'application/json') =>
      e.client().raw('POST', e.path(), body, { 'content-type': contentType });

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      pub = client(server);
      dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const created = await dispatcher.post('/api/cases', { ...STAFF_BODY, gridId: org.units.gridB1, acceptNow: true });
      expect(created.status).toBe(201);
      caseId = created.body.id;
      number = created.body.number;
      queryCode = created.body.queryCode;
      before = await counts();
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    describe('every JSON write endpoint', () => {
      for (const e of endpoints()) {
        it(`${e.name}: malformed JSON, wrong JSON types, missing and extra fields`, async () => {
          for (const body of ['{"title": ', '{"a":1} trailing', "{'single':'quotes'}", '{"a":1,}', '\u0000', '{"a":"\\x41"}']) {
            expectRefused(await rawJson(e, body), 400, 'BAD_JSON', `${e.name} ${JSON.stringify(body)}`);
          }
          for (const body of ['[]', '[{"title":"x"}]', '"字符串"', '42', '-1e999', 'null', 'true']) {
            expectRefused(await rawJson(e, body), 400, 'VALIDATION_FAILED', `${e.name} ${body}`);
          }
          expectRefused(await rawJson(e, '{}'), 400, 'VALIDATION_FAILED', `${e.name} {}`);
          // each required field missing in turn
          const valid = e.valid();
          for (const key of Object.keys(valid)) {
            const { [key]: _dropped, ...rest } = valid;
            expectRefused(await e.client().post(e.path(), rest), 400, 'VALIDATION_FAILED', `${e.name} without ${key}`);
          }
          // fields of the wrong type
          for (const key of Object.keys(valid)) {
            if (key === 'type') continue;
            for (const wrong of [123, true, [], {}, null]) {
              const r = await e.client().post(e.path(), { ...valid, [key]: wrong });
              expectRefused(r, 400, 'VALIDATION_FAILED', `${e.name} ${key}=${JSON.stringify(wrong)}`);
            }
          }
          // extra fields, including prototype pollution attempts
          expectRefused(await e.client().post(e.path(), { ...valid, isAdmin: true }), 400, 'VALIDATION_FAILED', `${e.name} extra`);
          const polluted = JSON.stringify(valid).replace(/^\{/, '{"__proto__":{"isAdmin":true},');
          expectRefused(await rawJson(e, polluted), 400, 'VALIDATION_FAILED', `${e.name} __proto__`);
          expectRefused(await rawJson(e, JSON.stringify(valid).replace(/^\{/, '{"constructor":{"prototype":{"x":1}},')), 400, 'VALIDATION_FAILED', `${e.name} constructor`);
          expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
        });

        it(`${e.name}: 2 MB body, 10,000-deep nesting, non-JSON content types`, async () => {
          const valid = e.valid();
          const big = JSON.stringify({ ...valid, padding: 'x'.repeat(2 * 1024 * 1024) });
          expectRefused(await rawJson(e, big), 413, 'PAYLOAD_TOO_LARGE', `${e.name} 2MB`);
          expectRefused(await rawJson(e, '['.repeat(10_000) + ']'.repeat(10_000)), 400, 'BAD_JSON', `${e.name} deep array`);
          expectRefused(await rawJson(e, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)), 400, 'BAD_JSON', `${e.name} deep object`);
          // a string full of brackets is not nesting: refused by the schema, not the depth guard
          expectRefused(await e.client().post(e.path(), { ...valid, x: '['.repeat(10_000) }), 400, 'VALIDATION_FAILED', `${e.name} brackets in a string`);
          expectRefused(await rawJson(e, JSON.stringify(valid), 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE', `${e.name} text/plain`);
          expectRefused(await rawJson(e, JSON.stringify(valid), 'text/plain;charset=UTF-8'), 415, 'UNSUPPORTED_MEDIA_TYPE', `${e.name} text/plain utf8`);
          expectRefused(await rawJson(e, 'a=b&c=d', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE', `${e.name} form`);
          expectRefused(await rawJson(e, '<a/>', 'application/xml'), 415, 'UNSUPPORTED_MEDIA_TYPE', `${e.name} xml`);
          const form = new FormData();
          for (const [k, v] of Object.entries(valid)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
          expectRefused(await e.client().raw('POST', e.path(), form), 415, 'UNSUPPORTED_MEDIA_TYPE', `${e.name} multipart`);
        });

        it(`${e.name}: huge strings, NUL and control characters, lone surrogates`, async () => {
          expectRefused(await e.client().post(e.path(), e.withText('长'.repeat(100_000))), 400, 'VALIDATION_FAILED', `${e.name} huge`);
          const [status, code] = e.textRefusal;
          for (const bad of ['前\u0000后', '\u0000', '颜色\u001b[31m红', '退格\u0008', '删除\u007f']) {
            expectRefused(await e.client().post(e.path(), e.withText(bad + '的内容足够长')), status, code, `${e.name} ${JSON.stringify(bad)}`);
          }
          for (const lone of ['\\ud800', '\\udfff', '\\ud83d']) {
            const body = JSON.stringify(e.withText('占位SURROGATE的内容足够长')).replace('SURROGATE', lone);
            expectRefused(await rawJson(e, body), status, code, `${e.name} ${lone}`);
          }
        });
      }

      it('POST /api/auth/logout: malformed, oversized, nested and non-JSON bodies are refused and the session survives', async () => {
        const me = await loginAs(server, org.usernames.registrar!);
        const post = (body: string, ct = 'application/json') => me.raw('POST', '/api/auth/logout', body, { 'content-type': ct });
        expectRefused(await post('{"a":'), 400, 'BAD_JSON');
        expectRefused(await post('x'.repeat(2 * 1024 * 1024)), 413, 'PAYLOAD_TOO_LARGE');
        expectRefused(await post('['.repeat(10_000) + ']'.repeat(10_000)), 400, 'BAD_JSON');
        expectRefused(await post('{}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect((await me.get('/api/auth/me')).status).toBe(200);
      });
    });

    describe('personal data', () => {
      const idVariants: [string, string, string][] = [
        ['a bad check character', '110105194912310021', 'checksum'],
        ['30 February', withCheck('11010519900230001'), 'birthdate'],
        ['a birth date in the future', withCheck('11010520300101001'), 'birthdate'],
        ['an unknown province', withCheck('99010519900101001'), 'region'],
        ['letters', '11010519900101ABCD', 'format'],
        ['too short', '1101051990', 'format'],
      ];
      for (const [label, idNumber, reason] of idVariants) {
        it(`an ID number with ${label} is refused on the public form and at the staff desk`, async () => {
          const p = await pub.post('/api/public/cases', { ...PUBLIC_BODY, petitioner: { name: '钱多多', idNumber } });
          expectRefused(p, 400, idNumber.length < 15 ? 'VALIDATION_FAILED' : 'ID_NUMBER_INVALID', `public ${label}`);
          if (p.body.code === 'ID_NUMBER_INVALID') expect(p.body.details).toEqual({ reason, path: 'petitioner' });
          const s = await dispatcher.post('/api/cases', { ...STAFF_BODY, petitioners: [{ name: '甲' }, { name: '钱多多', idNumber }] });
          expectRefused(s, 400, idNumber.length < 15 ? 'VALIDATION_FAILED' : 'ID_NUMBER_INVALID', `staff ${label}`);
          if (s.body.code === 'ID_NUMBER_INVALID') expect(s.body.details).toEqual({ reason, path: 'petitioners.1' });
        });
      }

      it('an invalid phone number is refused and names the field', async () => {
        for (const phone of ['12345678901234', '1381234', '0000', '电话号码', '+1 415 555 0100']) {
          const p = await pub.post('/api/public/cases', { ...PUBLIC_BODY, petitioner: { name: '钱多多', phone } });
          expect(p.status, phone).toBe(400);
          expect(['PHONE_INVALID', 'VALIDATION_FAILED'], phone).toContain(p.body.code);
          if (p.body.code === 'PHONE_INVALID') expect(p.body.details).toEqual({ path: 'petitioner' });
          expectRefused(p, 400, p.body.code, phone);
        }
        const s = await dispatcher.post('/api/cases', { ...STAFF_BODY, petitioners: [{ name: '钱多多', phone: '12345678901234' }] });
        expectRefused(s, 400, 'PHONE_INVALID');
        expect(s.body.details).toEqual({ path: 'petitioners.0' });
      });

      it('out-of-range coordinates, infinities, unknown grids and categories are refused', async () => {
        for (const location of [{ lat: 91 }, { lng: -181 }, { lat: '30.1' }]) {
          expectRefused(await pub.post('/api/public/cases', { ...PUBLIC_BODY, location }), 400, 'VALIDATION_FAILED', JSON.stringify(location));
        }
        const inf = JSON.stringify({ ...PUBLIC_BODY, location: { lat: 1 } }).replace('"lat":1', '"lat":1e999');
        expectRefused(await pub.raw('POST', '/api/public/cases', inf, { 'content-type': 'application/json' }), 400, 'VALIDATION_FAILED', 'lat 1e999');
        expectRefused(await pub.post('/api/public/cases', { ...PUBLIC_BODY, gridId: crypto.randomUUID() }), 404, 'UNIT_NOT_FOUND');
        expectRefused(await pub.post('/api/public/cases', { ...PUBLIC_BODY, gridId: org.units.streetA }), 404, 'UNIT_NOT_FOUND', 'a street is not a grid');
        expectRefused(await pub.post('/api/public/cases', { ...PUBLIC_BODY, category: '%_' }), 404, 'CATEGORY_NOT_FOUND');
        expectRefused(await pub.post('/api/public/cases', { ...PUBLIC_BODY, channel: 'qr' }), 400, 'VALIDATION_FAILED', 'qr without grid');
      });

      it('staff intake refuses a receipt date in the future or before 2000, and an owner who is not a leader', async () => {
        for (const receivedAt of ['2099-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1999-12-31T00:00:00+08:00']) {
          const r = await dispatcher.post('/api/cases', { ...STAFF_BODY, receivedAt });
          expectRefused(r, 400, 'VALIDATION_FAILED', receivedAt);
          expect(r.body.details.fields[0].path).toBe('receivedAt');
        }
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, receivedAt: '2026-13-01T00:00:00Z' }), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, ownerLeaderId: crypto.randomUUID() }), 404, 'USER_NOT_FOUND', 'no such leader');
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, ownerLeaderId: org.actors.handlerA.userId }), 404, 'USER_NOT_FOUND', 'a handler is no leader');
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, accusedUnitIds: [crypto.randomUUID()] }), 404, 'UNIT_NOT_FOUND');
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, petitioners: [] }), 400, 'VALIDATION_FAILED');
        const crowd = Array.from({ length: 6 }, (_, i) => ({ name: `代表${i}`, representative: true }));
        expectRefused(await dispatcher.post('/api/cases', { ...STAFF_BODY, petitioners: crowd }), 400, 'REPRESENTATIVES_TOO_MANY');
      });
    });

    describe('tracking by number and query code', () => {
      it('a wrong query code and an unknown number get the identical 404 QUERY_CODE_MISMATCH', async () => {
        const wrongCode = queryCode === 'ABCDEFGH' ? 'HGFEDCBA' : 'ABCDEFGH';
        const unknown = number.replace(/\d{6}$/, '999999');
        const answers = [
          await pub.get(`/api/public/cases/${number}?code=${wrongCode}`),
          await pub.get(`/api/public/cases/${unknown}?code=${queryCode}`),
          await pub.get(`/api/public/cases/${unknown}?code=${wrongCode}`),
          await pub.post(`/api/public/cases/${number}/commands?code=${wrongCode}`, { type: 'withdraw', reason: '不办了' }),
          await pub.post(`/api/public/cases/${unknown}/commands?code=${queryCode}`, { type: 'withdraw', reason: '不办了' }),
        ];
        for (const r of answers) expectRefused(r, 404, 'QUERY_CODE_MISMATCH');
        for (const r of answers) expect(r.body).toEqual(answers[0]!.body);
        const form = () => {
          const f = new FormData();
          f.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n')], { type: 'application/pdf' }), 'a.pdf');
          return f;
        };
        const upWrong = await pub.raw('POST', `/api/public/cases/${number}/attachments?code=${wrongCode}`, form());
        const upUnknown = await pub.raw('POST', `/api/public/cases/${unknown}/attachments?code=${queryCode}`, form());
        expectRefused(upWrong, 404, 'QUERY_CODE_MISMATCH');
        expect(upUnknown.body).toEqual(upWrong.body);
      });

      it('a malformed case number or query code is refused without touching anything', async () => {
        for (const n of ['abc', 'yh-2026-000001', 'YH-2026-1', 'YH-26-000001', "YH-2026-000001'--", 'YH-2026-000001%00', '%E4%B8%AD', 'YH-2026-０００００１']) {
          const r = await pub.get(`/api/public/cases/${n}?code=${queryCode}`);
          expectRefused(r, 400, 'VALIDATION_FAILED', n);
        }
        expectRefused(await pub.get(`/api/public/cases/YH-2026-${'1'.repeat(500)}?code=${queryCode}`), 404, 'NOT_FOUND', 'over-long number');
        for (const c of ['', 'ABC', 'ABCDEFGHI', 'ABCD%00GH', 'ABCD-EFG', '中文查询码八位数字']) {
          expectRefused(await pub.get(`/api/public/cases/${number}?code=${c}`), 400, 'VALIDATION_FAILED', `code ${c}`);
        }
        expectRefused(await pub.get(`/api/public/cases/${number}`), 400, 'VALIDATION_FAILED', 'no code');
        expectRefused(await pub.get(`/api/public/cases/${number}?code=${queryCode}&code=${queryCode}`), 400, 'VALIDATION_FAILED', 'two codes');
      });
    });

    describe('ids in paths and query strings', () => {
      it('a non-uuid case id is answered like a missing case, never a 500', async () => {
        const ids = ['not-a-uuid', '-'.repeat(36), 'a'.repeat(36), '00000000-0000-0000-0000-00000000000g', `${caseId}x`, "1' or '1'='1", '%E4%B8%AD', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(64)];
        for (const id of ids) {
          expectRefused(await dispatcher.get(`/api/cases/${id}`), 404, 'CASE_NOT_FOUND', `GET ${id}`);
          expectRefused(await dispatcher.post(`/api/cases/${id}/reveal`, { reason: '核实信访人身份' }), 404, 'CASE_NOT_FOUND', `reveal ${id}`);
          expectRefused(await dispatcher.post(`/api/cases/${id}/commands`, { type: 'note', text: '备注内容' }), 400, 'VALIDATION_FAILED', `command ${id}`);
          expectRefused(await dispatcher.get(`/api/cases/${id}/attachments`), 400, 'VALIDATION_FAILED', `attachments ${id}`);
        }
        expectRefused(await dispatcher.get(`/api/cases/${caseId}/attachments/not-a-uuid`), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.get(`/api/cases/${caseId}/attachments/${crypto.randomUUID()}`), 404, 'NOT_FOUND');
        expectRefused(await dispatcher.get(`/api/cases/${'x'.repeat(500)}`), 404, 'NOT_FOUND', 'over-long id');
        expectRefused(await dispatcher.get('/api/cases/%zz'), 400, 'VALIDATION_FAILED', 'broken escape');
        expectRefused(await dispatcher.get('/api/no-such-route'), 404, 'NOT_FOUND');
      });

      it('ids inside commands that name nothing are refused', async () => {
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', leadUnitId: crypto.randomUUID() }), 404, 'UNIT_NOT_FOUND');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', leadUnitId: 'grid-a1' }), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'merge', intoCaseId: crypto.randomUUID() }), 404, 'CASE_NOT_FOUND');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'merge', intoCaseId: caseId }), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'explode' }), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'request_extension', days: 1e20, reason: '太复杂' }), 400, 'VALIDATION_FAILED');
        expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'request_extension', days: 1.5, reason: '太复杂' }), 400, 'VALIDATION_FAILED');
      });

      it('garbage in the case list query string is refused', async () => {
        for (const q of ['limit=-1', 'limit=abc', 'limit=100000', 'offset=-5', 'state=bogus', 'state=registered,bogus', 'channel=fax', 'from=yesterday', 'to=2026-02-30T00:00:00Z', 'unitId=zzz', 'flag=zzz', 'queue=mine', 'q=%00', `q=${'长'.repeat(101)}`, 'q=a&q=b', 'foo=1', 'category=%00']) {
          expectRefused(await dispatcher.get(`/api/cases?${q}`), 400, 'VALIDATION_FAILED', q);
        }
        // LIKE wildcards are text, not patterns
        const r = await dispatcher.get(`/api/cases?q=${encodeURIComponent('%_\\')}`);
        expect(r.status).toBe(200);
        expect(r.body.total).toBe(0);
      });
    });

    describe('sessions', () => {
      it('a forged, garbage or missing bearer token is 401 on every staff route', async () => {
        const forged = crypto.randomBytes(32).toString('base64url');
        const tokens: [string | null, string][] = [
          [forged, 'SESSION_INVALID'],
          ['garbage', 'SESSION_INVALID'],
          ['a'.repeat(5000), 'SESSION_INVALID'],
          ["' or 1=1 --", 'SESSION_INVALID'],
          [null, 'AUTH_REQUIRED'],
        ];
        for (const [token, code] of tokens) {
          const c = client(server, token ?? undefined);
          expectRefused(await c.get('/api/cases'), 401, code, `list ${token?.slice(0, 10)}`);
          expectRefused(await c.get(`/api/cases/${caseId}`), 401, code);
          expectRefused(await c.post('/api/cases', STAFF_BODY), 401, code);
          expectRefused(await c.post(`/api/cases/${caseId}/commands`, { type: 'note', text: '伪造的备注' }), 401, code);
          expectRefused(await c.post(`/api/cases/${caseId}/reveal`, { reason: '核实信访人身份' }), 401, code);
          expectRefused(await c.get('/api/auth/me'), 401, code);
        }
        for (const header of ['Basic ZGlzcGF0Y2hlcjp4', 'Bearer', 'Bearer ', `bearer ${forged}`, `Token ${forged}`]) {
          const r = await pub.raw('GET', '/api/cases', undefined, { authorization: header });
          expect(r.status, header).toBe(401);
          expectRefused(r, 401, r.body.code, header);
        }
        // a forged session cookie as well
        expectRefused(await pub.raw('GET', '/api/auth/me', undefined, { cookie: `xf_session=${forged}` }), 401, 'SESSION_INVALID');
      });
    });

    describe('the lifecycle', () => {
      it('an illegal transition is 409 CASE_ILLEGAL_TRANSITION and changes nothing', async () => {
        const read = async () => {
          const r = await dispatcher.get(`/api/cases/${caseId}`);
          expect(r.status).toBe(200);
          return r.body;
        };
        const [rowBefore] = ((await t.ctx.db.execute(sql`select state, event_count, head_hash, updated_at, snapshot from cases where id = ${caseId}`)) as unknown as { rows: unknown[] }).rows;
        const detailBefore = await read();
        expect(detailBefore.state).toBe('accepted');
        for (const cmd of [
          { type: 'close', summary: '想直接办结' },
          { type: 'reply', opinion: 'support', text: '未签收就答复' },
          { type: 'finalize', reason: '直接终结' },
          { type: 'accept' },
          { type: 'reject_objection', reason: '没有异议' },
          { type: 'end_hearing', conclusion: '没有听证' },
        ]) {
          expectRefused(await dispatcher.post(`/api/cases/${caseId}/commands`, cmd), 409, 'CASE_ILLEGAL_TRANSITION', cmd.type);
        }
        // and from the public side
        expectRefused(await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'rate', satisfied: true, solved: true }), 409, 'CASE_ILLEGAL_TRANSITION', 'rate');
        expectRefused(await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'request_review', reason: '不满意' }), 409, 'CASE_ILLEGAL_TRANSITION', 'review');
        const [rowAfter] = ((await t.ctx.db.execute(sql`select state, event_count, head_hash, updated_at, snapshot from cases where id = ${caseId}`)) as unknown as { rows: unknown[] }).rows;
        expect(rowAfter).toEqual(rowBefore);
        expect(await read()).toEqual(detailBefore);
      });
    });

    it('after all of that: the server still answers, and no rejected request left a case, an event or a key behind', async () => {
      expect((await pub.get('/api/health')).status).toBe(200);
      expect((await dispatcher.get(`/api/cases/${caseId}`)).status).toBe(200);
      expect(await counts()).toEqual(before);
    });

    it('emoji, rare characters outside the BMP and RTL marks are kept exactly', async () => {
      const title = '路灯坏了💡请修🙏';
      const content = '𠀀𪚥 生僻字姓名的居民反映：\u200f右到左标记\u200e与\u202e覆盖字符\u202c，以及 👨‍👩‍👧 家庭表情。';
      const name = '𠀀明';
      const r = await pub.post('/api/public/cases', { ...PUBLIC_BODY, title, content, petitioner: { name, phone: '13811113333' } });
      expect(r.status).toBe(201);
      const list = await dispatcher.get(`/api/cases?q=${encodeURIComponent(r.body.number)}`);
      const id = list.body.items[0].id;
      const d = await dispatcher.get(`/api/cases/${id}`);
      expect(d.body.title).toBe(title);
      expect(d.body.content).toBe(content);
      expect(d.body.petitioners[0].name).toBe('𠀀*');
      const revealed = await dispatcher.post(`/api/cases/${id}/reveal`, { reason: '核对生僻字' });
      expect(revealed.body.petitioners[0].name).toBe(name);
      const track = await pub.get(`/api/public/cases/${r.body.number}?code=${r.body.queryCode}`);
      expect(track.body.title).toBe(title);
    });

    it('200 concurrent submissions with the same Idempotency-Key make exactly one case, and every answer carries its number', async () => {
      const start = await counts();
      const key = `concurrent-${crypto.randomUUID()}`;
      const body = { ...PUBLIC_BODY, title: '并发提交测试', petitioner: { name: '并发', phone: '13811114444' } };
      const answers = await Promise.all(Array.from({ length: 200 }, () => pub.post('/api/public/cases', body, { 'idempotency-key': key })));
      const statuses = answers.map((a) => a.status);
      for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBeLessThan(300);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(199);
      const numbers = new Set(answers.map((a) => a.body.number));
      const codes = new Set(answers.map((a) => a.body.queryCode));
      expect(numbers.size).toBe(1);
      expect(codes.size).toBe(1);
      const end = await counts();
      expect(end.cases).toBe(start.cases + 1);
      expect(end.idempotency).toBe(start.idempotency + 1);
      // the one case is trackable with the one code everybody got
      const [n] = [...numbers];
      const [c] = [...codes];
      expect((await pub.get(`/api/public/cases/${n}?code=${c}`)).status).toBe(200);

      // the same key with a different body is refused and makes nothing
      const other = await pub.post('/api/public/cases', { ...body, title: '换了标题再提交' }, { 'idempotency-key': key });
      expectRefused(other, 422, 'IDEMPOTENCY_CONFLICT');
      expect((await counts()).cases).toBe(end.cases);
      // a malformed key is refused outright
      for (const bad of ['short', 'x'.repeat(129), 'has space inside']) {
        expectRefused(await pub.post('/api/public/cases', body, { 'idempotency-key': bad }), 400, 'VALIDATION_FAILED', bad);
      }
      expect((await counts()).cases).toBe(end.cases);
    }, 60_000);
  });
}
