/**
 * The rollup worker: keeps the cockpit's counters (cockpit_daily, cockpit_stock) in step with the
 * event stream.
 *
 * Every append of case events queues the case in rollup_queue in the same transaction. A run takes a
 * batch of queued cases in one transaction: it deletes their queue rows, recomputes each case's facts
 * from the case row and all its events (domain/cockpit/case-facts.ts), compares them with the facts it
 * stored last time (case_facts), and adds the difference to the counters of every scope unit. The
 * queue rows go and the counters move in one commit, so a crash either leaves the case queued or
 * counted, never half; recomputing from all events makes a case queued twice harmless.
 *
 * One worker runs at a time across app servers (a transaction-scoped advisory lock, tried, not waited
 * for). A queued row only becomes visible when the transaction that appended the events commits, so
 * nothing is read half-written and nothing committed is skipped — unlike a cursor over an identity
 * column, where a slow transaction can commit a lower number after the cursor has passed it.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../services/context.js';
import type { Queryable, Tx } from '../store/database.js';
import { accusationFacts, caseEvents, caseFacts, cases, cockpitDaily, cockpitStock, orgUnits, rollupQueue } from '../store/schema.js';
import {
  addToCounters,
  caseFacts as computeFacts,
  caseScopes,
  storedScopes,
  encodeItem,
  FACTS_VERSION,
  type FactCase,
  type FactEvent,
  type UnitKindOf,
} from '../domain/cockpit/case-facts.js';

export const ROLLUP_LOCK = 71_020_040;
/** Cases per transaction: large enough to add up many increments of one counter, small enough to commit quickly. */
export const ROLLUP_BATCH = 500;
/** Batches per run at most: a run is bounded even while cases keep arriving. */
const MAX_BATCHES_PER_RUN = 400;

export interface RollupRunResult {
  cases: number;
  batches: number;
  /** false when another worker held the lock */
  ran: boolean;
}

interface UnitInfo {
  kind: string;
  level: string | null;
}

/** Org units change rarely: one map per database, reloaded when an unknown unit turns up or after a minute. */
const unitCache = new WeakMap<object, { at: number; units: Map<string, UnitInfo> }>();

export async function loadUnits(ctx: AppContext, tx: Queryable, force = false): Promise<Map<string, UnitInfo>> {
  const hit = unitCache.get(ctx.db);
  if (hit && !force && Date.now() - hit.at < 60_000) return hit.units;
  const rows = await tx.select({ id: orgUnits.id, kind: orgUnits.kind, level: orgUnits.level }).from(orgUnits);
  const units = new Map(rows.map((r) => [r.id, { kind: r.kind, level: r.level }]));
  unitCache.set(ctx.db, { at: Date.now(), units });
  return units;
}

/** Given the app, folds queued cases into the counters until the queue is empty (or the run's bound). */
export async function runRollupsOnce(ctx: AppContext, opts: { batch?: number; maxBatches?: number } = {}): Promise<RollupRunResult> {
  const out: RollupRunResult = { cases: 0, batches: 0, ran: true };
  const max = opts.maxBatches ?? MAX_BATCHES_PER_RUN;
  for (let i = 0; i < max; i++) {
    const n = await ctx.db.transaction((tx) => rollupBatch(ctx, tx, opts.batch ?? ROLLUP_BATCH));
    if (n === null) {
      out.ran = out.batches > 0;
      break;
    }
    if (n === 0) break;
    out.cases += n;
    out.batches += 1;
  }
  return out;
}

export type CaseRow = Pick<
  typeof cases.$inferSelect,
  | 'region'
  | 'id'
  | 'channel'
  | 'categoryCode'
  | 'ownerUnitId'
  | 'leadUnitId'
  | 'receivedAt'
  | 'flags'
  | 'state'
  | 'snapshot'
  | 'keywords'
  | 'confidential'
  | 'unitPaths'
  | 'accusedUnitPaths'
  | 'parentCaseId'
  | 'assistUnitIds'
  | 'eventCount'
>;

