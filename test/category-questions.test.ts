/**
 * Category questions end to end (issue 7): an admin defines them per category, forms read what a
 * category asks (its own and its parents'), the portal refuses a missing required answer at the
 * field while a registrar may leave it, and the answers show in words on the staff case page and
 * the petitioner's tracking view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog } from '../src/store/schema.js';

type Client = Awaited<ReturnType<typeof loginAs>>;

const citizenCase = (answers?: Record<string, unknown>, category = '010602') => ({
  title: '小区门口路灯不亮',
  content: '小区门口的路灯坏了一个多月，晚上出行很不方便，请尽快维修。',
  category,
  petitioner: { name: '王五', phone: '13712345678' },
  ...(answers ? { answers } : {}),
});

const staffCase = (answers?: Record<string, unknown>, category = '010602') => ({
  channel: 'phone',
  nature: 'appeal',
  title: '路灯不亮（来电）',
  content: '来电反映小区门口路灯不亮，晚上出行不便。',
  category,
  petitioners: [{ name: '李四', phone: '13812345678' }],
  ...(answers ? { answers } : {}),
});

for (const kind of DB_KINDS) {
  describe(`category questions [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Client;
    let registrar: Client;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      registrar = await loginAs(server, org.usernames.registrar!);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('an admin adds questions to a class and to its subcategory; the subcategory lists both, the inherited one marked; each change is audited', async () => {
      const lamp = await admin.post('/api/admin/categories/0106/questions', { code: 'lamp_no', datatype: 'string', label: '灯杆编号', hint: '灯杆上喷涂的编号，如 LD-0231', required: true });
      expect(lamp.status).toBe(201);
      expect(lamp.body).toMatchObject({ categoryCode: '0106', code: 'lamp_no', datatype: 'string', required: true, active: true, sort: 0 });
      const damage = await admin.post('/api/admin/categories/010602/questions', {
        code: 'damage',
        datatype: 'singlevaluelist',
        label: '损坏情况',
        options: [
          { key: 'dark', name: '灯不亮' },
          { key: 'flicker', name: '忽明忽暗' },
          { key: 'pole', name: '灯杆倾斜' },
        ],
      });
      expect(damage.status).toBe(201);
      const since = await admin.post('/api/admin/categories/010602/questions', { code: 'since', datatype: 'datetime', label: '发现时间' });
      const times = await admin.post('/api/admin/categories/010602/questions', {
        code: 'times',
        datatype: 'multivaluelist',
        label: '发生时段',
        options: [
          { key: 'night', name: '夜间' },
          { key: 'dawn', name: '凌晨' },
        ],
      });
      const note = await admin.post('/api/admin/categories/010602/questions', { code: 'note', datatype: 'text', label: '补充说明', sort: 9 });
      expect([since.status, times.status, note.status]).toEqual([201, 201, 201]);
      expect(times.body.sort).toBe(2); // after damage (0) and since (1)

      const list = await admin.get('/api/admin/categories/010602/questions');
      expect(list.status).toBe(200);
      expect(list.body.category).toMatchObject({ code: '010602', name: '路灯照明' });
      expect(list.body.items.map((q: any) => [q.code, q.inherited])).toEqual([
        ['lamp_no', true],
        ['damage', false],
        ['since', false],
        ['times', false],
        ['note', false],
      ]);
      expect(list.body.items[0]).toMatchObject({ categoryCode: '0106', categoryName: '市政设施' });

      const audits = await t.ctx.db.select().from(auditLog).where(like(auditLog.action, 'category_question.%'));
      expect(audits.map((a) => a.targetId)).toEqual(expect.arrayContaining(['0106/lamp_no', '010602/damage', '010602/times']));
      expect(audits.find((a) => a.targetId === '0106/lamp_no')).toMatchObject({ action: 'category_question.created', actorId: org.actors.admin.userId });
    });

    it('the portal reads what a category asks without login, its parent’s questions first; a retired or unknown category is 404', async () => {
      const res = await client(server).get('/api/categories/010602/questions');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('max-age');
      expect(res.body.items.map((q: any) => q.code)).toEqual(['lamp_no', 'damage', 'since', 'times', 'note']);
      expect(res.body.items[1]).toEqual({
        code: 'damage',
        categoryCode: '010602',
        datatype: 'singlevaluelist',
        required: false,
        label: '损坏情况',
        hint: null,
        options: [
          { key: 'dark', name: '灯不亮' },
          { key: 'flicker', name: '忽明忽暗' },
          { key: 'pole', name: '灯杆倾斜' },
        ],
      });
      // a sibling subcategory gets only the class's question
      expect((await client(server).get('/api/categories/010601/questions')).body.items.map((q: any) => q.code)).toEqual(['lamp_no']);
      expect((await client(server).get('/api/categories/0106/questions')).body.items.map((q: any) => q.code)).toEqual(['lamp_no']);
      const unknown = await client(server).get('/api/categories/9999/questions');
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('CATEGORY_NOT_FOUND');
      expect((await client(server).get('/api/categories/abc/questions')).status).toBe(400);
    });

    it('refuses a bad definition with the field named: code, too few or repeated options, options on a text, a long label, an unknown category', async () => {
      const post = (code: string, body: unknown) => admin.post(`/api/admin/categories/${code}/questions`, body);
      const badCode = await post('010602', { code: 'Lamp No', datatype: 'string', label: '编号' });
      expect(badCode.status).toBe(400);
      expect(badCode.body.details.fields[0].path).toBe('code');
      const badType = await post('010602', { code: 'kind', datatype: 'photo', label: '照片' });
      expect(badType.status).toBe(400);
      const one = await post('010602', { code: 'side', datatype: 'singlevaluelist', label: '位置', options: [{ key: 'n', name: '北侧' }] });
      expect(one.status).toBe(400);
      expect(one.body).toMatchObject({ code: 'CATEGORY_QUESTION_INVALID', details: { path: 'options', reason: 'options_too_few' } });
      const none = await post('010602', { code: 'side', datatype: 'multivaluelist', label: '位置' });
      expect(none.body.details.reason).toBe('options_too_few');
      const sameKey = await post('010602', { code: 'side', datatype: 'singlevaluelist', label: '位置', options: [{ key: 'n', name: '北侧' }, { key: 'n', name: '南侧' }] });
      expect(sameKey.body).toMatchObject({ code: 'CATEGORY_QUESTION_INVALID', details: { path: 'options.1.key', reason: 'option_key_duplicate' } });
      const sameName = await post('010602', { code: 'side', datatype: 'singlevaluelist', label: '位置', options: [{ key: 'n', name: '北侧' }, { key: 's', name: '北侧' }] });
      expect(sameName.body.details).toMatchObject({ path: 'options.1.name', reason: 'option_name_duplicate' });
      const emptyName = await post('010602', { code: 'side', datatype: 'singlevaluelist', label: '位置', options: [{ key: 'n', name: '北侧' }, { key: 's', name: '  ' }] });
      expect(emptyName.status).toBe(400);
      const onText = await post('010602', { code: 'side', datatype: 'string', label: '位置', options: [{ key: 'n', name: '北侧' }, { key: 's', name: '南侧' }] });
      expect(onText.body.details).toMatchObject({ path: 'options', reason: 'options_not_allowed' });
      const long = await post('010602', { code: 'side', datatype: 'string', label: '问'.repeat(101) });
      expect(long.status).toBe(400);
      expect(long.body.details.fields[0].path).toBe('label');
      const longHint = await post('010602', { code: 'side', datatype: 'string', label: '位置', hint: '说'.repeat(201) });
      expect(longHint.body.details.fields[0].path).toBe('hint');
      const nowhere = await post('9901', { code: 'side', datatype: 'string', label: '位置' });
      expect(nowhere.status).toBe(404);
      expect(nowhere.body.code).toBe('CATEGORY_NOT_FOUND');
      // nothing of the above was stored
      expect((await client(server).get('/api/categories/010602/questions')).body.items).toHaveLength(5);
    });

    it('a code is used once along a lineage: a subcategory cannot shadow its parent’s question, nor a parent its child’s', async () => {
      const shadow = await admin.post('/api/admin/categories/010602/questions', { code: 'lamp_no', datatype: 'string', label: '路灯编号' });
      expect(shadow.status).toBe(409);
      expect(shadow.body).toMatchObject({ code: 'CATEGORY_QUESTION_CODE_TAKEN', details: { path: 'code', categoryCode: '0106' } });
      const above = await admin.post('/api/admin/categories/01/questions', { code: 'damage', datatype: 'string', label: '损坏情况' });
      expect(above.status).toBe(409);
      expect(above.body.details.categoryCode).toBe('010602');
      const same = await admin.post('/api/admin/categories/010602/questions', { code: 'damage', datatype: 'string', label: '又一个' });
      expect(same.status).toBe(409);
      // an unrelated class may use the same code
      const elsewhere = await admin.post('/api/admin/categories/05/questions', { code: 'lamp_no', datatype: 'string', label: '灯杆编号' });
      expect(elsewhere.status).toBe(201);
      expect((await admin.del('/api/admin/categories/05/questions/lamp_no')).body).toEqual({ code: 'lamp_no', deleted: true, active: false });
    });

    it('only an admin edits questions', async () => {
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.post('/api/admin/categories/010602/questions', { code: 'x1', datatype: 'string', label: '越权' })).status).toBe(403);
      expect((await dispatcher.patch('/api/admin/categories/010602/questions/damage', { label: '越权' })).status).toBe(403);
      expect((await dispatcher.del('/api/admin/categories/010602/questions/damage')).status).toBe(403);
      expect((await dispatcher.get('/api/admin/categories/010602/questions')).status).toBe(403);
      expect((await client(server).get('/api/admin/categories/010602/questions')).status).toBe(401);
    });

    let caseId = '';
    let receipt = { number: '', queryCode: '' };

    it('a citizen who leaves a required question unanswered is refused at that field; a registrar noting a call is not', async () => {
      const missing = await client(server).post('/api/public/cases', citizenCase({ damage: 'dark' }));
      expect(missing.status).toBe(400);
      expect(missing.body.code).toBe('VALIDATION_FAILED');
      expect(missing.body.details.fields).toEqual([{ path: 'answers.lamp_no', message: '请回答：灯杆编号' }]);
      const none = await client(server).post('/api/public/cases', citizenCase());
      expect(none.body.details.fields.map((f: any) => f.path)).toEqual(['answers.lamp_no']);
      const wrongKey = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-1', damage: 'broken' }));
      expect(wrongKey.body.details.fields).toEqual([{ path: 'answers.damage', message: '不是可选的答案' }]);
      const stray = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-1', colour: 'red' }));
      expect(stray.body.details.fields[0].path).toBe('answers.colour');

      const byPhone = await registrar.post('/api/cases', staffCase({ damage: 'flicker' }));
      expect(byPhone.status).toBe(201);
      const detail = await registrar.get(`/api/cases/${byPhone.body.id}`);
      expect(detail.body.answers).toEqual([{ code: 'damage', label: '损坏情况', value: '忽明忽暗' }]);
      const bare = await registrar.post('/api/cases', staffCase());
      expect(bare.status).toBe(201);
      expect((await registrar.get(`/api/cases/${bare.body.id}`)).body.answers).toEqual([]);
      // even staff cannot give an answer the list does not offer
      const bad = await registrar.post('/api/cases', staffCase({ damage: 'broken' }));
      expect(bad.status).toBe(400);
      expect(bad.body.details.fields[0].path).toBe('answers.damage');
    });

    it('the answers show in words — option names, China time — on the staff case page and the petitioner’s tracking view', async () => {
      const filed = await client(server).post(
        '/api/public/cases',
        citizenCase({ lamp_no: ' LD-0231 ', damage: 'pole', since: '2026-05-01T08:30:00+08:00', times: ['dawn', 'night'], note: '路灯靠近公交站' }),
      );
      expect(filed.status).toBe(201);
      receipt = filed.body;
      const list = await registrar.get(`/api/cases?q=${encodeURIComponent('路灯')}&limit=50`);
      caseId = list.body.items.find((c: any) => c.number === receipt.number).id;
      const expected = [
        { code: 'lamp_no', label: '灯杆编号', value: 'LD-0231' },
        { code: 'damage', label: '损坏情况', value: '灯杆倾斜' },
        { code: 'since', label: '发现时间', value: '2026-05-01 08:30' },
        { code: 'times', label: '发生时段', value: '凌晨、夜间' },
        { code: 'note', label: '补充说明', value: '路灯靠近公交站' },
      ];
      expect((await registrar.get(`/api/cases/${caseId}`)).body.answers).toEqual(expected);
      const tracked = await client(server).get(`/api/public/cases/${receipt.number}?code=${receipt.queryCode}`);
      expect(tracked.status).toBe(200);
      expect(tracked.body.answers).toEqual(expected);
      // the answers also travel in the case's first event
      const registered = (await registrar.get(`/api/cases/${caseId}`)).body.timeline[0];
      expect(registered.data.answers).toMatchObject({ lamp_no: 'LD-0231', damage: 'pole', since: '2026-05-01T00:30:00.000Z' });
    });

    it('a list keeps the keys answers chose: removing one is refused with the keys named, renaming it shows the new name on the cases', async () => {
      const drop = await admin.patch('/api/admin/categories/010602/questions/damage', { options: [{ key: 'dark', name: '灯不亮' }, { key: 'flicker', name: '忽明忽暗' }] });
      expect(drop.status).toBe(409);
      expect(drop.body).toMatchObject({ code: 'CATEGORY_QUESTION_OPTION_IN_USE', details: { path: 'options', keys: ['pole'] } });
      const renamed = await admin.patch('/api/admin/categories/010602/questions/damage', {
        label: '路灯损坏情况',
        options: [
          { key: 'flicker', name: '忽明忽暗' },
          { key: 'pole', name: '灯杆倾斜或倒伏' },
          { key: 'wire', name: '电线外露' },
        ],
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.options.map((o: any) => o.key)).toEqual(['flicker', 'pole', 'wire']); // 'dark' was never chosen
      expect((await registrar.get(`/api/cases/${caseId}`)).body.answers[1]).toEqual({ code: 'damage', label: '路灯损坏情况', value: '灯杆倾斜或倒伏' });
      // code and datatype are fixed
      const retype = await admin.patch('/api/admin/categories/010602/questions/damage', { datatype: 'string' });
      expect(retype.status).toBe(400);
      const audit = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'category_question.updated'), eq(auditLog.targetId, '010602/damage')));
      expect(audit).toHaveLength(1);
      expect(audit[0]!.data).toMatchObject({ before: { label: '损坏情况' }, after: { label: '路灯损坏情况' } });
      expect((await admin.patch('/api/admin/categories/010602/questions/nope', { label: '无' })).status).toBe(404);
    });

    it('an answered question is deactivated rather than deleted: no longer asked, still shown on the cases that answered it; an unanswered one is deleted', async () => {
      const removed = await admin.del('/api/admin/categories/010602/questions/times');
      expect(removed.body).toEqual({ code: 'times', deleted: false, active: false });
      const asked = (await client(server).get('/api/categories/010602/questions')).body.items.map((q: any) => q.code);
      expect(asked).not.toContain('times');
      const own = (await admin.get('/api/admin/categories/010602/questions')).body.items.find((q: any) => q.code === 'times');
      expect(own).toMatchObject({ active: false });
      expect((await registrar.get(`/api/cases/${caseId}`)).body.answers.map((a: any) => a.code)).toContain('times');
      // a retired question is refused as an answer from then on
      const late = await client(server).post('/api/public/cases', citizenCase({ lamp_no: 'LD-9', times: ['night'] }));
      expect(late.body.details.fields[0].path).toBe('answers.times');
      // and may be brought back
      expect((await admin.patch('/api/admin/categories/010602/questions/times', { active: true })).body.active).toBe(true);

      await admin.post('/api/admin/categories/010602/questions', { code: 'unused', datatype: 'number', label: '无人回答' });
      expect((await admin.del('/api/admin/categories/010602/questions/unused')).body.deleted).toBe(true);
      expect((await admin.get('/api/admin/categories/010602/questions')).body.items.some((q: any) => q.code === 'unused')).toBe(false);
      const audits = await t.ctx.db.select().from(auditLog).where(like(auditLog.action, 'category_question.%'));
      expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['category_question.deactivated', 'category_question.deleted']));
    });
  });
}
