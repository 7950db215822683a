/**
 * An Open311 request with coordinates lands in the grid whose outline holds them (the outlines an admin
 * imports for the cockpit's map), as a QR poster would place it: the grid's community sees it. A point
 * outside every grid stays with the intake office.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { cases, orgUnits } from '../src/store/schema.js';

const box = (x0: number, y0: number, x1: number, y1: number) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];

describe.each(DB_KINDS)('Open311 coordinates find their grid (%s)', (kind) => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    t = await makeTestContext(kind);
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    const admin = await loginAs(server, org.usernames.admin!);
    const codes = new Map((await t.ctx.db.select({ id: orgUnits.id, code: orgUnits.code }).from(orgUnits)).map((u) => [u.id, u.code]));
    const shapes = await admin.post('/api/admin/org-shapes', {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: codes.get(org.units.gridA1!) }, geometry: { type: 'Polygon', coordinates: box(120.3, 30.4, 120.31, 30.41) } },
        { type: 'Feature', properties: { code: codes.get(org.units.gridA2!) }, geometry: { type: 'Polygon', coordinates: box(120.31, 30.4, 120.32, 30.41) } },
      ],
    });
    expect(shapes.status, JSON.stringify(shapes.body)).toBe(200);
    key = (await admin.post('/api/admin/api-keys', { name: '市民随手拍 App' })).body.key;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const submit = async (lat: string, long: string) => {
    const res = await fetch(`${server.base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: key, service_code: '0703', lat, long, description: '工地夜间施工噪音很大，影响休息。', first_name: '四', last_name: '李', phone: '13900001111' }).toString(),
    });
    expect(res.ok, String(res.status)).toBe(true);
    const [{ token }] = (await res.json()) as [{ token: string }];
    const rows = (await t.ctx.db.execute(sql`select c.grid_unit_id, c.owner_unit_id from open311_tokens o join cases c on c.id = o.case_id where o.token = ${token}`)) as unknown as {
      rows: { grid_unit_id: string | null; owner_unit_id: string }[];
    };
    return rows.rows[0]!;
  };

  it("a point inside grid A2's outline is A2's case; one outside every grid stays with the intake office", async () => {
    const inA2 = await submit('30.405', '120.315');
    expect(inA2).toEqual({ grid_unit_id: org.units.gridA2, owner_unit_id: org.units.gridA2 });
    const outside = await submit('30.5', '120.5');
    expect(outside.grid_unit_id).toBeNull();
    expect(outside.owner_unit_id).toBe(org.units.bureau);
    expect(await t.ctx.db.$count(cases, eq(cases.gridUnitId, org.units.gridA2!))).toBe(1);
  });
});
