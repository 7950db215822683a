/**
 * The cockpit map's outlines: an admin's GeoJSON import (all or nothing, each bad feature named, the
 * ancestors' outlines rebuilt as unions), the outlines under a unit, and the demo district's map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, orgUnitShapes, orgUnits } from '../src/store/schema.js';
import { childShapes, importOrgShapes, seedDemoMap } from '../src/services/org-shapes.js';
import { geometryArea, overlapArea, type AreaGeometry } from '../src/domain/cockpit/demo-map.js';
import { generateDemoOrg } from '../src/domain/demo/org-generator.js';
import { createUser, placeUnder } from '../src/services/org-units.js';
import { AppError } from '../src/domain/errors.js';

type Client = Awaited<ReturnType<typeof loginAs>>;

/** A closed square ring [lng0, lat0]–[lng1, lat1], counter-clockwise. */
const box = (lng0: number, lat0: number, lng1: number, lat1: number): number[][] => [
  [lng0, lat0],
  [lng1, lat0],
  [lng1, lat1],
  [lng0, lat1],
  [lng0, lat0],
];
const feature = (props: Record<string, unknown>, coordinates: unknown, type = 'Polygon') => ({ type: 'Feature', properties: props, geometry: { type, coordinates } });
const collection = (features: unknown[]) => ({ type: 'FeatureCollection', features });

// Grid A1 and A2 side by side (community A), grid B1 above both (community B).
const A1 = box(120.3, 30.4, 120.31, 30.41);
const A2 = box(120.31, 30.4, 120.32, 30.41);
const B1 = box(120.3, 30.41, 120.32, 30.42);

