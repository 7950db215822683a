import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { createUser } from '../src/services/org-units.js';
import { actorForUser } from '../src/services/auth.js';
import { annualReport } from '../src/services/assessment.js';
import { gather, readConsistently } from '../src/services/cockpit.js';
import type { AppContext } from '../src/services/context.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { runSweepOnce } from '../src/jobs/deadline-sweeper.js';
import { loadUnits, pendingRollups, queueRollupsAtFirstBoot, runRollupsOnce, writeDeltas } from '../src/jobs/rollup-worker.js';
import { compareRollups, rebuildRollups } from '../src/services/rollup-check.js';
import { FACTS_VERSION, addToCounters, storedScopes } from '../src/domain/cockpit/case-facts.js';
import { createRng, type Rng } from '../src/domain/demo/prng.js';
import { OPEN_STATES } from '../src/domain/lifecycle/transitions.js';
import type { Command } from '../src/domain/lifecycle/types.js';
import type { StaffActor } from '../src/services/context.js';
import { caseFacts as caseFactsTable, cases, cockpitDaily, cockpitStock, orgUnits } from '../src/store/schema.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CHANNELS = ['phone', 'letter', 'visit', 'grid_report'] as const;
const TEXTS = [
  ['夜间施工噪音扰民', '小区旁工地夜间施工，噪音很大，居民无法休息，请有关部门处理。'],
  ['小区垃圾清运不及时', '小区垃圾桶满了几天没人清运，气味难闻，请处理。'],
  ['拖欠工资', '某公司拖欠员工工资三个月，多次讨要无果。'],
  ['路灯不亮', '小区门口路灯坏了一个月，晚上出行不便，请尽快维修。'],
  ['违章搭建', '楼顶有人违章搭建板房，存在安全隐患。'],
] as const;

type Step = { actor: (o: MiniOrg) => StaffActor; command: (now: Date) => Command };

/** Given a lead unit and a random source, returns one case's scripted way through its life (some end open). */
function script(rng: Rng, o: MiniOrg): Step[] {
  const d = (x: MiniOrg) => x.actors.dispatcher;
  // lead unit, its handler, and the unit head who may approve its extensions (none over grid B1)
  const leads: [string, (x: MiniOrg) => StaffActor, ((x: MiniOrg) => StaffActor) | null][] = [
    [o.units.gridA1, (x) => x.actors.handlerA, (x) => x.actors.headA],
    [o.units.gridB1, (x) => x.actors.handlerB, null],
    [o.units.housing, (x) => x.actors.housingHandler, (x) => x.actors.housingHandler],
    [o.units.communityA, (x) => x.actors.communityHeadA, (x) => x.actors.communityHeadA],
  ];
  const [lead, handler, head] = rng.pick(leads);
  const visit = (): Step => {
    const contacted = rng.chance(0.85);
    return { actor: d, command: () => ({ type: 'return_visit', contacted, solved: contacted && rng.chance(0.7), satisfied: contacted && rng.chance(0.7), method: 'phone' }) };
  };
  const accept: Step = { actor: d, command: () => ({ type: 'accept' }) };
  const dispatch: Step = { actor: d, command: () => ({ type: 'dispatch', leadUnitId: lead, assistUnitIds: [] }) };
  const sign: Step = { actor: handler, command: () => ({ type: 'sign' }) };
  const reply: Step = { actor: handler, command: () => ({ type: 'reply', opinion: 'support', text: '已核实处理。' }) };
  const close: Step = { actor: d, command: () => ({ type: 'close' }) };
  const path = rng.weighted<string>([
    ['settle', 30],
    ['rework', 10],
    ['refuse', 8],
    ['spot', 8],
    ['withdraw', 6],
    ['supervised', 14],
    ['extended', 10],
    ['handling', 8],
    ['registered', 6],
  ]);
  switch (path) {
    case 'settle':
      return [accept, dispatch, sign, reply, visit(), close];
    case 'rework':
      return [
        accept,
        dispatch,
        sign,
        reply,
        { actor: d, command: () => ({ type: 'return_visit', contacted: true, solved: false, satisfied: false, method: 'visit' }) },
        { actor: d, command: () => ({ type: 'rework', reason: '群众不满意，退回重办' }) },
        reply,
        visit(),
        close,
      ];
    case 'refuse':
      return [{ actor: d, command: () => ({ type: 'refuse', reason: '属于劳动仲裁范围', legalChannel: 'arbitration' }) }];
    case 'spot':
      return [{ actor: d, command: () => ({ type: 'answer_on_spot', answer: '已当场解答。' }) }];
    case 'withdraw':
      return [accept, { actor: d, command: () => ({ type: 'withdraw', reason: '信访人撤回' }) }];
    case 'supervised':
      return [
        accept,
        dispatch,
        sign,
        { actor: (x) => x.actors.supervisor, command: (now) => ({ type: 'chase', reason: '请加快办理', replyDueAt: new Date(now.getTime() + 3 * DAY).toISOString() }) },
        { actor: (x) => x.actors.supervisor, command: (now) => ({ type: 'supervise', reason: '群众反映强烈', replyDueAt: new Date(now.getTime() + 5 * DAY).toISOString() }) },
      ];
    case 'extended':
      if (!head) return [accept, dispatch, sign, reply, visit(), close];
      return [
        accept,
        dispatch,
        sign,
        { actor: handler, command: () => ({ type: 'request_extension', days: 20, reason: '需要协调多个部门' }) },
        { actor: head, command: () => ({ type: 'approve_extension', days: 15 }) },
        reply,
        visit(),
        close,
      ];
    case 'handling':
      return [accept, dispatch, sign];
    default:
      return [];
  }
}

