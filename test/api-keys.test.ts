import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { PREFIX_LENGTH, authenticateApiKey, hashApiKey } from '../src/services/api-keys.js';
import { createUser } from '../src/services/org-units.js';
import { PASSWORD } from './support/factories.js';

for (const kind of DB_KINDS) {
  describe(`admin: API keys [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const auditActions = async () =>
      ((await t.ctx.db.execute(sql`select action, target_id from audit_log where action like 'api_key.%' order by id`)) as unknown as { rows: Array<{ action: string; target_id: string }> }).rows;

    it('issues a key shown once: the list has its prefix, never the key', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const res = await admin.post('/api/admin/api-keys', { name: '12345 热线系统', actingUserId: org.actors.dispatcher.userId, ratePerMinute: 120 });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['actingUserId', 'actingUserName', 'createdAt', 'id', 'key', 'name', 'prefix', 'ratePerMinute']);
      expect(res.body.key).toMatch(/^xf_[0-9A-Za-z]{40}$/);
      expect(res.body).toMatchObject({ name: '12345 热线系统', prefix: res.body.key.slice(0, 10), actingUserId: org.actors.dispatcher.userId, actingUserName: 'dispatcher', ratePerMinute: 120 });

      t.clock.advance(1000);
      const plain = await admin.post('/api/admin/api-keys', { name: '市民 App' });
      expect(plain.body).toMatchObject({ actingUserId: null, actingUserName: null, ratePerMinute: 60 });
      expect(plain.body.key).not.toBe(res.body.key);

      const list = await admin.get('/api/admin/api-keys');
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: any) => k.name)).toEqual(['市民 App', '12345 热线系统']);
      expect(list.body.items[1]).toMatchObject({ prefix: res.body.prefix, createdByName: 'admin', revokedAt: null, lastUsedAt: null, actingUserName: 'dispatcher' });
      expect(JSON.stringify(list.body)).not.toContain(res.body.key);
      // Only a keyed hash is stored: the column holds exactly the keyed hash, and no column holds the key or its secret part.
      const stored = (await t.ctx.db.execute(sql`select * from api_keys where id = ${res.body.id}`)) as unknown as { rows: Array<Record<string, unknown>> };
      expect(stored.rows[0]!.key_hash).toBe(hashApiKey(t.ctx, res.body.key));
      for (const [column, value] of Object.entries(stored.rows[0]!)) {
        expect(String(value instanceof Date ? value.toISOString() : value), column).not.toContain(res.body.key.slice(PREFIX_LENGTH));
      }
      expect(stored.rows[0]!.prefix).toBe(res.body.key.slice(0, PREFIX_LENGTH));

      expect((await authenticateApiKey(t.ctx, res.body.key))?.id).toBe(res.body.id);
      expect(await authenticateApiKey(t.ctx, res.body.key.slice(0, -1) + (res.body.key.endsWith('a') ? 'b' : 'a'))).toBeNull();
      const used = (await admin.get('/api/admin/api-keys')).body.items[1];
      expect(used.lastUsedAt).toBe(t.clock.now().toISOString());
    });

    it('revokes a key at once; revoking again changes nothing; an unknown key is 404', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const issued = (await admin.post('/api/admin/api-keys', { name: '将被吊销的密钥' })).body;
      t.clock.advance(60_000);
      const first = await admin.post(`/api/admin/api-keys/${issued.id}/revoke`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ id: issued.id, name: '将被吊销的密钥', revokedAt: t.clock.now().toISOString() });
      expect(await authenticateApiKey(t.ctx, issued.key)).toBeNull();
      t.clock.advance(60_000);
      const again = await admin.post(`/api/admin/api-keys/${issued.id}/revoke`);
      expect(again.status).toBe(200);
      expect(again.body.revokedAt).toBe(first.body.revokedAt);
      expect((await admin.post('/api/admin/api-keys/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
      expect((await admin.post('/api/admin/api-keys/not-a-uuid/revoke')).status).toBe(400);
      const revokes = (await auditActions()).filter((a) => a.action === 'api_key.revoked');
      expect(revokes).toEqual([{ action: 'api_key.revoked', target_id: issued.id }]);
    });

    it('every issue is audited', async () => {
      const issued = (await auditActions()).filter((a) => a.action === 'api_key.issued');
      expect(issued.length).toBe(3);
    });

    it('an acting user must be an active user who may accept (a registrar alone may not); bad input is 400', async () => {
      const admin = await loginAs(server, org.usernames.admin!);
      const registrar = await admin.post('/api/admin/api-keys', { name: '登记员代办', actingUserId: org.actors.registrar.userId });
      expect(registrar.status).toBe(400);
      expect(registrar.body.details.fields[0].path).toBe('actingUserId');
      expect(registrar.body.details.fields[0].message).toContain('分派员');
      expect((await admin.post('/api/admin/api-keys', { name: '无此人', actingUserId: '00000000-0000-4000-8000-000000000000' })).status).toBe(400);
      expect((await admin.post('/api/admin/api-keys', { name: '' })).status).toBe(400);
      expect((await admin.post('/api/admin/api-keys', { name: 'x'.repeat(61) })).status).toBe(400);
      expect((await admin.post('/api/admin/api-keys', { name: '太快', ratePerMinute: 6001 })).status).toBe(400);
      expect((await admin.post('/api/admin/api-keys', { name: '太慢', ratePerMinute: 0 })).status).toBe(400);
    });

    it('a district admin sees and revokes only keys issued within his scope: a city key is 404 to him; his acting user must lie in his scope', async () => {
      await createUser(t.ctx.db, { username: 'admin.district', displayName: '区管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.district, scopeUnitId: org.units.district });
      await createUser(t.ctx.db, { username: 'admin.street-a', displayName: '街道管理员', password: PASSWORD, roles: ['admin'], unitId: org.units.streetA, scopeUnitId: org.units.streetA });
      const city = await loginAs(server, org.usernames.admin!);
      const district = await loginAs(server, 'admin.district');
      const street = await loginAs(server, 'admin.street-a');
      t.clock.advance(1000);
      const cityKey = (await city.post('/api/admin/api-keys', { name: '市级平台' })).body;
      t.clock.advance(1000);
      const districtKey = (await district.post('/api/admin/api-keys', { name: '区级平台', actingUserId: org.actors.dispatcher.userId })).body;
      expect(districtKey.actingUserName).toBe('dispatcher');
      const stored = (await t.ctx.db.execute(sql`select id, scope_path from api_keys where id in (${cityKey.id}, ${districtKey.id})`)) as unknown as { rows: Array<{ id: string; scope_path: string }> };
      expect(new Map(stored.rows.map((r) => [r.id, r.scope_path])).get(districtKey.id)).toBe(org.actors.leader.scopePath);

      const seenBy = async (c: typeof city) => ((await c.get('/api/admin/api-keys')).body.items as Array<{ id: string }>).map((k) => k.id);
      expect(await seenBy(city)).toEqual(expect.arrayContaining([cityKey.id, districtKey.id]));
      expect(await seenBy(district)).toEqual([districtKey.id]);
      expect(await seenBy(street)).toEqual([]);

      const outside = await district.post(`/api/admin/api-keys/${cityKey.id}/revoke`);
      expect(outside.status).toBe(404);
      expect(outside.body.code).toBe('API_KEY_NOT_FOUND');
      expect((await street.post(`/api/admin/api-keys/${districtKey.id}/revoke`)).status).toBe(404);
      expect(await authenticateApiKey(t.ctx, cityKey.key)).not.toBeNull();
      expect(await authenticateApiKey(t.ctx, districtKey.key)).not.toBeNull();
      // The city admin may revoke the district's key: it lies within his scope.
      expect((await city.post(`/api/admin/api-keys/${districtKey.id}/revoke`)).status).toBe(200);
      expect(await authenticateApiKey(t.ctx, districtKey.key)).toBeNull();

      // The street admin may not name the district's dispatcher as acting user: that user lies outside his scope.
      const notMine = await street.post('/api/admin/api-keys', { name: '越界代办', actingUserId: org.actors.dispatcher.userId });
      expect(notMine.status).toBe(400);
      expect(notMine.body.details.fields[0].path).toBe('actingUserId');
    });

    it('only admins manage keys: others get 403, no session 401', async () => {
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.get('/api/admin/api-keys')).status).toBe(403);
      expect((await dispatcher.post('/api/admin/api-keys', { name: '越权' })).status).toBe(403);
      const any = (await (await loginAs(server, org.usernames.admin!)).get('/api/admin/api-keys')).body.items[0];
      expect((await dispatcher.post(`/api/admin/api-keys/${any.id}/revoke`)).status).toBe(403);
      const anonymous = await fetch(`${server.base}/api/admin/api-keys`);
      expect(anonymous.status).toBe(401);
    });
  });
}
