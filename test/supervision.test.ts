import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { createUser } from '../src/services/org-units.js';
import { notifications } from '../src/store/schema.js';
import { PASSWORD } from './support/factories.js';

for (const kind of DB_KINDS) {
  describe(`leader-owned cases, chasing and supervision over HTTP [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let caseId: string;
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      await createUser(t.ctx.db, { username: 'leader2', displayName: '副区长', password: PASSWORD, roles: ['leader'], unitId: org.units.district, scopeUnitId: org.units.district });
      server = await startServer(t.ctx);
      const res = await client(server).post('/api/public/cases', { title: '老旧小区加装电梯', content: '梅园小区3号楼加装电梯意见不一，已拖了两年。', petitioner: { name: '周八', phone: '13500001111' }, gridId: org.units.gridA1 });
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      caseId = (await dispatcher.get(`/api/cases?q=${res.body.number}`)).body.items[0].id;
      await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'accept' });
      await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 });
      await (await loginAs(server, org.usernames.handlerA!)).post(`/api/cases/${caseId}/commands`, { type: 'sign' });
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a leader takes a case (领导包案): it is flagged, in his own queue, and nobody else can take it', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      expect((await leader.get(`/api/cases/${caseId}`)).body.abilities).toContain('take_ownership');
      const took = await leader.post(`/api/cases/${caseId}/commands`, { type: 'take_ownership', note: '列入百案攻坚' });
      expect(took.status).toBe(200);
      const mine = await leader.get('/api/cases?queue=leader_owned');
      expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([caseId]);
      expect(mine.body.items[0].flags).toContain('leader_owned');
      const detail = await leader.get(`/api/cases/${caseId}`);
      expect(detail.body.ownerLeader).toEqual({ id: org.actors.leader.userId, name: 'leader' });
      expect(detail.body.abilities).not.toContain('take_ownership');
      const other = await loginAs(server, 'leader2');
      const again = await other.post(`/api/cases/${caseId}/commands`, { type: 'take_ownership' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CASE_ALREADY_OWNED');
      expect(again.body.message).toMatch(/包案/);
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.post(`/api/cases/${caseId}/commands`, { type: 'take_ownership' })).status).toBe(403);
    });

    it('a supervisor supervises with a reply deadline; the lead unit is told, sees it in its queue and answers once', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const past = await supervisor.post(`/api/cases/${caseId}/commands`, { type: 'supervise', reason: '逾期未办', replyDueAt: '2020-01-01T00:00:00+08:00' });
      expect(past.status).toBe(400);
      expect(past.body.code).toBe('VALIDATION_FAILED');
      const noDate = await supervisor.post(`/api/cases/${caseId}/commands`, { type: 'supervise', reason: '逾期未办', replyDueAt: '下周五' });
      expect(noDate.status).toBe(400);
      const due = new Date(t.clock.now().getTime() + 3 * 86_400_000).toISOString();
      const ok = await supervisor.post(`/api/cases/${caseId}/commands`, { type: 'supervise', reason: '群众反映强烈，挂牌督办', replyDueAt: due, listed: true });
      expect(ok.status).toBe(200);

      const handler = await loginAs(server, org.usernames.handlerA!);
      const queue = await handler.get('/api/cases?queue=supervised');
      expect(queue.body.items.map((c: { id: string }) => c.id)).toEqual([caseId]);
      const detail = await handler.get(`/api/cases/${caseId}`);
      expect(detail.body.supervisions).toHaveLength(1);
      const sup = detail.body.supervisions[0];
      expect(sup).toMatchObject({ kind: 'listed', reason: '群众反映强烈，挂牌督办', replyDueAt: due, repliedAt: null, targetUnit: { id: org.units.gridA1 } });
      expect(detail.body.abilities).toContain('supervision_reply');
      const told = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.handlerA.userId), eq(notifications.caseId, caseId)));
      expect(told.map((n) => [n.kind, n.level])).toEqual([['supervision', 'red']]);

      const other = await loginAs(server, org.usernames.handlerB!);
      expect((await other.post(`/api/cases/${caseId}/commands`, { type: 'supervision_reply', supervisionId: sup.id, text: '不是我们的' })).status).toBe(404);
      const wrongId = await handler.post(`/api/cases/${caseId}/commands`, { type: 'supervision_reply', supervisionId: '00000000-0000-4000-8000-000000000000', text: '已处理' });
      expect(wrongId.status).toBe(409);
      expect(wrongId.body.code).toBe('SUPERVISION_NOT_OPEN');
      const answered = await handler.post(`/api/cases/${caseId}/commands`, { type: 'supervision_reply', supervisionId: sup.id, text: '已召开业主协商会，本月底前确定方案' });
      expect(answered.status).toBe(200);
      const twice = await handler.post(`/api/cases/${caseId}/commands`, { type: 'supervision_reply', supervisionId: sup.id, text: '再答一次' });
      expect(twice.status).toBe(409);
      const after = await handler.get(`/api/cases/${caseId}`);
      expect(after.body.supervisions[0].replyText).toBe('已召开业主协商会，本月底前确定方案');
      expect(after.body.timeline.map((e: { type: string }) => e.type).slice(-2)).toEqual(['case.supervised', 'case.supervision_replied']);
      expect((await handler.get('/api/cases?queue=supervised')).body.items).toEqual([]);
    });

    it('when the leader\'s case is settled, a similar open case\'s unit gets it as a reference, once', async () => {
      const res = await client(server).post('/api/public/cases', { title: '小区加装电梯协调难', content: '荷塘社区5号楼加装电梯，低层业主反对，意见不一，希望协调加装电梯。', petitioner: { name: '郑九', phone: '13500002222' }, gridId: org.units.gridB1 });
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const similarId = (await dispatcher.get(`/api/cases?q=${res.body.number}`)).body.items[0].id;
      await dispatcher.post(`/api/cases/${similarId}/commands`, { type: 'accept' });
      await dispatcher.post(`/api/cases/${similarId}/commands`, { type: 'dispatch', leadUnitId: org.units.gridB1 });

      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.post(`/api/cases/${caseId}/commands`, { type: 'reply', opinion: 'support', text: '经领导协调，业主签署加装电梯协议，已开工。' })).status).toBe(200);
      await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' });
      expect((await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'close', summary: '群众满意' })).body.state).toBe('closed');

      const pushed = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.handlerB.userId), eq(notifications.kind, 'leader_push')));
      expect(pushed.map((n) => n.caseId)).toEqual([similarId]);
      expect(pushed[0]!.body).toContain('加装电梯协议');
      const timeline = (await dispatcher.get(`/api/cases/${caseId}`)).body.timeline.map((e: { type: string }) => e.type);
      expect(timeline.slice(-2)).toEqual(['case.closed', 'case.similar_pushed']);
    });
  });
}
