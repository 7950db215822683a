import { describe, expect, it } from 'vitest';
import polygonClipping from 'polygon-clipping';
import { generateDemoOrg, type DemoUnit } from '../demo/org-generator.js';
import { generateDemoMap, geometryArea, overlapArea, toPc, unionGeometries, type AreaGeometry, type MapUnit } from './demo-map.js';

const asMapUnits = (units: DemoUnit[]): MapUnit[] => units.map((u) => ({ id: u.key, parentId: u.parentKey, kind: u.kind, code: u.code, lat: u.lat, lng: u.lng }));

/** Given a geometry, returns what is wrong with it as GeoJSON (empty when nothing). */
function problems(g: AreaGeometry): string[] {
  const out: string[] = [];
  for (const poly of toPc(g)) {
    if (poly.length === 0) out.push('polygon without rings');
    for (const ring of poly) {
      if (ring.length < 4) out.push('ring under 4 positions');
      const [first, last] = [ring[0]!, ring[ring.length - 1]!];
      if (first[0] !== last[0] || first[1] !== last[1]) out.push('ring not closed');
      for (const [lng, lat] of ring) {
        if (Math.round(lng * 1e6) / 1e6 !== lng || Math.round(lat * 1e6) / 1e6 !== lat) out.push('more than 6 decimals');
        if (Math.abs(lng) > 180 || Math.abs(lat) > 90) out.push('out of range');
      }
    }
  }
  // a self-crossing ring would change area when the clipper normalises it
  const normalised = polygonClipping.union(toPc(g)).reduce((s, poly) => s + geometryArea({ type: 'Polygon', coordinates: poly }), 0);
  if (Math.abs(normalised - geometryArea(g)) > 1e-12) out.push('self-intersecting');
  return out;
}

const inside = (p: [number, number], g: AreaGeometry) => polygonClipping.intersection(toPc(g), [[[p[0] - 1e-7, p[1] - 1e-7], [p[0] + 1e-7, p[1] - 1e-7], [p[0] + 1e-7, p[1] + 1e-7], [p[0] - 1e-7, p[1] + 1e-7], [p[0] - 1e-7, p[1] - 1e-7]]]).length > 0;

describe('generateDemoMap', () => {
  it.each([20_260_301, 1, 42])('gives every grid one valid polygon and no overlap with any other grid (org seed %i)', (seed) => {
    const org = generateDemoOrg(seed);
    const map = generateDemoMap(asMapUnits(org.units));
    const grids = org.units.filter((u) => u.kind === 'grid');
    for (const g of grids) {
      const shape = map.get(g.key);
      expect(shape, g.key).toBeDefined();
      expect(shape!.type, g.key).toBe('Polygon');
      expect(problems(shape!), g.key).toEqual([]);
      expect(geometryArea(shape!)).toBeGreaterThan(0);
    }
    let overlap = 0;
    for (let i = 0; i < grids.length; i++) for (let j = i + 1; j < grids.length; j++) overlap += overlapArea(map.get(grids[i]!.key)!, map.get(grids[j]!.key)!);
    const district = map.get('district')!;
    expect(overlap / geometryArea(district)).toBeLessThan(1e-9);
    // the grids tile the district: no gap either
    const gridArea = grids.reduce((s, g) => s + geometryArea(map.get(g.key)!), 0);
    expect(Math.abs(gridArea - geometryArea(district)) / geometryArea(district)).toBeLessThan(1e-6);
    // every grid's point lies inside the district
    for (const g of grids) expect(inside([g.lng!, g.lat!], district), g.key).toBe(true);
  });

  it('draws each community and street as one piece, the union of its children, and the district as one piece', () => {
    const org = generateDemoOrg(20_260_301);
    const map = generateDemoMap(asMapUnits(org.units));
    for (const kind of ['community', 'street', 'district', 'city'] as const) {
      for (const u of org.units.filter((x) => x.kind === kind)) {
        const shape = map.get(u.key);
        expect(shape, u.key).toBeDefined();
        expect(shape!.type, `${u.key} is in one piece`).toBe('Polygon');
        expect((shape as { coordinates: unknown[] }).coordinates, `${u.key} has no holes`).toHaveLength(1);
        expect(problems(shape!), u.key).toEqual([]);
        const children = org.units.filter((c) => c.parentKey === u.key && map.has(c.key)).map((c) => map.get(c.key)!);
        expect(children.length, u.key).toBeGreaterThan(0);
        const union = unionGeometries(children)!;
        expect(Math.abs(geometryArea(union) - geometryArea(shape!)) / geometryArea(shape!)).toBeLessThan(1e-9);
      }
    }
    // neighbouring communities do not overlap either
    const communities = org.units.filter((u) => u.kind === 'community');
    for (let i = 0; i < communities.length; i++) {
      for (let j = i + 1; j < communities.length; j++) expect(overlapArea(map.get(communities[i]!.key)!, map.get(communities[j]!.key)!)).toBeLessThan(1e-12);
    }
  });

  it('gives micro-grids and departments no outline', () => {
    const org = generateDemoOrg(7);
    const map = generateDemoMap(asMapUnits(org.units));
    for (const u of org.units.filter((x) => x.kind === 'micro_grid' || x.kind === 'department')) expect(map.has(u.key), u.key).toBe(false);
    expect(map.size).toBe(org.units.filter((u) => ['city', 'district', 'street', 'community', 'grid'].includes(u.kind)).length);
  });

  it('is deterministic and does not depend on the order of the units', () => {
    const units = asMapUnits(generateDemoOrg(3).units);
    const a = generateDemoMap(units);
    const b = generateDemoMap([...units].reverse());
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    const other = generateDemoMap(units, { seed: 99 });
    expect(JSON.stringify(other.get('district'))).not.toEqual(JSON.stringify(a.get('district')));
  });

  it('copes with a tree of one located grid, and with none', () => {
    const units: MapUnit[] = [
      { id: 'd', parentId: null, kind: 'district' },
      { id: 's', parentId: 'd', kind: 'street' },
      { id: 'c', parentId: 's', kind: 'community' },
      { id: 'g1', parentId: 'c', kind: 'grid', lat: 30.4, lng: 120.3 },
      { id: 'g2', parentId: 'c', kind: 'grid' },
      { id: 'dept', parentId: 'd', kind: 'department' },
    ];
    const map = generateDemoMap(units);
    expect([...map.keys()].sort()).toEqual(['c', 'd', 'g1', 's']);
    expect(problems(map.get('g1')!)).toEqual([]);
    expect(inside([120.3, 30.4], map.get('g1')!)).toBe(true);
    expect(generateDemoMap(units.map((u) => ({ ...u, lat: null, lng: null }))).size).toBe(0);
  });
});
