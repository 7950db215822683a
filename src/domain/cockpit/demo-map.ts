/**
 * Outlines for the cockpit's map (一图一指数, DOMAIN.md §8) when a deployment has no real boundaries:
 * the demo district, drawn from the points its grids stand on. Pure and deterministic: the same units
 * and seed give the same map.
 *
 * How the map is cut, top down, so every unit is one piece inside its parent:
 * - the district: an irregular outline around all its grid points (their convex hull, pushed out by a
 *   margin that wobbles with the angle — a star-shaped ring, so never self-crossing);
 * - its streets: the Voronoi cells of the streets' centres (the mean of their grid points) clipped to
 *   that outline; each street's communities: the Voronoi of the communities' centres clipped to the
 *   street's cell; each community's grids: the Voronoi of the grid points clipped to the community's
 *   cell. A Voronoi of all grids at once would give a community scattered pieces wherever grids of two
 *   communities interleave; cutting level by level keeps each community and street in one piece. At each
 *   level a few Lloyd steps move the sites towards their cells' centroids: the demo's points cluster
 *   tightly, and raw Voronoi cells of clustered points are slivers beside vast wedges. So a grid's cell
 *   lies around where its point is, not always over it.
 * - then, bottom up, every non-leaf outline is the union of its children's rounded outlines (so a
 *   community's outline is exactly its grids' outlines put together).
 *
 * Coordinates are WGS-84 [lng, lat] rounded to 6 decimals (~0.1 m). The cutting happens in a local
 * plane where a degree of longitude is shortened by cos(latitude), so cells are not stretched east–west.
 * Micro-grids and departments get no outline.
 */
import { Delaunay } from 'd3-delaunay';
import polygonClipping from 'polygon-clipping';
import type { MultiPolygon as PcMultiPolygon, Pair, Polygon as PcPolygon, Ring } from 'polygon-clipping';
import { createRng, type Rng } from '../demo/prng.js';

/** A GeoJSON position: [longitude, latitude]. */
export type Position = [number, number];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
/** A GeoJSON area geometry, as org_unit_shapes.geometry holds it. */
export type AreaGeometry = PolygonGeometry | MultiPolygonGeometry;

/** One org unit as the map needs it (DemoUnit keys or database ids both fit). */
export interface MapUnit {
  id: string;
  parentId: string | null;
  kind: string;
  /** Sorts siblings, so the map does not depend on the input order. */
  code?: string;
  lat?: number | null;
  lng?: number | null;
}

export interface DemoMapOptions {
  /** Seeds the wobble of the district's outline. */
  seed?: number;
}

export const DEMO_MAP_SEED = 20_260_301;

/** Lloyd relaxation steps per level: enough to even the cells out, few enough to keep them near their points. */
const LLOYD_STEPS = 4;
/** The kinds that get an area; micro-grids and departments do not. */
const AREA_KINDS = new Set(['city', 'district', 'street', 'community', 'grid']);

/**
 * Given org units and options, returns an outline per city, district, street, community and grid
 * that has located grids under it (or a location of its own), keyed by unit id.
 */
