/**
 * Category questions, what the review of issue 7 found: a question coded like an Object.prototype
 * name, a `__proto__` key in a body, impossible dates, numbers with an exponent, a split losing the
 * answers, idempotent replays with answers, a retired category's questions, audited deactivation,
 * the answered-checks bounded to the region and done only on removal, and — on PostgreSQL, where
 * two transactions really run side by side — a registration racing an admin's option removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, categoryQuestions } from '../src/store/schema.js';
import { registerCase, type RegisteredCase } from '../src/services/register-case.js';
import { QUESTION_LOCK } from '../src/services/category-questions.js';

type Client = Awaited<ReturnType<typeof loginAs>>;
const WAIT = { timeout: 10_000, interval: 50 };

const citizenCase = (answers?: Record<string, unknown>, category = '010602') => ({
  title: '小区门口路灯不亮',
  content: '小区门口的路灯坏了一个多月，晚上出行很不方便，请尽快维修。',
  category,
  petitioner: { name: '王五', phone: '13712345678' },
  ...(answers ? { answers } : {}),
});

const DAMAGE = [
  { key: 'dark', name: '灯不亮' },
  { key: 'flicker', name: '忽明忽暗' },
  { key: 'pole', name: '灯杆倾斜' },
];

for (const kind of DB_KINDS) {
  describe(`category questions after the review [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Client;
    let registrar: Client;
    let dispatcher: Client;

    /** Given a case number, returns its id as the registrar finds it. */
    const idOf = async (number: string) => (await registrar.get(`/api/cases?q=${encodeURIComponent(number)}&limit=5`)).body.items.find((c: any) => c.number === number).id as string;
    const post = (body: string, headers: Record<string, string> = {}) => client(server).post('/api/public/cases', body, { 'content-type': 'application/json', ...headers });

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      registrar = await loginAs(server, org.usernames.registrar!);
      dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const made = [
        await admin.post('/api/admin/categories/0106/questions', { code: 'lamp_no', datatype: 'string', label: '灯杆编号', required: true }),
        await admin.post('/api/admin/categories/010602/questions', { code: 'damage', datatype: 'singlevaluelist', label: '损坏情况', options: DAMAGE }),
      ];
      const more = [
        await admin.post('/api/admin/categories/010602/questions', { code: 'since', datatype: 'datetime', label: '发现时间' }),
        await admin.post('/api/admin/categories/010602/questions', { code: 'area', datatype: 'number', label: '面积' }),
        await admin.post('/api/admin/categories/010602/questions', { code: 'note', datatype: 'text', label: '补充说明' }),
        await admin.post('/api/admin/categories/010602/questions', { code: 'times', datatype: 'multivaluelist', label: '发生时段', options: [{ key: 'night', name: '夜间' }, { key: 'dawn', name: '凌晨' }, { key: 'noon', name: '中午' }] }),
      ];
      expect([...made, ...more].map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('no question may be coded constructor, prototype or __proto__, nor may an answer be sent under such a code', async () => {
      for (const code of ['constructor', 'prototype', '__proto__']) {
        const res = await admin.post('/api/admin/categories/010602/questions', { code, datatype: 'string', label: '构造', required: true });
        expect(res.status, code).toBe(400);
        expect(res.body.details.fields[0].path).toBe('code');
      }
      const sent = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-1', constructor: 'x' }));
      expect(sent.status).toBe(400);
      expect(sent.body.details.fields[0].path).toMatch(/^answers/);
    });

    it('a `__proto__` or constructor.prototype key in a body is refused at the field before anything reads it, escaped or nested in the answers', async () => {
      const cases = [
        [JSON.stringify(citizenCase()).replace(/^\{/, '{"__proto__":{"answers":{"lamp_no":"LD-1"}},'), '__proto__'],
        [JSON.stringify(citizenCase()).replace(/^\{/, '{"\\u005f_proto__":{"answers":{"lamp_no":"LD-1"}},'), '__proto__'],
        [JSON.stringify(citizenCase({ lamp_no: 'LD-2' })).replace('"answers":{', '"answers":{"__proto__":{"damage":"pole"},'), '__proto__'],
        [JSON.stringify(citizenCase({ lamp_no: 'LD-2' })).replace('"answers":{', '"answers":{"constructor":{"prototype":{"damage":"dark"}},'), 'constructor.prototype'],
      ] as const;
      for (const [body, path] of cases) {
        const res = await post(body);
        expect(res.status, body).toBe(400);
        expect(res.body, body).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [{ path }] } });
      }
      expect(({} as Record<string, unknown>).answers).toBeUndefined();
      expect((await post('{"title":')).body.code).toBe('BAD_JSON');
    });

    it('dates over HTTP: a date alone and a time without a zone are China time; 2026-02-30, 2026-04-31, T24:00 and year 0000 are refused at the field', async () => {
      const dateOnly = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-3', since: '2026-05-01' }));
      const zoneLess = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-4', since: '2026-05-01 21:05' }));
      expect([dateOnly.status, zoneLess.status]).toEqual([201, 201]);
      const shown = async (number: string) => (await registrar.get(`/api/cases/${await idOf(number)}`)).body.answers.find((a: any) => a.code === 'since').value;
      expect(await shown(dateOnly.body.number)).toBe('2026-05-01 00:00');
      expect(await shown(zoneLess.body.number)).toBe('2026-05-01 21:05');
      for (const since of ['2026-02-30', '2026-04-31', '2026-05-01T24:00', '0000-01-01', '2026-02-29T10:00:00+08:00']) {
        const res = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-5', since }));
        expect(res.status, since).toBe(400);
        expect(res.body.details.fields.map((f: any) => f.path), since).toEqual(['answers.since']);
      }
    });

    it('a number sent as a JSON number with an exponent is taken, written out in full', async () => {
      const small = await post(JSON.stringify(citizenCase({ lamp_no: 'LD-6' })).replace('"answers":{', '"answers":{"area":1.5e-3,'));
      expect(small.status).toBe(201);
      const big = await post(JSON.stringify(citizenCase({ lamp_no: 'LD-7' })).replace('"answers":{', '"answers":{"area":2.5E3,'));
      expect(big.status).toBe(201);
      const area = async (number: string) => (await registrar.get(`/api/cases/${await idOf(number)}`)).body.answers.find((a: any) => a.code === 'area').value;
      expect(await area(small.body.number)).toBe('0.0015');
      expect(await area(big.body.number)).toBe('2500');
    });

    it('a retried submission with the same answers gets the first receipt (200); the same key with changed answers is IDEMPOTENCY_CONFLICT', async () => {
      const key = { 'idempotency-key': 'answers-retry-0001' };
      const body = citizenCase({ lamp_no: 'LD-8', damage: 'dark', times: ['night'] });
      const first = await client(server).post('/api/public/cases', body, key);
      expect(first.status).toBe(201);
      const again = await client(server).post('/api/public/cases', body, key);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const changed = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-8', damage: 'flicker', times: ['night'] }), key);
      expect(changed.status).toBe(422);
      expect(changed.body.code).toBe('IDEMPOTENCY_CONFLICT');
    });

    it('a split part keeps the parent’s answers (a required one left unanswered by the registrar does not stop the split)', async () => {
      const created = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title: '路灯不亮且灯杆倾斜（来电）',
        content: '来电反映小区门口路灯不亮，另一根灯杆倾斜有危险。',
        category: '010602',
        petitioners: [{ name: '李四', phone: '13812345678' }],
        answers: { damage: 'pole', note: '第一行\n第二行', times: ['dawn'] },
      });
      expect(created.status).toBe(201);
      const split = await dispatcher.post(`/api/cases/${created.body.id}/commands`, {
        type: 'split',
        parts: [
          { title: '路灯不亮', content: '来电反映小区门口路灯不亮。' },
          { title: '灯杆倾斜', content: '来电反映另一根灯杆倾斜有危险。' },
        ],
      });
      expect(split.status).toBe(200);
      for (const id of split.body.createdCaseIds as string[]) {
        expect((await dispatcher.get(`/api/cases/${id}`)).body.answers).toEqual([
          { code: 'damage', label: '损坏情况', value: '灯杆倾斜' },
          { code: 'note', label: '补充说明', value: '第一行\n第二行' },
          { code: 'times', label: '发生时段', value: '凌晨' },
        ]);
      }
    });

    it('a retired category’s questions are not served to forms (404)', async () => {
      expect((await client(server).get('/api/categories/010603/questions')).status).toBe(200);
      expect((await admin.post('/api/admin/categories/010603/deactivate')).status).toBe(200);
      const gone = await client(server).get('/api/categories/010603/questions');
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('CATEGORY_NOT_FOUND');
      expect((await admin.post('/api/admin/categories/010603/activate')).status).toBe(200);
    });

    it('deactivating a question through PATCH active:false is audited with its before and after', async () => {
      await admin.post('/api/admin/categories/010602/questions', { code: 'colour', datatype: 'string', label: '灯光颜色' });
      const off = await admin.patch('/api/admin/categories/010602/questions/colour', { active: false });
      expect(off.body.active).toBe(false);
      const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'category_question.updated'), eq(auditLog.targetId, '010602/colour')));
      expect(entry).toMatchObject({ actorId: org.actors.admin.userId, data: { before: { active: true }, after: { active: false } } });
    });

    it('the admin list no longer scans the cases; removing an option a multi-value answer chose is refused with its key, an unchosen one goes', async () => {
      const list = await admin.get('/api/admin/categories/010602/questions');
      expect(list.status).toBe(200);
      expect(list.body.items.every((q: any) => !('answered' in q))).toBe(true);
      // 'night' (case LD-8) and 'dawn' (the split) were chosen, 'noon' never
      const drop = await admin.patch('/api/admin/categories/010602/questions/times', { options: [{ key: 'noon', name: '中午' }, { key: 'eve', name: '傍晚' }] });
      expect(drop.status).toBe(409);
      expect(drop.body.details.keys).toEqual(['dawn', 'night']);
      const unchosen = await admin.patch('/api/admin/categories/010602/questions/times', { options: [{ key: 'night', name: '夜间' }, { key: 'dawn', name: '凌晨' }] });
      expect(unchosen.status).toBe(200);
      expect((await admin.del('/api/admin/categories/010602/questions/times')).body).toEqual({ code: 'times', deleted: false, active: false });
    });

    it.runIf(kind === 'postgres')('a registration in flight when an admin removes the option it chose: the admin waits for it, then is refused with the key', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let validated!: (r: RegisteredCase) => void;
      const registered = new Promise<RegisteredCase>((r) => (validated = r));
      const input = { channel: 'online' as const, nature: 'appeal' as const, categoryCode: '010602', title: '路灯不亮', content: '小区门口路灯坏了，请维修。', petitioners: [{ name: '赵六', phone: '13612345678' }], answers: { lamp_no: 'LD-9', damage: 'flicker' } };
      const inFlight = t.ctx.db.transaction(async (tx) => {
        validated(await registerCase(t.ctx, null, input, { tx }));
        await gate; // validated and written, not yet committed
      });
      await registered;
      const removal = admin.patch('/api/admin/categories/010602/questions/damage', { options: DAMAGE.filter((o) => o.key !== 'flicker') });
      await expect.poll(() => waitersOnQuestionLock(t), WAIT).toBe(1);
      release();
      await inFlight;
      const res = await removal;
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'CATEGORY_QUESTION_OPTION_IN_USE', details: { keys: ['flicker'] } });
    });

    it.runIf(kind === 'postgres')('a registration arriving while an admin removes an option waits, then is refused at the field rather than storing the removed key', async () => {
      const [damage] = await t.ctx.db.select({ options: categoryQuestions.options }).from(categoryQuestions).where(eq(categoryQuestions.code, 'damage'));
      expect((damage!.options as { key: string }[]).map((o) => o.key)).toContain('dark');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      // An admin between checking the answers and committing: the exclusive lock held, 'dark' gone.
      let locked!: () => void;
      const holding = new Promise<void>((r) => (locked = r));
      const adminTx = t.ctx.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${QUESTION_LOCK})`);
        await tx.update(categoryQuestions).set({ options: DAMAGE.filter((o) => o.key !== 'dark') }).where(eq(categoryQuestions.code, 'damage'));
        locked();
        await gate;
      });
      await holding;
      const citizen = client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-10', damage: 'dark' }));
      await expect.poll(() => waitersOnQuestionLock(t), WAIT).toBe(1);
      release();
      await adminTx;
      const res = await citizen;
      expect(res.status).toBe(400);
      expect(res.body.details.fields).toEqual([{ path: 'answers.damage', message: '不是可选的答案' }]);
    });
  });
}

/** Given a PostgreSQL test context, returns how many sessions of its database wait for the question lock. */
async function waitersOnQuestionLock(t: TestContext): Promise<number> {
  const r = (await t.ctx.db.execute(sql`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and not granted and objid = ${QUESTION_LOCK}
      and database = (select oid from pg_database where datname = current_database())`)) as unknown as { rows: { n: number }[] };
  return r.rows[0]!.n;
}
