/**
 * The outlines the cockpit's map draws (一图一指数, DOMAIN.md §8): one GeoJSON Polygon or MultiPolygon
 * per org unit, WGS-84 [lng, lat], in org_unit_shapes.
 *
 * - An admin imports real boundaries as a GeoJSON FeatureCollection, each feature naming its unit by
 *   `properties.code` (or `properties.id`). All or nothing, like the org import: every feature is
 *   checked first (its geometry, its unit, the admin's scope) and one bad feature imports nothing, with
 *   a report naming each bad feature in Chinese. Then every ancestor of an imported unit that has no
 *   imported outline of its own gets the union of its children's outlines (source 'union'), so a file
 *   of grids alone also draws the communities, streets and district above them.
 * - The demo district gets generated outlines (domain/cockpit/demo-map.ts, source 'generated') when it
 *   is seeded, or at the next `--seed` start of a demo database that has none yet.
 *
 * Coordinates must be WGS-84 degrees. A file in GCJ-02 (the "Mars" coordinates of Chinese web maps)
 * or CGCS2000 passes the checks — the offsets are a few hundred metres at most — and is stored as given.
 */
import { and, asc, eq, inArray, ne, or, sql } from 'drizzle-orm';
import polygonClipping from 'polygon-clipping';
import { z } from 'zod';
import { generateDemoMap, toPc, unionGeometries, type AreaGeometry, type Position } from '../domain/cockpit/demo-map.js';
import { DEMO_REGION } from '../domain/demo/org-generator.js';
import { AppError } from '../domain/errors.js';
import type { Queryable } from '../store/database.js';
import { pathIds, type UnitRow } from '../store/org-repository.js';
import { orgUnitShapes, orgUnits } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';
import { lockOrgTree } from './org-admin.js';

/** Features per file: every grid and micro-grid of a large district. */
export const MAX_SHAPE_FEATURES = 5_000;
/** Positions per file (all rings of all features): detailed boundaries, yet a few MB of JSON. */
export const MAX_SHAPE_POSITIONS = 200_000;
/** How many bad features an ORG_SHAPES_INVALID answer lists (badFeatureCount says how many there were). */
const MAX_REPORTED_FEATURES = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Kinds that have no area of their own: a department is an office, not a territory. */
const NO_AREA_KINDS = new Set(['department']);

export type ShapeSource = 'import' | 'union' | 'generated';

export interface ShapeFeature {
  type: 'Feature';
  id: string;
  properties: { id: string; name: string; kind: string; code: string; source: string };
  geometry: AreaGeometry;
}

export interface ShapeCollection {
  type: 'FeatureCollection';
  features: ShapeFeature[];
}

export interface ShapeImportResult {
  /** features stored (one outline each) */
  imported: number;
  byKind: Record<string, number>;
  /** ancestors whose outline was rebuilt as the union of their children */
  unions: number;
}

/** One bad feature of a file: its place in `features` (0-based), the unit code it named, what is wrong. */
export interface BadFeature {
  index: number;
  code: string | null;
  error: string;
}

// ——— the checks of one feature (zh-CN messages: they go back to the admin as they are) ———

const Position = z
  .array(z.number({ error: '坐标须为数字' }), { error: '坐标须为 [经度, 纬度] 数组' })
  .min(2, { error: '坐标须为 [经度, 纬度]' })
  .max(3, { error: '坐标最多 3 个数（经度、纬度、高程）' })
  .refine((p) => p.length < 2 || (Math.abs(p[0]!) <= 180 && Math.abs(p[1]!) <= 90), {
    error: '经纬度超出范围：须为 WGS-84 经纬度（经度 -180～180，纬度 -90～90），不能是投影坐标',
  });
const LinearRing = z
  .array(Position, { error: '环须为坐标数组' })
  .min(4, { error: '每个环至少 4 个坐标（首尾相同）' })
  .refine((r) => r.length < 4 || (r[0]?.[0] === r[r.length - 1]?.[0] && r[0]?.[1] === r[r.length - 1]?.[1]), { error: '环未闭合：最后一个坐标须与第一个相同' });