for (const kind of DB_KINDS) {
  describe(`cockpit rollups, figures and assessment [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let n = 0;

    async function register(rng: Rng, gridId: string, extra: Partial<Parameters<typeof registerCase>[2]> = {}) {
      const [title, content] = rng.pick(TEXTS);
      n += 1;
      return registerCase(t.ctx, org.actors.registrar, {
        channel: rng.pick(CHANNELS),
        nature: 'appeal',
        title: `${title}（${n}）`,
        content: `${content}第${n}次反映。`,
        petitioners: [{ name: `张${n}`, phone: `1381234${String(1000 + (n % 9000)).padStart(4, '0')}` }],
        gridId,
        ...extra,
      });
    }

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-03-02T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('rollups equal a full scan after a random sequence of transitions folded in at random moments', async () => {
      const rng = createRng(20261123);
      const grids = [org.units.gridA1, org.units.gridA2, org.units.gridB1];
      const live: { id: string; steps: Step[] }[] = [];
      for (let i = 0; i < 36; i++) {
        const c = await register(rng, rng.pick(grids));
        live.push({ id: c.caseId, steps: script(rng, org) });
      }
      // an accusation against the housing bureau: counted for the district, never for the bureau
      const acc = await register(rng, org.units.gridA1, { nature: 'accusation', accusedUnitIds: [org.units.housing] });
      live.push({ id: acc.caseId, steps: [] });

      let folds = 0;
      for (let step = 0; step < 400 && live.some((l) => l.steps.length); step++) {
        const pending = live.filter((l) => l.steps.length);
        const l = rng.pick(pending);
        const s = l.steps.shift()!;
        const command = s.command(t.ctx.now());
        await runCaseCommand(t.ctx, s.actor(org), l.id, command).catch((err: Error) => {
          throw new Error(`step ${step}: ${command.type} by ${s.actor(org).username}: ${err.message} ${JSON.stringify((err as { details?: unknown }).details ?? {})}`);
        });
        if (rng.chance(0.3)) {
          t.clock.advance(rng.int(1, 20) * HOUR * rng.int(1, 12));
          await runSweepOnce(t.ctx);
        }
        if (rng.chance(0.15)) {
          await runRollupsOnce(t.ctx, { batch: rng.int(1, 7) });
          folds += 1;
        }
        if (rng.chance(0.05)) await register(rng, rng.pick(grids)); // new cases while others move
      }
      // let the deadlines of the cases left open pass, so overdue notices and backlog enter too
      t.clock.advance(70 * DAY);
      await runSweepOnce(t.ctx);
      expect(folds).toBeGreaterThan(5);
      expect(await pendingRollups(t.ctx)).toBeGreaterThan(0);
      await runRollupsOnce(t.ctx, { batch: 3 });
      expect(await pendingRollups(t.ctx)).toBe(0);

      const check = await compareRollups(t.ctx);
      expect(check.cases).toBe(n);
      expect(check.differences).toEqual([]);

      // and against counts taken straight from the cases table, by other means
      const byChannel = await t.ctx.db.select({ channel: cases.channel, n: sql<number>`count(*)::int` }).from(cases).groupBy(cases.channel);
      const rolled = await t.ctx.db
        .select({ dim: cockpitDaily.dim, n: sql<number>`sum(${cockpitDaily.value})::int` })
        .from(cockpitDaily)
        .where(and(eq(cockpitDaily.unitId, org.units.district), eq(cockpitDaily.metric, 'received')))
        .groupBy(cockpitDaily.dim);
      expect(Object.fromEntries(rolled.map((r) => [r.dim, r.n]))).toEqual(Object.fromEntries(byChannel.map((r) => [r.channel, r.n])));
      const [open] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(inArray(cases.state, [...OPEN_STATES]));
      const [openStock] = await t.ctx.db
        .select({ n: sql<number>`coalesce(sum(${cockpitStock.value}), 0)::int` })
        .from(cockpitStock)
        .where(and(eq(cockpitStock.unitId, org.units.district), eq(cockpitStock.metric, 'open')));
      expect(openStock!.n).toBe(open!.n);
      const [overdue] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(and(inArray(cases.state, [...OPEN_STATES]), sql`${cases.nextDueAt} < ${t.ctx.now()}`));
      const [overdueStock] = await t.ctx.db
        .select({ n: sql<number>`coalesce(sum(${cockpitStock.value}), 0)::int` })
        .from(cockpitStock)
        .where(and(eq(cockpitStock.unitId, org.units.district), eq(cockpitStock.metric, 'overdue')));
      expect(overdue!.n).toBeGreaterThan(0);
      expect(overdueStock!.n).toBe(overdue!.n);

      // the accused bureau's figures never count the accusation
      const [bureauReceived] = await t.ctx.db
        .select({ n: sql<number>`coalesce(sum(${cockpitDaily.value}), 0)::int` })
        .from(cockpitDaily)
        .where(and(eq(cockpitDaily.unitId, org.units.housing), eq(cockpitDaily.metric, 'accused')));
      expect(bureauReceived!.n).toBe(0);
      const [districtAccused] = await t.ctx.db
        .select({ n: sql<number>`coalesce(sum(${cockpitDaily.value}), 0)::int` })
        .from(cockpitDaily)
        .where(and(eq(cockpitDaily.unitId, org.units.district), eq(cockpitDaily.metric, 'accused'), eq(cockpitDaily.dim, org.units.housing)));
      expect(districtAccused!.n).toBe(1);

      // a rebuild from scratch lands on the same counts
      const before = await t.ctx.db.select().from(cockpitDaily).where(sql`${cockpitDaily.value} <> 0`);
      await rebuildRollups(t.ctx);
      const after = await t.ctx.db.select().from(cockpitDaily).where(sql`${cockpitDaily.value} <> 0`);
      const key = (r: typeof cockpitDaily.$inferSelect) => `${r.unitId}|${r.day}|${r.metric}|${r.dim}|${r.value}`;
      expect(after.map(key).sort()).toEqual(before.map(key).sort());
      expect((await compareRollups(t.ctx)).differences).toEqual([]);
    }, 300_000);

    it('a leader reads his scope’s figures; a case closed now shows after the next fold', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const to = new Date(t.ctx.now().getTime() + 8 * HOUR).toISOString().slice(0, 10);
      const from = '2026-03-01';
      const before = await leader.get(`/api/cockpit?from=${from}&to=${to}`);
      expect(before.status).toBe(200);
      expect(before.body.unit.id).toBe(org.units.district);
      expect(before.body.pending).toBe(0);
      expect(before.body.volume.total).toBe(n);
      expect(before.body.volume.days[0]).toBe(from);
      expect(before.body.rates).toHaveLength(9);
      const settledBefore = before.body.tiers.reduce((a: number, x: { count: number }) => a + x.count, 0);

      const rng = createRng(7);
      const c = await register(rng, org.units.gridB1);
      const d = org.actors.dispatcher;
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'accept' });
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'dispatch', leadUnitId: org.units.gridB1, assistUnitIds: [] });
      await runCaseCommand(t.ctx, org.actors.handlerB, c.caseId, { type: 'sign' });
      await runCaseCommand(t.ctx, org.actors.handlerB, c.caseId, { type: 'reply', opinion: 'support', text: '已处理。' });
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' });
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'close' });
      const stale = await leader.get(`/api/cockpit?from=${from}&to=${to}`);
      expect(stale.body.pending).toBeGreaterThan(0);
      await runRollupsOnce(t.ctx);
      const now = await leader.get(`/api/cockpit?from=${from}&to=${to}`);
      expect(now.body.volume.total).toBe(n);
      expect(now.body.tiers.find((x: { tier: string }) => x.tier === 'grid').count).toBe(before.body.tiers.find((x: { tier: string }) => x.tier === 'grid').count + 1);
      expect(now.body.tiers.reduce((a: number, x: { count: number }) => a + x.count, 0)).toBe(settledBefore + 1);
      const sat = now.body.rates.find((r: { key: string }) => r.key === 'satisfaction');
      expect(sat.definition).toMatch(/满意/);
      expect(sat.denominator).toBe(before.body.rates.find((r: { key: string }) => r.key === 'satisfaction').denominator + 1);

      // drilling down to a grid lists the cases it received and the ones it handles (its figures count both sides)
      const grid = await leader.get(`/api/cockpit?unitId=${org.units.gridB1}&from=${from}&to=${to}`);
      const inGrid = await leader.get(`/api/cases?within=${org.units.gridB1}&limit=200`);
      expect(inGrid.body.items.map((i: { id: string }) => i.id)).toContain(c.caseId);
      const [got] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(eq(cases.ownerUnitId, org.units.gridB1));
      const [led] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(sql`${cases.ownerUnitId} = ${org.units.gridB1} or ${cases.leadUnitId} = ${org.units.gridB1}`);
      expect(grid.body.volume.total).toBe(got!.n);
      expect(inGrid.body.total).toBe(led!.n);
      expect(led!.n).toBeGreaterThan(got!.n);
      // … and a street lists every case registered, led or assisted anywhere under it
      const inStreet = await leader.get(`/api/cases?within=${org.units.streetA}&limit=1`);
      const [under] = await t.ctx.db
        .select({ n: sql<number>`count(*)::int` })
        .from(cases)
        .where(sql`exists (select 1 from unnest(${cases.unitPaths}) as up(p) where starts_with(up.p, (select path from org_units where id = ${org.units.streetA})))`);
      expect(under!.n).toBeGreaterThan(0);
      expect(inStreet.body.total).toBe(under!.n);

      // a department is judged on what it handled: the 住建局 received nothing, settled what it led
      const housing = await leader.get(`/api/cockpit?unitId=${org.units.housing}&from=${from}&to=${to}`);
      const [housingLed] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(and(eq(cases.leadUnitId, org.units.housing), eq(cases.state, 'closed')));
      expect(housing.body.volume.total).toBe(0);
      expect(housingLed!.n).toBeGreaterThan(0);
      expect(housing.body.tiers.find((x: { tier: string }) => x.tier === 'district').count).toBeGreaterThanOrEqual(housingLed!.n);
      const bureau = await leader.get(`/api/cockpit?unitId=${org.units.bureau}&from=${from}&to=${to}`);
      expect(bureau.body.tiers.reduce((a: number, x: { count: number }) => a + x.count, 0)).toBeLessThan(now.body.tiers.reduce((a: number, x: { count: number }) => a + x.count, 0));

      // the street head of 南苑 sees his street only, and the map of its community
      const headB = await loginAs(server, org.usernames.headA!);
      const own = await headB.get(`/api/cockpit?from=${from}&to=${to}`);
      expect(own.status).toBe(200);
      expect(own.body.unit.id).toBe(org.units.streetA);
      expect(own.body.volume.total).toBeLessThan(n);
      expect((await headB.get(`/api/cockpit?unitId=${org.units.streetB}`)).status).toBe(404);
      expect((await headB.get(`/api/cockpit?unitId=${org.units.district}`)).status).toBe(404);
      const map = await headB.get(`/api/cockpit/map?from=${from}&to=${to}`);
      expect(map.status).toBe(200);
      expect(map.body.areas.map((a: { unit: { id: string } }) => a.unit.id)).toEqual([org.units.communityA]);
      expect(map.body.trail.map((u: { id: string }) => u.id)).toEqual([org.units.streetA]);
    });

    it('refuses bad periods, other roles and units outside the scope with clear errors', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      for (const q of ['from=2026-03-10&to=2026-03-01', 'from=2025-01-01&to=2026-03-01', 'from=2026-02-30', 'unitId=nope', 'extra=1']) {
        const r = await leader.get(`/api/cockpit?${q}`);
        expect(r.status, q).toBe(400);
        expect(r.body.code).toBeTruthy();
        expect(r.body.message).toMatch(/[\u4e00-\u9fa5]/);
      }
      expect((await leader.get(`/api/cockpit?unitId=${org.units.city}`)).status).toBe(404);
      const registrar = await loginAs(server, org.usernames.registrar!);
      expect((await registrar.get('/api/cockpit')).status).toBe(403);
      const admin = await loginAs(server, org.usernames.admin!);
      expect((await admin.put('/api/cockpit/weights', { index: { volume: -1, overdue: 1, dissatisfaction: 1, warnings: 1 } })).status).toBe(400);
      expect((await leader.put('/api/cockpit/weights', { index: { volume: 1, overdue: 1, dissatisfaction: 1, warnings: 1 } })).status).toBe(403);
      const set = await admin.put('/api/cockpit/weights', { index: { volume: 1, overdue: 0, dissatisfaction: 0, warnings: 0 } });
      expect(set.status).toBe(200);
      const map = await leader.get('/api/cockpit/map?from=2026-03-01');
      const busiest = Math.max(...map.body.areas.map((a: { volume: number }) => a.volume));
      for (const a of map.body.areas) expect(a.index).toBeCloseTo((100 * a.volume) / busiest, 0);
      expect(map.body.explanation).toMatch(/诉求量 × 100%/);
    });

    it('keeps an accusation against a reader’s own unit out of every figure he reads, above his unit or beside it', async () => {
      // an inspector of the 区住建局 supervises the whole district; the leader works for the district
      const inspector = await createUser(t.ctx.db, { username: 'inspector.housing', displayName: '住建督查', password: PASSWORD, roles: ['supervisor'], unitId: org.units.housing, scopeUnitId: org.units.district });
      const leader = await loginAs(server, org.usernames.leader!);
      const supervisor = await loginAs(server, 'inspector.housing');
      const to = new Date(t.ctx.now().getTime() + 8 * HOUR).toISOString().slice(0, 10);
      const read = async () => {
        const out = {} as Record<'leader' | 'supervisor', { volume: number; open: number; bureau: number; bureauOpen: number; assessed: number }>;
        for (const [who, c] of [['leader', leader], ['supervisor', supervisor]] as const) {
          // an accusation is received by the 信访局 (never in the accused subtree): the inspector's unit sits beside it
          const [fig, bureau, assess] = await Promise.all([
            c.get(`/api/cockpit?from=2026-03-01&to=${to}`),
            c.get(`/api/cockpit?unitId=${org.units.bureau}&from=2026-03-01&to=${to}`),
            c.get(`/api/cockpit/assessment?month=${to.slice(0, 7)}&kind=department`),
          ]);
          expect(fig.status).toBe(200);
          expect(bureau.status).toBe(200);
          out[who] = {
            volume: fig.body.volume.total,
            open: fig.body.open,
            bureau: bureau.body.volume.total,
            bureauOpen: bureau.body.open,
            assessed: assess.body.rows.find((r: { unit: { id: string } }) => r.unit.id === org.units.bureau).received,
          };
        }
        return out;
      };
      const housingPath = (await t.ctx.db.execute(sql`select path from org_units where id = ${org.units.housing}`)) as unknown as { rows: { path: string }[] };
      const againstHousing = async () =>
        (await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(sql`${cases.accusedUnitPaths} && array[${housingPath.rows[0]!.path}]::text[]`))[0]!.n;
      const before = await read();
      // earlier accusations against the 住建局 (the first test makes one) count for the leader, not for the inspector
      expect(before.supervisor.volume).toBe(before.leader.volume - (await againstHousing()));

      const rng = createRng(30);
      const accusation = await register(rng, org.units.gridA1, { nature: 'accusation', accusedUnitIds: [org.units.housing] });
      await runRollupsOnce(t.ctx);
      const after = await read();
      // drilled down to the 信访局 that received it, the leader's list holds the accusation and the inspector's never
      const listed = async (c: typeof leader) => ((await c.get(`/api/cases?within=${org.units.bureau}&limit=200`)).body.items as { id: string }[]).map((i) => i.id);
      expect(await listed(leader)).toContain(accusation.caseId);
      expect(await listed(supervisor)).not.toContain(accusation.caseId);
      expect(after.leader.volume).toBe(before.leader.volume + 1);
      expect(after.leader.open).toBe(before.leader.open + 1);
      expect(after.leader.bureau).toBe(before.leader.bureau + 1);
      expect(after.leader.bureauOpen).toBe(before.leader.bureauOpen + 1);
      expect(after.leader.assessed).toBe(before.leader.assessed + 1);
      expect(after.supervisor).toEqual(before.supervisor);

      // the annual report: the leader's names the 住建局 among the most complained units, the supervisor's never
      const forLeader = await annualReport(t.ctx, org.actors.leader, { year: 2026 });
      const forSupervisor = await annualReport(t.ctx, (await actorForUser(t.ctx, inspector.id))!, { year: 2026 });
      expect(forLeader.mostAccused.map((m) => m.unit.id)).toContain(org.units.housing);
      expect(forSupervisor.mostAccused.map((m) => m.unit.id)).not.toContain(org.units.housing);
      expect(forSupervisor.received).toBe(forLeader.received - (await againstHousing()));
      expect(forSupervisor.byMonth.reduce((a, m) => a + m.received, 0)).toBe(forSupervisor.received);
      expect((await compareRollups(t.ctx)).differences).toEqual([]);
    });

    it('answers impossible dates, months and years with a 400 and a zh-CN message, on every cockpit read', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const bad = [
        '/api/cockpit?to=9999-12-31',
        '/api/cockpit?from=1999-12-31&to=2000-01-05',
        '/api/cockpit/map?to=9999-12-31',
        '/api/cockpit/map?from=2026-03-01&to=2026-02-01',
        '/api/cockpit/map?unitId=x',
        '/api/cockpit/assessment?month=0000-01',
        '/api/cockpit/assessment?month=9999-12',
        '/api/cockpit/assessment?month=2026-13',
        '/api/cockpit/assessment?month=2026-03&kind=grid',
        '/api/cockpit/assessment',
        '/api/cockpit/assessment.xlsx?month=0000-01',
        '/api/cockpit/annual-report.docx?year=0',
        '/api/cockpit/annual-report.docx?year=99999',
        '/api/cockpit/annual-report.docx?year=abc',
      ];
      for (const url of bad) {
        const r = await leader.get(url);
        expect(r.status, url).toBe(400);
        expect(r.body.code, url).toBeTruthy();
        expect(r.body.message, url).toMatch(/[\u4e00-\u9fa5]/);
      }
      // the edges of what may be asked are answered
      expect((await leader.get('/api/cockpit?from=2100-01-01&to=2100-12-31')).status).toBe(200);
      expect((await leader.get('/api/cockpit/assessment?month=2099-12&kind=community')).status).toBe(200);
      const admin = await loginAs(server, org.usernames.admin!);
      for (const body of [{ index: { volume: 1 } }, { assessment: { nope: 1 } }, { index: { volume: 1e9, overdue: 1, dissatisfaction: 1, warnings: 1 } }, { index: { volume: 0, overdue: 0, dissatisfaction: 0, warnings: 0 } }, { other: 1 }]) {
        const r = await admin.put('/api/cockpit/weights', body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.body.message).toMatch(/[\u4e00-\u9fa5]/);
      }
    });

    it('refolds every case once at boot when the facts changed meaning, and the counters still equal a scan', async () => {
      // the state an older version left: every case's facts counted for one list of scopes (no handling side)
      await runRollupsOnce(t.ctx);
      await t.ctx.db.execute(sql`update case_facts set scopes = array(select distinct x from unnest(scopes || coalesce(handling_scopes, '{}')) as x order by x), handling_scopes = null`);
      await t.ctx.db.execute(sql`update accusation_facts a set scopes = f.scopes, handling_scopes = null from case_facts f where f.region = a.region and f.case_id = a.case_id`);
      const units = await loadUnits(t.ctx, t.ctx.db, true);
      const daily = new Map<string, number>();
      const stock = new Map<string, number>();
      for (const f of await t.ctx.db.select().from(caseFactsTable)) addToCounters(f.region, storedScopes(f.scopes, f.handlingScopes), f.items, 1, (id) => units.get(id), daily, stock);
      await t.ctx.db.transaction(async (tx) => {
        await tx.execute(sql`delete from cockpit_daily`);
        await tx.execute(sql`delete from cockpit_stock`);
        await writeDeltas(tx, daily, stock);
      });
      expect((await compareRollups(t.ctx)).differences.length).toBeGreaterThan(0);
      // … and an inspector inside an accused unit still sees none of the accusations against it
      const inspector = (await actorForUser(t.ctx, (await t.ctx.db.execute(sql`select id from users where username = 'inspector.housing'`) as unknown as { rows: [{ id: string }] }).rows[0].id))!;
      const leaderReport = await annualReport(t.ctx, org.actors.leader, { year: 2026 });
      const inspectorReport = await annualReport(t.ctx, inspector, { year: 2026 });
      expect(leaderReport.mostAccused.map((m) => m.unit.id)).toContain(org.units.housing);
      expect(inspectorReport.mostAccused.map((m) => m.unit.id)).not.toContain(org.units.housing);
      await t.ctx.db.execute(sql`update settings set value = '{"at":"2026-03-01T00:00:00Z"}'::jsonb where key = 'cockpit.rollups_queued'`);
      const queued = await queueRollupsAtFirstBoot(t.ctx);
      const [{ n }] = (await t.ctx.db.execute(sql`select count(*)::int as n from cases`) as unknown as { rows: [{ n: number }] }).rows;
      expect(queued).toBe(n);
      expect(await queueRollupsAtFirstBoot(t.ctx)).toBe(0);
      // a server of an older version (during a rolling upgrade) leaves the queue to the newer one
      await t.ctx.db.execute(sql`update settings set value = jsonb_set(value, '{version}', to_jsonb(${FACTS_VERSION + 1}::int)) where key = 'cockpit.rollups_queued'`);
      expect((await runRollupsOnce(t.ctx)).cases).toBe(0);
      expect(await pendingRollups(t.ctx)).toBeGreaterThan(0);
      await t.ctx.db.execute(sql`update settings set value = jsonb_set(value, '{version}', to_jsonb(${FACTS_VERSION}::int)) where key = 'cockpit.rollups_queued'`);
      await runRollupsOnce(t.ctx);
      expect(await pendingRollups(t.ctx)).toBe(0);
      expect((await compareRollups(t.ctx)).differences).toEqual([]);
    });

    it.skipIf(kind !== 'postgres')('reads taken off for an accused reader run in parallel, all in the one snapshot of the accusations looked up', async () => {
      // a supervisor of the 住建局 reading the district: accusations against his bureau are taken off
      const user = await createUser(t.ctx.db, { username: 'inspector.snapshot', displayName: '住建督查二', password: PASSWORD, roles: ['supervisor'], unitId: org.units.housing, scopeUnitId: org.units.district });
      const inspector = (await actorForUser(t.ctx, user.id))!;
      const district = (await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.id, org.units.district)))[0]!;
      const count = async (c: AppContext) => ((await c.db.execute(sql`select count(*)::int as n, pg_backend_pid() as pid from cockpit_stock`)) as unknown as { rows: [{ n: number; pid: number }] }).rows[0];
      const before = (await count(t.ctx)).n;
      const seen = await readConsistently(t.ctx, inspector, [district], async (c) => {
        // a fold committed after the snapshot was taken …
        await t.ctx.db.execute(sql`insert into cockpit_stock (region, unit_id, metric, dim, value) values (${t.ctx.config.REGION}, ${org.units.district}, 'snapshot_probe', '', 1)`);
        return gather(c, [count, count, count] as const);
      });
      await t.ctx.db.execute(sql`delete from cockpit_stock where metric = 'snapshot_probe'`);
      // … is seen by none of the reads, though they ran on three connections
      expect(seen.map((r) => r.n)).toEqual([before, before, before]);
      expect(new Set(seen.map((r) => r.pid)).size).toBe(3);
    });

    it('scores and ranks units for a month, and exports the Excel and the Art. 41 report that read back', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const a = await leader.get('/api/cockpit/assessment?month=2026-03&kind=street');
      expect(a.status).toBe(200);
      expect(a.body.rows.map((r: { unit: { name: string } }) => r.unit.name).sort()).toEqual(['北湖街道', '南苑街道']);
      expect(a.body.rows[0].rank).toBe(1);
      expect(a.body.rows[0].score).toBeGreaterThanOrEqual(a.body.rows[1].score);

      const xlsx = await leader.bytes('/api/cockpit/assessment.xlsx?month=2026-03&kind=street');
      expect(xlsx.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.buffer as never);
      const sheet = wb.worksheets[0]!;
      const cells: string[] = [];
      sheet.eachRow((row) => row.eachCell((c) => cells.push(String(c.value))));
      expect(cells.join(' ')).toContain(a.body.rows[0].unit.name);

      const docx = await leader.bytes('/api/cockpit/annual-report.docx?year=2026');
      expect(docx.status).toBe(200);
      const xml = await (await JSZip.loadAsync(docx.buffer)).file('word/document.xml')!.async('string');
      expect(xml).toContain('云湖区');
      expect(xml).toContain('2026');
      expect(xml).toContain('第四十一条');
    });
  });
}
