/**
 * The leader cockpit (驾驶舱, DOMAIN.md §5, §8): a scope's figures for a period, the map of its
 * children coloured by one index, read from the rollups the worker keeps (jobs/rollup-worker.ts) —
 * never by scanning cases. Each read is a handful of index range scans over cockpit_daily
 * (region, unit, metric, day), so its cost follows the days asked for, not the cases stored.
 *
 * Scope: a reader may look at his scope unit or any unit below it; anything else is the same 404 as
 * a unit that does not exist. Figures of a unit count every case whose owner, lead or assisting unit
 * lies in its subtree, except accusations against a unit inside that subtree (case-facts.ts).
 */
import { and, asc, desc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { CHANNEL_LABELS, type Channel } from '../domain/case-fields.js';
import { addDays, toChinaDate } from '../domain/deadlines/china-date.js';
import { COARSE_ONLY, METRICS, RECEIPT_METRICS, decodeItem, isCoarseKind, storedScopes, type FactItem, type Metric } from '../domain/cockpit/case-facts.js';
import { AppError } from '../domain/errors.js';
import { rateFrom } from '../domain/cockpit/assessment-score.js';
import { DEFAULT_INDEX_WEIGHTS, indexExplanation, mapIndex, rateCounts, tierCounts, total, validateIndexWeights, type Sums } from '../domain/cockpit/figures.js';
import { RATE_KEYS, type CockpitFigures, type CockpitMap, type IndexWeights, type Rate, type Tier, type UnitRef } from '../domain/cockpit/types.js';
import { findUnit, findUnitsById, pathIds, type UnitRow } from '../store/org-repository.js';
import { accusationFacts, categories, cockpitDaily, cockpitStock, orgUnits, warnings } from '../store/schema.js';
import type { AppContext, StaffActor } from './context.js';
import { readSetting } from './settings.js';
import { childShapes } from './org-shapes.js';
import { pendingRollups } from '../jobs/rollup-worker.js';

export const TIER_LABELS: Record<Tier, string> = { grid: '网格', community: '村（社区）', street: '街道（乡镇）', district: '区（县）及部门', city: '市级' };
/** The kinds drawn on the map (a city's districts down to a community's grids); below a leaf kind a grid's cases are listed instead. */
const MAP_KINDS = ['district', 'street', 'community', 'grid'];
const LEAF_KINDS = new Set(['grid', 'micro_grid', 'department']);
export const INDEX_WEIGHTS_KEY = 'cockpit.index_weights';
/** A period may span at most this many days (a year and a day: a leap year, a February 29 to February 29). */
export const MAX_PERIOD_DAYS = 367;
/** The dates the cockpit reads at all: no case is received before the first, and a date past the last is a typing error. */
export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '2100-12-31';
/**
 * The daily metrics the figures and rates add up, named so each read is an index range scan: not the
 * keywords (read on their own, over the period's last HOT_DAYS), nor the per-unit rankings `accused` and
 * `petitioned` (a dim per unit: only the annual report reads them).
 */
const SUM_METRICS = (Object.keys(METRICS) as Metric[]).filter((m) => !['kw', 'open', 'overdue', 'accused', 'petitioned'].includes(m));
export const RANKING_METRICS = ['accused', 'petitioned'] as const;
/** Hot words are the keywords of the cases received in the period's last week, the HOT_WORDS most frequent. */
export const HOT_DAYS = 7;
const HOT_WORDS = 30;

export interface Period {
  from: string;
  to: string;
}

/** Given the app and an optional period, returns it checked, defaulting to the 30 days up to today (China time). */
export function periodOf(ctx: AppContext, p: Partial<Period>): Period {
  const today = toChinaDate(ctx.now());
  const to = p.to ?? today;
  const from = p.from ?? addDays(to, -29);
  if (from > to || from < FIRST_DAY || to > LAST_DAY) throw new AppError('COCKPIT_BAD_PERIOD', { from, to, first: FIRST_DAY, last: LAST_DAY });
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) throw new AppError('COCKPIT_BAD_PERIOD', { from, to, maxDays: MAX_PERIOD_DAYS });
  return { from, to };
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/** Given a reader and a unit id (or none: his scope unit), returns the unit when it lies in his scope; 404 otherwise. */
export async function scopeUnit(ctx: AppContext, actor: StaffActor, unitId?: string): Promise<UnitRow> {
  const unit = await findUnit(ctx.db, unitId ?? actor.scopeUnitId);
  if (!unit || !unit.path.startsWith(actor.scopePath)) throw new AppError('COCKPIT_UNIT_NOT_FOUND');
  return unit;
}

const ref = (u: Pick<UnitRow, 'id' | 'name' | 'kind'>): UnitRef => ({ id: u.id, name: u.name, kind: u.kind });

/**
 * Given units and a period, returns each unit's sums: metric → dim → value (one grouped range scan per
 * unit and metric), less the accusations hidden from the reader (see hiddenAccusations).
 */
export async function periodSums(
  ctx: AppContext,
  unitIds: readonly string[],
  p: Period,
  metrics: readonly string[] = SUM_METRICS,
  hiddenP: HiddenArg = NOTHING_HIDDEN,
): Promise<Map<string, Sums>> {
  const out = new Map<string, Map<string, Map<string, number>>>();
  if (unitIds.length === 0) return out;
  const rows = await ctx.db
    .select({ unitId: cockpitDaily.unitId, metric: cockpitDaily.metric, dim: cockpitDaily.dim, value: sql<string>`sum(${cockpitDaily.value})` })
    .from(cockpitDaily)
    .where(
      and(
        eq(cockpitDaily.region, ctx.config.REGION),
        inArray(cockpitDaily.unitId, [...unitIds]),
        inArray(cockpitDaily.metric, [...metrics]),
        gte(cockpitDaily.day, p.from),
        lte(cockpitDaily.day, p.to),
      ),
    )
    .groupBy(cockpitDaily.unitId, cockpitDaily.metric, cockpitDaily.dim);
  for (const id of unitIds) out.set(id, new Map());
  for (const r of rows) {
    const m = out.get(r.unitId)!;
    if (!m.has(r.metric)) m.set(r.metric, new Map());
    m.get(r.metric)!.set(r.dim, Number(r.value));
  }
  const wanted = new Set(metrics);
  subtractHidden(out, await hiddenP, (it) => it.day !== '' && it.day >= p.from && it.day <= p.to && wanted.has(it.metric));
  return out;
}

/** Given units, returns the backlog stock at the start of a day: cases that became backlog before it and had not resolved or left. */
async function backlogBefore(ctx: AppContext, unitIds: readonly string[], day: string, hiddenP: HiddenArg): Promise<Map<string, number>> {
  const rows = await ctx.db
    .select({ unitId: cockpitDaily.unitId, metric: cockpitDaily.metric, value: sql<string>`sum(${cockpitDaily.value})` })
    .from(cockpitDaily)
    .where(
      and(
        eq(cockpitDaily.region, ctx.config.REGION),
        inArray(cockpitDaily.unitId, [...unitIds]),
        inArray(cockpitDaily.metric, ['backlog_in', 'backlog_out', 'backlog_left']),
        sql`${cockpitDaily.day} < ${day}`,
      ),
    )
    .groupBy(cockpitDaily.unitId, cockpitDaily.metric);
  const out = new Map<string, number>(unitIds.map((id) => [id, 0]));
  for (const r of rows) out.set(r.unitId, (out.get(r.unitId) ?? 0) + (r.metric === 'backlog_in' ? 1 : -1) * Number(r.value));
  for (const [id, items] of await hiddenP) {
    for (const it of items) {
      if (it.day === '' || it.day >= day || !it.metric.startsWith('backlog_') || !out.has(id)) continue;
      out.set(id, out.get(id)! - (it.metric === 'backlog_in' ? 1 : -1) * it.value);
    }
  }
  return out;
}

/** Given units, returns their stocks now: metric → dim → value. */
async function stocks(ctx: AppContext, unitIds: readonly string[], metrics: readonly string[], hiddenP: HiddenArg): Promise<Map<string, Sums>> {
  const out = new Map<string, Map<string, Map<string, number>>>(unitIds.map((id) => [id, new Map()]));
  if (unitIds.length === 0) return out;
  const rows = await ctx.db
    .select({ unitId: cockpitStock.unitId, metric: cockpitStock.metric, dim: cockpitStock.dim, value: cockpitStock.value })
    .from(cockpitStock)
    .where(and(eq(cockpitStock.region, ctx.config.REGION), inArray(cockpitStock.unitId, [...unitIds]), inArray(cockpitStock.metric, [...metrics])));
  for (const r of rows) {
    if (r.value === 0) continue;
    const m = out.get(r.unitId)!;
    if (!m.has(r.metric)) m.set(r.metric, new Map());
    m.get(r.metric)!.set(r.dim, Number(r.value));
  }
  const wanted = new Set(metrics);
  subtractHidden(out, await hiddenP, (it) => it.day === '' && wanted.has(it.metric));
  return out;
}

/** Given units, returns each one's rates for a period (the assessment and the annual report read these too). */
export async function unitRates(ctx: AppContext, unitIds: readonly string[], p: Period, hidden: HiddenArg = NOTHING_HIDDEN): Promise<Map<string, { sums: Sums; rates: Rate[] }>> {
  const [sums, backlog] = await gather(ctx, [(ctx) => periodSums(ctx, unitIds, p, SUM_METRICS, hidden), (ctx) => backlogBefore(ctx, unitIds, p.from, hidden)] as const);
  const out = new Map<string, { sums: Sums; rates: Rate[] }>();
  for (const id of unitIds) {
    const s = sums.get(id) ?? new Map();
    const counts = rateCounts(s, backlog.get(id) ?? 0);
    out.set(id, { sums: s, rates: RATE_KEYS.map((k) => rateFrom(k, counts[k].numerator, counts[k].denominator)) });
  }
  return out;
}

/** Given a reader, a unit in his scope and a period, returns the cockpit's figures. */
export async function cockpitFigures(ctx: AppContext, actor: StaffActor, q: { unitId?: string } & Partial<Period>): Promise<CockpitFigures & { pending: number }> {
  const unit = await scopeUnit(ctx, actor, q.unitId);
  const p = periodOf(ctx, q);
  const hotFrom = maxDay(p.from, addDays(p.to, -(HOT_DAYS - 1)));
  return readConsistently(ctx, actor, [unit], async (ctx, hidden) => {
    const [rated, volumeRows, [hot, hiddenWords], stock, warn, cats, pending] = await gather(ctx, [
      (ctx) => unitRates(ctx, [unit.id], p, hidden),
      (ctx) => ctx.db
        .select({ day: cockpitDaily.day, dim: cockpitDaily.dim, value: cockpitDaily.value })
        .from(cockpitDaily)
        .where(and(eq(cockpitDaily.region, ctx.config.REGION), eq(cockpitDaily.unitId, unit.id), eq(cockpitDaily.metric, 'received'), gte(cockpitDaily.day, p.from), lte(cockpitDaily.day, p.to))),
      async (ctx) => {
        const hiddenWords = new Map<string, number>();
        for (const it of (await hidden).get(unit.id) ?? []) if (it.metric === 'kw' && it.day >= hotFrom && it.day <= p.to) hiddenWords.set(it.dim, (hiddenWords.get(it.dim) ?? 0) + it.value);
        const rows = await ctx.db
          .select({ word: cockpitDaily.dim, count: sql<string>`sum(${cockpitDaily.value})` })
          .from(cockpitDaily)
          .where(and(eq(cockpitDaily.region, ctx.config.REGION), eq(cockpitDaily.unitId, unit.id), eq(cockpitDaily.metric, 'kw'), gte(cockpitDaily.day, hotFrom), lte(cockpitDaily.day, p.to)))
          .groupBy(cockpitDaily.dim)
          .orderBy(desc(sql`sum(${cockpitDaily.value})`), asc(cockpitDaily.dim))
          // enough to fill 30 once the hidden words are taken off and the rest re-ranked
          .limit(HOT_WORDS + hiddenWords.size);
        return [rows, hiddenWords] as const;
      },
      (ctx) => stocks(ctx, [unit.id], ['open', 'overdue'], hidden),
      (ctx) => openWarnings(ctx, actor, unit),
      (ctx) => categoryNames(ctx),
      (ctx) => pendingRollups(ctx),
    ] as const);
    const { sums, rates } = rated.get(unit.id)!;
    const st = stock.get(unit.id)!;

    const days = Array.from({ length: daysBetween(p.from, p.to) }, (_, i) => addDays(p.from, i));
    const dayIndex = new Map(days.map((d, i) => [d, i]));
    const byChannel = new Map<string, number[]>();
    const hiddenReceived = ((await hidden).get(unit.id) ?? []).filter((it) => it.metric === 'received' && dayIndex.has(it.day)).map((it) => ({ ...it, value: -it.value }));
    for (const r of [...volumeRows, ...hiddenReceived]) {
      if (!byChannel.has(r.dim)) byChannel.set(r.dim, days.map(() => 0));
      byChannel.get(r.dim)![dayIndex.get(r.day)!]! += Number(r.value);
    }
    const channels = [...byChannel]
      .filter(([, counts]) => counts.some((n) => n !== 0))
      .map(([channel, counts]) => ({ channel, label: CHANNEL_LABELS[channel as Channel] ?? channel, counts, total: counts.reduce((a, b) => a + b, 0) }))
      .sort((a, b) => b.total - a.total || a.channel.localeCompare(b.channel));

    const overdueDims = [...(st.get('overdue') ?? new Map())].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const overdueUnits = await findUnitsById(ctx.db, overdueDims.slice(0, 20).map(([id]) => id));
    const categoriesOut = [...(sums.get('received_cat') ?? new Map())]
      .filter(([, n]) => n > 0)
      .map(([code, count]) => ({ code, name: code === 'none' ? '未分类' : (cats.get(code) ?? code), count }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));

    return {
      unit: ref(unit),
      from: p.from,
      to: p.to,
      generatedAt: ctx.now().toISOString(),
      volume: { days, total: total(sums, 'received'), byChannel: channels },
      rates,
      tiers: tierCounts(sums).map((t) => ({ ...t, label: TIER_LABELS[t.tier] })),
      categories: categoriesOut,
      hotWords: hot
        .map((h) => ({ word: h.word, count: Number(h.count) - (hiddenWords.get(h.word) ?? 0) }))
        .filter((h) => h.count > 0)
        .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0))
        .slice(0, HOT_WORDS),
      warnings: warn,
      open: total(st, 'open'),
      overdue: total(st, 'overdue'),
      overdueByUnit: overdueDims.slice(0, 20).map(([id, count]) => ({ unit: overdueUnits.has(id) ? ref(overdueUnits.get(id)!) : { id, name: '（已撤销单位）', kind: 'unknown' }, count })),
      supervision: { dispatched: total(sums, 'dispatched'), chased: total(sums, 'chased'), supervised: total(sums, 'supervised') },
      pending,
    };
  });
}

