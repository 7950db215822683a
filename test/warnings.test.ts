import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, like } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, cases, notifications, warningEvents, warnings } from '../src/store/schema.js';
import { findUnitsById } from '../src/store/org-repository.js';
import { raiseIntakeWarnings, type IntakeWarningInput } from '../src/services/warnings/intake-rules.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { runWarningScanOnce } from '../src/jobs/warning-scan.js';

const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`warnings (预警) [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let paths: Record<keyof MiniOrg['units'], string>;
    let seq = 0;

    /** Given what differs, returns the facts registration hands the intake rules for a case in grid A1. */
    function intake(over: Partial<IntakeWarningInput> = {}): IntakeWarningInput {
      return {
        caseId: crypto.randomUUID(),
        receivedAt: t.ctx.now(),
        title: '小区噪音扰民',
        content: '楼下商铺夜间噪音扰民，多次反映无果。',
        flags: [],
        ownerUnit: { id: org.units.gridA1, path: paths.gridA1 },
        gridUnit: { id: org.units.gridA1, path: paths.gridA1 },
        matterId: null,
        repeatOfId: null,
        keywords: [],
        person: { idIndexes: [], phoneIndexes: [] },
        confidential: false,
        accusedUnitPaths: [],
        ...over,
      };
    }
    const raise = (input: IntakeWarningInput) => t.ctx.db.transaction((tx) => raiseIntakeWarnings(t.ctx, tx, input));
    async function submit(gridId: string, phone = '13900000000', title?: string): Promise<string> {
      seq += 1;
      const res = await client(server).post('/api/public/cases', {
        title: title ?? `道路破损第${seq}件`,
        content: `小区门口道路破损严重，第${seq}次反映，请尽快修复。`,
        gridId,
        petitioner: { name: '李四', phone },
      });
      expect(res.status).toBe(201);
      const [row] = await t.ctx.db.select({ id: cases.id }).from(cases).where(eq(cases.number, res.body.number));
      return row!.id;
    }

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-03-02T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      const units = await findUnitsById(t.ctx.db, Object.values(org.units));
      paths = Object.fromEntries(Object.entries(org.units).map(([k, id]) => [k, units.get(id)!.path])) as typeof paths;
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    let urgentId = '';
    it('an extreme statement in the text raises an urgent warning at once, named to the head of the street above, who is notified in the same transaction', async () => {
      const input = intake({ title: '拖欠工资半年', content: '工地拖欠工资半年，再不解决我就去跳楼，跟他们同归于尽！' });
      await raise(input);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      expect(w).toMatchObject({ kind: 'extreme_statement', level: 'urgent', state: 'raised', assigneeId: org.actors.headA.userId, caseIds: [input.caseId] });
      expect(w!.number).toMatch(/^YJ-2026-\d{6}$/);
      expect(w!.title).toContain('跳楼');
      urgentId = w!.id;
      const inbox = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.headA.userId), eq(notifications.kind, 'warning')));
      expect(inbox).toHaveLength(1);
      expect(inbox[0]).toMatchObject({ level: 'red', caseId: input.caseId });
      expect(inbox[0]!.title).toContain(w!.number);
      const events = await t.ctx.db.select().from(warningEvents).where(eq(warningEvents.warningId, w!.id));
      expect(events.map((e) => e.type)).toEqual(['warning.raised']);

      // the rule firing again for the same case raises nothing more
      await raise(input);
      expect((await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `%${input.caseId}`))).length).toBe(1);
    });

    it('a registration that rolls back leaves neither the warning nor its notice', async () => {
      const input = intake({ content: '再不解决我就去跳楼。' });
      await expect(t.ctx.db.transaction(async (tx) => {
        await raiseIntakeWarnings(t.ctx, tx, input);
        throw new Error('registration failed after the rules ran');
      })).rejects.toThrow('registration failed');
      expect(await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`))).toEqual([]);
      expect(await t.ctx.db.select().from(notifications).where(eq(notifications.caseId, input.caseId))).toEqual([]);
    });

    it('text that only talks about safety raises nothing', async () => {
      const input = intake({ title: '建议加强消防安全宣传', content: '建议社区开展消防安全宣传，防止跳楼、放火等事故发生。' });
      await raise(input);
      expect(await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `%${input.caseId}%`))).toEqual([]);
    });

    it('a warning runs its whole lifecycle raised → dispatched → fed back → assessed → withdrawn, every step an event and an audit entry', async () => {
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const head = await loginAs(server, org.usernames.headA!);
      const list = await supervisor.get('/api/warnings?open=true');
      expect(list.status).toBe(200);
      expect(list.body.items[0]).toMatchObject({ id: urgentId, level: 'urgent', state: 'raised', assignee: { id: org.actors.headA.userId } });

      let d = await supervisor.get(`/api/warnings/${urgentId}`);
      expect(d.body.allowed).toEqual(['dispatch', 'withdraw', 'note']);
      const people = await supervisor.get(`/api/warnings/assignees?unitId=${org.units.streetA}`);
      expect(people.body.items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining([org.actors.headA.userId, org.actors.handlerA.userId]));
      expect(people.body.items.map((p: { id: string }) => p.id)).not.toContain(org.actors.handlerB.userId);
      expect((await supervisor.get(`/api/warnings/assignees?unitId=${org.units.city}`)).body.code).toBe('UNIT_NOT_FOUND');
      const dueAt = new Date(t.ctx.now().getTime() + 2 * DAY).toISOString();
      d = await supervisor.post(`/api/warnings/${urgentId}/commands`, { type: 'dispatch', unitId: org.units.streetA, assigneeId: org.actors.headA.userId, dueAt, instructions: '立即上门稳控' });
      expect(d.status).toBe(200);
      expect(d.body).toMatchObject({ state: 'dispatched', dispatchedUnit: { id: org.units.streetA, name: '南苑街道' }, dueAt });

      // out of order: a stable code, nothing written
      const early = await supervisor.post(`/api/warnings/${urgentId}/commands`, { type: 'withdraw', reason: '误报' });
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('WARNING_ILLEGAL_TRANSITION');
      const notHis = await head.post(`/api/warnings/${urgentId}/commands`, { type: 'assess', outcome: 'accept', text: '好' });
      expect(notHis.status).toBe(409);
      expect(notHis.body.code).toBe('WARNING_ILLEGAL_TRANSITION');

      expect((await head.get(`/api/warnings/${urgentId}`)).body.allowed).toEqual(['feed_back', 'note']);
      d = await head.post(`/api/warnings/${urgentId}/commands`, { type: 'feed_back', text: '已上门见面，协调工地先行支付部分工资，当事人情绪稳定。' });
      expect(d.body.state).toBe('fed_back');
      const headAssess = await head.post(`/api/warnings/${urgentId}/commands`, { type: 'assess', outcome: 'accept', text: '好' });
      expect(headAssess.status).toBe(403);
      expect(headAssess.body.code).toBe('ROLE_NOT_ALLOWED');

      d = await supervisor.post(`/api/warnings/${urgentId}/commands`, { type: 'assess', outcome: 'return', text: '欠薪未结清，请继续跟进' });
      expect(d.body.state).toBe('dispatched');
      d = await head.post(`/api/warnings/${urgentId}/commands`, { type: 'feed_back', text: '欠薪已全部结清。' });
      d = await supervisor.post(`/api/warnings/${urgentId}/commands`, { type: 'assess', outcome: 'accept', text: '处置到位' });
      expect(d.body.state).toBe('assessed');
      d = await supervisor.post(`/api/warnings/${urgentId}/commands`, { type: 'withdraw', reason: '风险已化解' });
      expect(d.body).toMatchObject({ state: 'withdrawn', allowed: [] });
      expect(d.body.closedAt).not.toBeNull();
      expect(d.body.events.map((e: { type: string }) => e.type)).toEqual([
        'warning.raised',
        'warning.dispatched',
        'warning.fed_back',
        'warning.assessed',
        'warning.fed_back',
        'warning.assessed',
        'warning.withdrawn',
      ]);
      expect(d.body.events[1].data).toMatchObject({ unitName: '南苑街道', assigneeName: org.actors.headA.displayName });
      expect(d.body.events[1].actor.id).toBe(org.actors.supervisor.userId);

      const audit = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetType, 'warning'), eq(auditLog.targetId, urgentId)));
      expect(audit.map((a) => a.action)).toEqual(['warning.raised', 'warning.dispatched', 'warning.fed_back', 'warning.assessed', 'warning.fed_back', 'warning.assessed', 'warning.withdrawn']);
      // the dispatched person heard of the dispatch and of the return
      const inbox = await t.ctx.db.select({ title: notifications.title }).from(notifications).where(and(eq(notifications.userId, org.actors.headA.userId), eq(notifications.kind, 'warning')));
      expect(inbox.map((n) => n.title.split(' ')[0])).toEqual(expect.arrayContaining(['紧急预警', '预警派单', '预警退回重办']));
    });

    it('a unit outside sees nothing: another street neither lists nor opens it, and an admin reads no warnings', async () => {
      const other = await loginAs(server, org.usernames.handlerB!);
      const list = await other.get('/api/warnings');
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ items: [], total: 0 });
      const one = await other.get(`/api/warnings/${urgentId}`);
      expect(one.status).toBe(404);
      expect(one.body.code).toBe('WARNING_NOT_FOUND');
      const step = await other.post(`/api/warnings/${urgentId}/commands`, { type: 'note', text: '看看' });
      expect(step.body.code).toBe('WARNING_NOT_FOUND');
      expect((await other.get('/api/warnings/not-a-uuid')).body.code).toBe('WARNING_NOT_FOUND');
      const admin = await loginAs(server, org.usernames.admin!);
      expect((await admin.get('/api/warnings')).status).toBe(403);
    });

    it('an accusation with a threat reaches a named person outside the accused street, and nobody inside it sees the warning (Art. 30)', async () => {
      const input = intake({
        title: '举报南苑街道干部',
        content: '南苑街道干部收受好处，再不查处我就去自焚。',
        ownerUnit: { id: org.units.bureau, path: paths.bureau },
        gridUnit: { id: org.units.gridA1, path: paths.gridA1 },
        confidential: true,
        accusedUnitPaths: [paths.streetA],
      });
      await raise(input);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      expect(w!.assigneeId).toBe(org.actors.leader.userId);
      expect(w!.unitPaths).toEqual([paths.bureau]);
      expect(w!.title).not.toContain('南苑');
      expect(w!.detail).not.toContain('干部');
      for (const who of ['headA', 'handlerA', 'communityHeadA'] as const) {
        const c = await loginAs(server, org.usernames[who]!);
        expect((await c.get(`/api/warnings/${w!.id}`)).status).toBe(404);
        expect((await c.get('/api/warnings')).body.items.map((i: { id: string }) => i.id)).not.toContain(w!.id);
      }
      const leader = await loginAs(server, org.usernames.leader!);
      expect((await leader.get(`/api/warnings/${w!.id}`)).body).toMatchObject({ level: 'urgent', assignee: { id: org.actors.leader.userId } });
      // and it cannot be dispatched into the accused street
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const into = await supervisor.post(`/api/warnings/${w!.id}/commands`, { type: 'dispatch', unitId: org.units.streetA, assigneeId: org.actors.headA.userId, dueAt: new Date(t.ctx.now().getTime() + DAY).toISOString() });
      expect(into.body.code).toBe('ACCUSATION_CONFLICT');
      const inbox = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.headA.userId), eq(notifications.caseId, input.caseId)));
      expect(inbox).toEqual([]);
    });

    it('collective and skip-level cases raise high warnings; the same person with a third case in 90 days raises a repeat warning', async () => {
      const col = intake({ flags: ['collective', 'skip_level'] });
      await raise(col);
      const raised = await t.ctx.db.select().from(warnings).where(inArray(warnings.sourceKey, [`collective:${col.caseId}`, `escalation:${col.caseId}`]));
      expect(raised.map((w) => [w.kind, w.level]).sort()).toEqual([['collective', 'high'], ['escalation', 'high']]);

      const phone = '13711112222';
      await submit(org.units.gridA2, phone);
      t.clock.advance(10 * DAY);
      await submit(org.units.gridA2, phone);
      const phoneIndexes = [t.ctx.cipher.blindIndex('phone', phone)];
      const third = intake({ person: { idIndexes: [], phoneIndexes } });
      await raise(third);
      const [rep] = await t.ctx.db.select().from(warnings).where(and(eq(warnings.kind, 'repeat_petitioner'), like(warnings.sourceKey, 'repeat:%')));
      expect(rep).toMatchObject({ level: 'normal', caseIds: [third.caseId] });
      expect(rep!.title).toContain('第3件');
      expect(rep!.sourceKey).not.toContain(phoneIndexes[0]!); // keyed by a hash of the blind index
    });

    it('five cases about one matter in a community within a week raise one cluster warning; a sixth joins it', async () => {
      const first = await submit(org.units.gridA1, '13600000001', '违建占道');
      const ids = [first];
      for (let i = 0; i < 3; i++) ids.push(await submit(i % 2 ? org.units.gridA1 : org.units.gridA2, `1360000001${i}`, '违建占道'));
      await t.ctx.db.update(cases).set({ matterId: first }).where(inArray(cases.id, ids.slice(1)));
      const fifth = intake({ matterId: first, gridUnit: { id: org.units.gridA2, path: paths.gridA2 }, ownerUnit: { id: org.units.gridA2, path: paths.gridA2 } });
      await raise(fifth);
      const key = `cluster:${org.units.communityA}:matter:${first}`;
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, key));
      expect(w).toMatchObject({ kind: 'cluster', level: 'high', unitPaths: [paths.communityA] });
      expect([...w!.caseIds].sort()).toEqual([...ids, fifth.caseId].sort());
      expect(w!.title).toContain('梅园社区');
      const sixth = intake({ matterId: first });
      await raise(sixth);
      const [after] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, key));
      expect(after!.caseIds).toHaveLength(6);
      const events = await t.ctx.db.select().from(warningEvents).where(eq(warningEvents.warningId, w!.id));
      expect(events.map((e) => [e.type, (e.data as { about?: string }).about ?? null])).toEqual([['warning.raised', null], ['warning.note', 'cases_linked']]);
      // the community's head sees the warning and its cases; street B sees none of it
      const ch = await loginAs(server, org.usernames.communityHeadA!);
      const d = await ch.get(`/api/warnings/${w!.id}`);
      expect(d.body.cases).toHaveLength(4); // the four registered; the two given only to the rules have no case row
      expect(d.body.hiddenCaseCount).toBe(2);
    });

    it('other departments’ risk data is imported all or nothing, with a report naming the bad row, and once per source and external id', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const row = (externalId: string, over: Record<string, unknown> = {}) => ({
        source: '区人社局',
        externalId,
        level: 'high',
        title: `欠薪风险线索${externalId}`,
        detail: '某工地拖欠农民工工资，涉及 30 余人。',
        unitCode: '330110001000',
        occurredAt: '2026-03-01T08:00:00+08:00',
        ...over,
      });
      const bad = await admin.post('/api/warnings/import', [row('RS-1'), row('RS-2', { unitCode: 'NO-SUCH-UNIT', level: 'severe' }), row('RS-3')]);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('IMPORT_INVALID');
      expect(bad.body.details).toMatchObject({ reason: 'bad_rows', rowCount: 3, badRowCount: 1 });
      expect(bad.body.details.rows).toEqual([{ row: 2, externalId: 'RS-2', errors: [expect.objectContaining({ field: 'level' })] }]);
      const unknownUnit = await admin.post('/api/warnings/import', [row('RS-1'), row('RS-2', { unitCode: 'NO-SUCH-UNIT' })]);
      expect(unknownUnit.body.details.rows).toEqual([{ row: 2, externalId: 'RS-2', errors: [{ field: 'unitCode', reason: 'unit_not_found' }] }]);
      expect(await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, 'import:%'))).toEqual([]);

      const good = [row('RS-1'), row('RS-2', { level: 'urgent', kind: 'external', caseNumbers: [] }), row('RS-3', { unitCode: undefined, unitId: org.units.communityA, level: 'normal' })];
      const ok = await admin.post('/api/warnings/import', good);
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ rowCount: 3, created: 3, unchanged: 0 });
      const again = await admin.post('/api/warnings/import', good);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ created: 0, unchanged: 3 });
      expect(again.body.warnings.map((w: { number: string }) => w.number)).toEqual(ok.body.warnings.map((w: { number: string }) => w.number));
      const urgent = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, 'import:区人社局:RS-2'));
      expect(urgent[0]).toMatchObject({ kind: 'external', level: 'urgent', assigneeId: org.actors.headA.userId });
      // a handler may not import
      expect((await (await loginAs(server, org.usernames.handlerA!)).post('/api/warnings/import', good)).status).toBe(403);
    });

    it('a unit with many cases due within two working days gets one deadline-risk warning a week, however often the scan runs', async () => {
      const d = org.actors.dispatcher;
      for (let i = 0; i < 5; i++) {
        const id = await submit(org.units.gridB1, `1350000000${i}`, '路灯不亮');
        await runCaseCommand(t.ctx, d, id, { type: 'accept' });
        await runCaseCommand(t.ctx, d, id, { type: 'dispatch', leadUnitId: org.units.gridB1, assistUnitIds: [] });
      }
      expect((await runWarningScanOnce(t.ctx)).raised).toBe(0);
      t.clock.advance(59 * DAY);
      const first = await runWarningScanOnce(t.ctx);
      expect(first.raised).toBe(1);
      expect((await runWarningScanOnce(t.ctx)).raised).toBe(0);
      const [w] = await t.ctx.db.select().from(warnings).where(and(eq(warnings.kind, 'deadline_risk'), like(warnings.sourceKey, `deadline_risk:${org.units.gridB1}:%`)));
      expect(w).toMatchObject({ unitPaths: [paths.gridB1], caseIds: [] });
      expect(w!.title).toContain('荷塘社区第1网格');
      const b = await loginAs(server, org.usernames.handlerB!);
      expect((await b.get('/api/warnings?kind=deadline_risk')).body.items.map((i: { id: string }) => i.id)).toEqual([w!.id]);
    });
  });
}
