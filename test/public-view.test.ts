import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';

const petitioner = { name: '赵六', phone: '13700001234' };

for (const kind of DB_KINDS) {
  describe(`what the petitioner is told: refusal, extension, answer on the spot [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const submit = async (title: string) => {
      const res = await client(server).post('/api/public/cases', { title, content: `${title}，请有关部门处理。`, petitioner, gridId: org.units.gridA1 });
      expect(res.status).toBe(201);
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const list = await dispatcher.get(`/api/cases?q=${res.body.number}`);
      return { ...(res.body as { number: string; queryCode: string }), id: list.body.items[0].id as string, dispatcher };
    };
    const track = async (c: { number: string; queryCode: string }) => (await client(server).get(`/api/public/cases/${c.number}?code=${c.queryCode}`)).body;

    it('a refusal is told with its reason and the legal channel to take', async () => {
      const c = await submit('要求法院改判');
      expect((await c.dispatcher.post(`/api/cases/${c.id}/commands`, { type: 'refuse', reason: '属于诉讼程序处理的事项', legalChannel: 'court' })).status).toBe(200);
      const view = await track(c);
      expect(view.state).toBe('refused');
      expect(view.refusal).toMatchObject({ reason: '属于诉讼程序处理的事项', legalChannel: 'court' });
      expect(view.timeline.at(-1)).toMatchObject({ text: '不予受理', detail: '属于诉讼程序处理的事项' });
      expect([view.canRate, view.canWithdraw, view.canRequestReview]).toEqual([false, false, false]);
    });

    it('an extension is told with the days and the reason the unit gave', async () => {
      const c = await submit('小区化粪池外溢');
      await c.dispatcher.post(`/api/cases/${c.id}/commands`, { type: 'accept' });
      await c.dispatcher.post(`/api/cases/${c.id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 });
      const handler = await loginAs(server, org.usernames.handlerA!);
      await handler.post(`/api/cases/${c.id}/commands`, { type: 'sign' });
      const before = await track(c);
      expect(before.canWithdraw).toBe(true);
      expect((await handler.post(`/api/cases/${c.id}/commands`, { type: 'request_extension', days: 30, reason: '需由专业公司更换管道' })).status).toBe(200);
      const head = await loginAs(server, org.usernames.headA!);
      const approved = await head.post(`/api/cases/${c.id}/commands`, { type: 'approve_extension', days: 20, note: '内部备注：预算待批' });
      expect(approved.status).toBe(200);
      const view = await track(c);
      const ext = view.timeline.find((e: { text: string }) => e.text.startsWith('办理期限已延长'));
      expect(ext).toMatchObject({ text: '办理期限已延长20日', detail: '需由专业公司更换管道' });
      expect(JSON.stringify(view)).not.toContain('内部备注');
      expect(new Date(view.dueAt).getTime()).toBeGreaterThan(new Date(before.dueAt).getTime());
    });

    it('an answer given on the spot is shown to the petitioner', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      const res = await registrar.post('/api/cases', {
        channel: 'phone', nature: 'suggestion', title: '咨询社保缴费', content: '来电咨询灵活就业人员社保缴费方式。', petitioners: [petitioner],
        answerNow: '可通过街道社保窗口或线上平台缴纳。',
      });
      const view = await track(res.body);
      expect(view.state).toBe('answered_on_spot');
      expect(view.timeline.at(-1)).toMatchObject({ text: '已当场答复', detail: '可通过街道社保窗口或线上平台缴纳。' });
    });
  });
}
