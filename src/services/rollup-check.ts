/**
 * The rollups checked against a full scan, and rebuilt from scratch. The scan recomputes every case's
 * facts from its events (as the worker does for one case) and adds them all up; the rollup tables must
 * hold exactly those counts. `npx xinfang rollups --check` runs it on a deployment; a test runs it after
 * random sequences of transitions folded in at random moments.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { addToCounters, caseFacts, caseScopes, type FactEvent } from '../domain/cockpit/case-facts.js';
import { FACT_COLUMNS, ROLLUP_LOCK, loadUnits, queueAllCases, runRollupsOnce, toFactCase, type CaseRow } from '../jobs/rollup-worker.js';
import { caseEvents, cases, cockpitDaily, cockpitStock } from '../store/schema.js';
import type { AppContext } from './context.js';

export interface RollupDifference {
  table: 'cockpit_daily' | 'cockpit_stock' | 'accusation_facts';
  /** region, unit, (day,) metric, dim */
  key: string[];
  expected: number;
  actual: number;
}

/** Given the app, returns the counters a full scan of cases and events gives (keys as the worker writes them). */
export async function scanCounters(ctx: AppContext, batch = 1000): Promise<{ daily: Map<string, number>; stock: Map<string, number>; cases: number }> {
  const daily = new Map<string, number>();
  const stock = new Map<string, number>();
  const units = await loadUnits(ctx, ctx.db, true);
  const kindOf = (id: string) => units.get(id);
  let after: { region: string; id: string } | null = null;
  let n = 0;
  for (;;) {
    const page: (CaseRow & { region: string })[] = await ctx.db
      .select(FACT_COLUMNS)
      .from(cases)
      .where(after ? sql`(${cases.region}, ${cases.id}) > (${after.region}, ${after.id})` : undefined)
      .orderBy(asc(cases.region), asc(cases.id))
      .limit(batch);
    if (page.length === 0) break;
    const region = page[0]!.region;
    const ids = page.filter((c) => c.region === region).map((c) => c.id);
    const events = await ctx.db
      .select({ caseId: caseEvents.caseId, type: caseEvents.type, at: caseEvents.at, data: caseEvents.data })
      .from(caseEvents)
      .where(and(eq(caseEvents.region, region), inArray(caseEvents.caseId, ids)))
      .orderBy(caseEvents.caseId, caseEvents.seq);
    const of = new Map<string, FactEvent[]>();
    for (const e of events) {
      if (!of.has(e.caseId)) of.set(e.caseId, []);
      of.get(e.caseId)!.push({ type: e.type, at: e.at, data: e.data as Record<string, unknown> });
    }
    const done = page.filter((c) => c.region === region);
    for (const c of done) {
      const items = caseFacts(toFactCase(c), of.get(c.id) ?? [], kindOf).map((i) => `${i.day}|${i.metric}|${i.dim}|${i.value}`);
      addToCounters(region, caseScopes(c), items, 1, kindOf, daily, stock);
    }
    n += done.length;
    const last = done[done.length - 1]!;
    after = { region: last.region, id: last.id };
  }
  return { daily, stock, cases: n };
}

/** Given the app, compares the rollup tables with a full scan; returns the differences (empty when they agree). */
export async function compareRollups(ctx: AppContext): Promise<{ cases: number; differences: RollupDifference[] }> {
  const scan = await scanCounters(ctx);
  const differences: RollupDifference[] = [];
  const actualDaily = new Map<string, number>();
  for (const r of await ctx.db.select().from(cockpitDaily)) {
    if (r.value !== 0) actualDaily.set([r.region, r.unitId, r.day, r.metric, r.dim].join('\u0000'), Number(r.value));
  }
  const actualStock = new Map<string, number>();
  for (const r of await ctx.db.select().from(cockpitStock)) {
    if (r.value !== 0) actualStock.set([r.region, r.unitId, r.metric, r.dim].join('\u0000'), Number(r.value));
  }
  const diff = (table: RollupDifference['table'], expected: Map<string, number>, actual: Map<string, number>) => {
    for (const key of new Set([...expected.keys(), ...actual.keys()])) {
      const e = expected.get(key) ?? 0;
      const a = actual.get(key) ?? 0;
      if (e !== a) differences.push({ table, key: key.split('\u0000'), expected: e, actual: a });
    }
  };
  diff('cockpit_daily', scan.daily, actualDaily);
  diff('cockpit_stock', scan.stock, actualStock);
  // the accusations' copy of their facts, which hides them from readers inside the accused units
  const copies = (await ctx.db.execute(sql`
    select coalesce(cf.region, a.region) as region, coalesce(cf.case_id, a.case_id)::text as "caseId", (cf.case_id is not null)::int as expected, (a.case_id is not null)::int as actual
    from (select f.* , c.accused_unit_paths from case_facts f join cases c on c.region = f.region and c.id = f.case_id where cardinality(c.accused_unit_paths) > 0) cf
    full join accusation_facts a on a.region = cf.region and a.case_id = cf.case_id
      and a.items = cf.items and a.scopes = cf.scopes and a.handling_scopes is not distinct from cf.handling_scopes and a.accused_unit_paths = cf.accused_unit_paths
    where cf.case_id is null or a.case_id is null`)) as unknown as { rows: { region: string; caseId: string; expected: number; actual: number }[] };
  for (const r of copies.rows) differences.push({ table: 'accusation_facts', key: [r.region, r.caseId], expected: r.expected, actual: r.actual });
  return { cases: scan.cases, differences };
}

/** Given the app, empties the rollups and folds every case in again (for a repair, or after changing what is counted). */
export async function rebuildRollups(ctx: AppContext): Promise<{ cases: number }> {
  await ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ROLLUP_LOCK})`);
    await tx.execute(sql`delete from rollup_queue`);
    await tx.execute(sql`delete from case_facts`);
    await tx.execute(sql`delete from accusation_facts`);
    await tx.execute(sql`delete from cockpit_daily`);
    await tx.execute(sql`delete from cockpit_stock`);
    await queueAllCases(ctx, tx);
  });
  let n = 0;
  for (;;) {
    const r = await runRollupsOnce(ctx);
    n += r.cases;
    if (r.cases === 0 && r.ran) break;
    if (!r.ran) await new Promise((res) => setTimeout(res, 200));
  }
  return { cases: n };
}