/** The columns of a case its facts are computed from (the worker and the full-scan check read the same). */
export const FACT_COLUMNS = {
  region: cases.region,
  id: cases.id,
  channel: cases.channel,
  categoryCode: cases.categoryCode,
  ownerUnitId: cases.ownerUnitId,
  leadUnitId: cases.leadUnitId,
  receivedAt: cases.receivedAt,
  flags: cases.flags,
  state: cases.state,
  snapshot: cases.snapshot,
  keywords: cases.keywords,
  confidential: cases.confidential,
  unitPaths: cases.unitPaths,
  accusedUnitPaths: cases.accusedUnitPaths,
  parentCaseId: cases.parentCaseId,
  assistUnitIds: cases.assistUnitIds,
  eventCount: cases.eventCount,
};

/** Given a transaction, folds one batch; returns the cases folded, or null when another worker holds the lock. */
async function rollupBatch(ctx: AppContext, tx: Tx, size: number): Promise<number | null> {
  const got = (await tx.execute(sql`select pg_try_advisory_xact_lock(${ROLLUP_LOCK}) as ok`)) as unknown as { rows: { ok: boolean }[] };
  if (!got.rows[0]?.ok) return null;
  // During a rolling upgrade an older server must not fold with its older idea of a case's facts: the
  // counters would move by the wrong difference. The newest booted server's version is in the flag.
  const flag = (await tx.execute(sql`select value from settings where key = ${QUEUED_KEY}`)) as unknown as { rows: { value: { version?: number } }[] };
  if ((flag.rows[0]?.value.version ?? 0) > FACTS_VERSION) return null;
  const taken = (await tx.execute(sql`
    delete from rollup_queue where (region, id) in (
      select region, id from rollup_queue order by id limit ${size} for update skip locked
    ) returning region, case_id as "caseId"`)) as unknown as { rows: { region: string; caseId: string }[] };
  if (taken.rows.length === 0) return 0;

  const byRegion = new Map<string, Set<string>>();
  for (const r of taken.rows) {
    if (!byRegion.has(r.region)) byRegion.set(r.region, new Set());
    byRegion.get(r.region)!.add(r.caseId);
  }
  let units = await loadUnits(ctx, tx);
  const daily = new Map<string, number>();
  const stock = new Map<string, number>();
  const now = ctx.now();
  let count = 0;

  for (const [region, idSet] of byRegion) {
    const ids = [...idSet];
    count += ids.length;
    const caseRows: CaseRow[] = await tx
      .select(FACT_COLUMNS)
      .from(cases)
      .where(and(eq(cases.region, region), inArray(cases.id, ids)));
    const eventRows = await tx
      .select({ caseId: caseEvents.caseId, type: caseEvents.type, at: caseEvents.at, data: caseEvents.data })
      .from(caseEvents)
      .where(and(eq(caseEvents.region, region), inArray(caseEvents.caseId, ids)))
      .orderBy(caseEvents.caseId, caseEvents.seq);
    const oldRows = await tx
      .select({ caseId: caseFacts.caseId, scopes: caseFacts.scopes, handlingScopes: caseFacts.handlingScopes, items: caseFacts.items })
      .from(caseFacts)
      .where(and(eq(caseFacts.region, region), inArray(caseFacts.caseId, ids)));

    const eventsOf = new Map<string, FactEvent[]>();
    for (const e of eventRows) {
      if (!eventsOf.has(e.caseId)) eventsOf.set(e.caseId, []);
      eventsOf.get(e.caseId)!.push({ type: e.type, at: e.at, data: e.data as Record<string, unknown> });
    }
    const rowOf = new Map(caseRows.map((r) => [r.id, r]));
    if (caseRows.some((r) => [r.ownerUnitId, r.leadUnitId, ...r.unitPaths.flatMap(pathIds)].some((u) => u && !units.has(u)))) {
      units = await loadUnits(ctx, tx, true);
    }
    const kindOf: UnitKindOf = (id) => units.get(id);
    const oldOf = new Map(oldRows.map((r) => [r.caseId, r]));
    const upserts: (typeof caseFacts.$inferInsert)[] = [];
    const accusations: (typeof accusationFacts.$inferInsert)[] = [];
    const gone: string[] = [];

    for (const id of ids) {
      const old = oldOf.get(id);
      if (old) addToCounters(region, storedScopes(old.scopes, old.handlingScopes), old.items, -1, kindOf, daily, stock);
      const row = rowOf.get(id);
      if (!row) {
        if (old) gone.push(id);
        continue;
      }
      const facts = computeFacts(toFactCase(row), eventsOf.get(id) ?? [], kindOf).map(encodeItem);
      const scopes = caseScopes(row);
      addToCounters(region, scopes, facts, +1, kindOf, daily, stock);
      upserts.push({ region, caseId: id, scopes: scopes.receipt, handlingScopes: scopes.handling, items: facts, eventCount: row.eventCount, updatedAt: now });
      if (row.accusedUnitPaths.length > 0) accusations.push({ region, caseId: id, accusedUnitPaths: row.accusedUnitPaths, scopes: scopes.receipt, handlingScopes: scopes.handling, items: facts });
    }
    for (let i = 0; i < upserts.length; i += 500) {
      await tx
        .insert(caseFacts)
        .values(upserts.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [caseFacts.region, caseFacts.caseId],
          set: { scopes: sql`excluded.scopes`, handlingScopes: sql`excluded.handling_scopes`, items: sql`excluded.items`, eventCount: sql`excluded.event_count`, updatedAt: sql`excluded.updated_at` },
        });
    }
    if (gone.length) await tx.delete(caseFacts).where(and(eq(caseFacts.region, region), inArray(caseFacts.caseId, gone)));
    // the accusations' copy: replaced for the whole batch (a case may have stopped accusing, or moved)
    await tx.delete(accusationFacts).where(and(eq(accusationFacts.region, region), inArray(accusationFacts.caseId, ids)));
    if (accusations.length) await tx.insert(accusationFacts).values(accusations);
  }

  await writeDeltas(tx, daily, stock);
  return count;
}

