/**
 * Which grid a point lies in, from the outlines imported for the cockpit's map (org_unit_shapes): a
 * request that carries coordinates but no grid (Open311) is placed in its grid, as a QR poster would
 * place it. The grids' outlines are read at most once a minute per process and tested by bounding box
 * first; a deployment without outlines places nothing.
 */
import { and, eq } from 'drizzle-orm';
import { orgUnits, orgUnitShapes } from '../store/schema.js';
import { boxOf, containsPoint, inBox, type AreaGeometry, type Box } from '../domain/geo/point-in-shape.js';
import type { AppContext } from './context.js';

const REFRESH_MS = 60_000;

interface GridArea {
  id: string;
  box: Box;
  geometry: AreaGeometry;
}

const cache = new WeakMap<AppContext, { at: number; grids: Promise<GridArea[]> }>();

async function loadGrids(ctx: AppContext): Promise<GridArea[]> {
  const rows = await ctx.db
    .select({ id: orgUnits.id, geometry: orgUnitShapes.geometry })
    .from(orgUnitShapes)
    .innerJoin(orgUnits, eq(orgUnits.id, orgUnitShapes.unitId))
    .where(and(eq(orgUnits.kind, 'grid'), eq(orgUnits.active, true)));
  return rows.map((r) => ({ id: r.id, geometry: r.geometry as AreaGeometry, box: boxOf(r.geometry as AreaGeometry) }));
}

/** Given a point (WGS-84 degrees), returns the id of the active grid whose outline holds it, or null. */
export async function locateGrid(ctx: AppContext, lat: number, lng: number): Promise<string | null> {
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return null;
  const now = Date.now();
  let entry = cache.get(ctx);
  if (!entry || now - entry.at > REFRESH_MS) {
    entry = { at: now, grids: loadGrids(ctx) };
    cache.set(ctx, entry);
    entry.grids.catch(() => cache.delete(ctx));
  }
  const grids = await entry.grids;
  return grids.find((g) => inBox(g.box, lng, lat) && containsPoint(g.geometry, lng, lat))?.id ?? null;
}
