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
import { AppError } from '../domain/errors.js';
import { rateFrom } from '../domain/cockpit/assessment-score.js';
import { DEFAULT_INDEX_WEIGHTS, indexExplanation, mapIndex, rateCounts, tierCounts, total, validateIndexWeights, type Sums } from '../domain/cockpit/figures.js';
import { RATE_KEYS, type CockpitFigures, type CockpitMap, type IndexWeights, type Rate, type Tier, type UnitRef } from '../domain/cockpit/types.js';
import { findUnit, findUnitsById, pathIds, type UnitRow } from '../store/org-repository.js';
import { categories, cockpitDaily, cockpitStock, orgUnits, warnings } from '../store/schema.js';
import type { AppContext, StaffActor } from './context.js';
import { readSetting } from './settings.js';
import { childShapes } from './org-shapes.js';
import { pendingRollups } from '../jobs/rollup-worker.js';

export const TIER_LABELS: Record<Tier, string> = { grid: '网格', community: '村（社区）', street: '街道（乡镇）', district: '区（县）及部门', city: '市级' };
/** The kinds drawn on the map, and the kind below which the map stops (a grid's cases are listed instead). */
const MAP_KINDS = ['street', 'community', 'grid'];
const LEAF_KINDS = new Set(['grid', 'micro_grid', 'department']);
export const INDEX_WEIGHTS_KEY = 'cockpit.index_weights';
/** A period may span at most this many days (a year and a day: a leap year, a February 29 to February 29). */
export const MAX_PERIOD_DAYS = 367;

export interface Period {
  from: string;
  to: string;
}

