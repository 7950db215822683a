/**
 * The due dates a user sees on a case (GET /api/cases/:id `deadlines`, the lists' `nextDueAt`), computed
 * by hand here from the rule set (statute/rules/reg2022.json) and the State Council holiday notices
 * (statute/calendars): 民法典 Art. 201 (the start day is not counted), Art. 203 (a period ending on a rest
 * day ends on the next working day, at 24:00 China time), 调休 Saturdays are working days.
 *
 * A period in days ending on China date D is due at D 23:59:59.999 +08:00 = D T15:59:59.999Z.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, startServer, type JsonResponse, type TestServer } from './support/server.js';

const DAY = 86_400_000;
/** The instant a period whose last day is `date` (China) runs out. */
const endOf = (date: string) => `${date}T15:59:59.999Z`;
/** 10:00 in China on `date`. */
const at10 = (date: string) => `${date}T02:00:00.000Z`;

type Who = keyof MiniOrg['actors'];

interface Staff {
  get(path: string): Promise<JsonResponse>;
  post(path: string, body?: unknown): Promise<JsonResponse>;
  cmd(caseId: string, command: Record<string, unknown>): Promise<JsonResponse>;
  view(caseId: string): Promise<JsonResponse>;
}

let phoneSeq = 0;
const petitioner = () => ({ name: '周海燕', phone: `1370571${String(2000 + phoneSeq++).padStart(4, '0')}` });

