/**
 * Case numbers (YH-2026-000123): unique and in order under concurrent intakes on both databases. On
 * PostgreSQL a registration takes its number in a commit of its own (the year's counter row is locked
 * for one statement, not for the registration): one that fails after taking it leaves the number
 * unused, and the audit log names it; on PGlite the number is taken inside the registration and a
 * failure leaves no gap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { registerCase, type RegisterCaseInput } from '../src/services/register-case.js';

const serial = (number: string) => Number(number.slice(-6));

for (const kind of DB_KINDS) {
  describe(`case numbers [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    beforeAll(async () => {
      t = await makeTestContext(kind, { start: '2026-03-02T02:00:00.000Z' });
      org = await seedMiniOrg(t.ctx);
    });
    afterAll(() => t.close());

    const input = (i: number, over: Partial<RegisterCaseInput> = {}): RegisterCaseInput => ({
      channel: 'phone',
      nature: 'appeal',
      title: `来电反映第${i}号路灯不亮`,
      content: `第${i}号路灯连续一周不亮，夜间出行不安全。`,
      petitioners: [{ name: '周九', phone: `1370000${String(1000 + i)}` }],
      gridId: org.units.gridA1,
      ...over,
    });

    it('sixteen intakes at once get sixteen different numbers, one after another', async () => {
      const made = await Promise.all(Array.from({ length: 16 }, (_, i) => registerCase(t.ctx, org.actors.registrar, input(i))));
      const numbers = made.map((c) => serial(c.number)).sort((a, b) => a - b);
      expect(new Set(numbers).size).toBe(16);
      expect(numbers.at(-1)! - numbers[0]!).toBe(15);
      expect(made.every((c) => /^YH-2026-\d{6}$/.test(c.number))).toBe(true);
    });

    it('a registration refused after its number was taken: the number is audited as unused on PostgreSQL, and reused on PGlite', async () => {
      const first = await registerCase(t.ctx, org.actors.registrar, input(100, { externalSource: '12345', externalRef: 'GD-2026-0001' }));
      // the same 12345 work order again: refused by the unique index, at the case row's insert
      await expect(registerCase(t.ctx, org.actors.registrar, input(101, { externalSource: '12345', externalRef: 'GD-2026-0001' }))).rejects.toThrow();
      const next = await registerCase(t.ctx, org.actors.registrar, input(102));
      const unused = (
        (await t.ctx.db.execute(sql`select target_id, data from audit_log where action = 'case_number.unused' order by id`)) as unknown as {
          rows: { target_id: string; data: { number: string; error: string | null } }[];
        }
      ).rows;
      const [count] = ((await t.ctx.db.execute(sql`select count(*)::int as n from cases where external_ref = 'GD-2026-0001'`)) as unknown as { rows: { n: number }[] }).rows;
      expect(count!.n).toBe(1);
      if (kind === 'postgres') {
        expect(serial(next.number)).toBe(serial(first.number) + 2);
        const skipped = `YH-2026-${String(serial(first.number) + 1).padStart(6, '0')}`;
        expect(unused).toEqual([{ target_id: skipped, data: { number: skipped, error: '23505' } }]);
      } else {
        expect(serial(next.number)).toBe(serial(first.number) + 1);
        expect(unused).toEqual([]);
      }
    });
  });
}