/** Given the app and an optional period, returns it checked, defaulting to the 30 days up to today (China time). */
export function periodOf(ctx: AppContext, p: Partial<Period>): Period {
  const today = toChinaDate(ctx.now());
  const to = p.to ?? today;
  const from = p.from ?? addDays(to, -29);
  if (from > to) throw new AppError('COCKPIT_BAD_PERIOD', { from, to });
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

/** Given units and a period, returns each unit's sums: metric → dim → value (one grouped range scan per unit and metric). */
export async function periodSums(ctx: AppContext, unitIds: readonly string[], p: Period, metrics?: readonly string[]): Promise<Map<string, Sums>> {
  const out = new Map<string, Map<string, Map<string, number>>>();
  if (unitIds.length === 0) return out;
  const rows = await ctx.db
    .select({ unitId: cockpitDaily.unitId, metric: cockpitDaily.metric, dim: cockpitDaily.dim, value: sql<string>`sum(${cockpitDaily.value})` })
    .from(cockpitDaily)
    .where(
      and(
        eq(cockpitDaily.region, ctx.config.REGION),
        inArray(cockpitDaily.unitId, [...unitIds]),
        metrics ? inArray(cockpitDaily.metric, [...metrics]) : sql`${cockpitDaily.metric} <> 'kw'`,
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
  return out;
}

/** Given units, returns the backlog stock at the start of a day: cases that became backlog before it and had not resolved or left. */
async function backlogBefore(ctx: AppContext, unitIds: readonly string[], day: string): Promise<Map<string, number>> {
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
  return out;
}

/** Given units, returns their stocks now: metric → dim → value. */
async function stocks(ctx: AppContext, unitIds: readonly string[], metrics: readonly string[]): Promise<Map<string, Sums>> {
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
  return out;
}

/** Given units, returns each one's rates for a period (the assessment and the annual report read these too). */
export async function unitRates(ctx: AppContext, unitIds: readonly string[], p: Period): Promise<Map<string, { sums: Sums; rates: Rate[] }>> {
  const [sums, backlog] = await Promise.all([periodSums(ctx, unitIds, p), backlogBefore(ctx, unitIds, p.from)]);
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
  const hotFrom = maxDay(p.from, addDays(p.to, -29));
  const [rated, volumeRows, hot, stock, warn, cats, pending] = await Promise.all([
    unitRates(ctx, [unit.id], p),
    ctx.db
      .select({ day: cockpitDaily.day, dim: cockpitDaily.dim, value: cockpitDaily.value })
      .from(cockpitDaily)
      .where(and(eq(cockpitDaily.region, ctx.config.REGION), eq(cockpitDaily.unitId, unit.id), eq(cockpitDaily.metric, 'received'), gte(cockpitDaily.day, p.from), lte(cockpitDaily.day, p.to))),
    ctx.db
      .select({ word: cockpitDaily.dim, count: sql<string>`sum(${cockpitDaily.value})` })
      .from(cockpitDaily)
      .where(and(eq(cockpitDaily.region, ctx.config.REGION), eq(cockpitDaily.unitId, unit.id), eq(cockpitDaily.metric, 'kw'), gte(cockpitDaily.day, hotFrom), lte(cockpitDaily.day, p.to)))
      .groupBy(cockpitDaily.dim)
      .orderBy(desc(sql`sum(${cockpitDaily.value})`), asc(cockpitDaily.dim))
      .limit(30),
    stocks(ctx, [unit.id], ['open', 'overdue']),
    openWarnings(ctx, actor, unit),
    categoryNames(ctx),
    pendingRollups(ctx),
  ]);
  const { sums, rates } = rated.get(unit.id)!;
  const st = stock.get(unit.id)!;

  const days: string[] = [];
  for (let d = p.from; d <= p.to; d = addDays(d, 1)) days.push(d);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const byChannel = new Map<string, number[]>();
  for (const r of volumeRows) {
    if (!byChannel.has(r.dim)) byChannel.set(r.dim, days.map(() => 0));
    byChannel.get(r.dim)![dayIndex.get(r.day)!]! += Number(r.value);
  }
  const channels = [...byChannel]
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
    hotWords: hot.map((h) => ({ word: h.word, count: Number(h.count) })).filter((h) => h.count > 0),
    warnings: warn,
    open: total(st, 'open'),
    overdue: total(st, 'overdue'),
    overdueByUnit: overdueDims.slice(0, 20).map(([id, count]) => ({ unit: overdueUnits.has(id) ? ref(overdueUnits.get(id)!) : { id, name: '（已撤销单位）', kind: 'unknown' }, count })),
    supervision: { dispatched: total(sums, 'dispatched'), chased: total(sums, 'chased'), supervised: total(sums, 'supervised') },
    pending,
  };
}

const maxDay = (a: string, b: string) => (a > b ? a : b);

let categoryCache: { at: number; db: unknown; names: Map<string, string> } | null = null;
async function categoryNames(ctx: AppContext): Promise<Map<string, string>> {
  if (categoryCache && categoryCache.db === ctx.db && Date.now() - categoryCache.at < 60_000) return categoryCache.names;
  const rows = await ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(eq(categories.level, 1));
  categoryCache = { at: Date.now(), db: ctx.db, names: new Map(rows.map((r) => [r.code, r.name])) };
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
  const [levels, latest] = await Promise.all([
    ctx.db.select({ level: warnings.level, n: sql<number>`count(*)::int` }).from(warnings).where(where).groupBy(warnings.level),
    ctx.db
      .select({ id: warnings.id, number: warnings.number, title: warnings.title, level: warnings.level, kind: warnings.kind, raisedAt: warnings.raisedAt })
      .from(warnings)
      .where(where)
      .orderBy(sql`case ${warnings.level} when 'urgent' then 0 when 'high' then 1 else 2 end`, desc(warnings.raisedAt))
      .limit(5),
  ]);
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
  const [sums, stock, warn, weights, shapes, trailUnits] = await Promise.all([
    periodSums(ctx, ids, p, ['received', 'eval_contacted', 'eval_satisfied']),
    stocks(ctx, ids, ['overdue']),
    warningsPerArea(ctx, actor, children),
    readIndexWeights(ctx),
    childShapes(ctx, unit.id),
    findUnitsById(ctx.db, pathIds(unit.path)),
  ]);
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
}

/** Given areas, returns how many open warnings concern each (one query over the small warnings table). */
async function warningsPerArea(ctx: AppContext, actor: StaffActor, areas: readonly UnitRow[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (areas.length === 0) return out;
  const rows = (await ctx.db.execute(sql`
    select a.id, count(w.id)::int as n
    from unnest(array[${sql.join(areas.map((a) => sql`${a.id}::uuid`), sql`, `)}], array[${sql.join(areas.map((a) => sql`${a.path}::text`), sql`, `)}]) as a(id, path)
    join warnings w on w.region = ${ctx.config.REGION} and w.state in ('raised', 'dispatched', 'fed_back')
      and exists (select 1 from unnest(w.unit_paths) as up(p) where starts_with(up.p, a.path))
      and not exists (select 1 from jsonb_array_elements_text(coalesce(w.data->'accusedUnitPaths', '[]'::jsonb)) as ap(p) where starts_with(${actor.unitPath}, ap.p))
    group by a.id`)) as unknown as { rows: { id: string; n: number }[] };
  for (const r of rows.rows) out.set(r.id, r.n);
  return out;
}
