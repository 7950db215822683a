/**
 * Who sees which case (DOMAIN.md §1, §9 "a user sees a case outside his scope"): every actor of the
 * mini org against one case in street A and one in street B, for reading, listing, acting and the
 * audited reveal of personal data. The expected answer for each cell is written out below, not derived
 * from the code under test.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { idCheckDigit } from '../src/domain/personal-data/id-number.js';

type ActorKey = keyof MiniOrg['actors'];
type CaseKey = 'A' | 'B';
type Client = Awaited<ReturnType<typeof loginAs>>;

/** One cell: may the actor read the case, find it in his list, note on it, reveal its personal data. */
interface Access {
  read: boolean;
  list: boolean;
  act: boolean;
  reveal: boolean;
}

const ALL: Access = { read: true, list: true, act: true, reveal: true };
const NONE: Access = { read: false, list: false, act: false, reveal: false };

/**
 * The expectation table.
 * - registrar, dispatcher, supervisor, leader: scoped to the district, so both streets.
 * - headA (street A), communityHeadA (community A), handlerA (grid A1): street A's case only.
 * - handlerB (grid B1): street B's case only.
 * - housingHandler (区住建局): neither case; he would see one only as lead or assisting unit
 *   (checked separately below).
 * - admin: manages the org tree, users, categories and rules and does no case work (DOMAIN.md §1;
 *   transitions.ts CASE_STAFF excludes admin). Although his scope is the whole city he must not
 *   read, list, act on or unmask any case: the case API refuses his role outright, with the same
 *   answer whether the case exists or not.
 */
const EXPECTED: Record<ActorKey, Record<CaseKey, Access>> = {
  registrar: { A: ALL, B: ALL },
  dispatcher: { A: ALL, B: ALL },
  supervisor: { A: ALL, B: ALL },
  leader: { A: ALL, B: ALL },
  headA: { A: ALL, B: NONE },
  communityHeadA: { A: ALL, B: NONE },
  handlerA: { A: ALL, B: NONE },
  handlerB: { A: NONE, B: ALL },
  housingHandler: { A: NONE, B: NONE },
  admin: { A: NONE, B: NONE },
};

/** Actors refused by role on every case route (403, identical for any id) instead of by scope (404). */
const REFUSED_BY_ROLE: ReadonlySet<ActorKey> = new Set(['admin']);

const ACTORS = Object.keys(EXPECTED) as ActorKey[];

let idSeq = 100;
/** Returns a fresh valid 18-digit ID number (Beijing Xicheng, born 1980-05-01). */
function idNumber(): string {
  const first17 = `11010219800501${String(idSeq++).padStart(3, '0')}`;
  return first17 + idCheckDigit(first17);
}

