import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, orgUnits } from '../src/store/schema.js';
import { actorForUser } from '../src/services/auth.js';
import { createUser } from '../src/services/org-units.js';
import { importOrgTree } from '../src/services/org-import.js';
import { AppError } from '../src/domain/errors.js';

const HEADER = 'code,parentCode,kind,level,name,lat,lng';
const DISTRICT_CODE = '330110000000'; // 云湖区 in seedMiniOrg
const CITY_CODE = '330100000000';

interface Row {
  code: string;
  parentCode: string;
  kind: string;
  level?: string;
  name: string;
  lat?: number | string;
  lng?: number | string;
}

/** A district's worth of streets → communities → grids → micro-grids, capped at `max` rows. */
function generateTree(prefix: string, streets: number, communities: number, grids: number, micros: number, max = Infinity): Row[] {
  const rows: Row[] = [];
  const two = (n: number) => String(n).padStart(2, '0');
  for (let s = 1; s <= streets; s++) {
    const sc = `${prefix}S${two(s)}`;
    rows.push({ code: sc, parentCode: DISTRICT_CODE, kind: 'street', name: `${prefix}第${s}街道` });
    for (let c = 1; c <= communities; c++) {
      const cc = `${sc}C${two(c)}`;
      rows.push({ code: cc, parentCode: sc, kind: 'community', name: `${prefix}${s}街${c}社区` });
      for (let g = 1; g <= grids; g++) {
        const gc = `${cc}G${two(g)}`;
        rows.push({ code: gc, parentCode: cc, kind: 'grid', name: `${prefix}${s}街${c}社区第${g}网格`, lat: 30 + s / 100, lng: 120 + g / 100 });
        for (let m = 1; m <= micros; m++) rows.push({ code: `${gc}M${two(m)}`, parentCode: gc, kind: 'micro_grid', name: `${prefix}${s}-${c}-${g}微网格${m}` });
      }
    }
  }
  return rows.slice(0, max);
}

const csvField = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const toCsv = (rows: Row[]) => [HEADER, ...rows.map((r) => [r.code, r.parentCode, r.kind, r.level, r.name, r.lat, r.lng].map(csvField).join(','))].join('\n') + '\n';
const CSV = { 'content-type': 'text/csv; charset=utf-8' };

