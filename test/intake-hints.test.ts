import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';

const zhang = { name: '张三', phone: '13812345678', idNumber: '11010519491231002X' };
const li = { name: '李四', phone: '13987654321' };

for (const kind of DB_KINDS) {
  describe(`registrar hints while typing, and answering on the spot [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const numbers: Record<string, string> = {};
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      const pub = client(server);
      const submit = async (key: string, body: Record<string, unknown>) => {
        const res = await pub.post('/api/public/cases', body);
        expect(res.status).toBe(201);
        numbers[key] = res.body.number;
      };
      await submit('zhangStalls', { title: '小区门口占道经营', content: '流动摊贩每天傍晚在梅园小区门口占道经营，油烟和噪音扰民。', petitioner: zhang, gridId: org.units.gridA1 });
      await submit('zhangRoad', { title: '路灯不亮', content: '梅园社区北门路灯坏了一个月。', petitioner: { name: '张三', idNumber: zhang.idNumber }, gridId: org.units.gridA2 });
      await submit('liStalls', { title: '门口摊贩占道', content: '梅园小区门口流动摊贩占道经营，油烟呛人。', petitioner: li, gridId: org.units.gridA1 });
      await submit('zhangNorth', { title: '北湖停车难', content: '北湖街道荷塘社区停车难。', petitioner: { name: '张三', phone: zhang.phone }, gridId: org.units.gridB1 });
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const hints = async (who: string, body: Record<string, unknown>) => {
      const staff = await loginAs(server, org.usernames[who]!);
      const res = await staff.post('/api/intake/hints', body);
      expect(res.status).toBe(200);
      return res.body as {
        earlierCases: Array<{ number: string; matchedBy: string; title: string }>;
        earlierTotal: number;
        similarCases: Array<{ number: string; matchedKeywords: number; ofKeywords: number }>;
        keywords: string[];
      };
    };

    it('the registrar sees the petitioner\'s earlier cases by ID number or phone, newest first', async () => {
      const byId = await hints('registrar', { petitioners: [{ idNumber: zhang.idNumber.toLowerCase() }] });
      expect(byId.earlierCases.map((c) => c.number).sort()).toEqual([numbers.zhangStalls, numbers.zhangRoad].sort());
      expect(byId.earlierCases.every((c) => c.matchedBy === 'id_number')).toBe(true);
      const byPhone = await hints('registrar', { petitioners: [{ phone: '+86 138-1234-5678' }] });
      expect(byPhone.earlierCases.map((c) => c.number).sort()).toEqual([numbers.zhangStalls, numbers.zhangNorth].sort());
      const both = await hints('registrar', { petitioners: [{ idNumber: zhang.idNumber, phone: zhang.phone }] });
      expect(both.earlierTotal).toBe(3);
      expect(both.earlierCases[0]!.number).toBe(numbers.zhangNorth); // newest first
    });

    it('a half-typed or wrong number finds nobody, and nobody else\'s cases show', async () => {
      for (const p of [{ idNumber: zhang.idNumber.slice(0, 10) }, { idNumber: '110105194912310021' }, { phone: '1381234' }, { phone: '13900000000' }]) {
        expect((await hints('registrar', { petitioners: [p] })).earlierCases, JSON.stringify(p)).toEqual([]);
      }
    });

    it('earlier cases outside the looker\'s scope stay hidden', async () => {
      const streetB = await hints('handlerB', { petitioners: [{ idNumber: zhang.idNumber, phone: zhang.phone }] });
      expect(streetB.earlierCases.map((c) => c.number)).toEqual([numbers.zhangNorth]);
    });

    it('a person lookup is audited with blind indexes only, never the number typed', async () => {
      await hints('registrar', { petitioners: [{ idNumber: zhang.idNumber }] });
      const res = (await t.ctx.db.execute(sql`select actor_id, data::text as data from audit_log where action = 'intake.person_lookup' order by id desc limit 1`)) as unknown as {
        rows: Array<{ actor_id: string; data: string }>;
      };
      const row = res.rows[0]!;
      expect(row.actor_id).toBe(org.actors.registrar.userId);
      expect(row.data).not.toContain(zhang.idNumber);
      expect(row.data).not.toContain(zhang.idNumber.slice(0, 14));
      expect(JSON.parse(row.data).found).toBe(2);
    });

    it('cases about the same matter from anyone are offered as possible duplicates, others are not', async () => {
      const h = await hints('registrar', { title: '占道经营', content: '梅园小区门口有流动摊贩占道经营，油烟太大' });
      expect(h.keywords).toContain('占道经营');
      expect(h.similarCases.map((c) => c.number).sort()).toEqual([numbers.zhangStalls, numbers.liStalls].sort());
      expect(h.similarCases[0]!.matchedKeywords).toBeGreaterThanOrEqual(Math.ceil(h.similarCases[0]!.ofKeywords / 2));
      const other = await hints('registrar', { title: '孩子入学', content: '咨询外来务工人员子女入学需要的材料' });
      expect(other.similarCases).toEqual([]);
      const empty = await hints('registrar', { title: '', content: '' });
      expect(empty.similarCases).toEqual([]);
    });

    it('only staff who register may ask, and bad input is a field error', async () => {
      expect((await client(server).post('/api/intake/hints', {})).status).toBe(401);
      const admin = await loginAs(server, org.usernames.admin!);
      expect((await admin.post('/api/intake/hints', {})).status).toBe(403);
      const registrar = await loginAs(server, org.usernames.registrar!);
      const bad = await registrar.post('/api/intake/hints', { petitioners: 'x', extra: 1 });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });

    it('an inquiry answered at the window is registered and settled in one step', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      const res = await registrar.post('/api/cases', {
        channel: 'visit',
        nature: 'suggestion',
        title: '咨询居住证办理',
        content: '来访人咨询居住证办理需要哪些材料。',
        petitioners: [li],
        answerNow: '已告知：身份证、租房合同或房产证明、近期照片，到街道便民服务中心办理。',
      });
      expect(res.status).toBe(201);
      expect(res.body.state).toBe('answered_on_spot');
      const detail = await registrar.get(`/api/cases/${res.body.id}`);
      expect(detail.body.timeline.map((e: { type: string }) => e.type)).toEqual(['case.registered', 'case.answered_on_spot']);
      const both = await registrar.post('/api/cases', { channel: 'phone', nature: 'suggestion', title: '咨询', content: '咨询一件事情。', petitioners: [li], acceptNow: true, answerNow: '已答复' });
      expect(both.status).toBe(400);
      expect(both.body.details.fields[0].path).toBe('answerNow');
    });
  });
}
