/**
 * Password login (argon2id) and server-side sessions. The bearer token is random; only its
 * sha256 is stored, so a copy of the sessions table opens nothing.
 */
import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { StaffRole } from '../domain/lifecycle/types.js';
import { sessions, users } from '../store/schema.js';
import { findActiveUser, findUnitsById, findUserByUsername } from '../store/org-repository.js';
import type { AppContext, StaffActor } from './context.js';
import { writeAudit } from './audit-log.js';

const MAX_FAILED_LOGINS = 5;
const LOCK_MINUTES = 15;
// A hash to verify against when the user does not exist, so timing does not reveal usernames.
let dummyHash: Promise<string> | null = null;

/** Given a password, returns its argon2id hash. */
export const hashPassword = (password: string) => hash(password);

const tokenHash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** Given credentials, returns a new session token and the actor; AUTH_FAILED for any mismatch. */
export async function login(ctx: AppContext, username: string, password: string): Promise<{ token: string; expiresAt: Date; actor: StaffActor }> {
  const now = ctx.now();
  // A NUL byte or an unpaired surrogate cannot be sent to PostgreSQL as text (a 500): no such user.
  const user = /[\u0000-\u001f\u007f]|[\uD800-\uDFFF]/u.test(username) ? null : await findUserByUsername(ctx.db, username);
  if (!user || !user.active) {
    dummyHash ??= hash('not-a-password');
    await verify(await dummyHash, password).catch(() => false);
    throw new AppError('AUTH_FAILED');
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  if (user.lockedUntil && user.lockedUntil > now) {
    // Locked: the same answer (and the same work) as a wrong password or an unknown user, so the
    // lock does not confirm that the username exists. The attempt is recorded, not counted.
    await writeAudit(ctx, { actorId: user.id, action: 'auth.login_refused_locked', targetType: 'user', targetId: user.id, data: { lockedUntil: user.lockedUntil.toISOString() } });
    throw new AppError('AUTH_FAILED');
  }
  if (!ok) {
    // One statement, so concurrent wrong guesses are all counted (a read-then-write lost them).
    const lockUntil = new Date(now.getTime() + LOCK_MINUTES * 60_000);
    const [row] = await ctx.db
      .update(users)
      .set({
        failedLogins: sql`case when ${users.failedLogins} + 1 >= ${MAX_FAILED_LOGINS} then 0 else ${users.failedLogins} + 1 end`,
        lockedUntil: sql`case when ${users.failedLogins} + 1 >= ${MAX_FAILED_LOGINS} then ${lockUntil} else ${users.lockedUntil} end`,
      })
      .where(eq(users.id, user.id))
      .returning({ failedLogins: users.failedLogins, lockedUntil: users.lockedUntil });
    const locked = !!row?.lockedUntil && row.lockedUntil > now;
    await writeAudit(ctx, { actorId: user.id, action: 'auth.login_failed', targetType: 'user', targetId: user.id, data: { failed: locked ? MAX_FAILED_LOGINS : row?.failedLogins ?? null, locked } });
    throw new AppError('AUTH_FAILED');
  }
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ctx.config.SESSION_TTL_HOURS * 3_600_000);
  await ctx.db.insert(sessions).values({ tokenHash: tokenHash(token), userId: user.id, createdAt: now, expiresAt });
  await ctx.db.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, user.id));
  await writeAudit(ctx, { actorId: user.id, action: 'auth.login', targetType: 'user', targetId: user.id, data: {} });
  const actor = await actorForUser(ctx, user.id);
  if (!actor) throw new AppError('AUTH_FAILED');
  return { token, expiresAt, actor };
}

/** Given a bearer token, returns the actor of a live session; SESSION_INVALID otherwise. */
export async function authenticate(ctx: AppContext, token: string): Promise<StaffActor> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new AppError('SESSION_INVALID');
  const [s] = await ctx.db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash(token)), isNull(sessions.revokedAt), gt(sessions.expiresAt, ctx.now())))
    .limit(1);
  if (!s) throw new AppError('SESSION_INVALID');
  const actor = await actorForUser(ctx, s.userId);
  if (!actor) throw new AppError('SESSION_INVALID');
  return actor;
}

/** Given a token, revokes its session (logout). */
export async function logout(ctx: AppContext, token: string): Promise<void> {
  await ctx.db.update(sessions).set({ revokedAt: ctx.now() }).where(eq(sessions.tokenHash, tokenHash(token)));
}

/** Given a user id, returns the staff actor with unit and scope paths, or null if inactive. */
export async function actorForUser(ctx: AppContext, userId: string): Promise<StaffActor | null> {
  const user = await findActiveUser(ctx.db, userId);
  if (!user) return null;
  const units = await findUnitsById(ctx.db, [user.unitId, user.scopeUnitId]);
  const unit = units.get(user.unitId);
  const scope = units.get(user.scopeUnitId);
  if (!unit || !scope || !unit.active) return null;
  return {
    kind: 'staff',
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    roles: user.roles as StaffRole[],
    unitId: unit.id,
    unitPath: unit.path,
    scopeUnitId: scope.id,
    scopePath: scope.path,
  };
}

/** Given a user, revokes all his sessions (deactivation, password change). */
export async function revokeSessionsOf(ctx: AppContext, userId: string): Promise<void> {
  await ctx.db.update(sessions).set({ revokedAt: ctx.now() }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

