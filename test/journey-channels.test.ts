/**
 * One journey per intake channel and per side road of the lifecycle (DOMAIN.md §3), through the HTTP
 * API as staff and citizens use it: what state the case is in after each step, what its timeline says,
 * who may act next — and that no staff response ever carries a petitioner's personal data in clear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckDigit } from '../src/domain/personal-data/id-number.js';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, startServer, type JsonResponse, type TestServer } from './support/server.js';

const DAY = 86_400_000;

type Who = keyof MiniOrg['actors'];

interface Staff {
  get(path: string): Promise<JsonResponse>;
  post(path: string, body?: unknown): Promise<JsonResponse>;
  /** POST /api/cases/:id/commands */
  cmd(caseId: string, command: Record<string, unknown>): Promise<JsonResponse>;
  /** GET /api/cases/:id */
  view(caseId: string): Promise<JsonResponse>;
}

interface Person {
  name: string;
  phone: string;
  idNumber: string;
  address: string;
  representative?: boolean;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['建华', '秀兰', '志强', '桂英', '海燕', '国庆', '晓东', '玉珍', '文博', '丽娟', '春生', '淑芬', '永康', '慧敏', '德明'];

for (const kind of DB_KINDS) {
  describe(`every intake channel and side road of a case, through the HTTP API [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    /** Every staff response body, to check at the end of each journey that nothing was unmasked. */
    const staffBodies: string[] = [];
    /** Every petitioner value typed in clear: none may come back to staff. */
    const personalData: string[] = [];
    let personSeq = 0;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    /** Given a role of the mini org, returns a client freshly logged in at the current test time. */
    async function as(who: Who): Promise<Staff> {
      const login = await client(server).post<{ token: string }>('/api/auth/login', { username: org.usernames[who], password: PASSWORD });
      expect(login.status, `login ${who}`).toBe(200);
      const c = client(server, login.body.token);
      const rec = async (p: Promise<JsonResponse>) => {
        const r = await p;
        staffBodies.push(JSON.stringify(r.body));
        return r;
      };
      return {
        get: (p) => rec(c.get(p)),
        post: (p, b) => rec(c.post(p, b)),
        cmd: (id, b) => rec(c.post(`/api/cases/${id}/commands`, b)),
        view: (id) => rec(c.get(`/api/cases/${id}`)),
      };
    }

    /** Given nothing, returns a new petitioner whose clear values are remembered for the masking check. */
    function person(extra: Partial<Person> = {}): Person {
      const n = personSeq++;
      const first17 = `330110198${n % 10}0${(n % 9) + 1}1${n % 9}${String(100 + n).padStart(3, '0')}`;
      const p: Person = {
        name: SURNAMES[n % SURNAMES.length]! + GIVEN[n % GIVEN.length]!,
        phone: `1390571${String(1000 + n).padStart(4, '0')}`,
        idNumber: first17 + idCheckDigit(first17),
        address: `临江市云湖区南苑街道梅园新村${n + 1}幢${100 + n}室`,
        ...extra,
      };
      personalData.push(p.name, p.phone, p.idNumber, p.address, p.idNumber.slice(6, 14));
      return p;
    }

    /** Every staff response so far kept personal data masked. */
    function expectNothingUnmasked() {
      const all = staffBodies.join('\n');
      expect(personalData.filter((raw) => all.includes(raw))).toEqual([]);
    }

    const types = (detail: JsonResponse) => (detail.body.timeline as { type: string }[]).map((e) => e.type);
    const lastEvent = (detail: JsonResponse) => (detail.body.timeline as { type: string; data: any; actorRole: string | null }[]).at(-1)!;

    /** Given a title and a lead unit, returns a case registered by phone, accepted, dispatched there and signed for. */
    async function caseInHandling(title: string, lead: keyof MiniOrg['units'], signer: Who): Promise<string> {
      const dispatcher = await as('dispatcher');
      const created = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title,
        content: `${title}，来电人要求尽快处理并答复。`,
        petitioners: [person()],
        acceptNow: true,
      });
      expect(created.status).toBe(201);
      expect(created.body.state).toBe('accepted');
      const d = await dispatcher.cmd(created.body.id, { type: 'dispatch', leadUnitId: org.units[lead] });
      expect(d.status).toBe(200);
      const s = await (await as(signer)).cmd(created.body.id, { type: 'sign' });
      expect(s.status).toBe(200);
      expect(s.body.state).toBe('handling');
      return created.body.id;
    }

    it('a registrar entering a phone call with acceptNow gets all or nothing: an accepted case, or a refusal that leaves no case behind', async () => {
      const registrar = await as('registrar');
      const title = '来电咨询公租房申请条件';
      const created = await registrar.post('/api/cases', {
        channel: 'phone',
        nature: 'suggestion',
        type12345: 'inquiry',
        title,
        content: '来电人咨询本区公共租赁住房的申请条件和办理窗口。',
        petitioners: [person()],
        acceptNow: true,
      });
      const found = await registrar.get(`/api/cases?q=${encodeURIComponent(title)}`);
      if (created.status === 201) {
        expect(created.body.state).toBe('accepted');
        expect(found.body.total).toBe(1);
      } else {
        // The registrar may not accept (the dispatcher does): then the intake must not half-happen.
        expect(created.status).toBe(403);
        expect(found.body.items.map((c: any) => c.state), `POST /api/cases answered ${created.status} ${created.body.code} yet registered a case`).toEqual([]);
      }
      expectNothingUnmasked();
    });

    it('a phone inquiry entered by the registrar is answered on the spot, and then nothing more can be done to it', async () => {
      const registrar = await as('registrar');
      const caller = person();
      const created = await registrar.post('/api/cases', {
        channel: 'phone',
        nature: 'suggestion',
        type12345: 'inquiry',
        title: '来电咨询居住证办理材料',
        content: '来电人咨询办理居住证需要准备哪些材料，在哪个窗口办理。',
        petitioners: [caller],
      });
      expect(created.status).toBe(201);
      expect(created.body.state).toBe('registered');
      expect(created.body.number).toMatch(/^YH-2026-\d{6}$/);
      const id = created.body.id as string;

      const before = await registrar.view(id);
      expect(before.body.channel).toBe('phone');
      expect(before.body.type12345).toBe('inquiry');
      expect(before.body.abilities).toContain('answer_on_spot');
      expect(before.body.petitioners).toEqual([
        expect.objectContaining({ name: caller.name[0] + '**', phone: `${caller.phone.slice(0, 3)}****${caller.phone.slice(-4)}`, idNumber: `${caller.idNumber.slice(0, 6)}********${caller.idNumber.slice(-4)}` }),
      ]);

      const answered = await registrar.cmd(id, { type: 'answer_on_spot', answer: '已告知需携带身份证、租房合同到街道便民服务中心办理。' });
      expect(answered.status).toBe(200);
      expect(answered.body.state).toBe('answered_on_spot');

      const after = await registrar.view(id);
      expect(after.body.state).toBe('answered_on_spot');
      expect(types(after)).toEqual(['case.registered', 'case.answered_on_spot']);
      expect(lastEvent(after).data.answer).toContain('便民服务中心');
      expect(after.body.abilities).toEqual([]);
      expect(after.body.nextDueAt).toBeNull();

      const dispatcher = await as('dispatcher');
      expect((await dispatcher.view(id)).body.abilities).toEqual([]);
      for (const command of [{ type: 'accept' }, { type: 'note', text: '补充说明' }, { type: 'dispatch', leadUnitId: org.units.gridA1 }]) {
        const refused = await dispatcher.cmd(id, command);
        expect(refused.status).toBe(409);
        expect(refused.body.code).toBe('CASE_ILLEGAL_TRANSITION');
      }
      expect(types(await dispatcher.view(id))).toHaveLength(2);
      expectNothingUnmasked();
    });

    it('a letter about a court judgment is refused with the legal channel to use, and the refusal is final', async () => {
      const registrar = await as('registrar');
      const created = await registrar.post('/api/cases', {
        channel: 'letter',
        nature: 'appeal',
        title: '来信要求改判民事判决',
        content: '来信反映对区人民法院一审民事判决不服，要求信访部门责令法院改判。',
        petitioners: [person()],
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const { number, queryCode } = created.body;

      const dispatcher = await as('dispatcher');
      const detail = await dispatcher.view(id);
      expect(detail.body.channel).toBe('letter');
      expect(detail.body.flags).toContain('law_related');
      expect(detail.body.abilities).toEqual(expect.arrayContaining(['accept', 'refuse']));

      const noChannel = await dispatcher.cmd(id, { type: 'refuse', reason: '属于诉讼程序' });
      expect(noChannel.status).toBe(400);
      const refused = await dispatcher.cmd(id, { type: 'refuse', reason: '属于诉讼程序处理的事项，请依法向上一级人民法院提起上诉', legalChannel: 'court' });
      expect(refused.status).toBe(200);
      expect(refused.body.state).toBe('refused');

      const after = await dispatcher.view(id);
      expect(after.body.state).toBe('refused');
      expect(types(after)).toEqual(['case.registered', 'case.refused']);
      expect(lastEvent(after).data).toMatchObject({ legalChannel: 'court', from: 'registered', to: 'refused' });
      expect(after.body.abilities).toEqual([]);
      const again = await dispatcher.cmd(id, { type: 'accept' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CASE_ILLEGAL_TRANSITION');

      const track = await client(server).get(`/api/public/cases/${number}?code=${queryCode}`);
      expect(track.status).toBe(200);
      expect(track.body.state).toBe('refused');
      expect(track.body.timeline.map((e: any) => e.text)).toEqual(['已登记', '不予受理']);
      expectNothingUnmasked();
    });

    it('a collective visit of 6 people with 5 representatives is flagged collective; 6 representatives are refused 400 and nothing is registered', async () => {
      const registrar = await as('registrar');
      const people = Array.from({ length: 6 }, (_, i) => person({ representative: i < 5 }));
      const created = await registrar.post('/api/cases', {
        channel: 'visit',
        nature: 'appeal',
        title: '六名业主集体来访反映小区停车收费',
        content: '梅园新村业主集体来访，反映物业擅自上调停车收费标准，要求主管部门查处。',
        petitioners: people,
      });
      expect(created.status).toBe(201);
      const detail = await registrar.view(created.body.id);
      expect(detail.body.channel).toBe('visit');
      expect(detail.body.flags).toContain('collective');
      expect(detail.body.petitionerCount).toBe(6);
      expect(detail.body.petitioners).toHaveLength(6);
      expect(detail.body.petitioners.filter((p: any) => p.representative)).toHaveLength(5);
      for (const p of detail.body.petitioners) {
        expect(p.name).toMatch(/^.\*+$/u);
        expect(p.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
      }
      expect(types(detail)).toEqual(['case.registered']);
      expect(detail.body.timeline[0].data.petitionerCount).toBe(6);

      const tooManyTitle = '六名代表集体来访反映拆迁补偿';
      const tooMany = await registrar.post('/api/cases', {
        channel: 'visit',
        nature: 'appeal',
        title: tooManyTitle,
        content: '六名村民同时以代表身份来访，反映拆迁补偿标准不一。',
        petitioners: Array.from({ length: 6 }, () => person({ representative: true })),
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.code).toBe('REPRESENTATIVES_TOO_MANY');
      expect(tooMany.body.message).toMatch(/[\u4e00-\u9fff]/);
      expect((await registrar.get(`/api/cases?q=${encodeURIComponent(tooManyTitle)}`)).body.total).toBe(0);
      expectNothingUnmasked();
    });

    it('a leader registering a visit on his reception day owns the case: flagged leader_owned and in his own queue, not in others’', async () => {
      const leader = await as('leader');
      const created = await leader.post('/api/cases', {
        channel: 'leader_reception',
        nature: 'appeal',
        title: '领导接访：老旧小区加装电梯纠纷',
        content: '接访日来访，反映老旧小区加装电梯低层住户阻挠施工，协调多次无果。',
        petitioners: [person()],
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;

      const detail = await leader.view(id);
      expect(detail.body.channel).toBe('leader_reception');
      expect(detail.body.ownerLeaderId).toBe(org.actors.leader.userId);
      expect(detail.body.flags).toContain('leader_owned');
      expect(detail.body.ownerUnit.id).toBe(org.units.district);
      expect(detail.body.abilities).toContain('accept');

      const queue = await leader.get('/api/cases?queue=leader_owned');
      expect(queue.status).toBe(200);
      expect(queue.body.items.map((c: any) => c.id)).toEqual([id]);
      const flagged = await leader.get('/api/cases?flag=leader_owned');
      expect(flagged.body.items.map((c: any) => c.id)).toEqual([id]);
      const dispatcher = await as('dispatcher');
      expect((await dispatcher.get('/api/cases?queue=leader_owned')).body.items).toEqual([]);

      expect((await leader.cmd(id, { type: 'accept' })).body.state).toBe('accepted');
      const dispatched = await leader.cmd(id, { type: 'dispatch', leadUnitId: org.units.housing, assistUnitIds: [org.units.streetA] });
      expect(dispatched.status).toBe(200);
      expect(dispatched.body.state).toBe('dispatched');
      expect(types(await leader.view(id))).toEqual(['case.registered', 'case.accepted', 'case.dispatched']);
      expectNothingUnmasked();
    });

    it('a grid report the grid cannot settle goes up one tier at a time, grid → community → street, each step an event signed by the new lead unit', async () => {
      const grid = await as('handlerA');
      const created = await grid.post('/api/cases', {
        channel: 'grid_report',
        nature: 'appeal',
        title: '网格上报：违章搭建影响邻里采光',
        content: '网格员巡查发现梅园新村底楼住户违章搭建阳光房，邻居多次投诉，网格内协调未果。',
        gridId: org.units.gridA1,
        petitioners: [person()],
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const reg = await grid.view(id);
      expect(reg.body.channel).toBe('grid_report');
      expect(reg.body.gridUnit.id).toBe(org.units.gridA1);
      expect(reg.body.ownerUnit.id).toBe(org.units.gridA1);

      const dispatcher = await as('dispatcher');
      expect((await dispatcher.cmd(id, { type: 'accept' })).status).toBe(200);
      expect((await dispatcher.cmd(id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).body.state).toBe('dispatched');
      expect((await grid.cmd(id, { type: 'sign' })).body.state).toBe('handling');

      // Skipping the community, or jumping to the district, is refused and leaves no trace.
      for (const to of [org.units.streetA, org.units.district, org.units.gridA2]) {
        const skip = await grid.cmd(id, { type: 'escalate', toUnitId: to, reason: '网格内无法化解' });
        expect(skip.status).toBe(400);
        expect(skip.body.code).toBe('VALIDATION_FAILED');
      }
      expect(types(await grid.view(id))).toEqual(['case.registered', 'case.accepted', 'case.dispatched', 'case.signed']);

      const up1 = await grid.cmd(id, { type: 'escalate', toUnitId: org.units.communityA, reason: '网格内无法化解，提请社区处理' });
      expect(up1.status).toBe(200);
      expect(up1.body.state).toBe('dispatched');
      const community = await as('communityHeadA');
      const atCommunity = await community.view(id);
      expect(atCommunity.body.leadUnit.id).toBe(org.units.communityA);
      expect(atCommunity.body.assistUnits.map((u: any) => u.id)).toEqual([org.units.gridA1]);
      expect(lastEvent(atCommunity).data).toMatchObject({ toUnitId: org.units.communityA, previousLeadUnitId: org.units.gridA1 });
      expect((await community.get('/api/cases?queue=to_sign')).body.items.map((c: any) => c.id)).toEqual([id]);
      // The grid is now only assisting: signing is the community's job.
      expect((await grid.cmd(id, { type: 'sign' })).status).toBe(403);
      expect((await community.cmd(id, { type: 'sign' })).body.state).toBe('handling');

      const skipDistrict = await community.cmd(id, { type: 'escalate', toUnitId: org.units.district, reason: '提请区里处理' });
      expect(skipDistrict.status).toBe(400);
      const up2 = await community.cmd(id, { type: 'escalate', toUnitId: org.units.streetA, reason: '社区调解未果，提请街道处理' });
      expect(up2.status).toBe(200);
      const street = await as('headA');
      expect((await street.get('/api/cases?queue=to_sign')).body.items.map((c: any) => c.id)).toEqual([id]);
      expect((await street.cmd(id, { type: 'sign' })).body.state).toBe('handling');

      const after = await street.view(id);
      expect(after.body.leadUnit.id).toBe(org.units.streetA);
      expect(after.body.assistUnits.map((u: any) => u.id).sort()).toEqual([org.units.gridA1, org.units.communityA].sort());
      expect(types(after)).toEqual([
        'case.registered',
        'case.accepted',
        'case.dispatched',
        'case.signed',
        'case.escalated',
        'case.signed',
        'case.escalated',
        'case.signed',
      ]);
      const signers = after.body.timeline.filter((e: any) => e.type === 'case.signed').map((e: any) => e.actorId);
      expect(signers).toEqual([org.actors.handlerA.userId, org.actors.communityHeadA.userId, org.actors.headA.userId]);
      expectNothingUnmasked();
    });

    it('a unit objecting to a wrong dispatch within 5 working days sends it back, and the dispatcher redispatches it to the right unit', async () => {
      const dispatcher = await as('dispatcher');
      const created = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title: '来电反映商品房延期交付',
        content: '来电反映所购商品房逾期半年仍未交付，开发商拒不答复。',
        petitioners: [person()],
        acceptNow: true,
      });
      const id = created.body.id as string;
      expect((await dispatcher.cmd(id, { type: 'dispatch', leadUnitId: org.units.gridB1 })).body.state).toBe('dispatched');
      const dispatched = await dispatcher.view(id);
      const objectionDue = Date.parse(dispatched.body.deadlines.objection.dueAt);
      expect(objectionDue).toBeGreaterThan(t.clock.now().getTime() + 5 * DAY); // 5 working days, weekend in between

      t.clock.advance(2 * DAY);
      const wrongUnit = await as('handlerB');
      expect((await wrongUnit.view(id)).body.abilities).toContain('object');
      const objected = await wrongUnit.cmd(id, { type: 'object', reason: '商品房交付纠纷属住建部门职责，不属本网格' });
      expect(objected.status).toBe(200);
      expect(objected.body.state).toBe('objected');

      const dispatcher2 = await as('dispatcher');
      const back = await dispatcher2.view(id);
      expect(back.body.abilities).toEqual(expect.arrayContaining(['redispatch', 'reject_objection']));
      const redispatched = await dispatcher2.cmd(id, { type: 'redispatch', leadUnitId: org.units.housing, reason: '异议成立，改交区住建局' });
      expect(redispatched.status).toBe(200);
      expect(redispatched.body.state).toBe('dispatched');

      const housing = await as('housingHandler');
      expect((await housing.get('/api/cases?queue=to_sign')).body.items.map((c: any) => c.id)).toContain(id);
      expect((await housing.cmd(id, { type: 'sign' })).body.state).toBe('handling');
      // The unit that objected is out of it now.
      expect((await wrongUnit.view(id)).status).toBe(404);

      const after = await housing.view(id);
      expect(after.body.leadUnit.id).toBe(org.units.housing);
      expect(types(after)).toEqual(['case.registered', 'case.accepted', 'case.dispatched', 'case.objected', 'case.redispatched', 'case.signed']);
      const redispatchEvent = after.body.timeline.find((e: any) => e.type === 'case.redispatched');
      expect(redispatchEvent.data).toMatchObject({ leadUnitId: org.units.housing, previousLeadUnitId: org.units.gridB1 });
      // The new lead unit gets its own objection window from the redispatch.
      expect(Date.parse(after.body.deadlines.objection.dueAt)).toBeGreaterThan(objectionDue);
      expectNothingUnmasked();
    });

    it('an objection after the 5-working-day window is refused 409 DEADLINE_WINDOW_CLOSED and the case stays with the unit', async () => {
      const dispatcher = await as('dispatcher');
      const created = await dispatcher.post('/api/cases', {
        channel: 'letter',
        nature: 'appeal',
        title: '来信反映楼道堆物',
        content: '来信反映梅园新村楼道长期堆放杂物，存在消防隐患。',
        petitioners: [person()],
        acceptNow: true,
      });
      const id = created.body.id as string;
      expect((await dispatcher.cmd(id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      const due = Date.parse((await dispatcher.view(id)).body.deadlines.objection.dueAt);

      t.clock.advance(8 * DAY); // eight calendar days hold at least five working days
      expect(t.clock.now().getTime()).toBeGreaterThan(due);
      const grid = await as('handlerA');
      expect((await grid.view(id)).body.abilities).not.toContain('object');
      const late = await grid.cmd(id, { type: 'object', reason: '不属本网格职责' });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('DEADLINE_WINDOW_CLOSED');
      const after = await grid.view(id);
      expect(after.body.state).toBe('dispatched');
      expect(after.body.leadUnit.id).toBe(org.units.gridA1);
      expect(types(after)).toEqual(['case.registered', 'case.accepted', 'case.dispatched']);
      expectNothingUnmasked();
    });

    it('a joint meeting records attendees and decisions and names a new lead unit, which signs; mediation is recorded on the case', async () => {
      const id = await caseInHandling('小区违建拆除涉及多部门', 'gridA1', 'handlerA');
      const dispatcher = await as('dispatcher');
      const noAttendees = await dispatcher.cmd(id, { type: 'refer_joint_meeting', attendees: [], decisions: '由住建局牵头', leadUnitId: org.units.housing });
      expect(noAttendees.status).toBe(400);
      const meeting = await dispatcher.cmd(id, {
        type: 'refer_joint_meeting',
        attendees: ['区信访局', '区住建局', '南苑街道'],
        decisions: '由区住建局牵头认定违建，南苑街道配合拆除',
        leadUnitId: org.units.housing,
        assistUnitIds: [org.units.streetA],
      });
      expect(meeting.status).toBe(200);
      expect(meeting.body.state).toBe('dispatched');

      const housing = await as('housingHandler');
      const detail = await housing.view(id);
      expect(detail.body.leadUnit.id).toBe(org.units.housing);
      expect(detail.body.assistUnits.map((u: any) => u.id)).toEqual([org.units.streetA]);
      expect(lastEvent(detail).type).toBe('case.joint_meeting_referred');
      expect(lastEvent(detail).data).toMatchObject({
        attendees: ['区信访局', '区住建局', '南苑街道'],
        decisions: '由区住建局牵头认定违建，南苑街道配合拆除',
        leadUnitId: org.units.housing,
        previousLeadUnitId: org.units.gridA1,
      });
      expect((await housing.cmd(id, { type: 'sign' })).body.state).toBe('handling');

      const noText = await housing.cmd(id, { type: 'record_mediation', mediator: '区人民调解委员会', outcome: 'agreement' });
      expect(noText.status).toBe(400);
      const mediated = await housing.cmd(id, { type: 'record_mediation', mediator: '区人民调解委员会', outcome: 'agreement', agreement: '业主同意三十日内自行拆除阳光房' });
      expect(mediated.status).toBe(200);
      expect(mediated.body.state).toBe('handling');
      const after = await housing.view(id);
      expect(types(after)).toEqual(['case.registered', 'case.accepted', 'case.dispatched', 'case.signed', 'case.joint_meeting_referred', 'case.signed', 'case.mediation_recorded']);
      expect(lastEvent(after).data).toMatchObject({ mediator: '区人民调解委员会', outcome: 'agreement', agreement: '业主同意三十日内自行拆除阳光房' });
      expectNothingUnmasked();
    });

    it('an unsatisfied return visit sends the case back for rework; the unit replies again and a satisfied visit closes it', async () => {
      const id = await caseInHandling('路灯长期不亮', 'gridA1', 'handlerA');
      const grid = await as('handlerA');
      expect((await grid.cmd(id, { type: 'reply', opinion: 'support', text: '已报修，路灯已恢复照明。' })).body.state).toBe('replied');

      const supervisor = await as('supervisor');
      const visit = await supervisor.cmd(id, { type: 'return_visit', contacted: true, solved: false, satisfied: false, method: 'phone', note: '来电人称路灯两天后又坏了' });
      expect(visit.status).toBe(200);
      expect(visit.body.state).toBe('visited');
      const dispatcher = await as('dispatcher');
      const visited = await dispatcher.view(id);
      expect(visited.body.lastVisit).toEqual({ contacted: true, solved: false, satisfied: false });
      expect(visited.body.abilities).toContain('rework');

      const rework = await dispatcher.cmd(id, { type: 'rework', reason: '回访不满意，问题未解决，退回重办' });
      expect(rework.status).toBe(200);
      expect(rework.body.state).toBe('handling');
      const reworked = await grid.view(id);
      expect(lastEvent(reworked).data.reworkCount).toBe(1);
      expect(reworked.body.deadlines.handling.stoppedAt).toBeNull();

      t.clock.advance(3 * DAY);
      const grid2 = await as('handlerA');
      const again = await grid2.cmd(id, { type: 'reply', opinion: 'support', text: '已更换整条线路，路灯恢复正常。' });
      expect(again.status).toBe(200);
      expect(again.body.state).toBe('replied');
      const supervisor2 = await as('supervisor');
      expect((await supervisor2.cmd(id, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' })).body.state).toBe('visited');
      const dispatcher2 = await as('dispatcher');
      const noRework = await dispatcher2.cmd(id, { type: 'rework', reason: '再次退回' });
      expect(noRework.status).toBe(409);
      expect((await dispatcher2.cmd(id, { type: 'close', summary: '群众满意' })).body.state).toBe('closed');

      const after = await dispatcher2.view(id);
      expect(after.body.reply.text).toContain('更换整条线路');
      expect(types(after)).toEqual([
        'case.registered',
        'case.accepted',
        'case.dispatched',
        'case.signed',
        'case.replied',
        'case.return_visited',
        'case.reworked',
        'case.replied',
        'case.return_visited',
        'case.closed',
      ]);
      expectNothingUnmasked();
    });

    it('a duplicate merged into an open case ends merged, and the open case’s timeline shows case.merged_in', async () => {
      const dispatcher = await as('dispatcher');
      const mk = async (title: string) => {
        const r = await dispatcher.post('/api/cases', { channel: 'phone', nature: 'appeal', title, content: `${title}，夜间施工噪音扰民，影响休息。`, petitioners: [person()], acceptNow: true });
        expect(r.status).toBe(201);
        return r.body as { id: string; number: string };
      };
      const target = await mk('工地夜间施工噪音扰民');
      const dup = await mk('工地夜间施工噪音扰民（重复来电）');

      const self = await dispatcher.cmd(dup.id, { type: 'merge', intoCaseId: dup.id });
      expect(self.status).toBe(400);
      const merged = await dispatcher.cmd(dup.id, { type: 'merge', intoCaseId: target.id, reason: '同一事项重复来电' });
      expect(merged.status).toBe(200);
      expect(merged.body.state).toBe('merged');

      const dupAfter = await dispatcher.view(dup.id);
      expect(dupAfter.body.state).toBe('merged');
      expect(dupAfter.body.mergedIntoId).toBe(target.id);
      expect(dupAfter.body.abilities).toEqual([]);
      expect(types(dupAfter)).toEqual(['case.registered', 'case.accepted', 'case.merged']);

      const targetAfter = await dispatcher.view(target.id);
      expect(targetAfter.body.state).toBe('accepted');
      expect(types(targetAfter)).toEqual(['case.registered', 'case.accepted', 'case.merged_in']);
      expect(lastEvent(targetAfter).data).toEqual({ fromCaseId: dup.id, fromNumber: dup.number });

      // A merged case is no longer open: nothing can be merged into it.
      const third = await mk('工地夜间施工噪音扰民（第三次来电）');
      const intoMerged = await dispatcher.cmd(third.id, { type: 'merge', intoCaseId: dup.id });
      expect(intoMerged.status).toBe(404);
      expect((await dispatcher.view(third.id)).body.state).toBe('accepted');
      expectNothingUnmasked();
    });

    it('a case split in two creates two new cases linked to it by parentCaseId, with the same petitioners in the same order, masked', async () => {
      const dispatcher = await as('dispatcher');
      const created = await dispatcher.post('/api/cases', {
        channel: 'visit',
        nature: 'appeal',
        title: '来访反映欠薪和社保断缴两件事',
        content: '来访人反映原单位拖欠三个月工资，同时未依法缴纳社会保险。',
        petitioners: [person({ representative: true }), person(), person(), person()],
        acceptNow: true,
      });
      const id = created.body.id as string;
      const one = await dispatcher.cmd(id, { type: 'split', parts: [{ title: '只有一部分', content: '拆分至少要两部分才有意义。' }] });
      expect(one.status).toBe(400);
      const split = await dispatcher.cmd(id, {
        type: 'split',
        parts: [
          { title: '反映原单位拖欠工资', content: '来访人反映原单位拖欠三个月工资。' },
          { title: '反映原单位社保断缴', content: '来访人反映原单位未依法缴纳社会保险。' },
        ],
      });
      expect(split.status).toBe(200);
      expect(split.body.state).toBe('accepted');
      const children = split.body.createdCaseIds as string[];
      expect(children).toHaveLength(2);
      expect(new Set(children).size).toBe(2);

      const parent = await dispatcher.view(id);
      expect(types(parent)).toEqual(['case.registered', 'case.accepted', 'case.split']);
      expect(lastEvent(parent).data.createdCaseIds).toEqual(children);
      const titles: string[] = [];
      for (const childId of children) {
        const child = await dispatcher.view(childId);
        expect(child.status).toBe(200);
        expect(child.body.parentCaseId).toBe(id);
        expect(child.body.state).toBe('registered');
        expect(child.body.number).not.toBe(parent.body.number);
        // Petitioner 1 stays petitioner 1 (the first-named, here the representative) in each new case.
        expect(child.body.petitioners.map((p: any) => [p.seq, p.name, p.phone, p.idNumber, p.representative])).toEqual(
          parent.body.petitioners.map((p: any) => [p.seq, p.name, p.phone, p.idNumber, p.representative]),
        );
        expect(types(child)).toEqual(['case.registered']);
        expect(child.body.timeline[0].data.parentCaseId).toBe(id);
        // a part is no repeat petition of its own (still open) parent: it is one exactly when the petition was
        expect(parent.body.flags).not.toContain('repeat');
        expect(child.body.flags).not.toContain('repeat');
        titles.push(child.body.title);
      }
      expect(titles).toEqual(['反映原单位拖欠工资', '反映原单位社保断缴']);
      expectNothingUnmasked();
    });

    it('a petitioner withdraws from the public portal with number and query code; the case ends withdrawn and leaves the unit’s queue', async () => {
      const pub = client(server);
      const citizen = person();
      const submitted = await pub.post('/api/public/cases', {
        title: '反映小区健身器材损坏',
        content: '梅园新村健身广场多件器材损坏，存在安全隐患，请尽快维修。',
        channel: 'online',
        petitioner: { name: citizen.name, phone: citizen.phone, idNumber: citizen.idNumber },
      });
      expect(submitted.status).toBe(201);
      const { number, queryCode } = submitted.body as { number: string; queryCode: string };

      const dispatcher = await as('dispatcher');
      const found = await dispatcher.get(`/api/cases?q=${number}`);
      expect(found.body.items).toHaveLength(1);
      const id = found.body.items[0].id as string;
      expect(found.body.items[0].channel).toBe('online');
      expect((await dispatcher.cmd(id, { type: 'accept' })).status).toBe(200);
      expect((await dispatcher.cmd(id, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      const grid = await as('handlerA');
      expect((await grid.get('/api/cases?queue=to_sign')).body.items.map((c: any) => c.id)).toContain(id);

      const wrongCode = await pub.post(`/api/public/cases/${number}/commands?code=ZZZZZZZZ`, { type: 'withdraw', reason: '已自行解决' });
      expect(wrongCode.status).toBe(404);
      const withdrawn = await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'withdraw', reason: '物业已自行维修，撤回诉求' });
      expect(withdrawn.status).toBe(200);
      expect(withdrawn.body.state).toBe('withdrawn');
      expect(withdrawn.body.timeline.at(-1).text).toBe('已撤回');

      const after = await dispatcher.view(id);
      expect(after.body.state).toBe('withdrawn');
      expect(types(after)).toEqual(['case.registered', 'case.accepted', 'case.dispatched', 'case.withdrawn']);
      expect(lastEvent(after).actorRole).toBe('petitioner');
      expect(lastEvent(after).data.reason).toBe('物业已自行维修，撤回诉求');
      expect(after.body.abilities).toEqual([]);
      expect(after.body.nextDueAt).toBeNull();
      expect((await grid.get('/api/cases?queue=to_sign')).body.items.map((c: any) => c.id)).not.toContain(id);
      expect((await grid.cmd(id, { type: 'sign' })).status).toBe(409);
      const twice = await pub.post(`/api/public/cases/${number}/commands?code=${queryCode}`, { type: 'withdraw', reason: '再次撤回' });
      expect(twice.status).toBe(409);
      expectNothingUnmasked();
    });

    it('across all these journeys no staff response carried a petitioner’s name, phone, ID number or address in clear', () => {
      expect(staffBodies.length).toBeGreaterThan(100);
      expect(personalData.length).toBeGreaterThan(50);
      expectNothingUnmasked();
    });
  });
}
