import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { backfillSearchText } from '../src/services/search-backfill.js';

const petitioner = { name: '王五', phone: '13900002222' };

for (const kind of DB_KINDS) {
  describe(`Chinese full-text search over cases [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const numbers: Record<string, string> = {};
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      const pub = client(server);
      const submit = async (key: string, title: string, content: string, gridId: string) => {
        const res = await pub.post('/api/public/cases', { title, content, petitioner, gridId });
        expect(res.status).toBe(201);
        numbers[key] = res.body.number;
      };
      await submit('stalls', '小区门口占道经营', '每天傍晚流动摊贩在梅园小区门口占道经营，油烟很大，行人只能走机动车道。', org.units.gridA1);
      await submit('wages', '工地拖欠工资', '我们在南苑街道某工地干了半年，老板拖欠工资四万元一直不给。', org.units.gridA2);
      await submit('noise', '夜间施工噪音扰民', '荷塘社区旁工地每晚施工到凌晨两点，噪音扰民严重。', org.units.gridB1);
      await submit('water', '停水三天', '荷塘社区5号楼停水三天了，没有任何通知。', org.units.gridB1);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const search = async (who: string, q: string) => {
      const staff = await loginAs(server, org.usernames[who]!);
      const res = await staff.get(`/api/cases?q=${encodeURIComponent(q)}&limit=50`);
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ number: string }>).map((c) => c.number);
    };

    it('finds a case by a word of its text, also by the first part of a longer word', async () => {
      expect(await search('supervisor', '占道经营')).toEqual([numbers.stalls]);
      expect(await search('supervisor', '占道')).toEqual([numbers.stalls]);
      expect(await search('supervisor', '拖欠')).toEqual([numbers.wages]);
      expect(await search('supervisor', '工资')).toEqual([numbers.wages]);
    });

    it('requires every word of a sentence-like query, whatever the punctuation', async () => {
      expect(await search('supervisor', '梅园小区，流动摊贩！')).toEqual([numbers.stalls]);
      expect(await search('supervisor', '工地 噪音')).toEqual([numbers.noise]);
      expect(await search('supervisor', '工地')).toEqual(expect.arrayContaining([numbers.wages, numbers.noise]));
      expect(await search('supervisor', '停水 拖欠工资')).toEqual([]);
    });

    it('a single character and a case number are found too', async () => {
      expect(await search('supervisor', '水')).toEqual([numbers.water]);
      expect(await search('supervisor', numbers.noise!)).toEqual([numbers.noise]);
      expect(await search('supervisor', numbers.noise!.toLowerCase())).toEqual([numbers.noise]);
    });

    it('search stays inside the searcher\'s scope', async () => {
      expect(await search('handlerB', '占道经营')).toEqual([]);
      expect(await search('handlerB', numbers.stalls!)).toEqual([]);
    });

    it('a query of nothing but punctuation or SQL finds nothing and breaks nothing', async () => {
      for (const q of ["'", '!!!', "'):* & | ! <->", '\\', '%_%', "占道' or '1'='1"]) {
        const staff = await loginAs(server, org.usernames.supervisor!);
        const res = await staff.get(`/api/cases?q=${encodeURIComponent(q)}`);
        expect(res.status, q).toBe(200);
        expect(res.body.items, q).toEqual([]);
      }
    });

    it('cases stored before search existed are indexed at boot', async () => {
      await t.ctx.db.execute(sql`update cases set search_text = '' where number = ${numbers.water}`);
      expect(await search('supervisor', '停水')).toEqual([]);
      expect(await backfillSearchText(t.ctx)).toBe(1);
      expect(await search('supervisor', '停水')).toEqual([numbers.water]);
      expect(await backfillSearchText(t.ctx)).toBe(0);
    });
  });
}
