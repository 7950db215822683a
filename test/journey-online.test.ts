import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';

const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`online petition from submission to final closure [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a citizen submits, staff accept, dispatch, sign, reply; the citizen rates, asks for review, and the case ends final', async () => {
      const pub = client(server);
      const submit = await pub.post(
        '/api/public/cases',
        {
          title: '小区门口占道经营严重',
          content: '梅园社区南门每天傍晚有流动摊贩占道经营，堵塞消防通道，请城管处理。',
          channel: 'qr',
          gridId: org.units.gridA1,
          petitioner: { name: '王小明', phone: '13812341234', idNumber: '11010519491231002X' },
        },
        { 'idempotency-key': 'journey-online-0001' },
      );
      expect(submit.status).toBe(201);
      expect(submit.body.number).toMatch(/^YH-2026-\d{6}$/);
      expect(submit.body.queryCode).toMatch(/^[A-Z2-9]{8}$/);
      const { number, queryCode } = submit.body;

      const retry = await pub.post(
        '/api/public/cases',
        {
          title: '小区门口占道经营严重',
          content: '梅园社区南门每天傍晚有流动摊贩占道经营，堵塞消防通道，请城管处理。',
          channel: 'qr',
          gridId: org.units.gridA1,
          petitioner: { name: '王小明', phone: '13812341234', idNumber: '11010519491231002X' },
        },
        { 'idempotency-key': 'journey-online-0001' },
      );
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ number, queryCode });

      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const queue = await dispatcher.get('/api/cases?queue=to_accept');
      expect(queue.status).toBe(200);
      expect(queue.body.items.map((c: any) => c.number)).toEqual([number]);
      const id = queue.body.items[0].id;

      const detail = await dispatcher.get(`/api/cases/${id}`);
      expect(detail.body.petitioners[0].name).toBe('王**');
      expect(detail.body.petitioners[0].phone).toBe('138****1234');
      expect(JSON.stringify(detail.body)).not.toContain('13812341234');
      expect(detail.body.abilities).toContain('accept');

      expect((await dispatcher.post(`/api/cases/${id}/commands`, { type: 'accept' })).status).toBe(200);
      const dispatched = await dispatcher.post(`/api/cases/${id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1, assistUnitIds: [org.units.housing] });
      expect(dispatched.status).toBe(200);
      expect(dispatched.body.state).toBe('dispatched');

      const handler = await loginAs(server, org.usernames.handlerA!);
      const toSign = await handler.get('/api/cases?queue=to_sign');
      expect(toSign.body.items.map((c: any) => c.id)).toEqual([id]);
      expect((await handler.post(`/api/cases/${id}/commands`, { type: 'sign' })).body.state).toBe('handling');
      expect((await handler.post(`/api/cases/${id}/commands`, { type: 'contact_log', method: 'phone', summary: '已电话联系信访人，约定现场查看', reached: true })).status).toBe(200);
      t.clock.advance(5 * DAY); // sessions last 12 hours: everyone signs in again
      const handlerLater = await loginAs(server, org.usernames.handlerA!);
      const replied = await handlerLater.post(`/api/cases/${id}/commands`, { type: 'reply', opinion: 'support', text: '已联合城管清理占道摊贩，并设置固定疏导点。' });
      expect(replied.status).toBe(200);
      expect(replied.body.state).toBe('replied');

      const track = await pub.get(`/api/public/cases/${number}?code=${queryCode}`);
      expect(track.status).toBe(200);
      expect(track.body.reply.text).toContain('城管');
      expect(track.body.canRate).toBe(true);
      expect(track.body.canWithdraw).toBe(true);
      expect(track.body.canRequestReview).toBe(true);
      expect(track.body.reviewOpinion).toBeNull();
      expect(JSON.stringify(track.body)).not.toMatch(/王小明|13812341234|110105/);

      const rated = await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'rate', satisfied: true, solved: true });
      expect(rated.status).toBe(200);
      expect(rated.body.state).toBe('visited');

      const dispatcherLater = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcherLater.post(`/api/cases/${id}/commands`, { type: 'close', summary: '群众满意' })).body.state).toBe('closed');
      const review = await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'request_review', reason: '摊贩又回来了' });
      expect(review.status).toBe(200);
      expect(review.body.state).toBe('under_review');

      const leader = await loginAs(server, org.usernames.leader!);
      expect((await leader.post(`/api/cases/${id}/commands`, { type: 'review_opinion', opinion: 'support', text: '维持原处理意见，责成街道加强巡查。' })).body.state).toBe('reviewed');
      const reviewed = await pub.get(`/api/public/cases/${number}?code=${queryCode}`);
      expect(reviewed.body.reviewOpinion).toMatchObject({ opinion: 'support', text: '维持原处理意见，责成街道加强巡查。' });
      expect(reviewed.body.canRequestReReview).toBe(true);
      expect(reviewed.body.canWithdraw).toBe(false);
      expect((await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'request_re_review', reason: '仍不满意' })).body.state).toBe('under_re_review');
      expect((await leader.post(`/api/cases/${id}/commands`, { type: 're_review_opinion', opinion: 'explain', text: '复核意见：原处理意见正确。' })).body.state).toBe('final');

      const finalView = await pub.get(`/api/public/cases/${number}?code=${queryCode}`);
      expect(finalView.body.reReviewOpinion).toMatchObject({ opinion: 'explain', text: '复核意见：原处理意见正确。' });
      expect([finalView.body.canRate, finalView.body.canRequestReview, finalView.body.canRequestReReview, finalView.body.canWithdraw]).toEqual([false, false, false, false]);

      const after = await dispatcherLater.get(`/api/cases/${id}`);
      expect(after.body.state).toBe('final');
      expect(after.body.timeline.map((e: any) => e.type)).toEqual([
        'case.registered',
        'case.accepted',
        'case.dispatched',
        'case.signed',
        'case.contact_logged',
        'case.replied',
        'case.rated',
        'case.closed',
        'case.review_requested',
        'case.review_opinion_issued',
        'case.re_review_requested',
        'case.re_review_opinion_issued',
      ]);
      expect(after.body.abilities).toEqual([]);
      const illegal = await dispatcherLater.post(`/api/cases/${id}/commands`, { type: 'accept' });
      expect(illegal.status).toBe(409);
      expect(illegal.body.code).toBe('CASE_ILLEGAL_TRANSITION');
    });
  });
}
