/**
 * Case lists at scale: matches are counted up to LIST_COUNT_CAP (beyond it the list says "more than"),
 * and a word search ranks and counts its matches only up to SEARCH_RANK_CAP, beyond which it shows the
 * newest first — an exact count or a ranking of a common word over a million cases costs seconds
 * (bench/reads-at-scale.ts found a 30-second search). Small caps here stand in for the defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { registerCase } from '../src/services/register-case.js';
import { listCases } from '../src/services/case-queries.js';
import { runCaseCommand } from '../src/services/run-case-command.js';

const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`case lists past their caps [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    const numbers: string[] = [];
    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-05-11T02:00:00.000Z', env: { LIST_COUNT_CAP: '4', SEARCH_RANK_CAP: '2' } });
      org = await seedMiniOrg(t.ctx);
      // five letters about parking, received a day apart; the oldest says it most often
      for (let i = 0; i < 5; i++) {
        const c = await registerCase(t.ctx, org.actors.registrar, {
          channel: 'letter',
          nature: 'appeal',
          title: i === 0 ? '停车停车停车，小区停车难' : `第${i}封来信：小区停车难`,
          content: i === 0 ? '停车位被占，停车费乱收，停车场无人管理，停车秩序混乱。' : `小区停车位不足，第${i}次反映。`,
          petitioners: [{ name: '吴十', phone: `1350000${1000 + i}` }],
          gridId: org.units.gridA1,
          receivedAt: new Date(Date.parse('2026-05-01T02:00:00.000Z') + i * DAY),
        });
        numbers.push(c.number);
      }
      // and two about the lift
      await registerCase(t.ctx, org.actors.registrar, {
        channel: 'letter', nature: 'appeal', title: '电梯间漏水，电梯门夹人', content: '加装电梯后电梯间漏水，电梯门经常夹人。', petitioners: [{ name: '吴十一', phone: '13500002001' }], gridId: org.units.gridA1, receivedAt: new Date('2026-05-02T02:00:00.000Z'),
      }).then((c) => numbers.push(c.number));
      await registerCase(t.ctx, org.actors.registrar, {
        channel: 'letter', nature: 'appeal', title: '电梯维修', content: '电梯经常停运。', petitioners: [{ name: '吴十二', phone: '13500002002' }], gridId: org.units.gridA1, receivedAt: new Date('2026-05-09T02:00:00.000Z'),
      }).then((c) => numbers.push(c.number));
    });
    afterAll(() => t.close());

    it('more matches than a search ranks: the total stops there and says there are more; they come newest first', async () => {
      const list = await listCases(t.ctx, org.actors.leader, { q: '停车', limit: 10, offset: 0 });
      expect(list.total).toBe(2);
      expect(list.totalCapped).toBe(true);
      expect(list.items.map((c) => c.number)).toEqual([...numbers.slice(0, 5)].reverse()); // all five listed, newest first, not the oldest (best) match on top
    });

    it('few enough matches to rank: the best match first, whatever its date; the total is exact', async () => {
      const list = await listCases(t.ctx, org.actors.leader, { q: '电梯', limit: 10, offset: 0 });
      expect(list.totalCapped).toBe(false);
      expect(list.total).toBe(2);
      expect(list.items.map((c) => c.number)).toEqual([numbers[5], numbers[6]]); // the older letter matches more words (电梯, 电梯间, 电梯门)
    });

    it('a queue past the cap counts to the cap too', async () => {
      const list = await listCases(t.ctx, org.actors.leader, { queue: 'all', limit: 0, offset: 0 });
      expect(list).toEqual({ total: 4, totalCapped: true, items: [] });
    });

    it('the cockpit’s drill-down to a grid counts to the cap and still lists its most pressing cases', async () => {
      const list = await listCases(t.ctx, org.actors.leader, { withinUnitId: org.units.gridA1, limit: 50, offset: 0 });
      expect(list.total).toBe(4);
      expect(list.totalCapped).toBe(true);
      expect(list.items.map((c) => c.number).sort()).toEqual([...numbers].sort());
      // none of them under the other street
      expect(await listCases(t.ctx, org.actors.leader, { withinUnitId: org.units.streetB, limit: 50, offset: 0 })).toEqual({ total: 0, totalCapped: false, items: [] });
    });

    it('the drill-down lists the open cases first and the settled ones after them, newest first, page by page', async () => {
      // two parking letters refused: no longer open (numbers[1] received before numbers[3])
      for (const n of [numbers[1], numbers[3]]) {
        const [c] = (await listCases(t.ctx, org.actors.leader, { q: n!, limit: 1, offset: 0 })).items;
        await runCaseCommand(t.ctx, org.actors.dispatcher, c!.id, { type: 'refuse', reason: '属于诉讼程序', legalChannel: 'court' });
      }
      const all = (await listCases(t.ctx, org.actors.leader, { withinUnitId: org.units.gridA1, limit: 50, offset: 0 })).items;
      expect(all).toHaveLength(7);
      expect(all.slice(0, 5).every((c) => c.state === 'registered')).toBe(true);
      expect(all.slice(5).map((c) => c.number)).toEqual([numbers[3], numbers[1]]);
      // pages across the border: the last open case and the newest settled one, then the oldest settled one
      const page = async (offset: number, limit: number) => (await listCases(t.ctx, org.actors.leader, { withinUnitId: org.units.gridA1, limit, offset })).items.map((c) => c.number);
      expect(await page(4, 2)).toEqual([all[4]!.number, numbers[3]]);
      expect(await page(6, 2)).toEqual([numbers[1]]);
      expect(await page(2, 2)).toEqual([all[2]!.number, all[3]!.number]);
    });
  });
}
