/**
 * Which outline a point lies in (pure): GeoJSON Polygon or MultiPolygon in [lng, lat] degrees, holes
 * respected, by the even-odd ray test in the plane — a grid is a few hundred metres across, where the
 * earth's curve does not matter. A point exactly on an edge may fall to either side.
 */

type Ring = number[][];
export type AreaGeometry = { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };

export interface Box {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** Given a ring and a point, returns whether the point lies inside the ring (even-odd rule). */
function inRing(ring: Ring, lng: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Given a polygon's rings (outer first, then holes) and a point, returns whether the point is inside. */
function inPolygon(rings: Ring[], lng: number, lat: number): boolean {
  if (rings.length === 0 || !inRing(rings[0]!, lng, lat)) return false;
  return !rings.slice(1).some((hole) => inRing(hole, lng, lat));
}

/** Given an area and a point, returns whether the point lies inside it. */
export function containsPoint(g: AreaGeometry, lng: number, lat: number): boolean {
  if (g.type === 'Polygon') return inPolygon(g.coordinates, lng, lat);
  return g.coordinates.some((p) => inPolygon(p, lng, lat));
}

/** Given an area, returns its bounding box. */
export function boxOf(g: AreaGeometry): Box {
  const box = { minLng: Infinity, minLat: Infinity, maxLng: -Infinity, maxLat: -Infinity };
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const rings of polygons) {
    for (const [lng, lat] of rings[0] ?? []) {
      box.minLng = Math.min(box.minLng, lng!);
      box.maxLng = Math.max(box.maxLng, lng!);
      box.minLat = Math.min(box.minLat, lat!);
      box.maxLat = Math.max(box.maxLat, lat!);
    }
  }
  return box;
}

/** Given a box and a point, returns whether the point lies within the box. */
export function inBox(b: Box, lng: number, lat: number): boolean {
  return lng >= b.minLng && lng <= b.maxLng && lat >= b.minLat && lat <= b.maxLat;
}
