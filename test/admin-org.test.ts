import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, cases, orgUnits } from '../src/store/schema.js';

type Client = Awaited<ReturnType<typeof loginAs>>;

const citizenCase = (gridId: string, title: string) => ({
  title,
  content: '小区楼道堆放杂物，存在消防隐患，请社区协调清理。',
  channel: 'qr',
  gridId,
  petitioner: { name: '李四', phone: '13912345678' },
});

for (const kind of DB_KINDS) {
  describe(`org and user administration [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Client;
    /** every body an admin route answered with, to prove no password hash ever leaves */
    const bodies: unknown[] = [];
    const seen = <T extends { body: unknown }>(res: T): T => {
      bodies.push(res.body);
      return res;
    };

    const caseIdOf = async (staff: Client, number: string) => {
      const list = await staff.get(`/api/cases?q=${number}`);
      return list.body.items[0].id as string;
    };

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

    it('lists the org tree with parents before children, and one subtree with ?under', async () => {
      const all = await admin.get('/api/admin/units');
      expect(all.status).toBe(200);
      const ids = all.body.items.map((u: any) => u.id);
      expect(ids[0]).toBe(org.units.city);
      for (const u of all.body.items) if (u.parentId) expect(ids.indexOf(u.parentId)).toBeLessThan(ids.indexOf(u.id));
      const sub = await admin.get(`/api/admin/units?under=${org.units.streetA}`);
      expect(sub.body.items.map((u: any) => [u.name, u.kind, u.depth, u.active])).toEqual([
        ['南苑街道', 'street', 2, true],
        ['梅园社区', 'community', 3, true],
        ['梅园社区第1网格', 'grid', 4, true],
        ['梅园社区第2网格', 'grid', 4, true],
      ]);
      expect((await admin.get(`/api/admin/units?under=${crypto.randomUUID()}`)).body.code).toBe('UNIT_NOT_FOUND');
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.get('/api/admin/units')).status).toBe(403);
    });

    it('creates and edits a unit under a parent, refusing a kind the ladder does not allow there and a taken code', async () => {
      const bad = await admin.post('/api/admin/units', { parentId: org.units.streetA, kind: 'grid', name: '街道直属网格', code: 'T-GRID-1' });
      expect(bad.status).toBe(409);
      expect(bad.body).toMatchObject({ code: 'UNIT_INVALID_PARENT', details: { kind: 'grid', parentKind: 'street' } });
      const created = await admin.post('/api/admin/units', { parentId: org.units.streetA, kind: 'community', name: '桃园社区', code: '330110001002' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ parentId: org.units.streetA, kind: 'community', depth: 3, active: true });
      const dup = await admin.post('/api/admin/units', { parentId: org.units.streetA, kind: 'community', name: '另一个社区', code: '330110001002' });
      expect(dup.status).toBe(400);
      expect(dup.body.details).toMatchObject({ path: 'code', reason: 'duplicate_code' });
      const garbage = await admin.post('/api/admin/units', { parentId: org.units.streetA, kind: 'hamlet', name: '', code: 'a b' });
      expect(garbage.status).toBe(400);
      expect(garbage.body.code).toBe('VALIDATION_FAILED');

      const renamed = await admin.patch(`/api/admin/units/${created.body.id}`, { name: '桃源社区', code: '330110001009', lat: 30.42, lng: 120.31 });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ name: '桃源社区', code: '330110001009', lat: 30.42, lng: 120.31 });
      const taken = await admin.patch(`/api/admin/units/${created.body.id}`, { code: '330110001001' });
      expect(taken.body.details).toMatchObject({ reason: 'duplicate_code' });

      const actions = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, created.body.id))).map((a) => a.action);
      expect(actions).toEqual(['org.unit_created', 'org.unit_updated']);
    });

    it('deactivating a unit is refused while child units or users remain, or while it leads open cases', async () => {
      const withChildren = await admin.post(`/api/admin/units/${org.units.communityB}/deactivate`);
      expect(withChildren.status).toBe(409);
      expect(withChildren.body).toMatchObject({ code: 'UNIT_HAS_ACTIVE_CHILDREN', details: { activeChildUnits: 1, activeUsers: 0 } });
      const withUsers = await admin.post(`/api/admin/units/${org.units.gridB1}/deactivate`);
      expect(withUsers.status).toBe(409);
      expect(withUsers.body).toMatchObject({ code: 'UNIT_HAS_ACTIVE_CHILDREN', details: { activeChildUnits: 0, activeUsers: 1 } });

      // a grid with no one in it, yet the lead unit of an open case
      const grid = (await admin.post('/api/admin/units', { parentId: org.units.communityB, kind: 'grid', name: '荷塘社区第2网格', code: '330110002001002' })).body;
      const submitted = await client(server).post('/api/public/cases', citizenCase(org.units.gridB1, '楼道杂物堆放'));
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const caseId = await caseIdOf(dispatcher, submitted.body.number);
      expect((await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'accept' })).status).toBe(200);
      expect((await dispatcher.post(`/api/cases/${caseId}/commands`, { type: 'dispatch', leadUnitId: grid.id })).status).toBe(200);
      const leading = await admin.post(`/api/admin/units/${grid.id}/deactivate`);
      expect(leading.body).toMatchObject({ code: 'UNIT_HAS_OPEN_CASES', details: { openCases: 1 } });
      expect(leading.status).toBeGreaterThanOrEqual(400);

      // an empty grid goes: gone from dispatch forms, the grid picker and QR submissions
      const empty = (await admin.post('/api/admin/units', { parentId: org.units.communityB, kind: 'grid', name: '荷塘社区第3网格', code: '330110002001003' })).body;
      const off = await admin.post(`/api/admin/units/${empty.id}/deactivate`);
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      const handler = await loginAs(server, org.usernames.handlerB!);
      expect((await handler.get('/api/units?kind=grid')).body.items.map((u: any) => u.id)).not.toContain(empty.id);
      expect((await client(server).get(`/api/public/grids?q=${encodeURIComponent('荷塘')}`)).body.items.map((g: any) => g.name)).toEqual(['荷塘社区第1网格', '荷塘社区第2网格']);
      const qr = await client(server).post('/api/public/cases', citizenCase(empty.id, '停用网格的二维码'));
      expect(qr.body.code).toBe('UNIT_NOT_FOUND');
      expect((await admin.post(`/api/admin/units/${empty.id}/activate`)).body.active).toBe(true);
    });

    it('creates a user, changes his roles, resets his password and deactivates him; his session stops working at once', async () => {
      const created = seen(
        await admin.post('/api/admin/users', { username: 'clerk.new', displayName: '新登记员', password: 'Clerk2026pass', roles: ['registrar'], unitId: org.units.bureau, scopeUnitId: org.units.district }),
      );
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: 'clerk.new', roles: ['registrar'], unitName: '区信访局', scopeUnitName: '云湖区', active: true, manageable: true });
      expect(seen(await admin.post('/api/admin/users', { username: 'clerk.new', displayName: 'x', password: 'Clerk2026pass', roles: ['registrar'], unitId: org.units.bureau })).body.code).toBe('USER_EXISTS');
      const weak = seen(await admin.post('/api/admin/users', { username: 'clerk.weak', displayName: 'x', password: 'abcdefghij', roles: ['registrar'], unitId: org.units.bureau }));
      expect(weak.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { path: 'password', reason: 'too_weak' } });
      expect(seen(await admin.post('/api/admin/users', { username: 'clerk.role', displayName: 'x', password: 'Clerk2026pass', roles: ['root'], unitId: org.units.bureau })).status).toBe(400);

      const clerk = await loginAs(server, 'clerk.new', 'Clerk2026pass');
      expect((await clerk.get('/api/auth/me')).body.roles).toEqual(['registrar']);
      const promoted = seen(await admin.patch(`/api/admin/users/${created.body.id}`, { roles: ['registrar', 'dispatcher'], displayName: '登记分派员' }));
      expect(promoted.status).toBe(200);
      expect((await clerk.get('/api/auth/me')).body).toMatchObject({ roles: ['registrar', 'dispatcher'], displayName: '登记分派员' });
      expect((await clerk.get('/api/cases?queue=to_accept')).status).toBe(200);

      const reset = seen(await admin.post(`/api/admin/users/${created.body.id}/password`, { password: 'Fresh2026pass' }));
      expect(reset.status).toBe(200);
      expect((await clerk.get('/api/auth/me')).body.code).toBe('SESSION_INVALID');
      expect((await client(server).post('/api/auth/login', { username: 'clerk.new', password: 'Clerk2026pass' })).status).toBe(401);
      const clerk2 = await loginAs(server, 'clerk.new', 'Fresh2026pass');
      expect((await clerk2.get('/api/auth/me')).status).toBe(200);

      const off = seen(await admin.post(`/api/admin/users/${created.body.id}/deactivate`));
      expect(off.body.active).toBe(false);
      const after = await clerk2.get('/api/auth/me');
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('SESSION_INVALID');
      expect((await client(server).post('/api/auth/login', { username: 'clerk.new', password: 'Fresh2026pass' })).status).toBe(401);

      const list = seen(await admin.get('/api/admin/users?limit=500'));
      expect(list.body.items.find((u: any) => u.username === 'clerk.new')).toMatchObject({ active: false });
      seen(await admin.get(`/api/admin/users/${created.body.id}`));
      seen(await admin.post(`/api/admin/users/${created.body.id}/activate`));

      const actions = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, created.body.id))).map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['org.user_created', 'org.user_updated', 'org.user_password_reset', 'org.user_deactivated', 'org.user_activated']));
    });

    it('an admin cannot deactivate himself nor take away his own admin role', async () => {
      const self = org.actors.admin.userId;
      const off = await admin.post(`/api/admin/users/${self}/deactivate`);
      expect(off.status).toBe(403);
      expect(off.body.details.reason).toBe('self');
      const demote = await admin.patch(`/api/admin/users/${self}`, { roles: ['leader'] });
      expect(demote.status).toBe(403);
      expect((await admin.get('/api/auth/me')).status).toBe(200);
    });

    it('an admin of one district cannot touch another district, nor accounts scoped wider than his', async () => {
      const other = seen(await admin.post('/api/admin/units', { parentId: org.units.city, kind: 'district', name: '江北区', code: '330120000000' })).body;
      const otherStreet = seen(await admin.post('/api/admin/units', { parentId: other.id, kind: 'street', name: '江北街道', code: '330120001000' })).body;
      seen(await admin.post('/api/admin/users', { username: 'admin.yunhu', displayName: '云湖区管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.district }));
      const local = await loginAs(server, 'admin.yunhu');

      const tree = await local.get('/api/admin/units');
      const ids = tree.body.items.map((u: any) => u.id);
      expect(ids[0]).toBe(org.units.district);
      expect(ids).not.toContain(org.units.city);
      expect(ids).not.toContain(other.id);
      expect((await local.get(`/api/admin/units?under=${other.id}`)).status).toBe(403);
      expect((await local.patch(`/api/admin/units/${otherStreet.id}`, { name: '改名' })).status).toBe(403);
      expect((await local.post('/api/admin/units', { parentId: other.id, kind: 'street', name: '越权街道', code: '330120002000' })).status).toBe(403);
      expect((await local.post(`/api/admin/units/${org.units.communityB}/move`, { parentId: otherStreet.id })).status).toBe(403);
      expect((await local.post(`/api/admin/units/${otherStreet.id}/deactivate`)).status).toBe(403);
      expect((await local.post('/api/admin/users', { username: 'spy', displayName: 'x', password: PASSWORD, roles: ['handler'], unitId: otherStreet.id })).status).toBe(403);
      // the city admin sits in this district but is scoped to the city: not this admin's to change
      const cityAdmin = org.actors.admin.userId;
      const users = seen(await local.get('/api/admin/users?limit=500'));
      expect(users.body.items.find((u: any) => u.id === cityAdmin)).toMatchObject({ manageable: false });
      expect((await local.post(`/api/admin/users/${cityAdmin}/password`, { password: 'Takeover2026' })).status).toBe(403);
      expect((await local.patch(`/api/admin/users/${cityAdmin}`, { roles: ['handler'] })).status).toBe(403);
      expect((await local.post(`/api/admin/users/${cityAdmin}/deactivate`)).status).toBe(403);
      expect((await local.patch(`/api/admin/users/${org.actors.handlerA.userId}`, { scopeUnitId: org.units.city })).status).toBe(403);
      // inside his district he works normally
      const ok = seen(await local.patch(`/api/admin/users/${org.actors.handlerA.userId}`, { displayName: '梅园网格员' }));
      expect(ok.status).toBe(200);
      expect((await local.patch(`/api/admin/units/${org.units.gridA2}`, { name: '梅园社区第二网格' })).status).toBe(200);
    });

    it('any staff member lists active units for dispatch forms; citizens find a grid by its own, its community or its street name', async () => {
      const handler = await loginAs(server, org.usernames.handlerA!);
      const units = await handler.get('/api/units');
      expect(units.status).toBe(200);
      expect(units.body.items[0]).toMatchObject({ id: org.units.city, parentId: null, kind: 'city', depth: 0 });
      expect(units.body.items.every((u: any) => !('active' in u))).toBe(true);
      const streets = await handler.get(`/api/units?kind=street&under=${org.units.district}`);
      expect(streets.body.items.map((u: any) => u.name)).toEqual(['南苑街道', '北湖街道']);
      expect((await client(server).get('/api/units')).status).toBe(401);

      const pub = client(server);
      const byCommunity = await pub.get(`/api/public/grids?q=${encodeURIComponent('梅园社区')}`);
      expect(byCommunity.body.items).toEqual([
        expect.objectContaining({ id: org.units.gridA1, name: '梅园社区第1网格', communityName: '梅园社区', streetName: '南苑街道', lat: 30.41 }),
        expect.objectContaining({ id: org.units.gridA2, communityName: '梅园社区', streetName: '南苑街道' }),
      ]);
      const byStreet = await pub.get(`/api/public/grids?q=${encodeURIComponent('南苑')}`);
      expect(byStreet.body.items.map((g: any) => g.id)).toEqual([org.units.gridA1, org.units.gridA2]);
      expect((await pub.get('/api/public/grids?q=%25')).body.items).toEqual([]);
      expect((await pub.get('/api/public/grids')).body.items.length).toBeGreaterThan(2);
    });

    it("moving a community moves its grids' cases with it: the new street's head sees them, the old street's head no longer does", async () => {
      const headB = seen(await admin.post('/api/admin/users', { username: 'head.street-b', displayName: '北湖街道负责人', password: PASSWORD, roles: ['unit_head'], unitId: org.units.streetB }));
      expect(headB.status).toBe(201);
      const streetBHead = await loginAs(server, 'head.street-b');
      const streetAHead = await loginAs(server, org.usernames.headA!);
      const gridHandler = await loginAs(server, org.usernames.handlerA!);

      const submitted = await client(server).post('/api/public/cases', citizenCase(org.units.gridA1, '梅园社区楼道堆物'));
      expect(submitted.status).toBe(201);
      const caseId = await caseIdOf(streetAHead, submitted.body.number);
      // a second case dispatched to the community's other grid: its lead path moves too
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const second = await client(server).post('/api/public/cases', citizenCase(org.units.gridA1, '梅园社区路灯不亮'));
      const secondId = await caseIdOf(dispatcher, second.body.number);
      await dispatcher.post(`/api/cases/${secondId}/commands`, { type: 'accept' });
      expect((await dispatcher.post(`/api/cases/${secondId}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA2, assistUnitIds: [org.units.housing] })).status).toBe(200);

      expect((await streetAHead.get(`/api/cases/${caseId}`)).status).toBe(200);
      expect((await streetBHead.get(`/api/cases/${caseId}`)).status).toBe(404);

      // the ladder and the tree's shape are kept
      const underOwnGrid = await admin.post(`/api/admin/units/${org.units.communityA}/move`, { parentId: org.units.gridA1 });
      expect(underOwnGrid.status).toBe(409);
      expect(underOwnGrid.body.details.reason).toBe('inside_own_subtree');
      const underDistrict = await admin.post(`/api/admin/units/${org.units.communityA}/move`, { parentId: org.units.district });
      expect(underDistrict.body).toMatchObject({ code: 'UNIT_INVALID_PARENT', details: { kind: 'community', parentKind: 'district' } });

      const moved = await admin.post(`/api/admin/units/${org.units.communityA}/move`, { parentId: org.units.streetB });
      expect(moved.status).toBe(200);
      expect(moved.body.unitsMoved).toBe(3); // the community and its two grids
      expect(moved.body.casesUpdated).toBeGreaterThanOrEqual(2);
      expect(moved.body.unit).toMatchObject({ parentId: org.units.streetB, depth: 3 });

      expect((await streetBHead.get(`/api/cases/${caseId}`)).status).toBe(200);
      const lost = await streetAHead.get(`/api/cases/${caseId}`);
      expect(lost.status).toBe(404);
      expect(lost.body.code).toBe('CASE_NOT_FOUND');
      expect((await gridHandler.get(`/api/cases/${caseId}`)).status).toBe(200);
      expect((await streetBHead.get(`/api/cases/${secondId}`)).status).toBe(200);
      expect((await streetAHead.get(`/api/cases/${secondId}`)).status).toBe(404);
      const queue = await streetBHead.get('/api/cases?queue=all');
      expect(queue.body.items.map((c: any) => c.id)).toEqual(expect.arrayContaining([caseId, secondId]));

      const sub = await admin.get(`/api/admin/units?under=${org.units.streetB}`);
      const grid = sub.body.items.find((u: any) => u.id === org.units.gridA1);
      const streetB = sub.body.items.find((u: any) => u.id === org.units.streetB);
      expect(grid).toMatchObject({ depth: 4, path: `${streetB.path}${org.units.communityA}/${org.units.gridA1}/` });
      // the owner path stays first, the lead and assisting paths keep their places
      const [row] = await t.ctx.db.select().from(cases).where(and(eq(cases.region, t.ctx.config.REGION), eq(cases.id, secondId)));
      const [gridA2] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.id, org.units.gridA2));
      const [housing] = await t.ctx.db.select().from(orgUnits).where(eq(orgUnits.id, org.units.housing));
      expect(row!.unitPaths).toEqual([grid.path, gridA2!.path, housing!.path]);
      // and the people of the moved grid keep working: the grid handler signs the dispatched case
      const handlerA2 = seen(await admin.post('/api/admin/users', { username: 'handler.a2', displayName: '网格员', password: PASSWORD, roles: ['handler'], unitId: org.units.gridA2 }));
      expect(handlerA2.status).toBe(201);
      const a2 = await loginAs(server, 'handler.a2');
      expect((await a2.post(`/api/cases/${secondId}/commands`, { type: 'sign' })).body.state).toBe('handling');

      const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'org.unit_moved'));
      expect(audit!.data).toMatchObject({ fromParentId: org.units.streetA, toParentId: org.units.streetB, unitsMoved: 3 });
    });

    it('the password hash is never in any answer', async () => {
      const text = JSON.stringify(bodies);
      expect(bodies.length).toBeGreaterThan(8);
      expect(text).not.toMatch(/argon2|passwordHash|password_hash/i);
      expect(text).not.toContain('Clerk2026pass');
    });
  });
}