const maxDay = (a: string, b: string) => (a > b ? a : b);

let categoryCache: { at: number; db: unknown; names: Map<string, string> } | null = null;
async function categoryNames(ctx: AppContext): Promise<Map<string, string>> {
  if (categoryCache && categoryCache.db === ctx.database && Date.now() - categoryCache.at < 60_000) return categoryCache.names;
  const rows = await ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(eq(categories.level, 1));
  categoryCache = { at: Date.now(), db: ctx.database, names: new Map(rows.map((r) => [r.code, r.name])) };
  return categoryCache.names;
}

const OPEN_WARNING = sql`${warnings.state} in ('raised', 'dispatched', 'fed_back')`;
/** Warnings concerning a unit's subtree that the reader may see (never those about accusations against his own unit). */
const warningsUnder = (actor: StaffActor, path: string) => sql`(
  exists (select 1 from unnest(${warnings.unitPaths}) as up(p) where starts_with(up.p, ${path}))
  and not exists (select 1 from jsonb_array_elements_text(coalesce(${warnings.data}->'accusedUnitPaths', '[]'::jsonb)) as ap(p) where starts_with(${actor.unitPath}, ap.p))
)`;

async function openWarnings(ctx: AppContext, actor: StaffActor, unit: UnitRow): Promise<CockpitFigures['warnings']> {
  const where = and(eq(warnings.region, ctx.config.REGION), OPEN_WARNING, warningsUnder(actor, unit.path));
  const [levels, latest] = await gather(ctx, [
    (ctx) => ctx.db.select({ level: warnings.level, n: sql<number>`count(*)::int` }).from(warnings).where(where).groupBy(warnings.level),
    (ctx) => ctx.db
      .select({ id: warnings.id, number: warnings.number, title: warnings.title, level: warnings.level, kind: warnings.kind, raisedAt: warnings.raisedAt })
      .from(warnings)
      .where(where)
      .orderBy(sql`case ${warnings.level} when 'urgent' then 0 when 'high' then 1 else 2 end`, desc(warnings.raisedAt))
      .limit(5),
  ] as const);
  const order = ['urgent', 'high', 'normal'];
  return {
    open: levels.reduce((a, l) => a + l.n, 0),
    byLevel: levels.sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level)).map((l) => ({ level: l.level, count: l.n })),
    latest: latest.map((w) => ({ ...w, raisedAt: w.raisedAt.toISOString() })),
  };
}