const PolygonCoordinates = z.array(LinearRing, { error: 'Polygon 的坐标须为环的数组' }).min(1, { error: '多边形至少有一个环' });
const Geometry = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('Polygon'), coordinates: PolygonCoordinates }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(PolygonCoordinates, { error: 'MultiPolygon 的坐标须为多边形的数组' }).min(1, { error: 'MultiPolygon 至少有一个多边形' }) }),
  ],
  { error: (issue) => (issue.input == null ? '缺少几何图形' : '几何类型须为 Polygon 或 MultiPolygon') },
);
const UnitKey = z.union([z.string(), z.number()]).transform((v) => String(v).trim());
const Feature = z.object(
  {
    type: z.literal('Feature', { error: '要素的 type 须为 "Feature"' }),
    properties: z.looseObject({ code: UnitKey.optional(), id: UnitKey.optional() }, { error: '要素缺少 properties' }),
    geometry: Geometry,
  },
  { error: '要素须为 GeoJSON Feature 对象' },
);

interface CheckedFeature {
  index: number;
  code: string | null;
  id: string | null;
  geometry: AreaGeometry | null;
  errors: string[];
}

/** Given a zod path, returns it as a reader sees it: geometry.coordinates[0][3]. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Given a raw feature and its index, returns it checked: its unit key, its geometry (altitudes dropped) and what is wrong. */
function checkFeature(raw: unknown, index: number): CheckedFeature {
  const props = typeof raw === 'object' && raw !== null ? (raw as { properties?: unknown }).properties : undefined;
  const rawCode = typeof props === 'object' && props !== null ? (props as { code?: unknown }).code : undefined;
  const out: CheckedFeature = { index, code: typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode).trim() || null : null, id: null, geometry: null, errors: [] };
  const parsed = Feature.safeParse(raw);
  if (!parsed.success) {
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const text = `${pathText(issue.path) || '要素'}：${issue.message}`;
      if (!seen.has(text)) seen.add(text);
      if (seen.size >= 3) break;
    }
    out.errors.push(...seen);
    return out;
  }
  const { properties, geometry } = parsed.data;
  out.code = properties.code || null;
  out.id = properties.id || null;
  if (!out.code && !out.id) out.errors.push('properties.code：缺少单位编码（或 properties.id 单位编号）');
  if (out.id && !UUID.test(out.id)) out.errors.push('properties.id：不是有效的单位编号');
  const flat = (ring: number[][]) => ring.map((p) => [p[0]!, p[1]!] as Position);
  out.geometry =
    geometry.type === 'Polygon'
      ? { type: 'Polygon', coordinates: geometry.coordinates.map(flat) }
      : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((poly) => poly.map(flat)) };
  // The union of its children is how an ancestor's outline is built: a shape the clipper cannot read
  // (or one with no area) would break that later, so it is refused now.
  try {
    const area = polygonClipping.union(toPc(out.geometry));
    if (area.length === 0) out.errors.push('geometry：图形面积为零（各点共线或重合）');
  } catch {
    out.errors.push('geometry：图形无法解析（可能自相交或坐标异常）');
  }
  return out;
}

/** Given a GeoJSON value, counts its positions cheaply (before any parsing), stopping past the limit. */
function countPositions(features: readonly unknown[]): number {
  let n = 0;
  const walk = (v: unknown, depth: number): void => {
    if (n > MAX_SHAPE_POSITIONS || !Array.isArray(v) || depth > 4) return;
    if (v.length > 0 && typeof v[0] === 'number') {
      n++;
      return;
    }
    for (const x of v) walk(x, depth + 1);
  };
  for (const f of features) {
    const g = typeof f === 'object' && f !== null ? (f as { geometry?: { coordinates?: unknown } }).geometry : undefined;
    walk(g?.coordinates, 0);
  }
  return n;
}

const invalid = (details: Record<string, unknown>) => new AppError('ORG_SHAPES_INVALID', details);