export function generateDemoMap(units: readonly MapUnit[], opts: DemoMapOptions = {}): Map<string, AreaGeometry> {
  const rng = createRng(opts.seed ?? DEMO_MAP_SEED);
  const areaUnits = units.filter((u) => AREA_KINDS.has(u.kind));
  const byId = new Map(areaUnits.map((u) => [u.id, u]));
  const children = new Map<string, MapUnit[]>();
  const roots: MapUnit[] = [];
  for (const u of areaUnits) {
    if (u.parentId && byId.has(u.parentId)) {
      const list = children.get(u.parentId);
      if (list) list.push(u);
      else children.set(u.parentId, [u]);
    } else roots.push(u);
  }
  const order = (a: MapUnit, b: MapUnit) => ((a.code ?? a.id) < (b.code ?? b.id) ? -1 : (a.code ?? a.id) > (b.code ?? b.id) ? 1 : 0);
  for (const list of children.values()) list.sort(order);
  roots.sort(order);
  const kids = (u: MapUnit) => children.get(u.id) ?? [];

  const located = areaUnits.filter(hasPoint);
  if (located.length === 0) return new Map();
  // the middle of the bounding box, not a mean: a sum's rounding would depend on the input order
  const lat0 = (Math.min(...located.map((u) => u.lat)) + Math.max(...located.map((u) => u.lat))) / 2;
  const lng0 = (Math.min(...located.map((u) => u.lng)) + Math.max(...located.map((u) => u.lng))) / 2;
  const plane = makePlane(lat0, lng0);

  // The points a unit's area must cover: its located grids, else its own location.
  const pointMemo = new Map<string, Pair[]>();
  const pointsOf = (u: MapUnit): Pair[] => {
    const known = pointMemo.get(u.id);
    if (known) return known;
    let pts: Pair[] = u.kind === 'grid' ? [] : kids(u).flatMap(pointsOf);
    if (pts.length === 0 && hasPoint(u)) pts = [plane.toPlane(u.lng, u.lat)];
    pointMemo.set(u.id, pts);
    return pts;
  };
  const siteOf = (u: MapUnit): Pair | null => {
    const pts = pointsOf(u);
    return pts.length ? mean(pts) : null;
  };

  // Top down: each district's outline, cut level by level into its children's cells.
  const leaves = new Map<string, PcMultiPolygon>();
  const divide = (u: MapUnit, region: PcMultiPolygon, anchor: Pair) => {
    const sited = kids(u)
      .map((c) => ({ unit: c, site: siteOf(c) }))
      .filter((c): c is { unit: MapUnit; site: Pair } => c.site !== null);
    if (sited.length === 0) {
      leaves.set(u.id, region);
      return;
    }
    let sites = separate(sited.map((c) => pullInside(c.site, region, anchor)));
    let cells = voronoiCells(sites, region);
    // A few Lloyd steps (each site to its cell's centroid): the clustered demo points would otherwise
    // leave slivers beside huge cells; a few steps even them out and keep the neighbours in order.
    // A step whose cells do not tile the region (sites drawn into a line) is not taken.
    const regionArea = multiArea(region);
    for (let step = 0; step < LLOYD_STEPS && sites.length > 1; step++) {
      const moved = separate(sites.map((s, i) => centroidOf(cells[i]!) ?? s));
      const next = voronoiCells(moved, region);
      if (!tiles(next, regionArea)) break;
      sites = moved;
      cells = next;
    }
    sited.forEach((c, i) => {
      const cell = cells[i];
      if (cell && cell.length) divide(c.unit, cell, sites[i]!);
    });
  };
  const walkDistricts = (u: MapUnit) => {
    if (u.kind === 'district') {
      const pts = pointsOf(u);
      if (pts.length === 0) return;
      const { outline, centre } = districtOutline(pts, rng.fork(`outline:${u.code ?? u.id}`));
      divide(u, [[outline]], centre);
      return;
    }
    kids(u).forEach(walkDistricts);
  };
  roots.forEach(walkDistricts);

  // Where a cell's edge passes a neighbour's corner (the neighbour was cut inside another parent), the
  // corner goes into the edge too: rounded separately, the two would no longer meet exactly.
  resolveTJunctions(leaves);

  // Bottom up: leaves rounded in degrees; every other unit the union of its children.
  const out = new Map<string, AreaGeometry>();
  const build = (u: MapUnit): AreaGeometry | null => {
    const leaf = leaves.get(u.id);
    let shape: AreaGeometry | null = null;
    if (leaf) {
      shape = toGeometry(cleanMulti(leaf.map((poly) => poly.map((ring) => ring.map(([x, y]) => plane.toLngLat(x, y))))));
    } else {
      const parts = kids(u)
        .map(build)
        .filter((g): g is AreaGeometry => g !== null);
      if (parts.length) shape = unionGeometries(parts);
    }
    if (shape) out.set(u.id, shape);
    return shape;
  };
  roots.forEach(build);
  return out;
}

/**
 * Given area geometries, returns their union as one geometry (a Polygon when it is one piece), rounded
 * to 6 decimals, without the slivers and pinholes that rounding leaves along shared edges; null when
 * the union is empty.
 */
export function unionGeometries(parts: readonly AreaGeometry[]): AreaGeometry | null {
  if (parts.length === 0) return null;
  const [first, ...rest] = parts.map(toPc);
  const merged = rest.length ? polygonClipping.union(first!, ...rest) : polygonClipping.union(first!);
  return toGeometry(cleanMulti(merged, { dropSlivers: true }));
}