/** Given the app, returns the index weights in force (the defaults until an admin sets them). */
export async function readIndexWeights(ctx: AppContext): Promise<IndexWeights> {
  const stored = await readSetting<unknown>(ctx.db, INDEX_WEIGHTS_KEY);
  if (stored === undefined) return DEFAULT_INDEX_WEIGHTS;
  try {
    return validateIndexWeights(stored);
  } catch {
    return DEFAULT_INDEX_WEIGHTS;
  }
}

/** Given a reader, a unit in his scope and a period, returns the map of the unit's children coloured by the index. */
export async function cockpitMap(ctx: AppContext, actor: StaffActor, q: { unitId?: string } & Partial<Period>): Promise<CockpitMap> {
  const unit = await scopeUnit(ctx, actor, q.unitId);
  const p = periodOf(ctx, q);
  const children = LEAF_KINDS.has(unit.kind)
    ? []
    : await ctx.db
        .select()
        .from(orgUnits)
        .where(and(eq(orgUnits.parentId, unit.id), eq(orgUnits.active, true), inArray(orgUnits.kind, MAP_KINDS)))
        .orderBy(asc(orgUnits.code));
  const ids = children.map((c) => c.id);
  return readConsistently(ctx, actor, children, async (ctx, hidden) => {
    const [sums, stock, warn, weights, shapes, trailUnits] = await gather(ctx, [
      (ctx) => periodSums(ctx, ids, p, ['received', 'eval_contacted', 'eval_satisfied'], hidden),
      (ctx) => stocks(ctx, ids, ['overdue'], hidden),
      (ctx) => warningsPerArea(ctx, actor, children),
      (ctx) => readIndexWeights(ctx),
      (ctx) => childShapes(ctx, unit.id),
      (ctx) => findUnitsById(ctx.db, pathIds(unit.path)),
    ] as const);
    const inputs = children.map((c) => {
      const s = sums.get(c.id)!;
      const reached = total(s, 'eval_contacted');
      return { volume: total(s, 'received'), overdue: total(stock.get(c.id)!, 'overdue'), satisfaction: reached > 0 ? total(s, 'eval_satisfied') / reached : null, warnings: warn.get(c.id) ?? 0 };
    });
    const idx = mapIndex(inputs, weights);
    const scopeDepth = pathIds(actor.scopePath).length;
    const trail = pathIds(unit.path)
      .slice(scopeDepth - 1)
      .map((id) => trailUnits.get(id))
      .filter((u): u is UnitRow => !!u)
      .map(ref);
    return {
      unit: ref(unit),
      trail,
      from: p.from,
      to: p.to,
      weights,
      explanation: indexExplanation(weights),
      areas: children.map((c, i) => ({ unit: ref(c), ...inputs[i]!, ...idx[i]!, hasChildren: !LEAF_KINDS.has(c.kind) })),
      geojson: shapes as CockpitMap['geojson'],
    };
  });
}