/**
 * Given an admin and a GeoJSON FeatureCollection, stores each feature's outline for the unit it names
 * (replacing what was there), rebuilds the union outlines of their ancestors and returns the counts;
 * ORG_SHAPES_INVALID naming every bad feature, with nothing written, when any feature is wrong.
 */
export async function importOrgShapes(ctx: AppContext, actor: StaffActor, geojson: unknown): Promise<ShapeImportResult> {
  const body = geojson as { type?: unknown; features?: unknown } | null;
  if (typeof body !== 'object' || body === null || body.type !== 'FeatureCollection' || !Array.isArray(body.features)) {
    throw invalid({ reason: 'not_feature_collection', error: '文件须为 GeoJSON FeatureCollection（含 features 数组）' });
  }
  const features = body.features as unknown[];
  if (features.length === 0) throw invalid({ reason: 'empty', error: '文件中没有要素' });
  if (features.length > MAX_SHAPE_FEATURES) {
    throw invalid({ reason: 'too_many_features', max: MAX_SHAPE_FEATURES, featureCount: features.length, error: `一次最多导入 ${MAX_SHAPE_FEATURES} 个要素，请分批导入` });
  }
  const positions = countPositions(features);
  if (positions > MAX_SHAPE_POSITIONS) {
    throw invalid({ reason: 'too_many_positions', max: MAX_SHAPE_POSITIONS, error: `坐标点总数超过 ${MAX_SHAPE_POSITIONS}，请简化边界（如在 GIS 软件中抽稀）或分批导入` });
  }
  // Parsing and clipping happen before the transaction: on the embedded engine a transaction holds every other request.
  const checked = features.map(checkFeature);

  const stored = await ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const codes = [...new Set(checked.flatMap((f) => (f.code && !f.id ? [f.code] : [])))];
    const ids = [...new Set(checked.flatMap((f) => (f.id && UUID.test(f.id) ? [f.id] : [])))];
    const byCode = new Map<string, UnitRow>();
    const byId = new Map<string, UnitRow>();
    for (let i = 0; i < codes.length; i += 5_000) for (const u of await tx.select().from(orgUnits).where(inArray(orgUnits.code, codes.slice(i, i + 5_000)))) byCode.set(u.code, u);
    for (let i = 0; i < ids.length; i += 5_000) for (const u of await tx.select().from(orgUnits).where(inArray(orgUnits.id, ids.slice(i, i + 5_000)))) byId.set(u.id, u);

    const firstFor = new Map<string, number>();
    const rows: { feature: CheckedFeature; unit: UnitRow }[] = [];
    for (const f of checked) {
      if (!f.code && !f.id) continue;
      const unit = f.id ? byId.get(f.id) : byCode.get(f.code!);
      if (f.id && !UUID.test(f.id)) continue; // already said
      if (!unit) {
        f.errors.push(f.id ? `properties.id：未找到单位 ${f.id}` : `properties.code：未找到编码为 ${f.code} 的单位`);
        continue;
      }
      if (f.id && f.code && unit.code !== f.code) f.errors.push(`properties.code：与 properties.id 所指单位的编码 ${unit.code} 不一致`);
      if (!unit.path.startsWith(actor.scopePath)) f.errors.push(`单位“${unit.name}”不在您的管理范围内`);
      if (NO_AREA_KINDS.has(unit.kind)) f.errors.push(`单位“${unit.name}”是部门，没有辖区轮廓`);
      const first = firstFor.get(unit.id);
      if (first !== undefined) f.errors.push(`单位“${unit.name}”在文件中重复出现（第一次是第 ${first} 个要素）`);
      else firstFor.set(unit.id, f.index);
      rows.push({ feature: f, unit });
    }
    const bad = checked.filter((f) => f.errors.length > 0);
    if (bad.length > 0) {
      throw invalid({
        reason: 'bad_features',
        featureCount: checked.length,
        badFeatureCount: bad.length,
        features: bad.slice(0, MAX_REPORTED_FEATURES).map((f): BadFeature => ({ index: f.index, code: f.code ?? f.id, error: f.errors.join('；') })),
      });
    }

    const now = ctx.now();
    const values = rows.map(({ feature, unit }) => ({ unitId: unit.id, geometry: feature.geometry!, source: 'import' as ShapeSource, updatedAt: now }));
    for (let i = 0; i < values.length; i += 500) {
      await tx
        .insert(orgUnitShapes)
        .values(values.slice(i, i + 500))
        .onConflictDoUpdate({ target: orgUnitShapes.unitId, set: { geometry: sql`excluded.geometry`, source: sql`excluded.source`, updatedAt: sql`excluded.updated_at` } });
    }
    const byKind: Record<string, number> = {};
    for (const { unit } of rows) byKind[unit.kind] = (byKind[unit.kind] ?? 0) + 1;
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'org.shapes_imported',
        targetType: 'org_unit',
        targetId: null,
        data: { features: rows.length, positions, byKind, codes: rows.map(({ unit }) => unit.code) },
      },
      tx,
    );
    return { units: rows.map(({ unit }) => unit), byKind };
  });

  const unions = await rebuildUnionOutlines(ctx, stored.units);
  return { imported: stored.units.length, byKind: stored.byKind, unions };
}