for (const kind of DB_KINDS) {
  describe(`map outlines: import and read [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Client;
    let supervisor: Client;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      supervisor = await loginAs(server, org.usernames.supervisor!);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const shapeRows = () => t.ctx.db.select().from(orgUnitShapes);
    const shapeOf = async (unitId: string) => (await t.ctx.db.select().from(orgUnitShapes).where(eq(orgUnitShapes.unitId, unitId)))[0];

    it('refuses a file with a bad feature in the middle, naming each bad feature, and stores nothing', async () => {
      const res = await admin.post(
        '/api/admin/org-shapes',
        collection([
          feature({ code: '330110001001001' }, [A1]),
          feature({ code: '330110001001002' }, [A2.slice(0, 4)]), // ring not closed
          feature({ code: '330110002001001' }, [B1]),
          feature({ code: '330110009009009' }, [B1]), // no such unit
          feature({ code: '330110900002' }, [B1]), // a department
          feature({ code: '330110002001001' }, [[[120.3, 30.41], [420.32, 30.41], [120.32, 30.42], [120.3, 30.41]]]), // out of range
        ]),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.code).toBe('ORG_SHAPES_INVALID');
      expect(res.body.message).toContain('未导入');
      expect(res.body.details).toMatchObject({ reason: 'bad_features', featureCount: 6, badFeatureCount: 4 });
      const bad = res.body.details.features as Array<{ index: number; code: string; error: string }>;
      expect(bad.map((f) => [f.index, f.code])).toEqual([
        [1, '330110001001002'],
        [3, '330110009009009'],
        [4, '330110900002'],
        [5, '330110002001001'],
      ]);
      expect(bad[0]!.error).toContain('环未闭合');
      expect(bad[0]!.error).toContain('geometry.coordinates[0]');
      expect(bad[1]!.error).toContain('未找到编码为 330110009009009 的单位');
      expect(bad[2]!.error).toContain('部门');
      expect(bad[3]!.error).toContain('经纬度超出范围');
      expect(await shapeRows()).toHaveLength(0);
      expect(await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'org.shapes_imported'))).toHaveLength(0);
    });

    it('refuses what is not a FeatureCollection, and a unit named twice', async () => {
      expect((await admin.post('/api/admin/org-shapes', { type: 'Feature', features: [] })).status).toBe(400);
      const twice = await admin.post('/api/admin/org-shapes', collection([feature({ code: '330110001001001' }, [A1]), feature({ id: org.units.gridA1 }, [A1])]));
      expect(twice.status).toBe(400);
      expect(twice.body.details.features).toEqual([expect.objectContaining({ index: 1, error: expect.stringContaining('重复') })]);
      const noKey = await admin.post('/api/admin/org-shapes', collection([feature({ name: '无编码' }, [A1])]));
      expect(noKey.status).toBe(400);
      expect(noKey.body.details.features[0].error).toContain('properties.code');
      expect(await shapeRows()).toHaveLength(0);
    });

    it('a non-admin is refused with 403; an admin scoped to one street cannot draw another street', async () => {
      const body = collection([feature({ code: '330110001001001' }, [A1])]);
      expect((await supervisor.post('/api/admin/org-shapes', body)).status).toBe(403);
      expect((await supervisor.get(`/api/admin/org-shapes/${org.units.district}`)).status).toBe(403);
      expect((await client(server).post('/api/admin/org-shapes', body)).status).toBe(401);

      await createUser(t.ctx.db, { username: 'admin.street-a', displayName: '街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetA, scopeUnitId: org.units.streetA });
      const local = await loginAs(server, 'admin.street-a');
      const res = await local.post('/api/admin/org-shapes', collection([feature({ code: '330110001001001' }, [A1]), feature({ code: '330110002001001' }, [B1])]));
      expect(res.status).toBe(400);
      expect(res.body.details.features).toEqual([{ index: 1, code: '330110002001001', error: expect.stringContaining('不在您的管理范围内') }]);
      expect((await local.get(`/api/admin/org-shapes/${org.units.streetB}`)).status).toBe(403);
      expect(await shapeRows()).toHaveLength(0);
    });

    it('stores the grids of a good file and draws every ancestor as the union of its children', async () => {
      const res = await admin.post(
        '/api/admin/org-shapes',
        collection([
          feature({ code: '330110001001001', name: '第1网格' }, [A1]),
          feature({ id: org.units.gridA2 }, [A2.map(([lng, lat]) => [lng, lat, 12.5])]), // an altitude is dropped
          feature({ code: 330110002001001 }, [[B1]], 'MultiPolygon'), // a numeric code, as GIS tools write it
        ]),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // communityA, streetA, communityB, streetB, district, city
      expect(res.body).toEqual({ imported: 3, byKind: { grid: 3 }, unions: 6 });

      const a2 = (await shapeOf(org.units.gridA2))!;
      expect(a2.source).toBe('import');
      expect((a2.geometry as AreaGeometry).coordinates).toEqual([A2]);
      const community = (await shapeOf(org.units.communityA))!;
      expect(community.source).toBe('union');
      const communityShape = community.geometry as AreaGeometry;
      expect(communityShape.type).toBe('Polygon');
      expect(geometryArea(communityShape)).toBeCloseTo(0.02 * 0.01, 9);
      expect(overlapArea(communityShape, { type: 'Polygon', coordinates: [box(120.3, 30.4, 120.32, 30.41)] as [number, number][][] })).toBeCloseTo(0.0002, 9);
      for (const id of [org.units.streetA, org.units.communityB, org.units.streetB]) expect((await shapeOf(id))!.source).toBe('union');
      const district = (await shapeOf(org.units.district))!.geometry as AreaGeometry;
      expect(geometryArea(district)).toBeCloseTo(0.02 * 0.02, 9);
      expect((await shapeOf(org.units.city))!.source).toBe('union');
      expect(await shapeOf(org.units.bureau)).toBeUndefined();

      const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'org.shapes_imported'));
      expect(audit).toMatchObject({ actorId: org.actors.admin.userId, data: expect.objectContaining({ features: 3, byKind: { grid: 3 } }) });
    });

    it('returns the outlines of a unit\'s children, or a leaf\'s own outline', async () => {
      const streets = await admin.get(`/api/admin/org-shapes/${org.units.district}`);
      expect(streets.status).toBe(200);
      expect(streets.body.type).toBe('FeatureCollection');
      expect(streets.body.features.map((f: { properties: { id: string } }) => f.properties.id).sort()).toEqual([org.units.streetA, org.units.streetB].sort());
      expect(streets.body.features[0]).toMatchObject({ type: 'Feature', properties: { name: '南苑街道', kind: 'street', code: '330110001000', source: 'union' }, geometry: { type: 'Polygon' } });

      const grids = await childShapes(t.ctx, org.units.communityA);
      expect(grids.features.map((f) => f.properties.code)).toEqual(['330110001001001', '330110001001002']);
      expect(grids.features[0]!.geometry).toEqual({ type: 'Polygon', coordinates: [A1] });

      const leaf = await childShapes(t.ctx, org.units.gridA1);
      expect(leaf.features).toHaveLength(1);
      expect(leaf.features[0]!.properties).toMatchObject({ id: org.units.gridA1, kind: 'grid', source: 'import' });

      expect((await childShapes(t.ctx, org.units.bureau)).features).toEqual([]);
      expect((await admin.get(`/api/admin/org-shapes/${crypto.randomUUID()}`)).status).toBe(404);
    });

    it('keeps an imported outline of an ancestor when its children change; a new grid outline reshapes the unions', async () => {
      const big = box(120.29, 30.39, 120.33, 30.415);
      const res = await admin.post('/api/admin/org-shapes', collection([feature({ code: '330110001001' }, [big])]));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ imported: 1, byKind: { community: 1 }, unions: 3 }); // street A, district, city
      // A grid of community A is redrawn: community A keeps its own imported outline, the street is rebuilt from it.
      const again = await importOrgShapes(t.ctx, org.actors.admin, collection([feature({ code: '330110001001001' }, [box(120.3, 30.4, 120.305, 30.41)])]));
      expect(again).toEqual({ imported: 1, byKind: { grid: 1 }, unions: 3 }); // not community A: street A, district, city
      expect((await shapeOf(org.units.communityA))!.source).toBe('import');
      expect((await shapeOf(org.units.communityA))!.geometry).toEqual({ type: 'Polygon', coordinates: [big] });
      const street = (await shapeOf(org.units.streetA))!;
      expect(street.source).toBe('union');
      expect(geometryArea(street.geometry as AreaGeometry)).toBeCloseTo(0.04 * 0.025, 9);
    });

    it('takes application/geo+json and refuses files over the limits', async () => {
      const geo = await admin.raw('POST', '/api/admin/org-shapes', JSON.stringify(collection([feature({ code: '330110002001001' }, [B1])])), { 'content-type': 'application/geo+json' });
      expect(geo.status, JSON.stringify(geo.body)).toBe(200);
      const many = collection(Array.from({ length: 5_001 }, () => feature({ code: '330110002001001' }, [B1])));
      expect((await admin.post('/api/admin/org-shapes', many)).status).toBe(400);
      await expect(importOrgShapes(t.ctx, org.actors.admin, many)).rejects.toMatchObject({ code: 'ORG_SHAPES_INVALID', details: { reason: 'too_many_features' } });
      const dense = Array.from({ length: 200_010 }, (_, i) => [120.3 + (i % 1000) * 1e-6, 30.4 + Math.floor(i / 1000) * 1e-6]);
      dense.push(dense[0]!);
      await expect(importOrgShapes(t.ctx, org.actors.admin, collection([feature({ code: '330110002001001' }, [dense])]))).rejects.toBeInstanceOf(AppError);
      await expect(importOrgShapes(t.ctx, org.actors.admin, collection([feature({ code: '330110002001001' }, [dense])]))).rejects.toMatchObject({ details: { reason: 'too_many_positions' } });
    });
  });

  describe(`map outlines: the demo district [${kind}]`, () => {
    let t: TestContext;
    const org = generateDemoOrg(20_260_301);
    const ids = new Map<string, string>();

    beforeAll(async () => {
      t = await makeTestContext(kind);
      const paths = new Map<string, { path: string; depth: number }>();
      const rows = org.units.map((u) => {
        const id = crypto.randomUUID();
        ids.set(u.key, id);
        const p = placeUnder(u.parentKey ? paths.get(u.parentKey) : null, id);
        paths.set(u.key, p);
        return { id, parentId: u.parentKey ? ids.get(u.parentKey)! : null, kind: u.kind, level: u.level, name: u.name, code: u.code, ...p, region: t.ctx.config.REGION, lat: u.lat ?? null, lng: u.lng ?? null };
      });
      for (let i = 0; i < rows.length; i += 500) await t.ctx.db.insert(orgUnits).values(rows.slice(i, i + 500));
    });
    afterAll(async () => {
      await t?.close();
    });

    it('draws the demo map once: every grid, community, street, the district and the city, and not again', async () => {
      const areaUnits = org.units.filter((u) => ['city', 'district', 'street', 'community', 'grid'].includes(u.kind));
      expect(await seedDemoMap(t.ctx)).toEqual({ stored: areaUnits.length });
      const rows = await t.ctx.db.select({ source: orgUnitShapes.source, n: sql<number>`count(*)::int` }).from(orgUnitShapes).groupBy(orgUnitShapes.source);
      expect(rows).toEqual([{ source: 'generated', n: areaUnits.length }]);
      expect(await seedDemoMap(t.ctx)).toEqual({ stored: 0 });

      const streets = await childShapes(t.ctx, ids.get('district')!);
      expect(streets.features.map((f) => f.properties.kind)).toEqual(org.units.filter((u) => u.kind === 'street').map(() => 'street'));
      // departments under the district have no outline and are not listed
      const community = org.units.find((u) => u.kind === 'community')!;
      const grids = await childShapes(t.ctx, ids.get(community.key)!);
      expect(grids.features.length).toBe(org.units.filter((u) => u.parentKey === community.key).length);
      for (let i = 0; i < grids.features.length; i++) {
        for (let j = i + 1; j < grids.features.length; j++) expect(overlapArea(grids.features[i]!.geometry, grids.features[j]!.geometry)).toBeLessThan(1e-12);
      }
      const grid = org.units.find((u) => u.kind === 'grid')!;
      const own = await childShapes(t.ctx, ids.get(grid.key)!); // its micro-grids have no outline: the grid's own
      expect(own.features.map((f) => f.properties.id)).toEqual([ids.get(grid.key)]);
    });

    it('draws nothing for an org tree that is not the demo\'s', async () => {
      await t.ctx.db.delete(orgUnitShapes);
      await t.ctx.db.update(orgUnits).set({ name: '余杭区' }).where(eq(orgUnits.id, ids.get('district')!));
      expect(await seedDemoMap(t.ctx)).toEqual({ stored: 0 });
      expect(await t.ctx.db.select().from(orgUnitShapes)).toHaveLength(0);
    });
  });
}