/** Given areas, returns how many open warnings concern each (one query over the small warnings table). */
async function warningsPerArea(ctx: AppContext, actor: StaffActor, areas: readonly UnitRow[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (areas.length === 0) return out;
  const rows = (await ctx.db.execute(sql`
    select a.id, count(w.id)::int as n
    from unnest(${toUuidArray(areas.map((a) => a.id))}, ${toTextArray(areas.map((a) => a.path))}) as a(id, path)
    join warnings w on w.region = ${ctx.config.REGION} and w.state in ('raised', 'dispatched', 'fed_back')
      and exists (select 1 from unnest(w.unit_paths) as up(p) where starts_with(up.p, a.path))
      and not exists (select 1 from jsonb_array_elements_text(coalesce(w.data->'accusedUnitPaths', '[]'::jsonb)) as ap(p) where starts_with(${actor.unitPath}, ap.p))
    group by a.id`)) as unknown as { rows: { id: string; n: number }[] };
  for (const r of rows.rows) out.set(r.id, r.n);
  return out;
}

/** For each unit, the items of the accusations its reader may not learn of (usually none). */
export type Hidden = ReadonlyMap<string, readonly FactItem[]>;
/** The reads take it as it is or as a promise, and wait for it only to subtract. */
export type HiddenArg = Hidden | Promise<Hidden>;
const NOTHING_HIDDEN: Hidden = new Map();

/**
 * Given a reader and the units he reads, returns per unit the facts of the accusations against the
 * reader's own unit or one of its ancestors (Art. 30: an accused unit never learns of the accusation).
 * caseScopes keeps an accusation out of the accused subtree's figures; but a reader inside it may read
 * a unit above it (a supervisor of the 信访局 reads the district) or beside it (a street where the
 * accuser lives), where the accusation is counted — there it is taken off again for him, exactly as
 * the worker added it (accusation_facts keeps the items it folded for each accusation), so no figure,
 * rate, hot word or "most complained" line betrays it. One GIN lookup in that small table, and none
 * at all for a reader whose unit has no ancestor outside the unit he reads.
 */
export async function hiddenAccusations(ctx: AppContext, actor: StaffActor, units: readonly Pick<UnitRow, 'id' | 'path' | 'kind'>[]): Promise<Hidden> {
  const hiddenPaths = hiddenPathsFor(actor, units);
  if (hiddenPaths.size === 0) return NOTHING_HIDDEN;
  const allPaths = [...new Set([...hiddenPaths.values()].flat())];
  // arrays come back as JSON: the driver parses a text[] of an accused unit's ~900 accusations × ~15
  // items (13,000 strings) about four times slower than the same as JSON
  const rows = await ctx.db
    .select({
      scopes: sql<string[]>`to_json(${accusationFacts.scopes})`,
      handlingScopes: sql<string[] | null>`to_json(${accusationFacts.handlingScopes})`,
      items: sql<string[]>`to_json(${accusationFacts.items})`,
      accused: sql<string[]>`to_json(${accusationFacts.accusedUnitPaths})`,
    })
    .from(accusationFacts)
    .where(
      and(
        eq(accusationFacts.region, ctx.config.REGION),
        sql`${accusationFacts.accusedUnitPaths} && ${toTextArray(allPaths)}`,
        sql`(${accusationFacts.scopes} && ${toUuidArray([...hiddenPaths.keys()])} or coalesce(${accusationFacts.handlingScopes}, '{}') && ${toUuidArray([...hiddenPaths.keys()])})`,
      ),
    );
  const out = new Map<string, FactItem[]>();
  const byId = new Map(units.map((u) => [u.id, u]));
  for (const r of rows) {
    const decoded = r.items.map(decodeItem);
    const scopes = storedScopes(r.scopes, r.handlingScopes);
    for (const [unitId, paths] of hiddenPaths) {
      if (!r.accused.some((a) => paths.includes(a))) continue;
      const receipt = scopes.receipt.includes(unitId);
      const handling = scopes.handling.includes(unitId);
      if (!receipt && !handling) continue;
      const coarse = isCoarseKind(byId.get(unitId)!.kind);
      const list = out.get(unitId) ?? [];
      for (const it of decoded) {
        if (!(RECEIPT_METRICS.has(it.metric) ? receipt : handling)) continue;
        if (coarse || !COARSE_ONLY.has(it.metric)) list.push(it);
      }
      out.set(unitId, list);
    }
  }
  return out;
}

/** Given a reader and units, returns per unit the accused paths whose accusations are to be taken off (his unit and its ancestors outside that unit). */
function hiddenPathsFor(actor: StaffActor, units: readonly Pick<UnitRow, 'id' | 'path'>[]): Map<string, string[]> {
  const own = pathPrefixes(actor.unitPath);
  const out = new Map<string, string[]>();
  for (const u of units) {
    // an accusation against the unit read or one above it is already out of its figures (caseScopes)
    const elsewhere = own.filter((prefix) => !u.path.startsWith(prefix));
    if (elsewhere.length > 0) out.set(u.id, elsewhere);
  }
  return out;
}

/**
 * Given a reader, the units he reads and the reads, runs them with the accusations to hide. When there
 * are any, the lookup and the counters must see the same folds — else an accusation folded between two
 * reads would show for a moment as +1 (or −1) — so all run in one repeatable-read snapshot: on
 * PostgreSQL the transaction exports it, and the lookup and the reads (`gather`) run side by side in
 * transactions of the snapshot pool that import it; on PGlite's one connection one after another.
 * Otherwise, the common case, the reads run as they are (in parallel on PostgreSQL).
 */
export async function readConsistently<T>(
  ctx: AppContext,
  actor: StaffActor,
  units: readonly Pick<UnitRow, 'id' | 'path' | 'kind'>[],
  reads: (ctx: AppContext, hidden: Promise<Hidden>) => Promise<T>,
): Promise<T> {
  if (hiddenPathsFor(actor, units).size === 0) return reads(ctx, Promise.resolve(NOTHING_HIDDEN));
  const pool = ctx.database?.snapshotReads;
  return ctx.db.transaction(
    async (tx) => {
      const inSnapshot: AppContext = { ...ctx, db: tx as unknown as AppContext['db'] };
      if (!pool) {
        SERIAL.add(tx);
        const hidden = await hiddenAccusations(inSnapshot, actor, units);
        return reads(inSnapshot, Promise.resolve(hidden));
      }
      const { rows } = (await tx.execute(sql`select pg_export_snapshot() as id`)) as unknown as { rows: { id: string }[] };
      const shared: SharedSnapshot = { snapshot: rows[0]!.id, pool };
      SHARED.set(tx, shared);
      // the lookup runs beside the reads it corrects; each waits for it only to subtract
      const hidden = joinSnapshot(inSnapshot, shared, (c) => hiddenAccusations(c, actor, units));
      hidden.catch(() => {}); // a read failing first ends the transaction; its error is the one answered
      return reads(inSnapshot, hidden);
    },
    READ_ONLY_SNAPSHOT,
  );
}

const READ_ONLY_SNAPSHOT = { isolationLevel: 'repeatable read', accessMode: 'read only' } as const;
/** Transactions whose reads go one after another (one connection runs one query at a time). */
const SERIAL = new WeakSet<object>();
/** A snapshot a transaction exported, and the pool whose transactions join it. */
type SharedSnapshot = { snapshot: string; pool: NonNullable<AppContext['database']['snapshotReads']> };
/** Transactions that exported their snapshot for reads on the snapshot pool to join. */
const SHARED = new WeakMap<object, SharedSnapshot>();

/**
 * Given the app and reads, runs them in parallel — or inside a snapshot (readConsistently): the first on
 * the snapshot's own transaction and the others each in one that joins it, or on PGlite one after another.
 * Each read is given the app to read with.
 */
export async function gather<T extends readonly unknown[]>(ctx: AppContext, reads: { readonly [K in keyof T]: (ctx: AppContext) => Promise<T[K]> }): Promise<T> {
  const shared = SHARED.get(ctx.db);
  if (shared) return Promise.all(reads.map((r, i) => (i === 0 ? r(ctx) : joinSnapshot(ctx, shared, r)))) as unknown as Promise<T>;
  if (!SERIAL.has(ctx.db)) return Promise.all(reads.map((r) => r(ctx))) as unknown as Promise<T>;
  const out: unknown[] = [];
  for (const r of reads) out.push(await r(ctx));
  return out as unknown as T;
}

/** Given the app, an exported snapshot and a read, runs the read in a transaction of the snapshot pool that sees that snapshot. */
async function joinSnapshot<R>(ctx: AppContext, shared: SharedSnapshot, read: (ctx: AppContext) => Promise<R>): Promise<R> {
  if (!/^[0-9A-F-]+$/i.test(shared.snapshot)) throw new Error(`unexpected snapshot id ${shared.snapshot}`);
  return shared.pool.transaction(async (tx) => {
    // must come first in the transaction; SET takes no parameters, hence the check above
    await tx.execute(sql.raw(`set transaction snapshot '${shared.snapshot}'`));
    // its reads wait on nothing else (a nested gather goes one after another), so it cannot wait on itself
    SERIAL.add(tx);
    return read({ ...ctx, db: tx as unknown as AppContext['db'] });
  }, READ_ONLY_SNAPSHOT);
}

/** Given a unit path '/a/b/c/', returns '/a/', '/a/b/', '/a/b/c/'. */
function pathPrefixes(path: string): string[] {
  const ids = pathIds(path);
  return ids.map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}

const toTextArray = (xs: readonly string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}::text`), sql`, `)}]::text[]`;
const toUuidArray = (xs: readonly string[]) => sql`array[${sql.join(xs.map((x) => sql`${x}::uuid`), sql`, `)}]::uuid[]`;

/** Given sums per unit, takes off the hidden items that pass the filter. */
function subtractHidden(sums: Map<string, Map<string, Map<string, number>>>, hidden: Hidden, keep: (it: FactItem) => boolean): void {
  for (const [unitId, items] of hidden) {
    const m = sums.get(unitId);
    if (!m) continue;
    for (const it of items) {
      if (!keep(it)) continue;
      if (!m.has(it.metric)) m.set(it.metric, new Map());
      const dims = m.get(it.metric)!;
      const left = (dims.get(it.dim) ?? 0) - it.value;
      if (left === 0) dims.delete(it.dim);
      else dims.set(it.dim, left);
    }
  }
}