/**
 * Given units whose outlines changed, rebuilds the outline of each of their ancestors that has no
 * imported outline of its own as the union of its active children's outlines, deepest first; returns
 * how many it wrote. The unions are computed outside any transaction (clipping thousands of rings
 * takes a while) and written in one; an outline imported meanwhile is never overwritten.
 */
export async function rebuildUnionOutlines(ctx: AppContext, changed: readonly Pick<UnitRow, 'id' | 'path'>[]): Promise<number> {
  const changedIds = new Set(changed.map((u) => u.id));
  const ancestorIds = [...new Set(changed.flatMap((u) => pathIds(u.path).filter((id) => id !== u.id)))];
  if (ancestorIds.length === 0) return 0;
  const ancestors = await ctx.db
    .select({ id: orgUnits.id, depth: orgUnits.depth, source: orgUnitShapes.source })
    .from(orgUnits)
    .leftJoin(orgUnitShapes, eq(orgUnitShapes.unitId, orgUnits.id))
    .where(inArray(orgUnits.id, ancestorIds));
  const targets = ancestors.filter((a) => a.source !== 'import' && !changedIds.has(a.id)).sort((a, b) => b.depth - a.depth);
  if (targets.length === 0) return 0;
  // every active child, with or without an outline: a child without one may be a target itself
  const children = await ctx.db
    .select({ id: orgUnits.id, parentId: orgUnits.parentId, geometry: orgUnitShapes.geometry })
    .from(orgUnits)
    .leftJoin(orgUnitShapes, eq(orgUnitShapes.unitId, orgUnits.id))
    .where(and(inArray(orgUnits.parentId, targets.map((t) => t.id)), eq(orgUnits.active, true)));
  const shapeOf = new Map(children.flatMap((c) => (c.geometry ? [[c.id, c.geometry as AreaGeometry] as const] : [])));
  const childrenOf = new Map<string, string[]>();
  for (const c of children) childrenOf.set(c.parentId!, [...(childrenOf.get(c.parentId!) ?? []), c.id]);

  const computed: { unitId: string; geometry: AreaGeometry }[] = [];
  for (const t of targets) {
    const parts = (childrenOf.get(t.id) ?? []).map((id) => shapeOf.get(id)).filter((g): g is AreaGeometry => !!g);
    // a target's own child may be a target too: deepest first, so its new union is already in shapeOf
    if (parts.length === 0) continue;
    try {
      const union = unionGeometries(parts);
      if (!union) continue;
      shapeOf.set(t.id, union);
      computed.push({ unitId: t.id, geometry: union });
    } catch (err) {
      ctx.logger.warn({ err, unitId: t.id }, '无法合并下级轮廓 (union of child outlines failed)');
    }
  }
  if (computed.length === 0) return 0;
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    for (let i = 0; i < computed.length; i += 200) {
      await tx
        .insert(orgUnitShapes)
        .values(computed.slice(i, i + 200).map((c) => ({ ...c, source: 'union' as ShapeSource, updatedAt: now })))
        .onConflictDoUpdate({
          target: orgUnitShapes.unitId,
          set: { geometry: sql`excluded.geometry`, source: sql`excluded.source`, updatedAt: sql`excluded.updated_at` },
          setWhere: ne(orgUnitShapes.source, 'import'),
        });
    }
  });
  return computed.length;
}

