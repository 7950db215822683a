import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS, openTestDatabase, type TestDatabase } from './support/databases.js';
import { fingerprint, sameMatter } from '../src/domain/intelligence/minhash.js';
import { findFingerprintCandidates, saveFingerprint } from '../src/store/case-fingerprints.js';

const SITE =
  '位于A2区书香路的北辰中央公园工地，已至少连续一个月通宵施工，每晚都是挖机和渣土车的声音，噪音严重影响睡眠。就算关窗了也无济于事。我们多次打电话给城管，没有任何回复。希望有关部门能够帮忙解决一下，还居民一个安静的夜晚。';
const WAGES = '我们在南苑街道某工地干了半年，老板拖欠工资四万元一直不给，劳动监察大队说管不了，过年回家的路费都没有。请政府帮帮我们这些农民工，督促老板把工资结清。';

for (const kind of DB_KINDS) {
  describe(`case fingerprints for repeat petitions [${kind}]`, () => {
    let t: TestDatabase;
    const siteCase = crypto.randomUUID();
    const wagesCase = crypto.randomUUID();
    const otherRegionCase = crypto.randomUUID();
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      const db = t.database.db;
      await saveFingerprint(db, 'r1', siteCase, fingerprint(SITE), new Date('2026-03-01T02:00:00Z'));
      await saveFingerprint(db, 'r1', wagesCase, fingerprint(WAGES), new Date('2026-03-02T02:00:00Z'));
      await saveFingerprint(db, 'r2', otherRegionCase, fingerprint(SITE), new Date('2026-03-03T02:00:00Z'));
    });
    afterAll(async () => {
      await t?.drop();
    });

    it('finds the open case from a resubmission cut short and reordered, and it is the same matter', async () => {
      const repeat = fingerprint(SITE.slice(0, 80).split('，').reverse().join('，'));
      const found = await findFingerprintCandidates(t.database.db, 'r1', repeat, {});
      expect(found.map((c) => c.caseId)).toContain(siteCase);
      const hit = found.find((c) => c.caseId === siteCase)!;
      expect(Array.from(hit.fp.signature)).toEqual(Array.from(fingerprint(SITE).signature));
      expect(hit.fp.shingles).toBe(fingerprint(SITE).shingles);
      expect(hit.receivedAt.toISOString()).toBe('2026-03-01T02:00:00.000Z');
      expect(sameMatter(repeat, hit.fp)).toBe(true);
      expect(found.filter((c) => sameMatter(repeat, c.fp)).map((c) => c.caseId)).toEqual([siteCase]);
    });

    it('an unrelated text finds no case of the same matter, another region’s cases are never returned', async () => {
      const water = fingerprint('荷塘社区5号楼停水三天了，没有任何通知，请自来水公司给个说法。');
      const found = await findFingerprintCandidates(t.database.db, 'r1', water, {});
      expect(found.filter((c) => sameMatter(water, c.fp))).toEqual([]);
      const all = await findFingerprintCandidates(t.database.db, 'r1', fingerprint(SITE), {});
      expect(all.map((c) => c.caseId)).not.toContain(otherRegionCase);
    });

    it('leaves out cases received before `since`, and saving again replaces the fingerprint', async () => {
      expect(await findFingerprintCandidates(t.database.db, 'r1', fingerprint(SITE), { since: new Date('2026-03-02T00:00:00Z') })).toEqual([]);
      await saveFingerprint(t.database.db, 'r1', siteCase, fingerprint(WAGES), new Date('2026-03-05T02:00:00Z'));
      const found = await findFingerprintCandidates(t.database.db, 'r1', fingerprint(WAGES), { limit: 5 });
      expect(found.map((c) => c.caseId)).toEqual([siteCase, wagesCase]);
      await saveFingerprint(t.database.db, 'r1', siteCase, fingerprint(SITE), new Date('2026-03-01T02:00:00Z'));
    });

    // With three rows the planner rightly prefers the region's primary key; the band condition alone
    // (sequential scans off) shows that `&&` on the int4[] constant is served by the GIN index.
    it('the probe can use the GIN index on the band keys', async () => {
      const bands = `{${fingerprint(SITE).bands.join(',')}}`;
      await t.database.db.execute(sql`set enable_seqscan = off`);
      const plan = await t.database.db.execute(sql`explain select case_id from case_fingerprints where bands && ${bands}::int4[]`);
      await t.database.db.execute(sql`set enable_seqscan = on`);
      const rows = (Array.isArray(plan) ? plan : (plan as { rows: unknown[] }).rows) as Array<Record<string, string>>;
      expect(rows.map((r) => Object.values(r)[0]).join('\n')).toContain('case_fingerprints_bands_idx');
    });
  });
}
