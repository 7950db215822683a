import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { cases, notifications, unitDeductions } from '../src/store/schema.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { createUser } from '../src/services/org-units.js';
import { verifyAudit } from '../src/services/audit-seal.js';
import { sampleRound } from '../src/domain/spot-checks/sample-round.js';
import type { StaffActor } from '../src/services/context.js';

const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`spot checks (抽查) of closed cases [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    /** closed cases by the month they were closed in: case id → lead unit */
    const closed: Record<'2026-02' | '2026-03' | '2026-04', Map<string, string>> = { '2026-02': new Map(), '2026-03': new Map(), '2026-04': new Map() };
    let seq = 0;

    /** Given a lead unit and its handler, returns a case submitted online where that unit works and driven to 办结 through the services. */
    async function closeOne(month: keyof typeof closed, leadUnitId: string, handler: StaffActor): Promise<string> {
      // where the matter arose: the grid itself, the community's grid, none for a district department (the petition office owns it)
      const grid = leadUnitId === org.units.housing ? null : leadUnitId === org.units.communityA ? org.units.gridA2 : leadUnitId;
      const id = await submit(grid);
      const d = org.actors.dispatcher;
      await runCaseCommand(t.ctx, d, id, { type: 'accept' });
      await runCaseCommand(t.ctx, d, id, { type: 'dispatch', leadUnitId, assistUnitIds: [] });
      await runCaseCommand(t.ctx, handler, id, { type: 'sign' });
      await runCaseCommand(t.ctx, handler, id, { type: 'reply', opinion: 'support', text: '已现场核实并处理完毕。' });
      await runCaseCommand(t.ctx, d, id, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' });
      await runCaseCommand(t.ctx, d, id, { type: 'close' });
      closed[month].set(id, leadUnitId);
      return id;
    }
    async function submit(gridId: string | null): Promise<string> {
      seq += 1;
      const res = await client(server).post('/api/public/cases', {
        title: `小区环境问题第${seq}件`,
        content: `小区第${seq}幢楼下垃圾堆放多日无人清运，请处理。`,
        ...(gridId ? { gridId } : {}),
        petitioner: { name: '王五', phone: '13812345678' },
      });
      expect(res.status).toBe(201);
      const [row] = await t.ctx.db.select({ id: cases.id }).from(cases).where(eq(cases.number, res.body.number));
      return row!.id;
    }

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-02-20T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      await createUser(t.ctx.db, { username: 'supervisor.a', displayName: '南苑督查员', password: PASSWORD, roles: ['supervisor'], unitId: org.units.streetA, scopeUnitId: org.units.streetA });
      const a = org.actors;
      for (let i = 0; i < 2; i++) await closeOne('2026-02', org.units.gridA1, a.handlerA);
      t.clock.set('2026-03-02T02:00:00.000Z');
      for (let i = 0; i < 25; i++) await closeOne('2026-03', org.units.gridA1, a.handlerA);
      for (let i = 0; i < 3; i++) await closeOne('2026-03', org.units.gridB1, a.handlerB);
      await closeOne('2026-03', org.units.housing, a.housingHandler);
      await submit(org.units.gridA1); // still open: never sampled
      t.clock.set('2026-04-02T02:00:00.000Z');
      await closeOne('2026-04', org.units.communityA, a.communityHeadA);
      await closeOne('2026-04', org.units.gridB1, a.handlerB);
    }, 240_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the sampling rate and the points per sloppy closure are settings a supervisor or admin changes; others may not', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      expect((await supervisor.get('/api/spot-checks/settings')).body).toEqual({ rate: 0.05, pointsPerSloppy: 2 });
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.patch('/api/spot-checks/settings', { rate: 0.5 })).status).toBe(403);
      expect((await supervisor.patch('/api/spot-checks/settings', { rate: 1.5 })).status).toBe(400);
      const changed = await supervisor.patch('/api/spot-checks/settings', { rate: 0.1, pointsPerSloppy: 3 });
      expect(changed.status).toBe(200);
      expect(changed.body).toEqual({ rate: 0.1, pointsPerSloppy: 3 });
      const admin = await loginAs(server, org.usernames.admin!);
      expect((await admin.get('/api/spot-checks/settings')).body).toEqual({ rate: 0.1, pointsPerSloppy: 3 });
    });

    it('a round takes only the month\'s closures in scope, ceil(rate × n) per lead unit and at least one each, reproducibly from its seed', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      expect((await supervisor.post('/api/spot-checks/rounds', { month: '2026-05' })).status).toBe(400); // not yet begun
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.post('/api/spot-checks/rounds', { month: '2026-03' })).status).toBe(403);

      const drawn = await supervisor.post('/api/spot-checks/rounds', { month: '2026-03', seed: 12345 });
      expect(drawn.status).toBe(201);
      expect(drawn.body).toMatchObject({ round: '2026-03', seed: 12345, rate: 0.1, closed: 29, added: 5 });
      const share = Object.fromEntries(drawn.body.units.map((u: any) => [u.unitId, [u.closed, u.target, u.sampled]]));
      expect(share).toEqual({ [org.units.gridA1]: [25, 3, 3], [org.units.gridB1]: [3, 1, 1], [org.units.housing]: [1, 1, 1] });
      const sampled: Array<{ caseId: string; unitId: string; verdict: string }> = drawn.body.checks;
      expect(sampled).toHaveLength(5);
      for (const c of sampled) {
        expect(closed['2026-03'].get(c.caseId)).toBe(c.unitId); // closed in March, answerable unit = the lead unit
        expect(c.verdict).toBe('pending');
      }
      // The seed kept with the round replays the draw over the same closures.
      const population = [...closed['2026-03']].map(([caseId, unitId]) => ({ caseId, unitId, sampled: false }));
      expect(sampleRound(population, 0.1, 12345).added.sort()).toEqual(sampled.map((c) => c.caseId).sort());
      const round = await supervisor.get('/api/spot-checks/rounds/2026-03');
      expect(round.body.draws).toMatchObject([{ seed: 12345, rate: 0.1, closed: 29, added: 5 }]);
      expect(round.body.checks).toHaveLength(5);

      // Drawing again tops up only: the share is already full.
      const again = await supervisor.post('/api/spot-checks/rounds', { month: '2026-03' });
      expect(again.body).toMatchObject({ closed: 29, added: 0 });
    });

    it('a street supervisor sees and draws only his street: other units\' closures and checks stay out of his round', async () => {
      const street = await loginAs(server, 'supervisor.a');
      const march = await street.get('/api/spot-checks/rounds/2026-03');
      expect(march.status).toBe(200);
      expect(march.body.checks.map((c: any) => c.unitId)).toEqual([org.units.gridA1, org.units.gridA1, org.units.gridA1]);
      expect(march.body.draws).toEqual([]); // the district's draws are not his

      const april = await street.post('/api/spot-checks/rounds', { month: '2026-04', seed: 1 });
      expect(april.body).toMatchObject({ closed: 1, added: 1 });
      expect(april.body.checks.map((c: any) => c.unitId)).toEqual([org.units.communityA]);

      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const district = await supervisor.post('/api/spot-checks/rounds', { month: '2026-04', seed: 2 });
      expect(district.body).toMatchObject({ closed: 2, added: 1 });
      expect(district.body.checks.map((c: any) => c.unitId)).toEqual([org.units.gridB1]);

      const gridB = (await supervisor.get('/api/spot-checks/rounds/2026-04')).body.checks.find((c: any) => c.unitId === org.units.gridB1);
      const visit = { contacted: true, solved: true, satisfied: true, method: 'phone' };
      expect((await street.post(`/api/spot-checks/${gridB.id}/visit`, visit)).status).toBe(404);
      expect((await street.post('/api/spot-checks/not-a-uuid/visit', visit)).body.code).toBe('SPOT_CHECK_NOT_FOUND');
    });

    it('a sloppy verdict needs the visit and a reason, costs the lead unit the set points once, and a second verdict is refused', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const checks = (await supervisor.get('/api/spot-checks/rounds/2026-03')).body.checks;
      const check = checks.find((c: any) => c.unitId === org.units.gridA1);

      const early = await supervisor.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy', reason: '未见整改' });
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('SPOT_CHECK_VISIT_REQUIRED');
      const visited = await supervisor.post(`/api/spot-checks/${check.id}/visit`, { contacted: true, solved: false, satisfied: false, method: 'visit', note: '上门核实，垃圾仍在' });
      expect(visited.status).toBe(200);
      expect(visited.body.visit).toMatchObject({ contacted: true, solved: false, satisfied: false, method: 'visit', note: '上门核实，垃圾仍在' });
      expect((await supervisor.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy' })).status).toBe(400);

      const sloppy = await supervisor.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy', reason: '回访未解决，答复与事实不符' });
      expect(sloppy.status).toBe(200);
      expect(sloppy.body).toMatchObject({ verdict: 'sloppy', deductedPoints: 3, note: '回访未解决，答复与事实不符' });
      const twice = await supervisor.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy', reason: '再扣一次' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('SPOT_CHECK_ALREADY_JUDGED');
      expect((await supervisor.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'ok' })).status).toBe(409);
      expect((await supervisor.post(`/api/spot-checks/${check.id}/visit`, { contacted: true, solved: true, satisfied: true, method: 'phone' })).status).toBe(409);

      const rows = await t.ctx.db.select().from(unitDeductions).where(eq(unitDeductions.sourceId, check.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ unitId: org.units.gridA1, month: '2026-03', points: 3, source: 'spot_check' });
      expect(rows[0]!.reason).toContain('草率办结');
      // the unit's handler is told
      const told = await t.ctx.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, org.actors.handlerA.userId), eq(notifications.kind, 'spot_check')));
      expect(told).toHaveLength(1);
      expect(told[0]!.level).toBe('red');
    });

    it('two supervisors judging the same check at once: one verdict, one deduction', async () => {
      const s1 = await loginAs(server, org.usernames.supervisor!);
      const s2 = await loginAs(server, org.usernames.supervisor!);
      const check = (await s1.get('/api/spot-checks/rounds/2026-03')).body.checks.find((c: any) => c.unitId === org.units.housing);
      await s1.post(`/api/spot-checks/${check.id}/visit`, { contacted: true, solved: false, satisfied: false, method: 'phone' });
      const both = await Promise.all([
        s1.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy', reason: '未实际解决' }),
        s2.post(`/api/spot-checks/${check.id}/verdict`, { verdict: 'sloppy', reason: '未实际解决' }),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await t.ctx.db.select().from(unitDeductions).where(eq(unitDeductions.sourceId, check.id))).toHaveLength(1);

      const ok = (await s1.get('/api/spot-checks/rounds/2026-03')).body.checks.find((c: any) => c.unitId === org.units.gridB1);
      await s1.post(`/api/spot-checks/${ok.id}/visit`, { contacted: true, solved: true, satisfied: true, method: 'phone' });
      expect((await s1.post(`/api/spot-checks/${ok.id}/verdict`, { verdict: 'ok' })).body).toMatchObject({ verdict: 'ok', deductedPoints: null });

      const rounds = (await s1.get('/api/spot-checks/rounds')).body.items;
      expect(rounds.map((r: any) => [r.round, r.total, r.pending, r.ok, r.sloppy, r.deductedPoints])).toEqual([
        ['2026-04', 2, 2, 0, 0, 0],
        ['2026-03', 5, 2, 1, 2, 6],
      ]);
    });

    it('every step is on the case\'s timeline, and the audit trail still verifies', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const check = (await supervisor.get('/api/spot-checks/rounds/2026-03')).body.checks.find((c: any) => c.verdict === 'sloppy' && c.unitId === org.units.gridA1);
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const detail = await dispatcher.get(`/api/cases/${check.caseId}`);
      const tail = detail.body.timeline.slice(-3);
      expect(tail.map((e: any) => e.type)).toEqual(['case.spot_checked', 'case.spot_checked', 'case.spot_check_verdict']);
      expect(tail.map((e: any) => e.data.stage ?? e.data.verdict)).toEqual(['sampled', 'visited', 'sloppy']);
      expect(tail[0].data).toMatchObject({ round: '2026-03', seed: 12345, spotCheckId: check.id });
      expect(tail[2].data).toMatchObject({ points: 3, unitId: org.units.gridA1 });
      expect(detail.body.state).toBe('closed'); // a spot check changes no state

      t.clock.advance(DAY);
      const audit = await verifyAudit(t.ctx);
      expect(audit.problems).toEqual([]);
    });
  });
}
