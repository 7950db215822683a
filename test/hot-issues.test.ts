import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { createUser } from '../src/services/org-units.js';
import { auditLog, cases } from '../src/store/schema.js';

type Client = Awaited<ReturnType<typeof loginAs>>;
const NOW = '2026-03-20T02:00:00.000Z';
const daysBefore = (n: number) => new Date(new Date(NOW).getTime() - n * 86_400_000);

/** 占道经营 in 梅园社区: five cases this month, two in the thirty days before. */
const STALLS_NOW = [
  ['小区门口占道经营', '每天傍晚流动摊贩在梅园小区门口占道经营，油烟很大，行人只能走机动车道。'],
  ['流动摊贩占道经营扰民', '梅园小区北门流动摊贩占道经营，夜里油烟和噪音让居民无法休息。'],
  ['摊贩占道油烟严重', '梅园路口摊贩长期占道经营，烧烤油烟飘进住户家里。'],
  ['占道经营堵塞通道', '菜场外流动摊贩占道经营，消防通道被堵，油烟呛人。'],
  ['夜市摊贩油烟', '小区旁夜市摊贩占道经营到凌晨，油烟和垃圾没人管。'],
] as const;
const STALLS_BEFORE = [
  ['门口摊贩占道经营', '梅园小区门口又有流动摊贩占道经营，油烟很大。'],
  ['占道经营油烟扰民', '流动摊贩在梅园路占道经营，油烟扰民。'],
] as const;
/** 停水 in 荷塘社区 (street B): three cases this month, none before. */
const WATER_NOW = [
  ['5号楼停水', '荷塘社区5号楼停水三天了，没有任何通知。'],
  ['停水无通知', '荷塘社区停水两天，物业没有提前通知，老人无法做饭。'],
  ['小区又停水', '荷塘社区今天又停水，停水前也不通知居民。'],
] as const;

