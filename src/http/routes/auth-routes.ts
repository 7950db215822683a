/**
 * Login, logout, who am I. The token is returned for API clients and set as an HttpOnly cookie
 * for the browser.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { login, logout } from '../../services/auth.js';
import { SESSION_COOKIE, actorOf, tokenOf } from '../auth-plugin.js';

export const authRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/api/auth/login', {
    config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
    schema: { tags: ['auth'], summary: '登录', body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }) },
  }, async (req, reply) => {
    const { token, expiresAt, actor } = await login(ctx, req.body.username, req.body.password);
    // maxAge, not an absolute date: the browser's clock may differ from the server's.
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: Math.max(1, Math.round((expiresAt.getTime() - ctx.now().getTime()) / 1000)), secure: req.protocol === 'https' });
    return { token, expiresAt: expiresAt.toISOString(), user: presentActor(actor) };
  });

  app.post('/api/auth/logout', { config: { auth: 'staff' }, schema: { tags: ['auth'], summary: '退出登录' } }, async (req, reply) => {
    const token = tokenOf(req);
    if (token) await logout(ctx, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/api/auth/me', { config: { auth: 'staff' }, schema: { tags: ['auth'], summary: '当前用户' } }, async (req) => presentActor(actorOf(req)));
};

function presentActor(a: ReturnType<typeof actorOf>) {
  return { id: a.userId, username: a.username, displayName: a.displayName, roles: a.roles, unitId: a.unitId, scopeUnitId: a.scopeUnitId };
}
