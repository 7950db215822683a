import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { createUser } from '../src/services/org-units.js';
import { POSTER_HEIGHT, POSTER_WIDTH, buildPosterSvg, fitText, loadPosterGrid, posterFileName, posterSvgFor, safeFileName } from '../src/services/qr-posters.js';
import { resolvePublicBaseUrl } from '../src/services/settings.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Given PNG bytes, returns the size its IHDR chunk declares (the first chunk, right after the signature). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface ZipEntry {
  name: string;
  method: number;
  data: Buffer;
}

/** A minimal zip reader: the end-of-central-directory record, each central record, and the stored data it points to. */
function readZip(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  expect(eocd).toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    entries.push({ name, method, data: zip.subarray(dataStart, dataStart + compressedSize) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function getBytes(base: string, path: string, token?: string) {
  const res = await fetch(base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('poster layout', () => {
  const qrSvg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><path d="M4 4h7"/></svg>';

  it('names the street, community and grid, escaped, and spells out the URL the code carries', () => {
    const svg = buildPosterSvg({
      above: ['南苑街道', '梅园<社区>'],
      name: '第1网格 "A&B"',
      code: '330110001001001',
      url: 'https://xf.example.gov.cn/m/submit?grid=abc&x=1',
      qrSvg,
    });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1240" height="1754"/);
    expect(svg).toContain('南苑街道 · 梅园&lt;社区&gt;');
    expect(svg).toContain('第1网格 &quot;A&amp;B&quot;');
    expect(svg).toContain('https://xf.example.gov.cn/m/submit?grid=abc&amp;x=1');
    expect(svg).toContain('码上办·有事扫一扫');
    expect(svg).toContain('330110001001001');
    expect(svg).not.toContain('<社区>');
    // the QR code is nested as an SVG of its own, placed and scaled
    expect(svg).toMatch(/<svg x="\d+" y="\d+" width="\d+" height="\d+" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 29 29">/);
    expect([POSTER_WIDTH, POSTER_HEIGHT]).toEqual([1240, 1754]);
  });

  it('shrinks a long name, then wraps it into two lines ending in an ellipsis', () => {
    expect(fitText('梅园社区第1网格', 1100, 80, 44)).toEqual({ size: 80, lines: ['梅园社区第1网格'] });
    const mid = fitText('很'.repeat(18), 1100, 80, 44);
    expect(mid.lines).toHaveLength(1);
    expect(mid.size).toBeLessThan(80);
    const long = fitText('很'.repeat(100), 1100, 80, 44);
    expect(long.size).toBe(44);
    expect(long.lines).toHaveLength(2);
    expect(long.lines[1]!.endsWith('…')).toBe(true);
    for (const line of long.lines) expect([...line].length * 44).toBeLessThanOrEqual(1100 + 44);
  });

  it('makes file names safe and names micro-grids with their grid', () => {
    expect(safeFileName('a/b\\c:d*e?f"g<h>i|j\u0001k')).toBe('a_b_c_d_e_f_g_h_i_j_k');
    expect(safeFileName('..')).toBe('_');
    expect(posterFileName({ id: 'x', kind: 'grid', name: '第1网格', code: '1', streetName: '南苑街道', communityName: '梅园社区', gridName: null })).toBe('梅园社区-第1网格.png');
    expect(posterFileName({ id: 'y', kind: 'micro_grid', name: '微网格/1', code: '2', streetName: '南苑街道', communityName: '梅园社区', gridName: '第1网格' })).toBe(
      '梅园社区-第1网格-微网格_1.png',
    );
  });
});

for (const kind of DB_KINDS) {
  describe(`码上办 posters [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Awaited<ReturnType<typeof loginAs>>;
    let adminToken: string;
    let microA1: string;
    let retiredGrid: string;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      const login = await client(server).post('/api/auth/login', { username: org.usernames.admin, password: PASSWORD });
      adminToken = login.body.token;
      admin = client(server, adminToken);
      const micro = await admin.post('/api/admin/units', { parentId: org.units.gridA1, kind: 'micro_grid', name: '梅园1-微网格1', code: '330110001001001M01' });
      expect(micro.status).toBe(201);
      microA1 = micro.body.id;
      const retired = await admin.post('/api/admin/units', { parentId: org.units.communityA, kind: 'grid', name: '梅园社区第9网格', code: '330110001001009' });
      retiredGrid = retired.body.id;
      expect((await admin.post(`/api/admin/units/${retiredGrid}/deactivate`)).status).toBe(200);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('draws one grid poster as an A4-proportioned PNG named for its community and grid', async () => {
      const res = await getBytes(server.base, `/api/admin/posters/grids/${org.units.gridA1}.png`, adminToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('梅园社区-梅园社区第1网格.png')}`);
      expect(pngSize(res.bytes)).toEqual({ width: 1240, height: 1754 });
      expect(res.bytes.length).toBeGreaterThan(20_000); // text and a QR code, not a blank page

      const micro = await getBytes(server.base, `/api/admin/posters/grids/${microA1}.png`, adminToken);
      expect(micro.status).toBe(200);
      expect(pngSize(micro.bytes)).toEqual({ width: 1240, height: 1754 });
    });

    it('zips one PNG per active grid and micro-grid of the street, and nothing of other streets', async () => {
      const res = await getBytes(server.base, `/api/admin/posters/streets/${org.units.streetA}.zip`, adminToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="posters-330110001000\.zip"; filename\*=UTF-8''/);
      expect(res.headers.get('x-poster-count')).toBe('3');
      const entries = readZip(res.bytes);
      expect(entries.map((e) => e.name)).toEqual(['梅园社区-梅园社区第1网格.png', '梅园社区-梅园社区第1网格-梅园1-微网格1.png', '梅园社区-梅园社区第2网格.png']);
      for (const e of entries) {
        expect(e.method).toBe(0); // stored: PNG is compressed already
        expect(pngSize(e.data)).toEqual({ width: 1240, height: 1754 });
      }

      const b = readZip((await getBytes(server.base, `/api/admin/posters/streets/${org.units.streetB}.zip`, adminToken)).bytes);
      expect(b.map((e) => e.name)).toEqual(['荷塘社区-荷塘社区第1网格.png']);
    });

    it('answers 404 for a community, an inactive grid, an unknown unit or a grid given as a street', async () => {
      for (const id of [org.units.communityA, retiredGrid, '00000000-0000-4000-8000-000000000000']) {
        const res = await admin.get(`/api/admin/posters/grids/${id}.png`);
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('UNIT_NOT_FOUND');
      }
      expect((await admin.get(`/api/admin/posters/streets/${org.units.gridA1}.zip`)).status).toBe(404);
      expect((await admin.get(`/api/admin/posters/streets/${org.units.communityA}.zip`)).status).toBe(404);
      expect((await admin.get('/api/admin/posters/grids/not-a-uuid.png')).status).toBe(400);
    });

    it('refuses anyone but an admin (403), and an admin outside his scope (403)', async () => {
      expect((await client(server).get(`/api/admin/posters/grids/${org.units.gridA1}.png`)).status).toBe(401);
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const handler = await loginAs(server, org.usernames.handlerA!);
      for (const staff of [dispatcher, handler]) {
        expect((await staff.get(`/api/admin/posters/grids/${org.units.gridA1}.png`)).status).toBe(403);
        expect((await staff.get(`/api/admin/posters/streets/${org.units.streetA}.zip`)).status).toBe(403);
        expect((await staff.get('/api/admin/posters/settings')).status).toBe(403);
      }

      await createUser(t.ctx.db, { username: 'admin.street-b', displayName: '北湖管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetB });
      const streetAdmin = await loginAs(server, 'admin.street-b');
      const outside = await streetAdmin.get(`/api/admin/posters/grids/${org.units.gridA1}.png`);
      expect(outside.status).toBe(403);
      expect(outside.body.code).toBe('FORBIDDEN');
      expect((await streetAdmin.get(`/api/admin/posters/streets/${org.units.streetA}.zip`)).status).toBe(403);
      expect((await streetAdmin.get(`/api/admin/posters/grids/${org.units.gridB1}.png`)).status).toBe(200);
      // the public address redirects every poster of the deployment: not a street admin's to change
      expect((await streetAdmin.get('/api/admin/posters/settings')).body.canChange).toBe(false);
      const set = await streetAdmin.patch('/api/admin/posters/settings', { publicBaseUrl: 'https://evil.example.com' });
      expect(set.status).toBe(403);
    });

    it('uses the configured public address, else the address the request came to', async () => {
      const before = await admin.get('/api/admin/posters/settings');
      expect(before.status).toBe(200);
      expect(before.body).toEqual({ publicBaseUrl: null, effectiveBaseUrl: server.base, fallbackBaseUrl: server.base, canChange: true });

      expect((await admin.patch('/api/admin/posters/settings', { publicBaseUrl: 'ftp://files.example.com' })).status).toBe(400);
      expect((await admin.patch('/api/admin/posters/settings', { publicBaseUrl: 'https://xf.example.gov.cn/?q=1' })).status).toBe(400);
      const set = await admin.patch('/api/admin/posters/settings', { publicBaseUrl: 'https://xf.example.gov.cn/yuhu/' });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ publicBaseUrl: 'https://xf.example.gov.cn/yuhu', effectiveBaseUrl: 'https://xf.example.gov.cn/yuhu' });

      const { baseUrl } = await resolvePublicBaseUrl(t.ctx.db, server.base);
      const svg = await posterSvgFor(await loadPosterGrid(t.ctx, org.actors.admin, org.units.gridA1), baseUrl);
      expect(svg).toContain(`https://xf.example.gov.cn/yuhu/m/submit?grid=${org.units.gridA1}`);
      expect(svg).toContain('南苑街道 · 梅园社区');

      const cleared = await admin.patch('/api/admin/posters/settings', { publicBaseUrl: null });
      expect(cleared.body.effectiveBaseUrl).toBe(server.base);
    });
  });
}
