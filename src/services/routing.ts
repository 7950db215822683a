/**
 * Routing suggestions at intake: the category and the lead unit for a text and its place, with a
 * confidence. The model is the deployment's active one (`xinfang train`) or, until it has trained,
 * the one bundled with xinfang (models/routing-base.json.gz, built from the public data). Without a
 * trained unit head, the unit is the one this deployment most often dispatched that category to.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { loadRouter, routingFeatures, routingText, type Router, type RoutingModel } from '../domain/intelligence/routing-model.js';
import { pathIds } from '../store/org-repository.js';
import type { Queryable } from '../store/database.js';
import { cases, categories, orgUnits, routingModels } from '../store/schema.js';
import type { AppContext } from './context.js';
import type { Segmenter } from '../domain/text/segment.js';

export const BUNDLED_MODEL = fileURLToPath(new URL('../../models/routing-base.json.gz', import.meta.url));
const ALIASES = fileURLToPath(new URL('../../statute/category-aliases.json', import.meta.url));
/** Several servers share a database: each looks for a newly trained model this often. */
const MODEL_CHECK_MS = 60_000;
/** The dispatch history behind the unit fallback is recounted this often. */
const HISTORY_TTL_MS = 10 * 60_000;
/** how many recent dispatched cases of a category the unit fallback counts */
const HISTORY_SAMPLE = 2_000;

export interface RoutingSuggestionView {
  category: { code: string; name: string; confidence: number } | null;
  /** the model's own label and confidence (also when no category of this deployment carries the label) */
  categoryLabel: string;
  categoryConfidence: number;
  unit: { id: string; name: string; confidence: number; basis: 'model' | 'history' } | null;
  alternatives: Array<{ code: string; name: string; confidence: number }>;
  model: { id: string | null; source: RoutingModel['source'] };
}

let bundled: RoutingModel | undefined;