/** Given an area geometry, returns its area in square degrees (holes subtracted; planar, for comparisons). */
export function geometryArea(g: AreaGeometry): number {
  return multiArea(toPc(g));
}

/** Given two area geometries, returns the area (square degrees) they share. */
export function overlapArea(a: AreaGeometry, b: AreaGeometry): number {
  return multiArea(polygonClipping.intersection(toPc(a), toPc(b)));
}

/** Given an area geometry, returns it as a polygon-clipping MultiPolygon. */
export function toPc(g: AreaGeometry): PcMultiPolygon {
  return g.type === 'Polygon' ? [g.coordinates as Ring[]] : (g.coordinates as Ring[][]);
}

// ——— geometry in the local plane ———

interface Plane {
  toPlane(lng: number, lat: number): Pair;
  toLngLat(x: number, y: number): Pair;
}

/**
 * Given a reference point, returns an equirectangular plane around it, in kilometres (x east, y north).
 * Kilometres, not degrees: d3-delaunay takes a triangle with a cross product under 1e-9 for collinear,
 * which in degrees (sides of ~0.005) a perfectly good triangle of grids can be.
 */
function makePlane(lat0: number, lng0: number): Plane {
  const KM_PER_DEG = 111.32;
  const kx = Math.cos((lat0 * Math.PI) / 180) * KM_PER_DEG;
  return {
    toPlane: (lng, lat) => [(lng - lng0) * kx, (lat - lat0) * KM_PER_DEG],
    toLngLat: (x, y) => [x / kx + lng0, y / KM_PER_DEG + lat0],
  };
}

function hasPoint(u: MapUnit): u is MapUnit & { lat: number; lng: number } {
  return typeof u.lat === 'number' && typeof u.lng === 'number' && Number.isFinite(u.lat) && Number.isFinite(u.lng);
}

function mean(pts: readonly Pair[]): Pair {
  let x = 0;
  let y = 0;
  for (const [px, py] of pts) {
    x += px;
    y += py;
  }
  return [x / pts.length, y / pts.length];
}

/**
 * Given the points of a district and an Rng, returns a ring around all of them — the convex hull pushed
 * out by a margin that varies smoothly with the angle, plus a little roughness — and a point inside it.
 */
function districtOutline(pts: readonly Pair[], rng: Rng): { outline: Ring; centre: Pair } {
  const unique = [...new Map(pts.map((p) => [`${p[0]},${p[1]}`, p])).values()];
  const hull = unique.length >= 3 ? Array.from(Delaunay.from(unique).hullPolygon(), (p) => [p[0], p[1]] as Pair) : [];
  const hullArea = hull.length >= 4 ? Math.abs(ringArea(hull)) : 0;
  const flat = hullArea < 1e-6; // km²: the points are (nearly) on a line
  const centre = flat ? mean(unique) : mean(hull.slice(0, -1));
  const spread = Math.max(...unique.map((p) => Math.hypot(p[0] - centre[0], p[1] - centre[1])));
  // In km: a few hundred metres to a couple of km beyond the outermost grids.
  const margin = Math.max(0.3, flat ? 0.3 * spread : 0.06 * Math.sqrt(hullArea));
  const waves = [2, 3, 4, 5, 7].map((k) => ({ k, a: 1 / k, phase: rng.float(0, 2 * Math.PI) }));
  const waveSum = waves.reduce((s, w) => s + w.a, 0);
  const wobble = (t: number) => waves.reduce((s, w) => s + w.a * Math.sin(w.k * t + w.phase), 0) / waveSum; // in [-1, 1]
  const slow = [1, 2].map((k) => ({ k, phase: rng.float(0, 2 * Math.PI) }));
  const bulge = (t: number) => slow.reduce((s, w) => s + Math.sin(w.k * t + w.phase), 0) / slow.length;

  const N = 96;
  const ring: Ring = [];
  for (let i = 0; i < N; i++) {
    const t = (2 * Math.PI * i) / N;
    const d: Pair = [Math.cos(t), Math.sin(t)];
    const inner = flat ? spread : rayToConvexRing(centre, d, hull);
    // Never closer than the hull plus a fifth of the margin: every grid point stays inside.
    const r = inner * (1 + 0.04 * (1 + bulge(t))) + margin * (0.6 + 0.4 * wobble(t) + rng.float(-0.15, 0.15));
    ring.push([centre[0] + r * d[0], centre[1] + r * d[1]]);
  }
  ring.push(ring[0]!);
  return { outline: ring, centre };
}

