/**
 * Signing in (DOMAIN.md §1: every staff action is a user's): a wrong password and an unknown user look
 * alike, five wrong guesses lock the account for a while, logout ends the session, the browser's cookie
 * works like the bearer token, and sessions end after SESSION_TTL_HOURS.
 */
import crypto from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, startServer, type JsonResponse, type TestServer } from './support/server.js';
import { sessions, users } from '../src/store/schema.js';

const HOUR = 3_600_000;
const CJK = /[\u4e00-\u9fff]/;

function expectAuthFailed(r: JsonResponse) {
  expect(r.status).toBe(401);
  expect(r.body).toEqual({ code: 'AUTH_FAILED', message: expect.stringMatching(CJK) });
}

/** Returns the xf_session cookie a response sets, with its attributes. */
function sessionCookie(r: JsonResponse): string | undefined {
  return r.headers.getSetCookie().find((c) => c.startsWith('xf_session='));
}

for (const kind of DB_KINDS) {
  describe(`signing in and out [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const login = (username: string, password: string) => client(server).post('/api/auth/login', { username, password });

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the right password gives a token, an HttpOnly same-site cookie and who you are', async () => {
      const r = await login(org.usernames.handlerA!, PASSWORD);
      expect(r.status).toBe(200);
      expect(r.body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(r.body.expiresAt).toBe(new Date(t.clock.now().getTime() + t.ctx.config.SESSION_TTL_HOURS * HOUR).toISOString());
      expect(r.body.user).toEqual({
        id: org.actors.handlerA.userId,
        username: org.usernames.handlerA,
        displayName: expect.any(String),
        roles: ['handler'],
        unitId: org.units.gridA1,
        scopeUnitId: org.units.gridA1,
      });
      expect(JSON.stringify(r.body)).not.toMatch(/argon|password/i);
      const cookie = sessionCookie(r);
      expect(cookie).toBeDefined();
      expect(cookie).toContain(`xf_session=${r.body.token}`);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).toMatch(/Path=\//);
      const me = await client(server, r.body.token).get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(org.usernames.handlerA);
      // only a hash of the token is stored
      const stored = await t.ctx.db.select().from(sessions).where(eq(sessions.userId, org.actors.handlerA.userId));
      expect(stored.length).toBeGreaterThan(0);
      for (const s of stored) expect(s.tokenHash).not.toBe(r.body.token);
      expect(stored.map((s) => s.tokenHash)).toContain(crypto.createHash('sha256').update(r.body.token).digest('hex'));
    });

    it('a wrong password and an unknown user get the same 401 AUTH_FAILED body, and no cookie', async () => {
      const wrong = await login(org.usernames.handlerB!, 'not-the-password');
      const unknown = await login('no-such-user', 'not-the-password');
      const unknownRightPassword = await login('no-such-user', PASSWORD);
      const caseVariant = await login(org.usernames.handlerB!.toUpperCase(), PASSWORD);
      for (const r of [wrong, unknown, unknownRightPassword, caseVariant]) {
        expectAuthFailed(r);
        expect(sessionCookie(r)).toBeUndefined();
      }
      expect(unknown.body).toEqual(wrong.body);
      // the right password still works (one failure does not lock)
      expect((await login(org.usernames.handlerB!, PASSWORD)).status).toBe(200);
    });

    it('five wrong passwords lock the account: even the right one is refused, with the same answer as an unknown user, until the lock ends', async () => {
      const who = org.usernames.housingHandler!;
      for (let i = 0; i < 4; i++) expectAuthFailed(await login(who, `wrong-${i}`));
      // four failures: still open
      const fourth = await login(who, PASSWORD);
      expect(fourth.status).toBe(200);
      // a success resets the count: five more are needed
      for (let i = 0; i < 5; i++) expectAuthFailed(await login(who, `wrong-${i}`));
      const locked = await login(who, PASSWORD);
      expectAuthFailed(locked);
      expect(locked.body).toEqual((await login('no-such-user', PASSWORD)).body);
      expect(sessionCookie(locked)).toBeUndefined();
      // sessions opened before the lock keep working: the lock is on guessing, not on the person
      expect((await client(server, fourth.body.token).get('/api/auth/me')).status).toBe(200);

      t.clock.advance(14 * 60_000);
      expectAuthFailed(await login(who, PASSWORD));
      t.clock.advance(60_000 + 1000);
      const after = await login(who, PASSWORD);
      expect(after.status).toBe(200);
      const [row] = await t.ctx.db.select().from(users).where(eq(users.username, who));
      expect(row!.failedLogins).toBe(0);
    });

    it('concurrent wrong guesses are all counted: ten at once lock the account', async () => {
      const who = org.usernames.supervisor!;
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => login(who, `parallel-wrong-${i}`)));
      for (const r of answers) expectAuthFailed(r);
      expectAuthFailed(await login(who, PASSWORD));
      const [row] = await t.ctx.db.select().from(users).where(eq(users.username, who));
      expect(row!.lockedUntil!.getTime()).toBeGreaterThan(t.clock.now().getTime());
      t.clock.advance(16 * 60_000);
      expect((await login(who, PASSWORD)).status).toBe(200);
    });

    it('failed and successful sign-ins are audited', async () => {
      const rows = ((await t.ctx.db.execute(sql`select action, actor_id from audit_log order by id`)) as unknown as { rows: { action: string; actor_id: string }[] }).rows;
      const failed = rows.filter((r) => r.action === 'auth.login_failed' && r.actor_id === org.actors.housingHandler.userId);
      expect(failed.length).toBeGreaterThanOrEqual(9);
      expect(rows.some((r) => r.action === 'auth.login' && r.actor_id === org.actors.handlerA.userId)).toBe(true);
    });

    it('logout revokes the token (and only that one) and clears the cookie', async () => {
      const first = await login(org.usernames.leader!, PASSWORD);
      const second = await login(org.usernames.leader!, PASSWORD);
      const a = client(server, first.body.token);
      const b = client(server, second.body.token);
      expect((await a.get('/api/auth/me')).status).toBe(200);
      const out = await a.post('/api/auth/logout');
      expect(out.status).toBe(200);
      const cleared = sessionCookie(out);
      expect(cleared).toBeDefined();
      expect(cleared).toMatch(/^xf_session=;/);
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/i);
      for (const r of [await a.get('/api/auth/me'), await a.get('/api/cases'), await a.post('/api/auth/logout')]) {
        expect(r.status).toBe(401);
        expect(r.body.code).toBe('SESSION_INVALID');
        expect(r.body.message).toMatch(CJK);
      }
      // the other session of the same user is untouched
      expect((await b.get('/api/auth/me')).status).toBe(200);
    });

    it('the session cookie works for GET /api/auth/me, and logging out through it ends it', async () => {
      const r = await login(org.usernames.registrar!, PASSWORD);
      const cookie = `xf_session=${r.body.token}`;
      const anon = client(server);
      const me = await anon.get('/api/auth/me', { cookie });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(org.actors.registrar.userId);
      expect((await anon.get('/api/cases', { cookie })).status).toBe(200);
      // a cookie for a session that never existed
      expect((await anon.get('/api/auth/me', { cookie: `xf_session=${crypto.randomBytes(32).toString('base64url')}` })).status).toBe(401);
      // no session at all
      const none = await anon.get('/api/auth/me');
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('AUTH_REQUIRED');
      expect((await anon.post('/api/auth/logout', {}, { cookie })).status).toBe(200);
      const after = await anon.get('/api/auth/me', { cookie });
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('SESSION_INVALID');
    });

    it(`sessions end after SESSION_TTL_HOURS`, async () => {
      const ttl = t.ctx.config.SESSION_TTL_HOURS * HOUR;
      const r = await login(org.usernames.dispatcher!, PASSWORD);
      const c = client(server, r.body.token);
      const cookie = { cookie: `xf_session=${r.body.token}` };
      t.clock.advance(ttl - 60_000);
      expect((await c.get('/api/auth/me')).status).toBe(200);
      t.clock.advance(60_000);
      for (const res of [await c.get('/api/auth/me'), await c.get('/api/cases'), await client(server).get('/api/auth/me', cookie)]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('SESSION_INVALID');
      }
      // signing in again works
      expect((await login(org.usernames.dispatcher!, PASSWORD)).status).toBe(200);
    });
  });
}
