/**
 * The monthly 百案攻坚 ledger over a hand-built winter and spring (injected clock, cases driven
 * through the services, the ledger read over HTTP), its Excel and Word exports read back, and the
 * push of a settled leader case to the units of similar open cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { registerCase } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { createUser } from '../src/services/org-units.js';
import { runSweepOnce } from '../src/jobs/deadline-sweeper.js';
import { verifyAudit } from '../src/services/audit-seal.js';
import { pushSimilarOnSettlement } from '../src/services/leader-push.js';
import { LEDGER_COLUMNS } from '../src/services/ledger-workbook.js';
import { caseEvents, cases, notifications } from '../src/store/schema.js';
import type { AppContext, StaffActor } from '../src/services/context.js';

const DAY = 86_400_000;
const petitioner = { name: '赵六', phone: '13700002222' };

async function submit(ctx: AppContext, title: string, content: string, gridId: string | null) {
  const c = await registerCase(ctx, null, { channel: 'online', nature: 'appeal', title, content, petitioners: [petitioner], gridId });
  return { id: c.caseId, number: c.number };
}

/** accept → (leader takes it) → dispatch → sign */
async function toHandling(ctx: AppContext, org: MiniOrg, caseId: string, lead: string, handler: StaffActor, owned: boolean) {
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'accept' });
  if (owned) await runCaseCommand(ctx, org.actors.leader, caseId, { type: 'take_ownership' });
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'dispatch', leadUnitId: lead, assistUnitIds: [] });
  await runCaseCommand(ctx, handler, caseId, { type: 'sign' });
}

/** reply → return visit → close (办结) */
async function settle(ctx: AppContext, org: MiniOrg, caseId: string, handler: StaffActor, reply = '经核实已处理完毕。') {
  await runCaseCommand(ctx, handler, caseId, { type: 'reply', opinion: 'support', text: reply });
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' });
  await runCaseCommand(ctx, org.actors.dispatcher, caseId, { type: 'close' });
}