/** Given a point inside a convex closed ring and a unit direction, returns the distance to the ring along it. */
function rayToConvexRing(c: Pair, d: Pair, ring: readonly Pair[]): number {
  let best = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    const ex = b[0] - a[0];
    const ey = b[1] - a[1];
    const den = d[0] * ey - d[1] * ex;
    if (Math.abs(den) < 1e-18) continue;
    const wx = a[0] - c[0];
    const wy = a[1] - c[1];
    const t = (wx * ey - wy * ex) / den;
    const s = (wx * d[1] - wy * d[0]) / den;
    if (t > best && s >= -1e-9 && s <= 1 + 1e-9) best = t;
  }
  return best;
}

/**
 * Given sites and a region, returns each site's Voronoi cell clipped to the region (index for index;
 * empty when nothing of it lies inside).
 */
function voronoiCells(sites: readonly Pair[], region: PcMultiPolygon): PcMultiPolygon[] {
  if (sites.length === 1) return [region];
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of [...sites, ...region.flat(1).flat(1)]) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const pad = Math.max(x1 - x0, y1 - y0) * 0.1 + 1e-6;
  const voronoi = Delaunay.from(sites).voronoi([x0 - pad, y0 - pad, x1 + pad, y1 + pad]);
  return sites.map((_, i) => {
    const cell = voronoi.cellPolygon(i) as Pair[] | null;
    if (!cell || cell.length < 4) return [];
    return polygonClipping.intersection(region, [cell.map((p) => [p[0], p[1]] as Pair)]);
  });
}

/**
 * Given a site, a region and a point inside the region, returns the site, or — when it lies outside —
 * the point where the segment from the anchor towards it is still just inside.
 */
function pullInside(site: Pair, region: PcMultiPolygon, anchor: Pair): Pair {
  if (insideMulti(site, region)) return site;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (insideMulti([anchor[0] + mid * (site[0] - anchor[0]), anchor[1] + mid * (site[1] - anchor[1])], region)) lo = mid;
    else hi = mid;
  }
  const t = lo * 0.9;
  return [anchor[0] + t * (site[0] - anchor[0]), anchor[1] + t * (site[1] - anchor[1])];
}

/** Given sites, returns them with exact duplicates nudged apart (a duplicate would get no Voronoi cell). */
function separate(sites: Pair[]): Pair[] {
  const seen = new Set<string>();
  return sites.map((p, i) => {
    let q = p;
    while (seen.has(`${q[0]},${q[1]}`)) q = [q[0] + 1e-5 * (i + 1), q[1] + 1e-5];
    seen.add(`${q[0]},${q[1]}`);
    return q;
  });
}

/** Even–odd point in polygon over every ring of every part. */
function insideMulti(p: Pair, mp: PcMultiPolygon): boolean {
  let inside = false;
  for (const poly of mp) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const a = ring[i]!;
        const b = ring[j]!;
        if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
      }
    }
  }
  return inside;
}

/**
 * Given outlines that tile a region, inserts into every edge each other outline's corner that lies on
 * it (in place), so neighbours share the same corners along their common edges.
 */
function resolveTJunctions(shapes: Map<string, PcMultiPolygon>): void {
  const EPS = 1e-8; // km: 10 µm
  const BUCKET = 0.2;
  const key = (bx: number, by: number) => `${bx},${by}`;
  const buckets = new Map<string, Pair[]>();
  for (const mp of shapes.values()) {
    for (const p of mp.flat(1).flat(1)) {
      const k = key(Math.floor(p[0] / BUCKET), Math.floor(p[1] / BUCKET));
      const list = buckets.get(k);
      if (list) list.push(p);
      else buckets.set(k, [p]);
    }
  }
  for (const [id, mp] of shapes) {
    shapes.set(
      id,
      mp.map((poly) =>
        poly.map((ring) => {
          const out: Ring = [];
          for (let i = 0; i + 1 < ring.length; i++) {
            const a = ring[i]!;
            const b = ring[i + 1]!;
            out.push(a);
            const dx = b[0] - a[0];
            const dy = b[1] - a[1];
            const len2 = dx * dx + dy * dy;
            if (len2 === 0) continue;
            const on: { t: number; p: Pair }[] = [];
            const seen = new Set<string>();
            for (let bx = Math.floor((Math.min(a[0], b[0]) - EPS) / BUCKET); bx <= Math.floor((Math.max(a[0], b[0]) + EPS) / BUCKET); bx++) {
              for (let by = Math.floor((Math.min(a[1], b[1]) - EPS) / BUCKET); by <= Math.floor((Math.max(a[1], b[1]) + EPS) / BUCKET); by++) {
                for (const p of buckets.get(key(bx, by)) ?? []) {
                  const t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
                  if (t <= 0 || t >= 1) continue;
                  const dist = Math.abs((p[0] - a[0]) * dy - (p[1] - a[1]) * dx) / Math.sqrt(len2);
                  const pk = `${p[0]},${p[1]}`;
                  if (dist > EPS || seen.has(pk) || (p[0] === a[0] && p[1] === a[1]) || (p[0] === b[0] && p[1] === b[1])) continue;
                  seen.add(pk);
                  on.push({ t, p });
                }
              }
            }
            on.sort((x, y) => x.t - y.t);
            for (const { p } of on) out.push(p);
          }
          out.push(ring[ring.length - 1]!);
          return out;
        }),
      ),
    );
  }
}

