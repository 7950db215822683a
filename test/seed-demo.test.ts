/**
 * The demo district a new deployment starts with (`xinfang serve --seed`): the reports' scale of grid
 * system, demo accounts that work with the documented password, cases spread over the lifecycle, an
 * intact trace, and the same data from the same seed every time.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_ORG_COUNTS, DEMO_PASSWORD } from '../src/domain/demo/org-generator.js';
import { CASE_STATES } from '../src/domain/lifecycle/types.js';
import { verifyAudit } from '../src/services/audit-seal.js';
import type { AppContext } from '../src/services/context.js';
import { seedDemo, seedDemoIfEmpty } from '../src/services/seed-demo.js';
import { DB_KINDS, type DbKind } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { client, startServer } from './support/server.js';

const CASES = 200;

interface CaseLine {
  number: string;
  title: string;
  state: string;
  channel: string;
  events: number;
}

async function rows<T>(ctx: AppContext, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await ctx.db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** Given a seeded database, returns its cases in number order, as a user would list them. */
const caseLines = (ctx: AppContext) =>
  rows<CaseLine>(ctx, sql`select number, title, state, channel, event_count as events from cases order by number`);

/** Given a database, returns a fingerprint of everything seeding writes (changes if any row changes). */
async function fingerprint(ctx: AppContext) {
  const [r] = await rows<Record<string, string | number>>(
    ctx,
    sql`select
      (select count(*)::int from org_units) as units,
      (select count(*)::int from users) as users,
      (select count(*)::int from categories) as categories,
      (select count(*)::int from cases) as cases,
      (select count(*)::int from case_petitioners) as petitioners,
      (select count(*)::int from case_events) as events,
      (select coalesce(max(gseq), 0)::text from case_events) as last_gseq,
      (select md5(coalesce(string_agg(id::text || state || event_count || coalesce(head_hash, '') || updated_at::text, ',' order by id), '')) from cases) as cases_md5,
      (select md5(coalesce(string_agg(id::text || name || code || coalesce(parent_id::text, ''), ',' order by id), '')) from org_units) as units_md5`,
  );
  return r;
}

/** What each engine seeded, to compare PGlite with PostgreSQL at the end. */
const seededBy = new Map<DbKind, CaseLine[]>();

for (const kind of DB_KINDS) {
  describe(`the demo district seeded with ${CASES} cases [${kind}]`, () => {
    let t: TestContext;
    let lines: CaseLine[];

    beforeAll(async () => {
      t = await makeTestContext(kind);
      expect(await seedDemo(t.ctx, { cases: CASES })).toBe(CASES);
      lines = await caseLines(t.ctx);
      seededBy.set(kind, lines);
    }, 90_000);
    afterAll(async () => {
      await t?.close();
    });

    it('has the reports’ grid system: exactly 16 communities, 74 grids and 920 micro-grids', async () => {
      const counts = await rows<{ kind: string; n: number }>(t.ctx, sql`select kind, count(*)::int as n from org_units group by kind`);
      const byKind = Object.fromEntries(counts.map((c) => [c.kind, c.n]));
      expect({ communities: byKind.community, grids: byKind.grid, microGrids: byKind.micro_grid }).toEqual({ communities: 16, grids: 74, microGrids: 920 });
      expect(DEMO_ORG_COUNTS).toEqual({ communities: 16, grids: 74, microGrids: 920 });
      expect(byKind.city).toBe(1);
      expect(byKind.district).toBe(1);
      expect(byKind.street).toBeGreaterThanOrEqual(1);
      expect(byKind.department).toBeGreaterThanOrEqual(10);
      // The tree hangs together: every micro-grid under a grid, every grid under a community.
      const [orphans] = await rows<{ n: number }>(
        t.ctx,
        sql`select count(*)::int as n from org_units c join org_units p on p.id = c.parent_id
            where (c.kind = 'micro_grid' and p.kind <> 'grid') or (c.kind = 'grid' and p.kind <> 'community') or (c.kind = 'community' and p.kind <> 'street')`,
      );
      expect(orphans!.n).toBe(0);
    });

    it('every demo account logs in over HTTP with the documented password and has its documented role', async () => {
      const server = await startServer(t.ctx);
      try {
        for (const account of DEMO_ACCOUNTS) {
          const res = await client(server).post<any>('/api/auth/login', { username: account.username, password: DEMO_PASSWORD });
          expect(res.status, account.username).toBe(200);
          expect(res.body.user.roles, account.username).toContain(account.role);
          const me = await client(server, res.body.token).get<any>('/api/auth/me');
          expect(me.body.username).toBe(account.username);
        }
        const wrong = await client(server).post('/api/auth/login', { username: 'dispatcher', password: 'not-the-demo-password' });
        expect(wrong.status).toBe(401);
        // The dispatcher has cases to work on straight away.
        const login = await client(server).post<any>('/api/auth/login', { username: 'dispatcher', password: DEMO_PASSWORD });
        const list = await client(server, login.body.token).get<any>('/api/cases?limit=5');
        expect(list.status).toBe(200);
        expect(list.body.total).toBeGreaterThan(CASES / 2);
      } finally {
        await server.close();
      }
    }, 60_000);

    it(`has all ${CASES} cases, spread over at least 12 distinct states`, () => {
      expect(lines).toHaveLength(CASES);
      const states = new Set(lines.map((l) => l.state));
      expect(states.size).toBeGreaterThanOrEqual(12);
      for (const s of states) expect(CASE_STATES).toContain(s);
      expect(new Set(lines.map((l) => l.channel)).size).toBeGreaterThanOrEqual(5);
      expect(new Set(lines.map((l) => l.number)).size).toBe(CASES);
      for (const l of lines) expect(l.number).toMatch(/^YH-20\d\d-\d{6}$/);
    });

    it('every case’s events verify: the demo trace is intact', async () => {
      const report = await verifyAudit(t.ctx);
      expect(report.problems).toEqual([]);
      expect(report.cases).toBe(CASES);
      expect(report.events).toBe(lines.reduce((n, l) => n + Number(l.events), 0));
      expect(report.events).toBeGreaterThan(CASES * 2);
    }, 60_000);

    it('seeding again on a database that has data returns false and changes nothing', async () => {
      const before = await fingerprint(t.ctx);
      expect(await seedDemoIfEmpty(t.ctx, { cases: CASES })).toBe(false);
      expect(await seedDemoIfEmpty(t.ctx)).toBe(false);
      expect(await fingerprint(t.ctx)).toEqual(before);
    });

    it('the same seed on a second fresh database gives the same case numbers, titles and states', async () => {
      const second = await makeTestContext(kind);
      try {
        expect(await seedDemoIfEmpty(second.ctx, { cases: CASES })).toBe(true);
        const again = await caseLines(second.ctx);
        expect(again.map((l) => [l.number, l.title, l.state, l.channel, Number(l.events)])).toEqual(lines.map((l) => [l.number, l.title, l.state, l.channel, Number(l.events)]));
      } finally {
        await second.close();
      }
    }, 90_000);
  });
}

describe('the demo district is the same on PGlite and PostgreSQL', () => {
  it.skipIf(DB_KINDS.length < 2)('same seed, same cases on both engines', () => {
    const [a, b] = DB_KINDS.map((k) => seededBy.get(k));
    expect(a).toBeDefined();
    expect(b).toEqual(a);
  });
});