const pathIds = (p: string) => p.split('/').filter(Boolean);

export function toFactCase(r: CaseRow): FactCase {
  return {
    id: r.id,
    channel: r.channel,
    categoryCode: r.categoryCode,
    ownerUnitId: r.ownerUnitId,
    leadUnitId: r.leadUnitId,
    receivedAt: r.receivedAt,
    flags: r.flags,
    state: r.state,
    snapshot: r.snapshot as FactCase['snapshot'],
    keywords: r.keywords,
    confidential: r.confidential,
    unitPaths: r.unitPaths,
    accusedUnitPaths: r.accusedUnitPaths,
    parentCaseId: r.parentCaseId,
    assistUnitIds: r.assistUnitIds,
  };
}

/**
 * Given the batch's net changes, adds them to the counters (in key order, skipping the ones that
 * cancelled out): one statement per table and 5,000 keys, the columns passed as arrays and unnested,
 * which costs far less to parse and plan than a multi-row VALUES list.
 */
export async function writeDeltas(tx: Tx, daily: Map<string, number>, stock: Map<string, number>): Promise<void> {
  const sorted = (m: Map<string, number>) => [...m].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const d = sorted(daily);
  for (let i = 0; i < d.length; i += 5000) {
    const cols: string[][] = [[], [], [], [], []];
    const values: number[] = [];
    for (const [k, v] of d.slice(i, i + 5000)) {
      const parts = k.split('\u0000');
      for (let c = 0; c < 5; c++) cols[c]!.push(parts[c]!);
      values.push(v);
    }
    await tx.execute(sql`
      insert into cockpit_daily (region, unit_id, day, metric, dim, value)
      select * from unnest(${sql.param(cols[0])}::text[], ${sql.param(cols[1])}::uuid[], ${sql.param(cols[2])}::text[], ${sql.param(cols[3])}::text[], ${sql.param(cols[4])}::text[], ${sql.param(values)}::bigint[])
      on conflict (region, unit_id, metric, day, dim) do update set value = cockpit_daily.value + excluded.value`);
  }
  const s = sorted(stock);
  for (let i = 0; i < s.length; i += 5000) {
    const cols: string[][] = [[], [], [], []];
    const values: number[] = [];
    for (const [k, v] of s.slice(i, i + 5000)) {
      const parts = k.split('\u0000');
      for (let c = 0; c < 4; c++) cols[c]!.push(parts[c]!);
      values.push(v);
    }
    await tx.execute(sql`
      insert into cockpit_stock (region, unit_id, metric, dim, value)
      select * from unnest(${sql.param(cols[0])}::text[], ${sql.param(cols[1])}::uuid[], ${sql.param(cols[2])}::text[], ${sql.param(cols[3])}::text[], ${sql.param(values)}::bigint[])
      on conflict (region, unit_id, metric, dim) do update set value = cockpit_stock.value + excluded.value`);
  }
}