for (const kind of DB_KINDS) {
  describe(`scope matrix: who may read, list, act on and unmask which case [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let dispatcher: Client;
    const clients = {} as Record<ActorKey, Client>;
    const caseIds = {} as Record<CaseKey, string>;

    const timelineLength = async (c: CaseKey) => {
      const r = await dispatcher.get(`/api/cases/${caseIds[c]}`);
      expect(r.status).toBe(200);
      return r.body.timeline.length as number;
    };

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      for (const a of ACTORS) clients[a] = await loginAs(server, org.usernames[a]!);
      dispatcher = clients.dispatcher;
      const grids: Record<CaseKey, string> = { A: org.units.gridA1, B: org.units.gridB1 };
      for (const c of ['A', 'B'] as const) {
        const created = await dispatcher.post('/api/cases', {
          channel: 'phone',
          nature: 'appeal',
          title: c === 'A' ? '梅园社区路灯损坏' : '荷塘社区积水严重',
          content: c === 'A' ? '梅园社区第1网格三号楼前路灯损坏已有两周，夜间出行不便。' : '荷塘社区第1网格雨后积水，老人出行困难，请尽快疏通。',
          gridId: grids[c],
          location: { address: c === 'A' ? '南苑街道梅园社区3号楼' : '北湖街道荷塘社区8号楼' },
          petitioners: [{ name: c === 'A' ? '李建国' : '赵秀英', phone: c === 'A' ? '13900001111' : '13900002222', idNumber: idNumber() }],
          acceptNow: true,
        });
        expect(created.status).toBe(201);
        expect(created.body.state).toBe('accepted');
        caseIds[c] = created.body.id;
        const d = await dispatcher.post(`/api/cases/${created.body.id}/commands`, { type: 'dispatch', leadUnitId: grids[c] });
        expect(d.status).toBe(200);
        expect(d.body.state).toBe('dispatched');
      }
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a missing case answers 404 CASE_NOT_FOUND to a district user', async () => {
      const r = await dispatcher.get(`/api/cases/${crypto.randomUUID()}`);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ code: 'CASE_NOT_FOUND', message: expect.stringMatching(/[\u4e00-\u9fff]/) });
    });

    for (const actor of ACTORS) {
      for (const c of ['A', 'B'] as const) {
        const exp = EXPECTED[actor][c];
        const byRole = REFUSED_BY_ROLE.has(actor);

        it(`${actor} ${exp.read ? 'can' : 'cannot'} open street ${c}'s case`, async () => {
          const me = clients[actor];
          const r = await me.get(`/api/cases/${caseIds[c]}`);
          if (exp.read) {
            expect(r.status).toBe(200);
            expect(r.body.id).toBe(caseIds[c]);
            // masked, never clear text, on an ordinary read
            expect(JSON.stringify(r.body)).not.toMatch(/1390000(1111|2222)|李建国|赵秀英/);
            return;
          }
          // a case he may not see looks exactly like one that does not exist
          const missing = await me.get(`/api/cases/${crypto.randomUUID()}`);
          expect(r.status).toBe(byRole ? 403 : 404);
          if (!byRole) expect(r.body.code).toBe('CASE_NOT_FOUND');
          expect({ status: r.status, body: r.body }).toEqual({ status: missing.status, body: missing.body });
          expect(JSON.stringify(r.body)).not.toContain(caseIds[c]);
        });

        it(`${actor} ${exp.list ? 'finds' : 'does not find'} street ${c}'s case in his case list`, async () => {
          const r = await clients[actor].get('/api/cases?limit=200');
          if (byRole) {
            expect(r.status).toBe(403);
            expect(r.body.code).toBe('FORBIDDEN');
            return;
          }
          expect(r.status).toBe(200);
          const ids = (r.body.items as { id: string }[]).map((x) => x.id);
          if (exp.list) expect(ids).toContain(caseIds[c]);
          else expect(ids).not.toContain(caseIds[c]);
          // the count agrees with the page: nothing hidden is counted either
          expect(r.body.total).toBe(ids.length);
          // the queue badges agree as well
          const q = await clients[actor].get('/api/queues');
          expect(q.status).toBe(200);
          expect(q.body.all).toBe(ids.length);
        });

        it(`${actor} ${exp.act ? 'can' : 'cannot'} add a note to street ${c}'s case`, async () => {
          const before = await timelineLength(c);
          const r = await clients[actor].post(`/api/cases/${caseIds[c]}/commands`, { type: 'note', text: `${actor} 的备注` });
          if (exp.act) {
            expect(r.status).toBe(200);
            expect(await timelineLength(c)).toBe(before + 1);
            const after = await dispatcher.get(`/api/cases/${caseIds[c]}`);
            const last = after.body.timeline.at(-1);
            expect(last.type).toBe('case.noted');
            expect(last.actorId).toBe(org.actors[actor].userId);
            return;
          }
          const missing = await clients[actor].post(`/api/cases/${crypto.randomUUID()}/commands`, { type: 'note', text: `${actor} 的备注` });
          expect(r.status).toBe(byRole ? 403 : 404);
          expect({ status: r.status, body: r.body }).toEqual({ status: missing.status, body: missing.body });
          expect(await timelineLength(c)).toBe(before);
        });

        it(`${actor} ${exp.reveal ? 'can' : 'cannot'} unmask the petitioner of street ${c}'s case, and an unmasking is recorded`, async () => {
          const before = await timelineLength(c);
          const r = await clients[actor].post(`/api/cases/${caseIds[c]}/reveal`, { reason: '核实信访人身份' });
          if (exp.reveal) {
            expect(r.status).toBe(200);
            expect(r.body.petitioners[0].phone).toBe(c === 'A' ? '13900001111' : '13900002222');
            expect(r.body.petitioners[0].name).toBe(c === 'A' ? '李建国' : '赵秀英');
            const after = await dispatcher.get(`/api/cases/${caseIds[c]}`);
            expect(after.body.timeline.length).toBe(before + 1);
            const last = after.body.timeline.at(-1);
            expect(last.type).toBe('case.personal_data_revealed');
            expect(last.actorId).toBe(org.actors[actor].userId);
            expect(last.data.reason).toBe('核实信访人身份');
            return;
          }
          const missing = await clients[actor].post(`/api/cases/${crypto.randomUUID()}/reveal`, { reason: '核实信访人身份' });
          expect(r.status).toBe(byRole ? 403 : 404);
          expect({ status: r.status, body: r.body }).toEqual({ status: missing.status, body: missing.body });
          expect(JSON.stringify(r.body)).not.toMatch(/1390000|李建国|赵秀英/);
          expect(await timelineLength(c)).toBe(before);
        });
      }
    }

    it('the housing bureau sees street A\'s case while it assists, and loses it when no longer assisting', async () => {
      const housing = clients.housingHandler;
      const withAssist = await dispatcher.post(`/api/cases/${caseIds.A}/commands`, {
        type: 'redispatch',
        leadUnitId: org.units.gridA1,
        assistUnitIds: [org.units.housing],
        reason: '需住建部门协办',
      });
      expect(withAssist.status).toBe(200);
      expect((await housing.get(`/api/cases/${caseIds.A}`)).status).toBe(200);
      const list = await housing.get('/api/cases?limit=200');
      expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([caseIds.A]);
      // still nothing of street B
      expect((await housing.get(`/api/cases/${caseIds.B}`)).status).toBe(404);

      const without = await dispatcher.post(`/api/cases/${caseIds.A}/commands`, {
        type: 'redispatch',
        leadUnitId: org.units.gridA1,
        assistUnitIds: [],
        reason: '无需协办',
      });
      expect(without.status).toBe(200);
      expect((await housing.get(`/api/cases/${caseIds.A}`)).status).toBe(404);
      expect((await housing.get('/api/cases?limit=200')).body.items).toEqual([]);
    });
  });
}