function harness(getT: () => TestContext, getOrg: () => MiniOrg, getServer: () => TestServer) {
  /** Given a role, returns a client logged in now (sessions last 12 h: log in again after moving the clock). */
  async function as(who: Who): Promise<Staff> {
    const login = await client(getServer()).post<{ token: string }>('/api/auth/login', { username: getOrg().usernames[who], password: PASSWORD });
    expect(login.status, `login ${who}`).toBe(200);
    const c = client(getServer(), login.body.token);
    return {
      get: (p) => c.get(p),
      post: (p, b) => c.post(p, b),
      cmd: (id, b) => c.post(`/api/cases/${id}/commands`, b),
      view: (id) => c.get(`/api/cases/${id}`),
    };
  }

  /** Given a title, returns a phone case the dispatcher registered and accepted now. */
  async function accepted(title: string, extra: Record<string, unknown> = {}): Promise<{ id: string; number: string; queryCode: string }> {
    const dispatcher = await as('dispatcher');
    const r = await dispatcher.post('/api/cases', { channel: 'phone', nature: 'appeal', title, content: `${title}，请有关部门依法处理。`, petitioners: [petitioner()], acceptNow: true, ...extra });
    expect(r.status).toBe(201);
    expect(r.body.state).toBe('accepted');
    return r.body;
  }

  /** Given a case, dispatches it to grid A1 now and has the grid sign for it. */
  async function toHandling(id: string): Promise<void> {
    const dispatcher = await as('dispatcher');
    expect((await dispatcher.cmd(id, { type: 'dispatch', leadUnitId: getOrg().units.gridA1 })).status).toBe(200);
    expect((await (await as('handlerA')).cmd(id, { type: 'sign' })).body.state).toBe('handling');
  }

  /** Given a case in handling, replies, has it visited and closes it now. */
  async function toClosed(id: string): Promise<void> {
    expect((await (await as('handlerA')).cmd(id, { type: 'reply', opinion: 'support', text: '已处理完毕。' })).body.state).toBe('replied');
    expect((await (await as('supervisor')).cmd(id, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' })).body.state).toBe('visited');
    expect((await (await as('dispatcher')).cmd(id, { type: 'close' })).body.state).toBe('closed');
  }

  return { as, accepted, toHandling, toClosed, clock: () => getT().clock };
}

for (const kind of DB_KINDS) {
  describe(`due dates shown on a case, across weekends, 调休 and holidays [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const h = harness(
      () => t,
      () => org,
      () => server,
    );

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2025-09-26T02:00:00Z' });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a case accepted on Friday 2025-09-26 must be handled by 2025-11-25 (60 days, the start day not counted), and forwarded by the 调休 Saturday 2025-10-11', async () => {
      t.clock.set(at10('2025-09-26'));
      const c = await h.accepted('反映小区物业乱收费');
      const dispatcher = await h.as('dispatcher');
      const detail = await dispatcher.view(c.id);
      expect(detail.body.deadlines.handling).toMatchObject({ startedAt: at10('2025-09-26'), dueAt: endOf('2025-11-25'), stoppedAt: null, extensionDays: 0 });
      // Art. 22: 15 days from receipt end on Saturday 10/11, a make-up working day: no rolling to Monday.
      expect(detail.body.deadlines.forward.dueAt).toBe(endOf('2025-10-11'));
      expect(detail.body.nextDueAt).toBe(endOf('2025-10-11'));
      expect(detail.body.nextDueClock).toBe('forward');

      expect((await dispatcher.cmd(c.id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      const dispatched = await dispatcher.view(c.id);
      expect(dispatched.body.deadlines.forward.stoppedAt).toBe(at10('2025-09-26'));
      expect(dispatched.body.nextDueAt).toBe(endOf('2025-11-25'));
      expect(dispatched.body.nextDueClock).toBe('handling');
      // The accept event tells the due date it started.
      const acceptEvent = detail.body.timeline.find((e: any) => e.type === 'case.accepted');
      expect(acceptEvent.data.due).toEqual({ handling: endOf('2025-11-25') });

      const listed = await dispatcher.get(`/api/cases?q=${c.number}`);
      expect(listed.body.items[0].nextDueAt).toBe(endOf('2025-11-25'));
      const track = await client(server).get(`/api/public/cases/${c.number}?code=${c.queryCode}`);
      expect(track.body.dueAt).toBe(endOf('2025-11-25'));
    });

    it('a dispatch on 2025-09-26 may be objected to until 2025-10-10 (Sun 9/28 调休 counts, 国庆 10/1–10/8 does not); on 10/11 and 10/12 it is refused 409', async () => {
      t.clock.set(at10('2025-09-26'));
      const onTime = await h.accepted('反映道路破损（异议及时）');
      const late = await h.accepted('反映道路破损（异议逾期）');
      const dispatcher = await h.as('dispatcher');
      for (const c of [onTime, late]) {
        expect((await dispatcher.cmd(c.id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
        const d = await dispatcher.view(c.id);
        expect(d.body.deadlines.objection.dueAt).toBe(endOf('2025-10-10'));
        expect(d.body.timeline.at(-1).data.due).toEqual({ objection: endOf('2025-10-10') });
      }

      t.clock.set('2025-10-10T15:00:00Z'); // 23:00 on the last day
      const grid = await h.as('handlerA');
      const objected = await grid.cmd(onTime.id, { type: 'object', reason: '道路养护属交通部门职责' });
      expect(objected.status).toBe(200);
      expect(objected.body.state).toBe('objected');

      for (const when of ['2025-10-10T16:00:00Z', at10('2025-10-11'), at10('2025-10-12')]) {
        t.clock.set(when);
        const g = await h.as('handlerA');
        const refused = await g.cmd(late.id, { type: 'object', reason: '道路养护属交通部门职责' });
        expect(refused.status, when).toBe(409);
        expect(refused.body.code).toBe('DEADLINE_WINDOW_CLOSED');
        expect(refused.body.details).toMatchObject({ clock: 'objection', dueAt: endOf('2025-10-10') });
      }
      expect((await (await h.as('dispatcher')).view(late.id)).body.state).toBe('dispatched');
    });

    it('2026 Spring Festival: a case received on 除夕 2/16 is forwarded by 3/3, handled by 4/17, and objected to by the 调休 Saturday 2/28', async () => {
      t.clock.set(at10('2026-02-16'));
      const c = await h.accepted('春节期间来电反映供暖不足');
      const dispatcher = await h.as('dispatcher');
      expect(c.number).toMatch(/^YH-2026-/);
      const d0 = await dispatcher.view(c.id);
      expect(d0.body.deadlines.forward.dueAt).toBe(endOf('2026-03-03'));
      expect(d0.body.deadlines.handling.dueAt).toBe(endOf('2026-04-17'));
      expect((await dispatcher.cmd(c.id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      // 2/17–2/23 are holidays: working days 2/24, 2/25, 2/26, 2/27 and the make-up Saturday 2/28.
      expect((await dispatcher.view(c.id)).body.deadlines.objection.dueAt).toBe(endOf('2026-02-28'));

      t.clock.set('2026-02-28T08:00:00Z');
      const grid = await h.as('handlerA');
      expect((await grid.cmd(c.id, { type: 'object', reason: '不属本网格职责' })).status).toBe(200);
    });

    it('a letter received 2026-02-08 whose 15 days end on the holiday 2/23 must be forwarded by Tuesday 2/24', async () => {
      t.clock.set(at10('2026-02-16'));
      const registrar = await h.as('registrar');
      const r = await registrar.post('/api/cases', {
        channel: 'letter',
        nature: 'appeal',
        title: '春节前来信反映拖欠工资',
        content: '来信反映务工单位年前拖欠工资未付。',
        petitioners: [petitioner()],
        receivedAt: '2026-02-08T10:00:00+08:00',
      });
      expect(r.status).toBe(201);
      const d = await registrar.view(r.body.id);
      expect(d.body.receivedAt).toBe(at10('2026-02-08'));
      expect(d.body.deadlines.forward.startedAt).toBe(at10('2026-02-08'));
      expect(d.body.deadlines.forward.dueAt).toBe(endOf('2026-02-24'));
    });

    it('a case accepted 2025-12-19 whose 60 days end on 初一 2026-02-17 rolls past the whole 9-day break to 2026-02-24', async () => {
      t.clock.set(at10('2025-12-19'));
      const c = await h.accepted('年底来访反映安置房质量问题');
      const d = await (await h.as('dispatcher')).view(c.id);
      expect(d.body.deadlines.handling.dueAt).toBe(endOf('2026-02-24'));
    });

    it('an approved extension moves the handling due date by the approved days (not the requested ones); a second request is refused 409 DEADLINE_EXTENSION_USED', async () => {
      t.clock.set(at10('2025-09-26'));
      const c = await h.accepted('反映征地补偿款未到位');
      await h.toHandling(c.id);
      t.clock.set(at10('2025-11-03'));
      const grid = await h.as('handlerA');
      const tooLong = await grid.cmd(c.id, { type: 'request_extension', days: 31, reason: '需多部门核实' });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.code).toBe('DEADLINE_EXTENSION_TOO_LONG');
      const asked = await grid.cmd(c.id, { type: 'request_extension', days: 30, reason: '涉及历史遗留问题，需调取档案核实' });
      expect(asked.status).toBe(200);
      expect((await grid.view(c.id)).body.extension).toBe('requested');
      expect((await grid.view(c.id)).body.deadlines.handling.dueAt).toBe(endOf('2025-11-25'));

      const head = await h.as('headA');
      const approved = await head.cmd(c.id, { type: 'approve_extension', days: 20, note: '同意延期20日' });
      expect(approved.status).toBe(200);
      const after = await head.view(c.id);
      expect(after.body.extension).toBe('approved');
      expect(after.body.deadlines.handling).toMatchObject({ dueAt: endOf('2025-12-15'), extensionDays: 20 });
      expect(after.body.nextDueAt).toBe(endOf('2025-12-15'));
      const track = await client(server).get(`/api/public/cases/${c.number}?code=${c.queryCode}`);
      expect(track.body.dueAt).toBe(endOf('2025-12-15'));
      expect(track.body.timeline.map((e: any) => e.text)).toContain('办理期限已延长20日'); // the days granted, not the days asked

      const again = await grid.cmd(c.id, { type: 'request_extension', days: 5, reason: '仍需时间' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('DEADLINE_EXTENSION_USED');
      expect((await head.view(c.id)).body.deadlines.handling.dueAt).toBe(endOf('2025-12-15'));
    });

    it('a hearing during re-review pauses the re_review clock: 10 days of hearing move its due date by 10 days; a hearing during handling pauses nothing', async () => {
      t.clock.set(at10('2025-11-05'));
      const c = await h.accepted('反映宅基地确权争议');
      await h.toHandling(c.id);
      expect((await (await h.as('handlerA')).cmd(c.id, { type: 'reply', opinion: 'not_support', text: '经核查，诉求缺乏依据。' })).body.state).toBe('replied');
      const pub = client(server);
      const portal = (body: Record<string, unknown>) => pub.post(`/api/public/cases/${c.number}/commands?code=${c.queryCode}`, body);
      expect((await portal({ type: 'request_review', reason: '不服处理意见' })).body.state).toBe('under_review');
      const leader = await h.as('leader');
      expect((await leader.cmd(c.id, { type: 'review_opinion', opinion: 'not_support', text: '维持原处理意见。' })).body.state).toBe('reviewed');
      expect((await portal({ type: 'request_re_review', reason: '仍然不服' })).body.state).toBe('under_re_review');
      const before = await leader.view(c.id);
      expect(before.body.deadlines.re_review.dueAt).toBe(endOf('2025-12-05'));
      expect(before.body.nextDueAt).toBe(endOf('2025-12-05'));

      t.clock.set(at10('2025-11-10'));
      const leader2 = await h.as('leader');
      const started = await leader2.cmd(c.id, { type: 'start_hearing', place: '区信访局听证室' });
      expect(started.status).toBe(200);
      const during = await leader2.view(c.id);
      expect(during.body.hearing).toBe(true);
      expect(during.body.deadlines.re_review.paused).toBe(true);
      expect(during.body.timeline.at(-1).data.pausedClocks).toEqual(['re_review']);
      const blocked = await leader2.cmd(c.id, { type: 're_review_opinion', opinion: 'explain', text: '复核意见。' });
      expect(blocked.status).toBe(409);

      t.clock.advance(10 * DAY);
      const leader3 = await h.as('leader');
      const ended = await leader3.cmd(c.id, { type: 'end_hearing', conclusion: '听证查明事实清楚。' });
      expect(ended.status).toBe(200);
      const after = await leader3.view(c.id);
      expect(after.body.hearing).toBe(false);
      expect(after.body.deadlines.re_review.paused).toBe(false);
      expect(after.body.deadlines.re_review.dueAt).toBe(endOf('2025-12-15'));
      expect(Date.parse(after.body.deadlines.re_review.dueAt) - Date.parse(before.body.deadlines.re_review.dueAt)).toBe(10 * DAY);
      expect(after.body.nextDueAt).toBe(endOf('2025-12-15'));

      // reg2022 marks only re_review pausable (Art. 36): a hearing while the unit handles stops no clock.
      t.clock.set(at10('2025-11-05'));
      const other = await h.accepted('反映相邻权纠纷');
      await h.toHandling(other.id);
      const d0 = await (await h.as('dispatcher')).view(other.id);
      expect(d0.body.deadlines.handling.dueAt).toBe(endOf('2026-01-04'));
      t.clock.set(at10('2025-11-10'));
      const dispatcher = await h.as('dispatcher');
      const hs = await dispatcher.cmd(other.id, { type: 'start_hearing' });
      expect(hs.status).toBe(200);
      expect((await dispatcher.view(other.id)).body.timeline.at(-1).data.pausedClocks).toEqual([]);
      expect((await dispatcher.view(other.id)).body.deadlines.handling.paused).toBe(false);
      t.clock.advance(10 * DAY);
      const dispatcher2 = await h.as('dispatcher');
      expect((await dispatcher2.cmd(other.id, { type: 'end_hearing', conclusion: '听证结束。' })).status).toBe(200);
      const d1 = await dispatcher2.view(other.id);
      expect(d1.body.deadlines.handling.dueAt).toBe(endOf('2026-01-04'));
      expect(d1.body.timeline.at(-1).data.resumedClocks).toEqual([]);
    });

    it('a closed case has no next due date (nextDueAt null, dueStatus none), nor has a refused or withdrawn one', async () => {
      t.clock.set(at10('2025-09-26'));
      const closed = await h.accepted('反映垃圾清运不及时（办结）');
      await h.toHandling(closed.id);
      await h.toClosed(closed.id);
      const refused = await h.accepted('反映判决执行难（不予受理）');
      const dispatcher = await h.as('dispatcher');
      expect((await dispatcher.cmd(refused.id, { type: 'refuse', reason: '请向人民法院申请执行', legalChannel: 'court' })).status).toBe(200);
      const withdrawn = await h.accepted('反映噪音扰民（撤回）');
      const w = await client(server).post(`/api/public/cases/${withdrawn.number}/commands?code=${withdrawn.queryCode}`, { type: 'withdraw', reason: '已协商解决' });
      expect(w.body.state).toBe('withdrawn');

      for (const [c, state] of [
        [closed, 'closed'],
        [refused, 'refused'],
        [withdrawn, 'withdrawn'],
      ] as const) {
        const d = await dispatcher.view(c.id);
        expect(d.body.state).toBe(state);
        expect(d.body.nextDueAt, state).toBeNull();
        expect(d.body.nextDueClock, state).toBeNull();
        expect(d.body.dueStatus, state).toBe('none');
        const listed = await dispatcher.get(`/api/cases?q=${c.number}`);
        expect(listed.body.items[0].nextDueAt, state).toBeNull();
      }
      // Much later none of them turns up as overdue.
      t.clock.set(at10('2026-06-01'));
      const later = await h.as('dispatcher');
      const overdue = (await later.get('/api/cases?queue=overdue&limit=200')).body.items.map((c: any) => c.id);
      for (const c of [closed, refused, withdrawn]) expect(overdue).not.toContain(c.id);
    });
  });

  describe(`overdue cases are pinned to the top of every list they are in [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const h = harness(
      () => t,
      () => org,
      () => server,
    );

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: at10('2026-03-02') });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the overdue queue lists the cases past their handling due date, oldest due first, and GET /api/cases puts them on top', async () => {
      // A: accepted Mon 3/2 → 60 days end on 劳动节 5/1 → due Wed 5/6.
      t.clock.set(at10('2026-03-02'));
      const a = await h.accepted('A 反映农贸市场占道');
      await h.toHandling(a.id);
      const closedCase = await h.accepted('C 反映井盖缺失（已办结）');
      await h.toHandling(closedCase.id);
      await h.toClosed(closedCase.id);
      // D: accepted 3/12 → due Mon 5/11.
      t.clock.set(at10('2026-03-12'));
      const d = await h.accepted('D 反映公交站台破损');
      await h.toHandling(d.id);
      // B: accepted 4/1 → 60 days end on Sunday 5/31 → due Mon 6/1.
      t.clock.set(at10('2026-04-01'));
      const b = await h.accepted('B 反映学校周边交通拥堵');
      await h.toHandling(b.id);
      // E: accepted 5/11, not yet dispatched → Art. 22 forwarding due 5/26 comes first.
      t.clock.set(at10('2026-05-11'));
      const e = await h.accepted('E 反映小区绿化被毁');

      t.clock.set(at10('2026-05-16'));
      const dispatcher = await h.as('dispatcher');
      const due = async (id: string) => (await dispatcher.view(id)).body.nextDueAt;
      expect(await due(a.id)).toBe(endOf('2026-05-06'));
      expect(await due(d.id)).toBe(endOf('2026-05-11'));
      expect(await due(b.id)).toBe(endOf('2026-06-01'));
      expect(await due(e.id)).toBe(endOf('2026-05-26'));

      const overdue = await dispatcher.get('/api/cases?queue=overdue');
      expect(overdue.body.items.map((c: any) => c.id)).toEqual([a.id, d.id]);
      expect(overdue.body.items.map((c: any) => c.dueStatus)).toEqual(['overdue', 'overdue']);
      expect(overdue.body.items[0].nextDueClock).toBe('handling');
      expect((await dispatcher.get('/api/queues')).body.overdue).toBe(2);

      const all = await dispatcher.get('/api/cases');
      expect(all.body.items.map((c: any) => c.id)).toEqual([a.id, d.id, e.id, b.id, closedCase.id]);
      expect(all.body.items.map((c: any) => c.dueStatus)).toEqual(['overdue', 'overdue', 'ok', 'ok', 'none']);

      const grid = await h.as('handlerA');
      const handling = await grid.get('/api/cases?queue=handling');
      expect(handling.body.items.map((c: any) => c.id)).toEqual([a.id, d.id, b.id]);

      // Paging keeps the pin: the first page of one is the most overdue case.
      expect((await dispatcher.get('/api/cases?limit=1')).body.items.map((c: any) => c.id)).toEqual([a.id]);
    });
  });
}
