import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, cases, monthlyTopics, notifications, users, warningEvents, warnings } from '../src/store/schema.js';
import { findUnitsById } from '../src/store/org-repository.js';
import { raiseIntakeWarnings, type IntakeWarningInput } from '../src/services/warnings/intake-rules.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { runWarningScanOnce } from '../src/jobs/warning-scan.js';
import { raiseWarning } from '../src/services/warnings/warning-store.js';
import { runWarningCommand } from '../src/services/warnings/warning-commands.js';
import { moveUnitAsAdmin } from '../src/services/org-admin.js';

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

    // ---- review issue 5: regressions ----

    /** Given a grid, a title and what to set on the row, returns the id of a registered case. */
    async function caseIn(gridId: string, title: string, set: Partial<typeof cases.$inferInsert> = {}): Promise<string> {
      seq += 1;
      const id = await submit(gridId, `1380000${String(seq).padStart(4, '0')}`, title);
      if (Object.keys(set).length) await t.ctx.db.update(cases).set(set).where(eq(cases.id, id));
      return id;
    }
    const b1 = () => ({ gridUnit: { id: org.units.gridB1, path: paths.gridB1 }, ownerUnit: { id: org.units.gridB1, path: paths.gridB1 } });

    it('an accusation among the earlier cases is not counted into a cluster (#1); a closed cluster takes no new cases, and a new one is raised under the next generation of its key (#5)', async () => {
      const first = await caseIn(org.units.gridB1, '违章搭建');
      for (let i = 0; i < 2; i++) await caseIn(org.units.gridB1, '违章搭建', { matterId: first });
      const accusation = await caseIn(org.units.gridB1, '违章搭建', { matterId: first, nature: 'accusation' });
      const key = `cluster:${org.units.communityB}:matter:${first}`;
      await raise(intake({ ...b1(), matterId: first }));
      expect(await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, key))).toEqual([]); // 3 + this one: 4
      await t.ctx.db.update(cases).set({ nature: 'suggestion' }).where(eq(cases.id, accusation));
      const fifth = intake({ ...b1(), matterId: first });
      await raise(fifth);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, key));
      expect(w!.caseIds).toContain(fifth.caseId);

      // withdrawn: the next case of the matter is not silently added to it, and one case alone raises nothing
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      expect((await supervisor.post(`/api/warnings/${w!.id}/commands`, { type: 'withdraw', reason: '已化解' })).body.state).toBe('withdrawn');
      t.clock.advance(DAY);
      const late = intake({ ...b1(), matterId: first });
      await raise(late);
      const [closed] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, key));
      expect(closed!.caseIds).not.toContain(late.caseId);
      expect(await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `${key}#2`))).toEqual([]);
      // five more after it closed (four registered, and this one): a new warning, raised once
      for (let i = 0; i < 4; i++) await caseIn(org.units.gridB1, '违章搭建', { matterId: first });
      const again = intake({ ...b1(), matterId: first });
      await raise(again);
      const [second] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `${key}#2`));
      expect(second).toMatchObject({ kind: 'cluster', state: 'raised' });
      expect(second!.caseIds).toContain(again.caseId);
      expect(second!.caseIds).not.toContain(fifth.caseId); // only what came after the first closed
      const more = intake({ ...b1(), matterId: first });
      await raise(more);
      const chain = await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `${key}%`));
      expect(chain).toHaveLength(2);
      expect(chain.find((c) => c.sourceKey === `${key}#2`)!.caseIds).toContain(more.caseId);
    });

    it('intakes raising and linking warnings at once, beside a lifecycle step on the same warning, never deadlock (#3)', async () => {
      const [w] = await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `cluster:${org.units.communityB}:matter:%#2`));
      const matterId = (w!.data as { matterId: string }).matterId;
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => [
          raise(intake({ ...b1(), matterId, content: `第${i}次，再不解决我就去跳楼。` })),
          raise(intake({ ...b1(), matterId })),
          runWarningCommand(t.ctx, org.actors.supervisor, w!.id, { type: 'note', text: `跟进${i}` }),
        ]).flat(),
      );
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
      const [after] = await t.ctx.db.select().from(warnings).where(eq(warnings.id, w!.id));
      expect(after!.caseIds.length).toBe(w!.caseIds.length + 8);
    });

    it('a keyword cluster takes a case that shares enough words with the union of its cases’ words, and another grievance in the same place gets its own (#6, #20)', async () => {
      const bridge = ['桥梁', '裂缝', '坍塌', '加固', '河堤'];
      for (let i = 0; i < 4; i++) await caseIn(org.units.gridA1, '桥梁开裂', { keywords: bridge });
      const fifth = intake({ keywords: ['桥梁', '裂缝', '坍塌'] });
      await raise(fifth);
      const kw = () => t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `cluster:${org.units.communityA}:kw:%`));
      const [w] = await kw();
      expect(w!.sourceKey).toMatch(new RegExp(`^cluster:${org.units.communityA}:kw:\\d{4}-\\d{2}$`));
      expect((w!.data as { keywords: string[] }).keywords).toEqual(expect.arrayContaining(bridge));
      // shares only 坍塌 with the fifth case's words, but three with the cluster's
      const sixth = intake({ keywords: ['坍塌', '加固', '河堤'] });
      await raise(sixth);
      expect((await kw()).map((x) => x.caseIds.includes(sixth.caseId))).toEqual([true]);

      // a different grievance in the same place and month, two intakes at once: one warning, the next generation
      const bus = ['校车', '超载', '学生', '接送'];
      for (let i = 0; i < 4; i++) await caseIn(org.units.gridA2, '校车超载', { keywords: bus });
      const [a, b] = [intake({ keywords: bus }), intake({ keywords: ['校车', '超载', '学生'] })];
      await Promise.all([raise(a), raise(b)]);
      const all = await kw();
      expect(all).toHaveLength(2);
      const second = all.find((x) => x.id !== w!.id)!;
      expect(second.sourceKey).toBe(`${w!.sourceKey}#2`);
      expect(second.caseIds).toEqual(expect.arrayContaining([a.caseId, b.caseId]));
    });

    it('digit runs (phones, ID numbers) quoted from a petition are masked in the warning (#18)', async () => {
      const input = intake({ title: '身份证330106199001011234反映', content: '我叫张三，电话13912345678，再不解决我就去跳楼。' });
      await raise(input);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      expect(`${w!.title}${w!.detail}`).not.toMatch(/\d{6}/);
      expect(w!.detail).toContain('139******78');
    });

    it('an urgent warning nobody heads the tree for goes to the nearest supervisors at once (#11)', async () => {
      await t.ctx.db.update(users).set({ active: false }).where(eq(users.id, org.actors.leader.userId));
      try {
        const input = intake({ ...b1(), content: '再不解决我就去跳楼。' });
        await raise(input);
        const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
        expect(w!.assigneeId).toBeNull();
        const inbox = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.supervisor.userId), eq(notifications.caseId, input.caseId)));
        expect(inbox).toHaveLength(1);
        expect(inbox[0]).toMatchObject({ level: 'red' });
      } finally {
        await t.ctx.db.update(users).set({ active: true }).where(eq(users.id, org.actors.leader.userId));
      }
    });

    it('no dispatch to a person inside an accused unit, and the assignee list leaves such people out (#10)', async () => {
      const input = intake({ title: '举报南苑街道干部', content: '再不查处我就去自焚。', ownerUnit: { id: org.units.bureau, path: paths.bureau }, confidential: true, accusedUnitPaths: [paths.streetA] });
      await raise(input);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const dueAt = new Date(t.ctx.now().getTime() + DAY).toISOString();
      const res = await supervisor.post(`/api/warnings/${w!.id}/commands`, { type: 'dispatch', unitId: org.units.district, assigneeId: org.actors.headA.userId, dueAt });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'ACCUSATION_CONFLICT' });
      const plain = (await supervisor.get(`/api/warnings/assignees?unitId=${org.units.district}`)).body.items.map((p: { id: string }) => p.id);
      expect(plain).toContain(org.actors.headA.userId);
      const list = (await supervisor.get(`/api/warnings/assignees?unitId=${org.units.district}&warningId=${w!.id}`)).body.items.map((p: { id: string }) => p.id);
      expect(list).not.toContain(org.actors.headA.userId);
      expect(list).not.toContain(org.actors.handlerA.userId);
      expect(list).toContain(org.actors.handlerB.userId);
      const ok = await supervisor.post(`/api/warnings/${w!.id}/commands`, { type: 'dispatch', unitId: org.units.district, assigneeId: org.actors.handlerB.userId, dueAt });
      expect(ok.body.state).toBe('dispatched');
    });

    it('whoever may act on a dispatched warning may read it: a grid handler under the street it went to does neither (#12)', async () => {
      const input = intake({ gridUnit: null, ownerUnit: { id: org.units.bureau, path: paths.bureau }, content: '再不解决我就去跳楼。' });
      await raise(input);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      const dueAt = new Date(t.ctx.now().getTime() + DAY).toISOString();
      expect((await supervisor.post(`/api/warnings/${w!.id}/commands`, { type: 'dispatch', unitId: org.units.streetA, assigneeId: org.actors.headA.userId, dueAt })).body.state).toBe('dispatched');
      const grid = await loginAs(server, org.usernames.handlerA!);
      expect((await grid.get(`/api/warnings/${w!.id}`)).status).toBe(404);
      expect((await grid.post(`/api/warnings/${w!.id}/commands`, { type: 'feed_back', text: '已处置' })).body.code).toBe('WARNING_NOT_FOUND');
      const head = await loginAs(server, org.usernames.headA!);
      expect((await head.get(`/api/warnings/${w!.id}`)).body.allowed).toEqual(['feed_back', 'note']);
    });

    it('a warning keeps at most 200 case ids and counts the rest (#21)', async () => {
      const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());
      const base = { kind: 'external' as const, level: 'normal' as const, title: '外部线索', detail: '测试', sourceKey: `import:test:${crypto.randomUUID()}`, unitPaths: [paths.streetA] };
      await t.ctx.db.transaction((tx) => raiseWarning(t.ctx, tx, { ...base, caseIds: ids(150) }));
      const linked = await t.ctx.db.transaction((tx) => raiseWarning(t.ctx, tx, { ...base, caseIds: ids(100) }));
      expect(linked.linked).toHaveLength(100);
      const [w] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, base.sourceKey));
      expect(w!.caseIds).toHaveLength(200);
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      expect((await supervisor.get(`/api/warnings/${w!.id}`)).body).toMatchObject({ caseCount: 250, hiddenCaseCount: 250 });
    });

    it('an import may not pass itself off as a rule’s warning: kind is external only (#22)', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const res = await admin.post('/api/warnings/import', [
        { source: '区公安局', externalId: 'GA-1', kind: 'extreme_statement', level: 'urgent', title: '线索', detail: '测试', unitCode: '330110001000', occurredAt: '2026-03-01T08:00:00+08:00' },
      ]);
      expect(res.status).toBe(400);
      expect(res.body.details.rows[0].errors).toEqual([expect.objectContaining({ field: 'kind' })]);
    });

    it('a malformed due date in one case does not stop the deadline-risk scan (#24)', async () => {
      const id = await caseIn(org.units.gridB1, '路灯不亮');
      await runCaseCommand(t.ctx, org.actors.dispatcher, id, { type: 'accept' });
      await runCaseCommand(t.ctx, org.actors.dispatcher, id, { type: 'dispatch', leadUnitId: org.units.gridB1, assistUnitIds: [] });
      for (const bad of ['2026-02-30T00:00:00.000Z', 'not a date', '2026-13-01T00:00:00Z']) {
        await t.ctx.db.update(cases).set({ snapshot: sql`jsonb_set(${cases.snapshot}, '{clocks,handling,dueAt}', to_jsonb(${bad}::text))` }).where(eq(cases.id, id));
        await expect(runWarningScanOnce(t.ctx)).resolves.toMatchObject({ units: expect.any(Number) });
      }
    });

    it('moving a unit moves its warnings and monthly topics with it, accused paths included (#9)', async () => {
      const input = intake({ title: '举报梅园社区第1网格', content: '再不查处我就去跳楼。', ownerUnit: { id: org.units.bureau, path: paths.bureau }, confidential: true, accusedUnitPaths: [paths.gridA1] });
      await raise(input);
      const topicId = crypto.randomUUID();
      await t.ctx.db.insert(monthlyTopics).values({ region: t.ctx.config.REGION, id: topicId, month: '2026-05', title: '测试专题', keywords: [], caseIds: [], unitPaths: [paths.communityA], note: null, chosenBy: org.actors.supervisor.userId, chosenAt: t.ctx.now() });
      await moveUnitAsAdmin(t.ctx, org.actors.admin, org.units.communityA, org.units.streetB);
      const moved = `${paths.streetB}${org.units.communityA}/`;
      const [cluster] = await t.ctx.db.select().from(warnings).where(like(warnings.sourceKey, `cluster:${org.units.communityA}:matter:%`));
      expect(cluster!.unitPaths).toEqual([moved]);
      const [acc] = await t.ctx.db.select().from(warnings).where(eq(warnings.sourceKey, `extreme:${input.caseId}`));
      expect((acc!.data as { accusedUnitPaths: string[] }).accusedUnitPaths).toEqual([`${moved}${org.units.gridA1}/`]);
      const [topic] = await t.ctx.db.select().from(monthlyTopics).where(eq(monthlyTopics.id, topicId));
      expect(topic!.unitPaths).toEqual([moved]);
      // street A no longer governs the community: it no longer sees the community's cluster
      const headA = await loginAs(server, org.usernames.headA!);
      expect((await headA.get(`/api/warnings/${cluster!.id}`)).status).toBe(404);
    });
  });
}