for (const kind of DB_KINDS) {
  describe(`org tree import [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Awaited<ReturnType<typeof loginAs>>;

    const unitCount = async () => (await t.ctx.db.select({ n: count() }).from(orgUnits))[0]!.n;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a CSV of 1,045 streets, communities, grids and micro-grids imports in one go, children listed before their parents', async () => {
      const rows = generateTree('A', 5, 8, 5, 4);
      expect(rows.length).toBe(1045);
      // children first: the import sorts the tree itself
      rows.reverse();
      rows.push({ code: 'A-DEPT-1', parentCode: DISTRICT_CODE, kind: 'department', level: 'district', name: '区城管局, 执法大队 "一中队"' });
      const before = await unitCount();
      const res = await admin.post('/api/admin/units/import', toCsv(rows), CSV);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ created: 1046, byKind: { street: 5, community: 40, grid: 200, micro_grid: 800, department: 1 } });
      expect(await unitCount()).toBe(before + 1046);

      const [micro] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.code, 'AS03C07G05M04'));
      expect(micro!.depth).toBe(5);
      const [street] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.code, 'AS03'));
      expect(micro!.path.startsWith(street!.path)).toBe(true);
      const [dept] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.code, 'A-DEPT-1'));
      expect(dept!.name).toBe('区城管局, 执法大队 "一中队"');

      // the new units are live at once: the street's subtree for the admin, the grid picker for citizens
      const subtree = await admin.get(`/api/admin/units?under=${street!.id}`);
      expect(subtree.body.items).toHaveLength(1 + 8 + 40 + 160);
      const grids = await client(server).get(`/api/public/grids?q=${encodeURIComponent('A3-7-5微网格')}`);
      expect(grids.body.items[0]).toMatchObject({ kind: 'micro_grid', gridName: 'A3街7社区第5网格', communityName: 'A3街7社区', streetName: 'A第3街道' });

      const audit = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'org.imported'));
      expect(audit).toHaveLength(1);
      expect(audit[0]!.data).toMatchObject({ via: 'api', created: 1046 });
    }, 120_000);

    it('a file with bad rows in the middle imports nothing and names each bad row by its line', async () => {
      const good = generateTree('B', 1, 2, 2, 2); // 1 + 2 + 4 + 8 = 15 rows
      const rows: Row[] = [
        ...good.slice(0, 5),
        { code: 'B-ORPHAN', parentCode: 'NO-SUCH-UNIT', kind: 'community', name: '无主社区' }, // line 7
        { code: 'B-BADKIND', parentCode: 'BS01', kind: 'grid', name: '街道下直接挂网格' }, // line 8: grid under a street
        ...good.slice(5, 10),
        { code: 'BS01C01', parentCode: 'BS01', kind: 'community', name: '重复编码社区' }, // line 14: duplicate code
        { code: 'B-NONAME', parentCode: 'BS01C01', kind: 'grid', name: '  ' }, // line 15: empty name
        { code: 'B-KIND', parentCode: 'BS01C01', kind: 'village', name: '未知类型' }, // line 16
        { code: 'B-TAKEN', parentCode: 'BS01C01', kind: 'grid', name: '经纬度错误', lat: 'north', lng: 200 }, // line 17
        ...good.slice(10),
        { code: 'B-LOOP1', parentCode: 'B-LOOP2', kind: 'department', name: '环1' }, // line 23
        { code: 'B-LOOP2', parentCode: 'B-LOOP1', kind: 'department', name: '环2' }, // line 24
        { code: 'B-EXISTS', parentCode: 'BS01C01G01', kind: 'micro_grid', name: '已存在编码' }, // line 25, code reused below
      ];
      rows[rows.length - 1]!.code = '330110001001001'; // gridA1's code: already in the database
      const before = await unitCount();
      const res = await admin.post('/api/admin/units/import', toCsv(rows), CSV);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('IMPORT_INVALID');
      const byLine = Object.fromEntries(res.body.details.rows.map((r: any) => [r.row, r]));
      expect(Object.keys(byLine).map(Number)).toEqual([7, 8, 14, 15, 16, 17, 23, 24, 25]);
      expect(byLine[7].code).toBe('B-ORPHAN');
      expect(byLine[7].errors).toEqual([{ field: 'parentCode', reason: 'parent_not_found' }]);
      expect(byLine[8].errors[0]).toMatchObject({ field: 'kind', reason: 'not_allowed_under_parent', kind: 'grid', parentKind: 'street' });
      expect(byLine[14].errors).toEqual([{ field: 'code', reason: 'duplicate_in_file', firstRow: 3 }]);
      expect(byLine[15].errors).toEqual([{ field: 'name', reason: 'required' }]);
      expect(byLine[16].errors[0]).toMatchObject({ field: 'kind', reason: 'unknown_kind' });
      expect(byLine[17].errors.map((e: any) => e.field)).toEqual(['lat', 'lng']);
      expect(byLine[23].errors).toEqual([{ field: 'parentCode', reason: 'cycle' }]);
      expect(byLine[25].errors).toEqual([{ field: 'code', reason: 'code_exists' }]);
      expect(res.body.details).toMatchObject({ rowCount: rows.length, badRowCount: 9 });
      expect(await unitCount()).toBe(before);

      // fixed, the same file goes through
      const fixed = toCsv(good);
      const ok = await admin.post('/api/admin/units/import', fixed, CSV);
      expect(ok.status).toBe(201);
      expect(ok.body.created).toBe(15);
    });

    it('JSON rows import too, and a row naming itself as parent is a cycle', async () => {
      const rows = generateTree('J', 1, 1, 1, 1);
      const bad = await admin.post('/api/admin/units/import', { units: [...rows, { code: 'J-SELF', parentCode: 'J-SELF', kind: 'community', name: '自环' }] });
      expect(bad.status).toBe(400);
      expect(bad.body.details.rows).toEqual([{ row: 5, code: 'J-SELF', errors: [{ field: 'parentCode', reason: 'cycle' }] }]);
      const extra = await admin.post('/api/admin/units/import', { units: [{ ...rows[0], colour: 'red' }] });
      expect(extra.body.details.rows[0].errors).toEqual([{ field: 'colour', reason: 'unknown_field' }]);
      const ok = await admin.post('/api/admin/units/import', { units: rows });
      expect(ok.status).toBe(201);
      expect(ok.body).toEqual({ created: 4, byKind: { street: 1, community: 1, grid: 1, micro_grid: 1 } });
    });

    it('a file that is not the import format is refused with IMPORT_INVALID, never a 500', async () => {
      const header = await admin.post('/api/admin/units/import', 'code,parent,kind,name\nX,Y,grid,n\n', CSV);
      expect(header.status).toBe(400);
      expect(header.body.details).toMatchObject({ reason: 'bad_header', missing: ['parentCode'], unknown: ['parent'] });
      const quote = await admin.post('/api/admin/units/import', `${HEADER}\nX,"${DISTRICT_CODE},street,,名称,,\n`, CSV);
      expect(quote.body).toMatchObject({ code: 'IMPORT_INVALID', details: { reason: 'csv_malformed' } });
      const gbk = new Uint8Array([...Buffer.from(`${HEADER}\nX,${DISTRICT_CODE},street,,`), 0xc4, 0xcf, 0xd4, 0xb7, ...Buffer.from(',,\n')]);
      const enc = await admin.post('/api/admin/units/import', gbk, CSV);
      expect(enc.body).toMatchObject({ code: 'IMPORT_INVALID', details: { reason: 'not_utf8' } });
      const empty = await admin.post('/api/admin/units/import', `${HEADER}\n`, CSV);
      expect(empty.body).toMatchObject({ code: 'IMPORT_INVALID', details: { reason: 'empty' } });
      const columns = await admin.post('/api/admin/units/import', `${HEADER}\nX,${DISTRICT_CODE},street\n`, CSV);
      expect(columns.body.details.rows[0].errors[0]).toMatchObject({ reason: 'column_count' });
      const tooMany = await admin.post('/api/admin/units/import', toCsv(generateTree('Z', 11, 20, 10, 9).slice(0, 20_001)), CSV);
      expect(tooMany.body).toMatchObject({ code: 'IMPORT_INVALID', details: { reason: 'too_many_rows', max: 20_000 } });
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.post('/api/admin/units/import', toCsv(generateTree('D', 1, 1, 1, 1)), CSV)).status).toBe(403);
    }, 60_000);

    it('a district admin can import only under his district; the CLI may start a new root', async () => {
      const u = await createUser(t.ctx.db, { username: 'admin.yunhu', displayName: '云湖区管理员', password: 'Admin2026pass', roles: ['admin'], unitId: org.units.district });
      const districtAdmin = (await actorForUser(t.ctx, u.id))!;
      const outside = importOrgTree(t.ctx, districtAdmin, [
        { code: 'W-DIST', parentCode: CITY_CODE, kind: 'district', name: '外区' },
        { code: 'W-ROOT', parentCode: '', kind: 'city', name: '外市' },
      ]);
      await expect(outside).rejects.toBeInstanceOf(AppError);
      const err = (await outside.catch((e: AppError) => e)) as AppError;
      expect(err.details.rows).toEqual([
        { row: 1, code: 'W-DIST', errors: [{ field: 'parentCode', reason: 'parent_outside_scope' }] },
        { row: 2, code: 'W-ROOT', errors: [{ field: 'parentCode', reason: 'parent_outside_scope' }] },
      ]);
      const inside = await importOrgTree(t.ctx, districtAdmin, [{ code: 'W-ST', parentCode: DISTRICT_CODE, kind: 'street', name: '新街道' }]);
      expect(inside.created).toBe(1);

      const cli = await importOrgTree(t.ctx, null, [
        { code: 'N-DIST', parentCode: 'N-CITY', kind: 'district', name: '新区' },
        { code: 'N-CITY', parentCode: null, kind: 'city', name: '新市', lat: '31.2', lng: '121.5' },
      ]);
      expect(cli).toEqual({ created: 2, byKind: { city: 1, district: 1 } });
      const [city] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.code, 'N-CITY'));
      expect(city).toMatchObject({ parentId: null, depth: 0, lat: 31.2, lng: 121.5 });
    });

    it('20,000 rows in one request (a whole city of micro-grids) import within the request', async () => {
      const rows = generateTree('Q', 10, 20, 10, 9, 20_000);
      expect(rows.length).toBe(20_000);
      const body = toCsv(rows);
      expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024); // over the default body limit
      const started = Date.now();
      const res = await admin.post('/api/admin/units/import', body, CSV);
      expect(res.status).toBe(201);
      expect(res.body.created).toBe(20_000);
      console.info(`[${kind}] 20,000-row import took ${Date.now() - started} ms`);
    }, 300_000);
  });
}