for (const kind of DB_KINDS) {
  describe(`hot issues and 每月一题 [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const c: Record<string, Client> = {};
    const stallNumbers: string[] = [];
    let confidentialNumber = '';
    let accusationNumber = '';

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: NOW });
      org = await seedMiniOrg(t.ctx);
      await createUser(t.ctx.db, { username: 'head.street-b', displayName: '北湖街道负责人', password: PASSWORD, roles: ['unit_head'], unitId: org.units.streetB, scopeUnitId: org.units.streetB });
      server = await startServer(t.ctx);
      for (const who of ['supervisor', 'leader', 'headA', 'handlerA', 'registrar'] as const) c[who] = await loginAs(server, org.usernames[who]!);
      c.headB = await loginAs(server, 'head.street-b');
      const pub = client(server);

      let n = 0;
      const submit = async (at: Date, title: string, content: string, gridId: string, extra: Record<string, unknown> = {}) => {
        t.clock.set(at);
        const res = await pub.post('/api/public/cases', { title, content, gridId, petitioner: { name: '王五', phone: `1390000${String(++n).padStart(4, '0')}` }, ...extra });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        await fillKeywords(res.body.number);
        return res.body.number as string;
      };
      // Test setup only: until registration stores cases.keywords itself, fill them the way it will
      // (the text's top eight TF-IDF words), for the rows that are still empty.
      const fillKeywords = async (number: string) => {
        const [row] = await t.ctx.db.select({ title: cases.title, content: cases.content, keywords: cases.keywords }).from(cases).where(eq(cases.number, number));
        if (row && row.keywords.length === 0) {
          await t.ctx.db.update(cases).set({ keywords: t.ctx.segmenter.keywords(`${row.title}\n${row.content}`, 8) }).where(eq(cases.number, number));
        }
      };

      for (const [i, [title, content]] of STALLS_BEFORE.entries()) await submit(daysBefore(40 + i), title, content, org.units.gridA1);
      for (const [i, [title, content]] of STALLS_NOW.entries()) stallNumbers.push(await submit(daysBefore(10 - i), title, content, i % 2 ? org.units.gridA2 : org.units.gridA1));
      for (const [i, [title, content]] of WATER_NOW.entries()) await submit(daysBefore(12 - i), title, content, org.units.gridB1);
      await submit(daysBefore(3), '工地拖欠工资', '我们在南苑街道某工地干了半年，老板拖欠工资四万元一直不给。', org.units.gridA2);
      // The same matter asked to be kept confidential, and as an accusation: never counted, never shown.
      confidentialNumber = await submit(daysBefore(2), '流动摊贩占道经营油烟', '梅园小区门口流动摊贩占道经营，油烟很大，请为我保密。', org.units.gridA1, { confidential: true });
      t.clock.set(daysBefore(1));
      const accusation = await c.registrar!.post('/api/cases', {
        channel: 'letter',
        nature: 'accusation',
        title: '检举城管放任摊贩占道经营',
        content: '梅园小区门口流动摊贩占道经营、油烟很大，检举街道城管收受好处放任不管。',
        gridId: org.units.gridA1,
        accusedUnitIds: [org.units.streetA],
        petitioners: [{ name: '孙立', phone: '13700001234' }],
      });
      expect(accusation.status).toBe(201);
      accusationNumber = accusation.body.number;
      await fillKeywords(accusationNumber);
      t.clock.set(NOW);
    }, 180_000);

    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const hot = async (who: string, query = 'days=30&level=community') => {
      const res = await c[who]!.get(`/api/hot-issues?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { groups: Array<{ key: string; title: string; keywords: string[]; volume: number; previous: number; growth: number; score: number; places: Array<{ name: string | null; count: number }>; samples: Array<{ id: string; number: string }> }>; capped: boolean; casesRead: { current: number; previous: number } };
    };
    const isStalls = (g: { keywords: string[] }) => g.keywords.includes('占道经营');

    it('a cluster of similar cases in one community ranks first, with its growth over the previous window', async () => {
      const body = await hot('supervisor');
      expect(body.capped).toBe(false);
      const [first, second] = body.groups;
      expect(isStalls(first!)).toBe(true);
      expect(first).toMatchObject({ volume: 5, previous: 2, growth: 1.5, score: 10, places: [{ name: '梅园社区', count: 5 }] });
      expect(first!.title).toContain('占道经营');
      // the newest five, which the supervisor may open
      expect(first!.samples.map((s) => s.number)).toEqual([...stallNumbers].reverse());
      expect(second).toMatchObject({ volume: 3, previous: 0, places: [{ name: '荷塘社区', count: 3 }] });
      expect(second!.keywords).toContain('停水');
      expect(body.groups).toHaveLength(2);
    });

    it('by street, the same cluster counts under its street', async () => {
      const body = await hot('supervisor', 'days=30&level=street');
      expect(body.groups[0]).toMatchObject({ volume: 5, places: [{ name: '南苑街道', count: 5 }] });
    });

    it('a shorter window sees fewer cases and no cluster that has not three of them', async () => {
      const body = await hot('supervisor', 'days=7');
      expect(body.groups).toEqual([]);
    });

    it('a user of another street does not see the cluster; his own street\'s issue he does', async () => {
      const b = await hot('headB');
      expect(b.groups.some(isStalls)).toBe(false);
      expect(b.groups.map((g) => g.volume)).toEqual([3]);
      const a = await hot('headA');
      expect(a.groups.map((g) => isStalls(g))).toEqual([true]);
    });

    it('a confidential case and an accusation are never counted nor shown', async () => {
      for (const who of ['supervisor', 'leader', 'headA']) {
        const body = await hot(who);
        const stalls = body.groups.find(isStalls)!;
        expect(stalls.volume).toBe(5);
        const shown = body.groups.flatMap((g) => g.samples.map((s) => s.number));
        expect(shown).not.toContain(confidentialNumber);
        expect(shown).not.toContain(accusationNumber);
      }
    });

    it('a leader chooses the cluster as the month\'s topic (audited); the same title twice in a month is refused', async () => {
      const { groups } = await hot('leader');
      const stalls = groups.find(isStalls)!;
      const chosen = await c.leader!.post('/api/monthly-topics', { key: stalls.key, days: 30, level: 'community', note: '摊贩集中整治' });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(201);
      expect(chosen.body).toMatchObject({ month: '2026-03', title: stalls.title, caseCount: 5, note: '摊贩集中整治', places: [{ name: '梅园社区' }] });
      expect(chosen.body.cases.map((x: { number: string }) => x.number).sort()).toEqual([...stallNumbers].sort());

      const again = await c.supervisor!.post('/api/monthly-topics', { key: stalls.key, days: 30, level: 'community' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('MONTHLY_TOPIC_EXISTS');

      const listed = await c.headA!.get('/api/monthly-topics?month=2026-03');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((x: { id: string }) => x.id)).toEqual([chosen.body.id]);
      // a topic about street A's community is not street B's
      expect((await c.headB!.get('/api/monthly-topics?month=2026-03')).body.items).toEqual([]);

      const audit = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'monthly_topic.chosen'), eq(auditLog.targetId, chosen.body.id)));
      expect(audit).toHaveLength(1);

      const removed = await c.supervisor!.del(`/api/monthly-topics/${chosen.body.id}`);
      expect(removed.status).toBe(200);
      expect((await c.leader!.get('/api/monthly-topics')).body.items).toEqual([]);
      expect(await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'monthly_topic.removed'))).toHaveLength(1);
      expect((await c.supervisor!.del(`/api/monthly-topics/${chosen.body.id}`)).body.code).toBe('MONTHLY_TOPIC_NOT_FOUND');

      const titled = await c.leader!.post('/api/monthly-topics', { key: stalls.key, title: '流动摊贩占道经营治理', month: '2026-04' });
      expect(titled.status).toBe(201);
      expect(titled.body).toMatchObject({ month: '2026-04', title: '流动摊贩占道经营治理' });
    });

    it('a hot issue no longer listed cannot be chosen', async () => {
      const res = await c.leader!.post('/api/monthly-topics', { key: '00000000-0000-4000-8000-000000000000', days: 30, level: 'community' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('HOT_ISSUE_NOT_FOUND');
    });

    it('roles without permission are refused with 403, bad windows with 400', async () => {
      const handler = await c.handlerA!.get('/api/hot-issues');
      expect(handler.status).toBe(403);
      expect(handler.body.code).toBe('FORBIDDEN');
      const { groups } = await hot('headA');
      const head = await c.headA!.post('/api/monthly-topics', { key: groups[0]!.key, days: 30, level: 'community' });
      expect(head.status).toBe(403);
      expect(head.body.code).toBe('FORBIDDEN');
      expect((await c.headA!.del('/api/monthly-topics/00000000-0000-4000-8000-000000000000')).status).toBe(403);
      const bad = await c.supervisor!.get('/api/hot-issues?days=10');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect((await c.supervisor!.get('/api/hot-issues?level=grid')).status).toBe(400);
      expect((await client(server).get('/api/hot-issues')).status).toBe(401);
    });
  });
}