/** Returns the model shipped with xinfang (read once). */
export function bundledRoutingModel(file = BUNDLED_MODEL): RoutingModel {
  if (file !== BUNDLED_MODEL) return parseRoutingModel(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
  bundled ??= parseRoutingModel(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
  return bundled;
}

export function parseRoutingModel(json: string): RoutingModel {
  const model = JSON.parse(json) as RoutingModel;
  loadRouter(model); // throws on anything that is not a routing model
  return model;
}

interface Cached {
  id: string | null;
  router: Router;
  checkedAt: number;
}
const routers = new WeakMap<object, Cached>();

/** Given a context, returns the active router (the deployment's trained model, else the bundled one). */
export async function activeRouter(ctx: Pick<RoutingContext, 'db' | 'config'>, q: Queryable = ctx.db): Promise<{ id: string | null; router: Router }> {
  const now = Date.now();
  const cached = routers.get(ctx.db);
  if (cached && now - cached.checkedAt < MODEL_CHECK_MS) return cached;
  const [row] = await q
    .select({ id: routingModels.id })
    .from(routingModels)
    .where(and(eq(routingModels.region, ctx.config.REGION), eq(routingModels.active, true)))
    .orderBy(desc(routingModels.createdAt))
    .limit(1);
  const id = row?.id ?? null;
  if (cached && cached.id === id) {
    cached.checkedAt = now;
    return cached;
  }
  let router: Router;
  if (id) {
    const [full] = await q.select({ model: routingModels.model }).from(routingModels).where(and(eq(routingModels.region, ctx.config.REGION), eq(routingModels.id, id)));
    router = loadRouter(parseRoutingModel(full!.model));
  } else router = loadRouter(bundledRoutingModel());
  const next = { id, router, checkedAt: now };
  routers.set(ctx.db, next);
  return next;
}

/** Forget the cached router and lookups (after training in this process, or to see new dispatches at once). */
export function forgetActiveRouter(ctx: Pick<AppContext, 'db'>): void {
  routers.delete(ctx.db);
  historyCache.delete(ctx.db);
  unitNames.delete(ctx.db);
  rootCache.delete(ctx.db);
}

export interface RoutingInput {
  title: string | null;
  content: string;
  /** the unit path where the case arose (grid) or was received */
  placePath?: string | null;
  /** words already cut from routingText(title, content), to spare a second cut */
  words?: readonly string[];
}

/** Given a text and its place, returns the features the router reads (training reads the same). */
export function featuresFor(segmenter: Segmenter, input: RoutingInput): Int32Array {
  const text = { title: input.title, body: input.content };
  // Every unit above the place is a feature: the model learns at which level place decides the unit.
  return routingFeatures({ ...text, places: pathIds(input.placePath ?? '') }, input.words ?? segmenter.words(routingText(text)));
}

/**
 * Given a text (and where it arose), returns the suggested category and lead unit with confidences.
 * `q` is the caller's transaction when there is one (caches live with ctx.db either way).
 */
export async function suggestRouting(ctx: RoutingContext, input: RoutingInput, q: Queryable = ctx.db): Promise<RoutingSuggestionView> {
  const { id, router } = await activeRouter(ctx, q);
  const s = router.suggest(featuresFor(ctx.segmenter, input));
  const roots = await rootCategories(ctx.db, q);
  const toCategory = (label: string, confidence: number) => {
    const code = roots.byName.get(label) ?? aliases().get(label);
    const name = code ? roots.byCode.get(code) : undefined;
    return code && name ? { code, name, confidence: round(confidence) } : null;
  };
  const category = toCategory(s.category.label, s.category.confidence);
  let unit: RoutingSuggestionView['unit'] = null;
  if (s.unit) {
    const u = await unitName(ctx.db, q, s.unit.label);
    if (u) unit = { id: s.unit.label, name: u, confidence: round(s.unit.confidence), basis: 'model' };
  }
  if (!unit && category) {
    const h = await dispatchHistory(ctx, q, category.code);
    if (h) unit = { ...h, confidence: round(h.confidence * category.confidence), basis: 'history' };
  }
  return {
    category,
    categoryLabel: s.category.label,
    categoryConfidence: round(s.category.confidence),
    unit,
    alternatives: s.category.ranked
      .slice(1)
      .map((r) => toCategory(r.label, r.confidence))
      .filter((x): x is NonNullable<typeof x> => !!x),
    model: { id, source: router.model.source },
  };
}

export type RoutingContext = Pick<AppContext, 'db' | 'config' | 'segmenter'>;

const unitNames = new WeakMap<object, Map<string, { at: number; name: string | null }>>();
/** An active unit's name (cached: a suggestion per keystroke must not query the org tree each time). */
async function unitName(db: Queryable, q: Queryable, id: string): Promise<string | null> {
  let m = unitNames.get(db);
  if (!m) unitNames.set(db, (m = new Map()));
  const hit = m.get(id);
  if (hit && Date.now() - hit.at < HISTORY_TTL_MS) return hit.name;
  const [u] = await q.select({ name: orgUnits.name, active: orgUnits.active }).from(orgUnits).where(eq(orgUnits.id, id)).limit(1);
  const name = u?.active ? u.name : null;
  m.set(id, { at: Date.now(), name });
  return name;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

let aliasMap: Map<string, string> | undefined;
function aliases(): Map<string, string> {
  aliasMap ??= new Map(Object.entries((JSON.parse(fs.readFileSync(ALIASES, 'utf8')) as { aliases: Record<string, string> }).aliases));
  return aliasMap;
}

const rootCache = new WeakMap<object, { at: number; byName: Map<string, string>; byCode: Map<string, string> }>();
async function rootCategories(db: Queryable, q: Queryable) {
  const hit = rootCache.get(db);
  if (hit && Date.now() - hit.at < HISTORY_TTL_MS) return hit;
  const rows = await q.select({ code: categories.code, name: categories.name }).from(categories).where(and(eq(categories.level, 1), eq(categories.active, true)));
  const next = { at: Date.now(), byName: new Map(rows.map((r) => [r.name, r.code])), byCode: new Map(rows.map((r) => [r.code, r.name])) };
  rootCache.set(db, next);
  return next;
}

const historyCache = new WeakMap<object, Map<string, { at: number; value: { id: string; name: string; confidence: number } | null }>>();
/** The unit this deployment most often dispatched a first-level category to lately, with its share. */
async function dispatchHistory(ctx: RoutingContext, q: Queryable, rootCode: string) {
  let byCode = historyCache.get(ctx.db);
  if (!byCode) historyCache.set(ctx.db, (byCode = new Map()));
  const hit = byCode.get(rootCode);
  // No history yet is asked again sooner: a new deployment's first dispatches should count soon.
  if (hit && Date.now() - hit.at < (hit.value ? HISTORY_TTL_MS : MODEL_CHECK_MS)) return hit.value;
  const recent = q
    .select({ lead: cases.leadUnitId })
    .from(cases)
    .where(and(eq(cases.region, ctx.config.REGION), isNotNull(cases.leadUnitId), sql`left(${cases.categoryCode}, 2) = ${rootCode}`))
    .orderBy(desc(cases.receivedAt))
    .limit(HISTORY_SAMPLE)
    .as('recent');
  const rows = await q
    .select({ lead: recent.lead, n: sql<number>`count(*)::int`, total: sql<number>`sum(count(*)) over ()::int` })
    .from(recent)
    .groupBy(recent.lead)
    .orderBy(desc(sql`count(*)`))
    .limit(1);
  let value: { id: string; name: string; confidence: number } | null = null;
  const top = rows[0];
  if (top?.lead) {
    const name = await unitName(ctx.db, q, top.lead);
    if (name) value = { id: top.lead, name, confidence: Number(top.n) / Number(top.total) };
  }
  byCode.set(rootCode, { at: Date.now(), value });
  return value;
}
