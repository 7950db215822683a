/**
 * Accusations (检举控告, 《信访工作条例》 Art. 30; DOMAIN.md §2, §9): the accused unit and everyone
 * inside it must never see the accusation, whatever their scope, and the case must never be routed
 * to them.
 */
import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { cases, notifications, orgUnits } from '../src/store/schema.js';
import { notifyUnit, notifyUsers } from '../src/services/notifications/notify.js';

type ActorKey = keyof MiniOrg['actors'];
type Client = Awaited<ReturnType<typeof loginAs>>;

const ACCUSED_SUBTREE: ActorKey[] = ['headA', 'communityHeadA', 'handlerA'];
const DISTRICT: ActorKey[] = ['registrar', 'dispatcher', 'supervisor', 'leader'];

const TITLE = '举报南苑街道违规发放补助';
const CONTENT = '南苑街道梅园社区第1网格在发放困难补助时优亲厚友，把补助发给不符合条件的亲属，请纪检部门调查。';

for (const kind of DB_KINDS) {
  describe(`an accusation never reaches the accused unit [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const clients = {} as Record<ActorKey, Client>;
    let caseId: string;
    let number: string;
    let plainId: string; // an ordinary case in the same grid, to show the subtree's scope does cover grid A1

    const detail = async () => {
      const r = await clients.dispatcher.get(`/api/cases/${caseId}`);
      expect(r.status).toBe(200);
      return r.body;
    };

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      for (const a of Object.keys(org.actors) as ActorKey[]) clients[a] = await loginAs(server, org.usernames[a]!);

      const created = await clients.registrar.post('/api/cases', {
        channel: 'letter',
        nature: 'accusation',
        title: TITLE,
        content: CONTENT,
        gridId: org.units.gridA1,
        accusedUnitIds: [org.units.streetA],
        petitioners: [{ name: '孙立', phone: '13700001234' }],
      });
      expect(created.status).toBe(201);
      caseId = created.body.id;
      number = created.body.number;

      const plain = await clients.registrar.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title: '梅园社区垃圾清运不及时',
        content: '梅园社区第1网格垃圾桶满溢，清运不及时，气味很大。',
        gridId: org.units.gridA1,
        petitioners: [{ name: '周敏', phone: '13700005678' }],
      });
      expect(plain.status).toBe(201);
      plainId = plain.body.id;
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('is owned by a unit outside the accused subtree, and marked confidential', async () => {
      const [row] = await t.ctx.db.select().from(cases).where(and(eq(cases.region, t.ctx.config.REGION), eq(cases.id, caseId)));
      expect(row).toBeDefined();
      const [streetA] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.id, org.units.streetA));
      for (const p of row!.unitPaths) expect(p.startsWith(streetA!.path)).toBe(false);
      expect(row!.ownerUnitId).not.toBe(org.units.gridA1);
      expect(row!.ownerUnitId).toBe(org.units.bureau); // the public intake unit
      expect(row!.accusedUnitPaths).toEqual([streetA!.path]);
      const d = await detail();
      expect(d.nature).toBe('accusation');
      expect(d.confidential).toBe(true);
      expect(d.ownerUnit.id).toBe(org.units.bureau);
    });

    for (const a of ACCUSED_SUBTREE) {
      it(`${a}, inside the accused street, cannot open, list or search for it, though his scope covers grid A1`, async () => {
        const me = clients[a];
        // his scope does cover the grid: he sees the ordinary case from the same grid
        expect((await me.get(`/api/cases/${plainId}`)).status).toBe(200);
        expect((await me.get('/api/cases?limit=200')).body.items.map((x: { id: string }) => x.id)).toContain(plainId);

        const open = await me.get(`/api/cases/${caseId}`);
        const missing = await me.get(`/api/cases/${crypto.randomUUID()}`);
        expect(open.status).toBe(404);
        expect(open.body).toEqual(missing.body);
        expect(open.body.code).toBe('CASE_NOT_FOUND');

        const list = await me.get('/api/cases?limit=200');
        expect(list.status).toBe(200);
        expect(list.body.items.map((x: { id: string }) => x.id)).not.toContain(caseId);
        for (const q of [number, '补助', '优亲厚友', TITLE]) {
          const found = await me.get(`/api/cases?q=${encodeURIComponent(q)}`);
          expect(found.status).toBe(200);
          expect(found.body.total).toBe(0);
          expect(found.body.items).toEqual([]);
        }
        for (const queue of ['to_accept', 'to_sign', 'handling', 'all']) {
          const r = await me.get(`/api/cases?queue=${queue}&limit=200`);
          expect(r.body.items.map((x: { id: string }) => x.id)).not.toContain(caseId);
        }
        const before = (await detail()).timeline.length;
        expect((await me.post(`/api/cases/${caseId}/commands`, { type: 'note', text: '想看看' })).status).toBe(404);
        expect((await me.post(`/api/cases/${caseId}/reveal`, { reason: '核实举报人' })).status).toBe(404);
        expect((await me.get(`/api/cases/${caseId}/attachments`)).status).toBe(404);
        expect((await detail()).timeline.length).toBe(before);
      });
    }

    for (const a of DISTRICT) {
      it(`${a}, at district level, can open it and find it by number and text`, async () => {
        const me = clients[a];
        expect((await me.get(`/api/cases/${caseId}`)).status).toBe(200);
        expect((await me.get(`/api/cases?q=${encodeURIComponent(number)}`)).body.items.map((x: { id: string }) => x.id)).toEqual([caseId]);
        expect((await me.get(`/api/cases?q=${encodeURIComponent('优亲厚友')}`)).body.items.map((x: { id: string }) => x.id)).toEqual([caseId]);
      });
    }

    it('no notice about it reaches anyone inside the accused street, whoever the sender names', async () => {
      const sent = await t.ctx.db.transaction(async (tx) => {
        const n = { kind: 'reminder', level: 'yellow' as const, title: '即将到期', body: TITLE, caseId, dedupeKey: `art30:${caseId}` };
        return [
          await notifyUnit(t.ctx, tx, org.units.gridA1, null, n),
          await notifyUsers(t.ctx, tx, [org.actors.headA.userId, org.actors.communityHeadA.userId, org.actors.housingHandler.userId], n),
        ];
      });
      expect(sent).toEqual([0, 1]); // only the housing bureau, outside the accused street
      const got = await t.ctx.db.select({ userId: notifications.userId }).from(notifications).where(eq(notifications.caseId, caseId));
      expect(got.map((g) => g.userId)).toEqual([org.actors.housingHandler.userId]);
    });

    it('dispatching it to the accused street, or to any unit inside it, is refused and changes nothing', async () => {
      const accept = await clients.dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'accept' });
      expect(accept.status).toBe(200);
      const before = await detail();
      expect(before.state).toBe('accepted');
      const attempts = [
        { leadUnitId: org.units.gridA1 },
        { leadUnitId: org.units.streetA },
        { leadUnitId: org.units.communityA },
        { leadUnitId: org.units.gridA2 },
        // not as an assisting unit either
        { leadUnitId: org.units.housing, assistUnitIds: [org.units.communityA] },
      ];
      for (const attempt of attempts) {
        const r = await clients.dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', ...attempt });
        expect(r.status, JSON.stringify(attempt)).toBe(409);
        expect(r.body.code).toBe('ACCUSATION_CONFLICT');
        expect(r.body.message).toMatch(/[\u4e00-\u9fff]/);
      }
      const after = await detail();
      expect(after.state).toBe('accepted');
      expect(after.leadUnit).toBeNull();
      expect(after.assistUnits).toEqual([]);
      expect(after.timeline).toEqual(before.timeline);
      for (const a of ACCUSED_SUBTREE) expect((await clients[a].get(`/api/cases/${caseId}`)).status).toBe(404);
    });

    it('dispatching it to the housing bureau works, and a later redispatch into the accused street is refused', async () => {
      const r = await clients.dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', leadUnitId: org.units.housing });
      expect(r.status).toBe(200);
      expect(r.body.state).toBe('dispatched');
      expect((await clients.housingHandler.get(`/api/cases/${caseId}`)).status).toBe(200);

      const before = await detail();
      for (const body of [
        { type: 'redispatch', leadUnitId: org.units.streetA, reason: '改由街道办理' },
        { type: 'redispatch', leadUnitId: org.units.housing, assistUnitIds: [org.units.gridA1], reason: '网格协办' },
        { type: 'refer_joint_meeting', attendees: ['区信访局', '南苑街道'], decisions: '由南苑街道牵头', leadUnitId: org.units.streetA },
      ]) {
        const refused = await clients.dispatcher.post(`/api/cases/${caseId}/commands`, body);
        expect(refused.status, JSON.stringify(body)).toBe(409);
        expect(refused.body.code).toBe('ACCUSATION_CONFLICT');
      }
      const after = await detail();
      expect(after.leadUnit.id).toBe(org.units.housing);
      expect(after.timeline).toEqual(before.timeline);
      for (const a of ACCUSED_SUBTREE) {
        expect((await clients[a].get(`/api/cases/${caseId}`)).status).toBe(404);
        expect((await clients[a].get('/api/cases?limit=200')).body.items.map((x: { id: string }) => x.id)).not.toContain(caseId);
      }
    });

    it('the housing bureau, now leading it, works it without the accused street ever seeing it', async () => {
      const housing = clients.housingHandler;
      expect((await housing.post(`/api/cases/${caseId}/commands`, { type: 'sign' })).status).toBe(200);
      expect((await housing.post(`/api/cases/${caseId}/commands`, { type: 'note', text: '已调取补助发放名单' })).status).toBe(200);
      for (const a of ACCUSED_SUBTREE) {
        expect((await clients[a].get(`/api/cases/${caseId}`)).status).toBe(404);
        expect((await clients[a].get(`/api/cases?q=${encodeURIComponent(number)}`)).body.total).toBe(0);
      }
    });

    it('splitting it makes parts the accused street cannot see either', async () => {
      const r = await clients.dispatcher.post(`/api/cases/${caseId}/commands`, {
        type: 'split',
        parts: [
          { title: '补助发放问题一', content: '梅园社区第1网格困难补助发放给不符合条件的亲属。' },
          { title: '补助发放问题二', content: '梅园社区第1网格补助公示材料与实际不符。' },
        ],
      });
      expect(r.status).toBe(200);
      expect(r.body.createdCaseIds).toHaveLength(2);
      for (const child of r.body.createdCaseIds as string[]) {
        expect((await clients.dispatcher.get(`/api/cases/${child}`)).body.nature).toBe('accusation');
        for (const a of ACCUSED_SUBTREE) expect((await clients[a].get(`/api/cases/${child}`)).status).toBe(404);
      }
      for (const a of ACCUSED_SUBTREE) {
        const found = await clients[a].get(`/api/cases?q=${encodeURIComponent('补助')}`);
        expect(found.body.total).toBe(0);
      }
    });

    it('merging an accusation into a case the accused street works on is refused (the matter would land with the accused)', async () => {
      const second = await clients.registrar.post('/api/cases', {
        channel: 'visit',
        nature: 'accusation',
        title: '再次举报南苑街道垃圾清运费挪用',
        content: '梅园社区收取的垃圾清运费被挪作他用，清运因此不及时，请调查。',
        gridId: org.units.gridA1,
        accusedUnitIds: [org.units.streetA],
        petitioners: [{ name: '孙立', phone: '13700001234' }],
      });
      expect(second.status).toBe(201);
      const accId = second.body.id as string;
      // the ordinary case about the same grid, led by grid A1 and visible to the whole street
      expect((await clients.dispatcher.post(`/api/cases/${plainId}/commands`, { type: 'accept' })).status).toBe(200);
      expect((await clients.dispatcher.post(`/api/cases/${plainId}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      const plainBefore = await clients.handlerA.get(`/api/cases/${plainId}`);
      expect(plainBefore.status).toBe(200);

      const merged = await clients.dispatcher.post(`/api/cases/${accId}/commands`, { type: 'merge', intoCaseId: plainId, reason: '同一事项' });
      expect(merged.status).toBe(409);
      expect(merged.body.code).toBe('ACCUSATION_CONFLICT');
      const acc = await clients.dispatcher.get(`/api/cases/${accId}`);
      expect(acc.body.state).toBe('registered');
      // nothing about the accusation shows up on the case the accused unit reads
      const plainAfter = await clients.handlerA.get(`/api/cases/${plainId}`);
      expect(plainAfter.body.timeline).toEqual(plainBefore.body.timeline);
      expect(JSON.stringify(plainAfter.body)).not.toContain(second.body.number);
    });
  });
}
