/**
 * Authentication at one door: a route declares `config: { auth: 'staff', roles?: [...] }` and this
 * hook resolves the bearer token (or the session cookie) to `request.actor` before the handler runs.
 * Routes without `auth` are public.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { StaffRole } from '../domain/lifecycle/types.js';
import type { AppContext, StaffActor } from '../services/context.js';
import { authenticate } from '../services/auth.js';

export const SESSION_COOKIE = 'xf_session';

/**
 * Roles that do case work (transitions.ts CASE_STAFF). The admin manages the org tree, users,
 * categories and rules and never cases (DOMAIN.md §1): case routes refuse his role outright — the
 * same 403 whatever the case id, so it tells nothing about which cases exist — even though his
 * scope would cover them and reading would unmask nothing by itself.
 */
export const CASE_WORK_ROLES: readonly StaffRole[] = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: 'staff';
    roles?: readonly StaffRole[];
  }
  interface FastifyRequest {
    actor: StaffActor | null;
  }
}

/** Given a request, returns the session token it carries (Authorization: Bearer, or the cookie). */
export function tokenOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const c = (req as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[SESSION_COOKIE];
  return c ?? null;
}

/** Given a staff request, returns its actor (the hook guarantees one on `auth: 'staff'` routes). */
export function actorOf(req: FastifyRequest): StaffActor {
  if (!req.actor) throw new AppError('AUTH_REQUIRED');
  return req.actor;
}

export const authPlugin = fp(async (app: FastifyInstance, opts: { ctx: AppContext }) => {
  app.decorateRequest('actor', null);
  app.addHook('preValidation', async (req) => {
    const cfg = req.routeOptions.config;
    if (cfg?.auth !== 'staff') return;
    const token = tokenOf(req);
    if (!token) throw new AppError('AUTH_REQUIRED');
    req.actor = await authenticate(opts.ctx, token);
    if (cfg.roles && !cfg.roles.some((r) => req.actor!.roles.includes(r))) throw new AppError('FORBIDDEN');
  });
});
