/**
 * What intake works out about a new case, through the real public and staff APIs: the same person
 * about the same matter (重复信访) is flagged and linked, near-identical cases from different people
 * share one matter, an extreme statement raises an urgent warning to a named person at once, the
 * routing suggestion is kept with the case — and the blind index never lets the plaintext out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { caseFingerprints, cases, notifications, warnings } from '../src/store/schema.js';
import { backfillIntelligence } from '../src/services/intelligence-backfill.js';

const wang = { name: '王五', phone: '13711112222', idNumber: '11010519491231002X' };
const zhao = { name: '赵六', phone: '13633334444' };
const WAGES = {
  title: '南苑街道某建筑工地拖欠农民工工资',
  content: '我们一共十二个人在南苑街道梅园路的建筑工地干了八个月，包工头拖欠工资共计三十六万元，年底了一直不给，找了劳动监察也没有结果，请政府帮忙讨回血汗钱。',
};
// The same matter told again: sentences reordered, a few words changed, a tail cut off.
const WAGES_AGAIN = {
  title: '建筑工地拖欠农民工工资',
  content: '包工头拖欠工资共计三十六万元，年底了还是一直不给。我们十二个人在南苑街道梅园路的建筑工地干了八个月，找了劳动监察也没有结果。',
};

for (const kind of DB_KINDS) {
  describe(`intake intelligence [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const pub = () => client(server);
    const submit = async (body: Record<string, unknown>) => {
      const res = await pub().post('/api/public/cases', { gridId: org.units.gridA1, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const [row] = await t.ctx.db.select().from(cases).where(and(eq(cases.region, t.ctx.config.REGION), eq(cases.number, res.body.number)));
      return row!;
    };
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the same person about the same matter is a repeat petition linked to the open case, offered for merging', async () => {
      const first = await submit({ ...WAGES, petitioner: wang });
      expect(first.flags).not.toContain('repeat');
      expect(first.keywords.length).toBeGreaterThan(3);
      const fp = await t.ctx.db.select().from(caseFingerprints).where(eq(caseFingerprints.caseId, first.id));
      expect(fp).toHaveLength(1);

      // Same phone, text retold: flagged, linked, and both join one matter.
      const again = await submit({ ...WAGES_AGAIN, petitioner: { name: '王五', phone: wang.phone } });
      expect(again.flags).toContain('repeat');
      expect(again.repeatOfId).toBe(first.id);
      expect(again.matterId).toBe(first.id);
      const [firstNow] = await t.ctx.db.select({ matterId: cases.matterId }).from(cases).where(eq(cases.id, first.id));
      expect(firstNow!.matterId).toBe(first.id);

      // The dispatcher's case page says so and may merge the repeat into the original.
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const page = await dispatcher.get(`/api/cases/${again.id}`);
      expect(page.status).toBe(200);
      expect(page.body.intelligence.repeatOf).toMatchObject({ id: first.id, number: first.number, mergeable: true });
      expect(page.body.intelligence.matter.cases.map((c: { id: string }) => c.id)).toEqual([first.id]);
      expect(page.body.abilities).toContain('merge');
      const merged = await dispatcher.post(`/api/cases/${again.id}/commands`, { type: 'merge', intoCaseId: first.id, reason: '同一人同一事项重复信访' });
      expect(merged.status, JSON.stringify(merged.body)).toBe(200);
      expect((await dispatcher.get(`/api/cases/${again.id}`)).body.state).toBe('merged');
    });

    it('another person with the same text joins the matter but is no repeat; an unrelated text stays alone', async () => {
      const other = await submit({ ...WAGES_AGAIN, petitioner: zhao });
      expect(other.flags).not.toContain('repeat');
      expect(other.repeatOfId).toBeNull();
      expect(other.matterId).not.toBeNull();
      const alone = await submit({ title: '梅园社区路灯坏了', content: '梅园社区北门到菜市场的一段路灯已经坏了一个多月，晚上老人孩子走路很不安全，请尽快修好。', petitioner: wang });
      expect(alone.matterId).toBeNull();
      expect(alone.repeatOfId).toBeNull();
    });

    it('the registrar is told while typing: the same person\'s case about this matter, and the suggested category', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      const res = await registrar.post('/api/intake/hints', { petitioners: [{ idNumber: wang.idNumber }], ...WAGES_AGAIN });
      expect(res.status).toBe(200);
      const mine = res.body.sameMatter.filter((c: { samePerson: boolean }) => c.samePerson);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(res.body.routing.category).toMatchObject({ code: '02', name: '劳动和社会保障' });
      expect(res.body.routing.category.confidence).toBeGreaterThan(0.5);
      expect(res.body.routing.model.source).toBe('bundled');
    });

    it('the routing suggestion is kept with the case for the dispatcher', async () => {
      const c = await submit({ title: '小区垃圾站臭气熏天', content: '梅园小区垃圾中转站夏天臭气熏天，污水横流，蚊蝇滋生，附近居民不敢开窗，希望环保部门处理。', petitioner: zhao });
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const page = await dispatcher.get(`/api/cases/${c.id}`);
      expect(page.body.intelligence.routing.category).not.toBeNull();
      const registered = page.body.timeline.find((e: { type: string }) => e.type === 'case.registered');
      expect(registered.data.routing.categoryCode).toBe(page.body.intelligence.routing.category.code);
    });

    it('an extreme statement raises an urgent warning to a named person at once, with a notice waiting for him', async () => {
      const c = await submit({ title: '工资再不给我就从楼上跳下去', content: '老板欠我工资两年了，再不解决我就去跳楼，大家一起同归于尽。', petitioner: { name: '孙七', phone: '13555556666' } });
      const [w] = await t.ctx.db.select().from(warnings).where(and(eq(warnings.region, t.ctx.config.REGION), eq(warnings.kind, 'extreme_statement'), sql`${c.id} = any(${warnings.caseIds})`));
      expect(w).toBeDefined();
      expect(w!.level).toBe('urgent');
      expect(w!.state).toBe('raised');
      expect(w!.assigneeId).toBe(org.actors.headA.userId);
      const notes = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.headA.userId), eq(notifications.kind, 'warning')));
      expect(notes.length).toBeGreaterThanOrEqual(1);
    });

    it('an accusation is confidential whatever the form says, and founds or joins no matter', async () => {
      const acc = await submit({ nature: 'accusation', confidential: false, ...WAGES, petitioner: { name: '周九', phone: '13599990000' } });
      expect(acc.confidential).toBe(true);
      expect(acc.matterId).toBeNull();
      const later = await submit({ title: '再次反映', content: WAGES.content, petitioner: { name: '吴十', phone: '13588880000' } });
      expect(later.matterId).not.toBe(acc.id);
    });

    it('cases written before fingerprints existed get keywords and a fingerprint once, at boot', async () => {
      const c = await submit({ title: '荷塘社区菜市场噪音', content: '荷塘社区菜市场每天凌晨四点开始卸货，喇叭和叫卖声吵得附近居民无法休息，希望规范经营时间。', petitioner: zhao });
      await t.ctx.db.delete(caseFingerprints).where(eq(caseFingerprints.caseId, c.id));
      await t.ctx.db.update(cases).set({ keywords: [] }).where(eq(cases.id, c.id));
      await t.ctx.db.execute(sql`delete from settings where key = 'intelligence.backfilled'`);
      expect(await backfillIntelligence(t.ctx)).toBe(1);
      expect(await t.ctx.db.select().from(caseFingerprints).where(eq(caseFingerprints.caseId, c.id))).toHaveLength(1);
      const [row] = await t.ctx.db.select({ keywords: cases.keywords }).from(cases).where(eq(cases.id, c.id));
      expect(row!.keywords.length).toBeGreaterThan(3);
      expect(await backfillIntelligence(t.ctx)).toBe(0); // once
    });

    it('the blind index never lets the plaintext out: not in warnings, audit, events, fingerprints or hints', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      const hints = await registrar.post('/api/intake/hints', { petitioners: [{ idNumber: wang.idNumber, phone: wang.phone }], ...WAGES });
      const visible = JSON.stringify(hints.body);
      for (const secret of [wang.phone, wang.idNumber, wang.idNumber.slice(6, 14)]) expect(visible).not.toContain(secret);
      const dump = (await t.ctx.db.execute(sql`
        select coalesce(string_agg(x, '|'), '') as all from (
          select data::text as x from audit_log
          union all select data::text from case_events
          union all select data::text || title || detail from warnings
          union all select data::text from warning_events
          union all select coalesce(id_number_bidx, '') || coalesce(phone_bidx, '') from case_petitioners
        ) t`)) as unknown as { rows: Array<{ all: string }> };
      const all = dump.rows[0]!.all;
      expect(all.length).toBeGreaterThan(100);
      for (const secret of [wang.phone, wang.idNumber, zhao.phone, wang.idNumber.slice(6, 14)]) expect(all).not.toContain(secret);
    });
  });
}