/**
 * Given a unit, returns the outlines of its active children that have one, as a FeatureCollection;
 * when none has, the unit's own outline (a grid on the map of its community); empty when neither.
 * One query. With an actor, FORBIDDEN unless the unit lies in his scope (UNIT_NOT_FOUND when it is not there).
 */
export async function childShapes(ctx: AppContext, unitId: string, actor?: StaffActor | null): Promise<ShapeCollection> {
  if (actor) {
    const [unit] = UUID.test(unitId) ? await ctx.db.select({ path: orgUnits.path }).from(orgUnits).where(eq(orgUnits.id, unitId)) : [];
    if (!unit) throw new AppError('UNIT_NOT_FOUND', { unitId });
    if (!unit.path.startsWith(actor.scopePath)) throw new AppError('FORBIDDEN', { reason: 'unit_outside_scope', unitId });
  } else if (!UUID.test(unitId)) return { type: 'FeatureCollection', features: [] };
  const rows = await ctx.db
    .select({ id: orgUnits.id, name: orgUnits.name, kind: orgUnits.kind, code: orgUnits.code, geometry: orgUnitShapes.geometry, source: orgUnitShapes.source })
    .from(orgUnits)
    .innerJoin(orgUnitShapes, eq(orgUnitShapes.unitId, orgUnits.id))
    .where(or(and(eq(orgUnits.parentId, unitId), eq(orgUnits.active, true)), eq(orgUnits.id, unitId)))
    .orderBy(asc(orgUnits.code));
  const kids = rows.filter((r) => r.id !== unitId);
  const chosen = kids.length > 0 ? kids : rows;
  return {
    type: 'FeatureCollection',
    features: chosen.map((r) => ({
      type: 'Feature',
      id: r.id,
      properties: { id: r.id, name: r.name, kind: r.kind, code: r.code, source: r.source },
      geometry: r.geometry as AreaGeometry,
    })),
  };
}

/**
 * Given a context, draws the demo district's map (domain/cockpit/demo-map.ts) and stores it (source
 * 'generated'); returns how many outlines it stored. Does nothing when any outline exists already or
 * the org tree is not the demo's (no district named 云湖区): a real deployment never gets made-up borders.
 */
export async function seedDemoMap(ctx: AppContext): Promise<{ stored: number }> {
  if (await hasAnyShape(ctx.db)) return { stored: 0 };
  const units = await ctx.db
    .select({ id: orgUnits.id, parentId: orgUnits.parentId, kind: orgUnits.kind, name: orgUnits.name, code: orgUnits.code, lat: orgUnits.lat, lng: orgUnits.lng })
    .from(orgUnits)
    .where(and(eq(orgUnits.active, true), inArray(orgUnits.kind, ['city', 'district', 'street', 'community', 'grid'])));
  if (!units.some((u) => u.kind === 'district' && u.name === DEMO_REGION.district)) return { stored: 0 };
  const map = generateDemoMap(units);
  if (map.size === 0) return { stored: 0 };
  const now = ctx.now();
  const values = [...map].map(([unitId, geometry]) => ({ unitId, geometry, source: 'generated' as ShapeSource, updatedAt: now }));
  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    if (await hasAnyShape(tx)) return { stored: 0 };
    for (let i = 0; i < values.length; i += 200) await tx.insert(orgUnitShapes).values(values.slice(i, i + 200)).onConflictDoNothing();
    return { stored: values.length };
  });
}

async function hasAnyShape(q: Queryable): Promise<boolean> {
  const rows = await q.select({ id: orgUnitShapes.unitId }).from(orgUnitShapes).limit(1);
  return rows.length > 0;
}