for (const kind of DB_KINDS) {
  describe(`the monthly 百案攻坚 ledger [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    /** C backlog since March; A owned in February; D owned and settled in February; B owned and settled in March; F ordinary; E owned in April */
    const c: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', { id: string; number: string }> = {} as never;

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-01-05T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      await createUser(t.ctx.db, { username: 'leader.a', displayName: '南苑街道领导', password: PASSWORD, roles: ['leader'], unitId: org.units.streetA, scopeUnitId: org.units.streetA });
      const { ctx, clock } = t;
      const a = org.actors;

      c.C = await submit(ctx, '排水管道堵塞污水外溢', '梅园小区排水管道长期堵塞，雨天污水外溢到路面。', org.units.gridA1);
      await toHandling(ctx, org, c.C.id, org.units.gridA1, a.handlerA, false);

      clock.set('2026-02-03T02:00:00.000Z');
      c.A = await submit(ctx, '荷塘小区违建影响采光', '荷塘小区一楼住户搭建违章建筑，影响楼上采光和消防通道。', org.units.gridB1);
      await toHandling(ctx, org, c.A.id, org.units.gridB1, a.handlerB, true);
      clock.set('2026-02-04T02:00:00.000Z');
      c.D = await submit(ctx, '梅园小区供暖不热', '梅园小区5幢供暖温度长期不达标，室内只有十四度。', org.units.gridA1);
      await toHandling(ctx, org, c.D.id, org.units.gridA1, a.handlerA, true);
      clock.set('2026-02-10T02:00:00.000Z');
      await settle(ctx, org, c.D.id, a.handlerA);

      clock.set('2026-03-03T02:00:00.000Z');
      c.B = await submit(ctx, '老旧小区加装电梯补贴未发放', '多个老旧小区加装电梯已完工，补贴迟迟未发放。', null);
      await toHandling(ctx, org, c.B.id, org.units.housing, a.housingHandler, true);
      clock.set('2026-03-05T02:00:00.000Z');
      c.F = await submit(ctx, '路灯不亮', '梅园社区北门路灯坏了一个月。', org.units.gridA1);
      await toHandling(ctx, org, c.F.id, org.units.gridA1, a.handlerA, false);
      clock.set('2026-03-08T02:00:00.000Z');
      await runSweepOnce(ctx); // C's handling period has run out: overdue, and so backlog (积案)
      clock.set('2026-03-10T02:00:00.000Z');
      await runCaseCommand(ctx, a.supervisor, c.A.id, { type: 'chase', reason: '请加快违建拆除进度', replyDueAt: '2026-03-17T10:00:00.000Z' });
      clock.set('2026-03-20T02:00:00.000Z');
      await settle(ctx, org, c.B.id, a.housingHandler, '已协调财政局简化审核，补贴三十个工作日内发放到位。');
      clock.set('2026-03-25T02:00:00.000Z');
    }, 240_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the sweeper made the overdue case backlog, and nothing else', async () => {
      const flagged = await t.ctx.db.select({ number: cases.number, flags: cases.flags }).from(cases);
      const backlog = flagged.filter((r) => r.flags.includes('backlog')).map((r) => r.number);
      expect(backlog).toEqual([c.C.number]);
    });

    it('a leader or supervisor records the month\'s review line of a case on the ledger; not of a case off it, and no close-out while open', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const handler = await loginAs(server, org.usernames.handlerB!);
      const line = { month: '2026-03', caseId: c.A.id, status: 'on_track', progress: '已约谈违建户，限期自行拆除' };
      expect((await handler.post('/api/ledger/reviews', line)).status).toBe(403);
      const saved = await leader.post('/api/ledger/reviews', { ...line, progress: '已现场查看' });
      expect(saved.status).toBe(200);
      const rewritten = await leader.post('/api/ledger/reviews', line);
      expect(rewritten.body).toMatchObject({ month: '2026-03', number: c.A.number, status: 'on_track', progress: '已约谈违建户，限期自行拆除' });
      expect((await supervisor.post('/api/ledger/reviews', { month: '2026-03', caseId: c.C.id, status: 'delayed', progress: '管网改造方案未批复' })).status).toBe(200);
      expect((await leader.post('/api/ledger/reviews', { month: '2026-03', caseId: c.B.id, status: 'closed_out', progress: '补贴已落实，销号' })).status).toBe(200);

      const off = await leader.post('/api/ledger/reviews', { month: '2026-03', caseId: c.F.id, status: 'on_track', progress: '暂无进展' });
      expect(off.status).toBe(409);
      expect(off.body.code).toBe('LEDGER_CASE_NOT_LISTED');
      expect((await leader.post('/api/ledger/reviews', { month: '2026-03', caseId: c.D.id, status: 'on_track', progress: '暂无进展' })).body.code).toBe('LEDGER_CASE_NOT_LISTED');
      const early = await leader.post('/api/ledger/reviews', { month: '2026-03', caseId: c.A.id, status: 'closed_out', progress: '想销号' });
      expect(early.status).toBe(400);
      expect((await leader.post('/api/ledger/reviews', { month: '2026-04', caseId: c.A.id, status: 'on_track', progress: '未来' })).status).toBe(400);

      const timeline = (await leader.get(`/api/cases/${c.A.id}`)).body.timeline.map((e: any) => e.type);
      expect(timeline.filter((x: string) => x === 'case.ledger_reviewed')).toHaveLength(2);
    });

    it('March\'s ledger lists the owned and backlog cases open in March, with new assignments, close-outs, reviews and figures', async () => {
      t.clock.set('2026-04-05T02:00:00.000Z');
      c.E = await submit(t.ctx, '荷塘社区菜市场噪音扰民', '荷塘社区菜市场凌晨卸货噪音很大。', org.units.gridB1);
      await runCaseCommand(t.ctx, org.actors.dispatcher, c.E.id, { type: 'accept' });
      await runCaseCommand(t.ctx, org.actors.leader, c.E.id, { type: 'take_ownership' });
      t.clock.set('2026-04-10T02:00:00.000Z');

      const leader = await loginAs(server, org.usernames.leader!);
      const res = await leader.get('/api/ledger?month=2026-03');
      expect(res.status).toBe(200);
      const l = res.body;
      expect(l).toMatchObject({ month: '2026-03', firstDate: '2026-03-01', lastDate: '2026-03-31', scopeName: '云湖区', partial: false });
      expect(l.rows.map((r: any) => r.number)).toEqual([c.C.number, c.A.number, c.B.number]);
      const [C, A, B] = l.rows;
      expect(A).toMatchObject({ kinds: ['owned'], ownerLeaderName: 'leader', leadUnitName: '荷塘社区第1网格', state: 'handling', newAssignment: false, closedOut: false, overdueDays: 0 });
      expect(A.review).toMatchObject({ status: 'on_track', progress: '已约谈违建户，限期自行拆除', reviewerName: 'leader' });
      expect(B).toMatchObject({ kinds: ['owned'], leadUnitName: '区住建局', state: 'closed', stateLabel: '已办结', newAssignment: true, closedOut: true });
      expect(B.closedOutAt).toBe('2026-03-20T02:00:00.000Z');
      expect(B.review.status).toBe('closed_out');
      expect(C).toMatchObject({ kinds: ['backlog'], ownerLeaderId: null, state: 'handling', newAssignment: false, closedOut: false });
      expect(C.overdueDays).toBe(Math.round((Date.parse('2026-03-31') - Date.parse(C.dueDate)) / DAY));
      expect(C.overdueDays).toBeGreaterThan(20);
      expect(C.review).toMatchObject({ status: 'delayed', reviewerName: 'supervisor' });
      expect(l.summary).toEqual({ total: 3, owned: 2, backlog: 1, newAssignments: 1, closedOut: 1, stillOpen: 2, overdue: 1, reviewed: 3, onTrack: 1, delayed: 1 });
      expect(l.supervisions).toMatchObject([{ number: c.A.number, kind: 'chase', kindLabel: '催办', reason: '请加快违建拆除进度', targetUnitName: '荷塘社区第1网格' }]);
    });

    it('other months read as they were; one leader\'s cases; a street leader sees his street only', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const feb = (await leader.get('/api/ledger?month=2026-02')).body;
      expect(feb.rows.map((r: any) => [r.number, r.newAssignment, r.closedOut])).toEqual([
        [c.A.number, true, false],
        [c.D.number, true, true],
      ]);
      const apr = (await leader.get('/api/ledger?month=2026-04')).body;
      expect(apr.partial).toBe(true);
      expect(apr.rows.map((r: any) => r.number)).toEqual([c.C.number, c.A.number, c.E.number]);
      expect(apr.rows.map((r: any) => r.review)).toEqual([null, null, null]); // a review is for its month
      expect(apr.summary).toMatchObject({ newAssignments: 1, closedOut: 0 });
      const current = (await leader.get('/api/ledger')).body;
      expect(current.month).toBe('2026-04');

      const mine = (await leader.get(`/api/ledger?month=2026-03&leaderId=${org.actors.leader.userId}`)).body;
      expect(mine.rows.map((r: any) => r.number)).toEqual([c.A.number, c.B.number]);

      const street = await loginAs(server, 'leader.a');
      expect((await street.get('/api/ledger?month=2026-03')).body.rows.map((r: any) => r.number)).toEqual([c.C.number]);
      expect((await street.post('/api/ledger/reviews', { month: '2026-03', caseId: c.B.id, status: 'closed_out', progress: '越权' })).status).toBe(404);
      expect((await leader.get('/api/ledger?month=2026-13')).status).toBe(400);
      expect((await leader.get('/api/ledger?month=2026-05')).status).toBe(400);
    });

    it('exports the ledger as an Excel workbook: title, styled frozen header, the rows with dates as dates, and the month\'s figures', async () => {
      const res = await fetch(`${server.base}/api/ledger/export.xlsx?month=2026-03`, { headers: { authorization: `Bearer ${await tokenFor(server, org.usernames.leader!)}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment; filename="ledger-2026-03\.xlsx"; filename\*=UTF-8''/);
      expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe('云湖区百案攻坚台账-2026年3月.xlsx');

      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
      expect(wb.worksheets.map((w) => w.name)).toEqual(['台账', '月度汇总']);
      const ws = wb.getWorksheet('台账')!;
      expect(ws.getCell('A1').value).toBe('云湖区百案攻坚台账（2026年3月）');
      expect(ws.getCell('A1').isMerged && ws.getCell('Q1').isMerged).toBe(true);
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
      const header = (ws.getRow(2).values as unknown[]).slice(1);
      expect(header).toEqual(LEDGER_COLUMNS.map((col) => col.header));
      expect(ws.getCell('A2').font?.bold).toBe(true);
      expect(ws.getCell('A2').fill).toMatchObject({ type: 'pattern', pattern: 'solid' });
      const col = (name: string) => LEDGER_COLUMNS.findIndex((x) => x.header === name) + 1;
      const body = [3, 4, 5].map((r) => ws.getRow(r));
      expect(body.map((r) => r.getCell(col('案件编号')).value)).toEqual([c.C.number, c.A.number, c.B.number]);
      expect(ws.getRow(6).getCell(col('案件编号')).value ?? null).toBeNull();
      const b = body[2]!;
      expect(b.getCell(col('收到日期')).value).toEqual(new Date('2026-03-03T00:00:00.000Z'));
      expect(b.getCell(col('收到日期')).numFmt).toBe('yyyy-mm-dd');
      expect(b.getCell(col('销号日期')).value).toEqual(new Date('2026-03-20T00:00:00.000Z'));
      expect([b.getCell(col('本月新增')).value, b.getCell(col('本月销号')).value, b.getCell(col('包案领导')).value]).toEqual(['是', '是', 'leader']);
      expect(body[0]!.getCell(col('超期天数')).value).toBeGreaterThan(20);
      expect(body[0]!.getCell(col('类型')).value).toBe('积案');
      expect(body[1]!.getCell(col('本月进展')).value).toBe('已约谈违建户，限期自行拆除');

      const sum = wb.getWorksheet('月度汇总')!;
      const figures = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => sum.getRow(3 + i)).map((r) => [r.getCell(1).value, r.getCell(2).value]),
      );
      expect(figures).toMatchObject({ 台账案件: 3, '其中：领导包案': 2, '其中：积案': 1, 本月新增包案: 1, 本月销号: 1, 月末仍在办: 2, '其中：超期': 1, 本月催办督办: 1 });
    });

    it('exports the monthly supervision report as a Word document naming the cases, the supervision and the close-out', async () => {
      const res = await fetch(`${server.base}/api/ledger/report.docx?month=2026-03`, { headers: { authorization: `Bearer ${await tokenFor(server, org.usernames.leader!)}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      expect(decodeURIComponent(res.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toBe('云湖区百案攻坚月度督查报告-2026年3月.docx');
      const zip = await JSZip.loadAsync(Buffer.from(await res.arrayBuffer()));
      expect(Object.keys(zip.files)).toContain('[Content_Types].xml');
      const xml = await zip.file('word/document.xml')!.async('string');
      const text = xml.replace(/<[^>]+>/g, '');
      for (const n of [c.A.number, c.B.number, c.C.number]) expect(text).toContain(n);
      expect(text).not.toContain(c.F.number);
      expect(text).toContain('云湖区百案攻坚月度督查报告');
      expect(text).toContain('2026-03-01 至 2026-03-31');
      expect(text).toContain('请加快违建拆除进度');
      expect(text).toContain('四、本月销号案件');
      expect(text.slice(text.indexOf('四、本月销号案件'))).toContain(c.B.number);
    });

    it('the reviews are on the timelines and the audit trail verifies', async () => {
      const audit = await verifyAudit(t.ctx);
      expect(audit.problems).toEqual([]);
      const events = await t.ctx.db.select().from(caseEvents).where(and(eq(caseEvents.caseId, c.C.id), eq(caseEvents.type, 'case.ledger_reviewed')));
      expect(events.map((e) => e.data)).toEqual([{ month: '2026-03', status: 'delayed', progress: '管网改造方案未批复' }]);
    });
  });

  describe(`a settled leader case is pushed to the units of similar open cases [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    const c: Record<string, { id: string; number: string }> = {};

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-05-04T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      const { ctx } = t;
      const a = org.actors;
      c.S1 = await submit(ctx, '加装电梯补贴迟迟未发放', '梅园小区老旧住宅加装电梯已完工半年，加装电梯补贴至今未发放。', org.units.gridA1);
      await toHandling(ctx, org, c.S1.id, org.units.gridA1, a.handlerA, false);
      c.S2 = await submit(ctx, '荷塘小区加装电梯补贴无人受理', '荷塘小区3幢加装电梯补贴申请已提交两个月，补贴审核没有进展。', org.units.gridB1);
      await toHandling(ctx, org, c.S2.id, org.units.gridB1, a.handlerB, false);
      c.closedSimilar = await submit(ctx, '加装电梯补贴发放咨询', '梅园小区加装电梯补贴什么时候发放。', org.units.gridA1);
      await toHandling(ctx, org, c.closedSimilar.id, org.units.gridA1, a.handlerA, false);
      await settle(ctx, org, c.closedSimilar.id, a.handlerA);
      c.other = await submit(ctx, '路灯不亮', '梅园社区北门路灯坏了一个月，晚上出行不便。', org.units.gridA1);
      await toHandling(ctx, org, c.other.id, org.units.gridA1, a.handlerA, false);

      t.clock.advance(DAY);
      c.O = await submit(ctx, '老旧小区加装电梯补贴发放缓慢', '多个老旧小区反映加装电梯补贴发放缓慢，补贴审核流程太长。', null);
      await toHandling(ctx, org, c.O.id, org.units.housing, a.housingHandler, true);
      await settle(ctx, org, c.O.id, a.housingHandler, '已协调区财政局简化加装电梯补贴审核，三十个工作日内发放到位。');
    }, 120_000);
    afterAll(async () => {
      await t?.close();
    });

    const pushesTo = async (userId: string) =>
      t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, userId), eq(notifications.kind, 'leader_push')));
    const settledRow = async () => (await t.ctx.db.select().from(cases).where(eq(cases.id, c.O!.id)))[0]!;

    it('the open similar cases\' lead units get the settled case\'s number and reply, once; closed and unrelated cases get nothing', async () => {
      const first = await t.ctx.db.transaction(async (tx) => pushSimilarOnSettlement(t.ctx, tx, await settledRowIn(tx)));
      expect(first.pushed.map((p) => p.number).sort()).toEqual([c.S1!.number, c.S2!.number].sort());
      expect(Object.fromEntries(first.pushed.map((p) => [p.number, p.unitId]))).toEqual({ [c.S1!.number]: org.units.gridA1, [c.S2!.number]: org.units.gridB1 });

      const toA = await pushesTo(org.actors.handlerA.userId);
      expect(toA).toHaveLength(1);
      expect(toA[0]).toMatchObject({ caseId: c.S1!.id, unitId: org.units.gridA1, level: 'info' });
      expect(toA[0]!.title).toContain(c.O!.number);
      expect(toA[0]!.body).toContain(c.S1!.number);
      expect(toA[0]!.body).toContain('三十个工作日内发放到位');
      expect(await pushesTo(org.actors.handlerB.userId)).toHaveLength(1);
      expect(await pushesTo(org.actors.housingHandler.userId)).toHaveLength(0);

      // Again (a retried command, a second settlement after review): nobody is told twice.
      const again = await t.ctx.db.transaction(async (tx) => pushSimilarOnSettlement(t.ctx, tx, await settledRowIn(tx)));
      expect(again.pushed.map((p) => p.notified)).toEqual([0, 0]);
      expect(await pushesTo(org.actors.handlerA.userId)).toHaveLength(1);
      const pushedEvents = await t.ctx.db.select().from(caseEvents).where(and(eq(caseEvents.caseId, c.O!.id), eq(caseEvents.type, 'case.similar_pushed')));
      expect(pushedEvents).toHaveLength(1);
      expect((await verifyAudit(t.ctx)).problems).toEqual([]);
    });

    it('a case that is not leader-owned, or not settled, pushes nothing', async () => {
      const other = (await t.ctx.db.select().from(cases).where(eq(cases.id, c.S1!.id)))[0]!;
      const res = await t.ctx.db.transaction(async (tx) => pushSimilarOnSettlement(t.ctx, tx, other));
      expect(res.pushed).toEqual([]);
      expect((await settledRow()).state).toBe('closed');
    });

    /** the settled case's row read inside the transaction (PGlite: never query ctx.db while one is open) */
    async function settledRowIn(tx: Parameters<Parameters<AppContext['db']['transaction']>[0]>[0]) {
      return (await tx.select().from(cases).where(eq(cases.id, c.O!.id)))[0]!;
    }
  });
}

/** Given a server and a username, returns a fresh bearer token (downloads are read as bytes, not through the JSON client). */
async function tokenFor(server: TestServer, username: string): Promise<string> {
  const res = await fetch(`${server.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  return ((await res.json()) as { token: string }).token;
}