/** Given the app, queues every case for recomputation (after an org move, or to build the rollups the first time). */
export async function queueAllCases(ctx: AppContext, tx?: Tx): Promise<number> {
  const q = tx ?? ctx.db;
  const res = (await q.execute(sql`insert into rollup_queue (region, case_id) select region, id from cases`)) as unknown as { rowCount?: number; affectedRows?: number };
  return res.rowCount ?? res.affectedRows ?? 0;
}

/**
 * Given the app, returns how many queued changes wait to be folded in (one per append of events;
 * counted up to 100,000, beyond which the cockpit just says "more"): the cockpit says figures are catching up.
 */
export async function pendingRollups(ctx: AppContext): Promise<number> {
  const res = (await ctx.db.execute(sql`select count(*)::int as n from (select 1 from rollup_queue limit 100000) q`)) as unknown as { rows: { n: number }[] };
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Given the app, polls the queue every ROLLUP_POLL_SECONDS (one run at a time); returns a function that
 * stops polling and resolves when the run in progress has finished.
 */
export function startRollupWorker(ctx: AppContext): () => Promise<void> {
  let current: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (current || stopped) return;
    current = runRollupsOnce(ctx)
      .then((r) => {
        if (r.cases > 200) ctx.logger.info(r, 'rollups folded');
      })
      .catch((err) => ctx.logger.warn({ err }, 'rollup run failed; will retry'))
      .finally(() => {
        current = null;
      });
  };
  const timer = setInterval(tick, ctx.config.ROLLUP_POLL_SECONDS * 1000);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}

const QUEUED_KEY = 'cockpit.rollups_queued';

/**
 * Cases written before the rollups existed (migration 0006), or folded under an earlier FACTS_VERSION,
 * are queued at boot, together with a settings flag naming the version, in one transaction; the worker
 * then folds them in the background by difference (the cockpit says how many are still waiting). Later
 * cases queue themselves with their events.
 */
export async function queueRollupsAtFirstBoot(ctx: Pick<AppContext, 'db' | 'logger'>): Promise<number> {
  return ctx.db.transaction(async (tx) => {
    const flag = (await tx.execute(sql`select value from settings where key = ${QUEUED_KEY} for update`)) as unknown as { rows: { value: { version?: number } }[] };
    const version = flag.rows[0] ? (flag.rows[0].value.version ?? 1) : 0;
    if (version >= FACTS_VERSION) return 0;
    const res = (await tx.execute(sql`insert into rollup_queue (region, case_id) select region, id from cases`)) as unknown as { rowCount?: number; affectedRows?: number };
    const value = JSON.stringify({ at: new Date().toISOString(), version: FACTS_VERSION });
    await tx.execute(sql`insert into settings (key, value) values (${QUEUED_KEY}, ${value}::jsonb) on conflict (key) do update set value = excluded.value`);
    const n = res.rowCount ?? res.affectedRows ?? 0;
    if (n > 0) ctx.logger.info({ cases: n, factsVersion: FACTS_VERSION, was: version }, 'cases queued for the cockpit rollups');
    return n;
  });
}