/** Given a MultiPolygon, returns its area-weighted centroid; null when it has no area. */
function centroidOf(mp: PcMultiPolygon): Pair | null {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (const poly of mp) {
    for (const ring of poly) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const p = ring[j]!;
        const q = ring[i]!;
        const cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
      }
    }
  }
  if (Math.abs(a) < 1e-18) return null;
  return [cx / (3 * a), cy / (3 * a)];
}

/** Shoelace area of a ring (positive counter-clockwise). */
function ringArea(ring: readonly Pair[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return s / 2;
}

function multiArea(mp: PcMultiPolygon): number {
  return mp.reduce((s, poly) => s + polygonArea(poly), 0);
}

/** Given cells and the area of the region they were cut from, returns whether they tile it: none empty, none overlapping. */
function tiles(cells: readonly PcMultiPolygon[], regionArea: number): boolean {
  const areas = cells.map(multiArea);
  return areas.every((a) => a > 0) && Math.abs(areas.reduce((s, a) => s + a, 0) - regionArea) <= regionArea * 1e-6;
}

function polygonArea(poly: PcPolygon): number {
  const [outer, ...holes] = poly;
  if (!outer) return 0;
  return Math.abs(ringArea(outer)) - holes.reduce((s, h) => s + Math.abs(ringArea(h)), 0);
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Given a MultiPolygon in degrees, returns it rounded to 6 decimals with closed rings, without repeated
 * points and without rings that rounding collapsed; with dropSlivers, also without holes and parts
 * smaller than a millionth of the whole (what rounding leaves between neighbours that should touch).
 */
function cleanMulti(mp: PcMultiPolygon, opts: { dropSlivers?: boolean } = {}): PcMultiPolygon {
  const rings = (poly: PcPolygon): PcPolygon =>
    poly
      .map((ring) => {
        const r: Ring = [];
        for (const [x, y] of ring) {
          const p: Pair = [round6(x), round6(y)];
          const last = r[r.length - 1];
          if (!last || last[0] !== p[0] || last[1] !== p[1]) r.push(p);
        }
        const first = r[0];
        const last = r[r.length - 1];
        if (first && last && (first[0] !== last[0] || first[1] !== last[1])) r.push([first[0], first[1]]);
        return r;
      })
      .filter((r) => r.length >= 4 && Math.abs(ringArea(r)) > 0);
  let out = mp.map(rings).filter((poly) => poly.length > 0);
  if (opts.dropSlivers) {
    const total = out.reduce((s, poly) => s + polygonArea(poly), 0);
    const tiny = total * 1e-6;
    out = out
      .filter((poly) => Math.abs(ringArea(poly[0]!)) > tiny)
      .map(([outer, ...holes]) => [outer!, ...holes.filter((h) => Math.abs(ringArea(h)) > tiny)]);
  }
  return out;
}

/** Given a MultiPolygon, returns a GeoJSON geometry: a Polygon when it is one piece; null when empty. */
function toGeometry(mp: PcMultiPolygon): AreaGeometry | null {
  if (mp.length === 0) return null;
  if (mp.length === 1) return { type: 'Polygon', coordinates: mp[0] as Position[][] };
  return { type: 'MultiPolygon', coordinates: mp as Position[][][] };
}
