/**
 * API keys for other systems (Open311 GeoReport v2 clients): issued and revoked by an admin, every
 * change audited. The key is shown once, when issued; only a keyed hash of it is stored. A key with
 * an acting user registers and accepts its submissions in that user's name; without one they wait
 * for acceptance like any public submission.
 */
import crypto from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { TRANSITIONS } from '../domain/lifecycle/transitions.js';
import type { StaffRole } from '../domain/lifecycle/types.js';
import { apiKeys, users } from '../store/schema.js';
import { findActiveUser, findUnitsById, isWithin } from '../store/org-repository.js';
import type { Queryable } from '../store/database.js';
import type { AppContext, StaffActor } from './context.js';
import { writeAudit } from './audit-log.js';
import { subtreePattern } from './org-admin.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

const KEY_PREFIX = 'xf_';
const KEY_BODY_LENGTH = 40;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Characters of the key shown in lists (`xf_` and 7 more): enough to tell keys apart, far too few to use one. */
export const PREFIX_LENGTH = 10;
export const DEFAULT_RATE_PER_MINUTE = 60;
/** lastUsedAt is written at most once a minute per key: a busy client must not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Roles that may act for a key: its requests are registered and accepted in one step, so the user
 * must hold a role the transition table lets accept (分派员 or 领导) — a registrar alone may register
 * but not accept.
 */
export const ACTING_ROLES: readonly StaffRole[] = (TRANSITIONS.find((r) => r.command === 'accept')?.roles ?? []).filter(
  (r): r is StaffRole => r !== 'petitioner' && r !== 'system',
);

export interface PresentedApiKey {
  id: string;
  name: string;
  prefix: string;
  actingUserId: string | null;
  actingUserName: string | null;
  ratePerMinute: number;
  createdAt: string;
  createdByName: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Given nothing, returns a fresh key: `xf_` and 40 base62 characters (≈ 238 random bits). */
export function newApiKey(): string {
  let body = '';
  while (body.length < KEY_BODY_LENGTH) {
    for (const b of crypto.randomBytes(64)) {
      // 248 = 4 × 62: bytes above it are skipped so every character is equally likely.
      if (b < 248 && body.length < KEY_BODY_LENGTH) body += BASE62[b % 62];
    }
  }
  return KEY_PREFIX + body;
}

/**
 * Given a key, returns the keyed hash stored for it. The blind-index HMAC of the query codes is reused
 * under an `api_key:` namespace (query-code inputs start with a case number, never with that word).
 */
export function hashApiKey(ctx: AppContext, key: string): string {
  return ctx.cipher.blindIndex('query_code', `api_key:${key}`);
}

/**
 * Given an admin and the new key's name, acting user and rate, returns the stored key with the key
 * itself — the only time it is ever shown. The acting user must be an active staff user within the
 * admin's scope who may register and accept (ACTING_ROLES); otherwise VALIDATION_FAILED at `actingUserId`.
 */
export async function issueApiKey(
  ctx: AppContext,
  actor: StaffActor,
  input: { name: string; actingUserId?: string | null; ratePerMinute?: number },
): Promise<PresentedApiKey & { key: string }> {
  const key = newApiKey();
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const acting = input.actingUserId ? await checkActingUser(tx, actor, input.actingUserId) : null;
    const row: ApiKeyRow = {
      id: crypto.randomUUID(),
      name: input.name,
      prefix: key.slice(0, PREFIX_LENGTH),
      keyHash: hashApiKey(ctx, key),
      actingUserId: acting?.id ?? null,
      scopePath: actor.scopePath,
      ratePerMinute: input.ratePerMinute ?? DEFAULT_RATE_PER_MINUTE,
      createdBy: actor.userId,
      createdAt: now,
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    };
    await tx.insert(apiKeys).values(row);
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'api_key.issued',
        targetType: 'api_key',
        targetId: row.id,
        data: { name: row.name, prefix: row.prefix, actingUserId: row.actingUserId, ratePerMinute: row.ratePerMinute },
      },
      tx,
    );
    const names = await userNames(tx, [row.actingUserId, row.createdBy]);
    return { ...present(row, names), key };
  });
}

async function checkActingUser(q: Queryable, actor: StaffActor, userId: string) {
  const user = await findActiveUser(q, userId);
  const unit = user ? (await findUnitsById(q, [user.unitId])).get(user.unitId) : undefined;
  const ok = user && unit?.active && isWithin(unit.path, actor.scopePath) && user.roles.some((r) => (ACTING_ROLES as readonly string[]).includes(r));
  if (!ok) {
    throw new AppError('VALIDATION_FAILED', {
      fields: [{ path: 'actingUserId', message: '代办人须为本人管辖范围内在用的、可登记并受理（分派员或领导）的工作人员账号' }],
    });
  }
  return user;
}

/** Given an admin, returns the keys issued within his scope, newest first (revoked ones too, for the record). */
export async function listApiKeys(ctx: AppContext, actor: StaffActor): Promise<{ items: PresentedApiKey[] }> {
  const rows = await ctx.db
    .select()
    .from(apiKeys)
    .where(sql`${apiKeys.scopePath} like ${subtreePattern(actor.scopePath)}`)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  const names = await userNames(ctx.db, rows.flatMap((r) => [r.actingUserId, r.createdBy]));
  return { items: rows.map((r) => present(r, names)) };
}

/**
 * Given an admin and a key id, revokes the key (again: no change, no second audit entry) and returns
 * it; API_KEY_NOT_FOUND when unknown or issued outside his scope (missing and not yours look alike).
 */
export async function revokeApiKey(ctx: AppContext, actor: StaffActor, id: string): Promise<PresentedApiKey> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for('update');
    if (!row || !row.scopePath.startsWith(actor.scopePath)) throw new AppError('API_KEY_NOT_FOUND');
    let out: ApiKeyRow | undefined = row;
    if (!row.revokedAt) {
      [out] = await tx.update(apiKeys).set({ revokedAt: now, revokedBy: actor.userId }).where(eq(apiKeys.id, id)).returning();
      await writeAudit(ctx, { actorId: actor.userId, action: 'api_key.revoked', targetType: 'api_key', targetId: id, data: { name: row.name, prefix: row.prefix } }, tx);
    }
    return present(out!, await userNames(tx, [out!.actingUserId, out!.createdBy]));
  });
}

/**
 * Given a key as a client sent it, returns its row when it is a live (not revoked) key, else null.
 * Records the use, at most once a minute.
 */
export async function authenticateApiKey(ctx: AppContext, key: string): Promise<ApiKeyRow | null> {
  if (!key.startsWith(KEY_PREFIX) || key.length !== KEY_PREFIX.length + KEY_BODY_LENGTH || !/^xf_[0-9A-Za-z]+$/.test(key)) return null;
  const [row] = await ctx.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(ctx, key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  const now = ctx.now();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await ctx.db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
    row.lastUsedAt = now;
  }
  return row;
}

async function userNames(q: Queryable, ids: ReadonlyArray<string | null>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  if (wanted.length === 0) return new Map();
  const rows = await q.select({ id: users.id, displayName: users.displayName }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

function present(r: ApiKeyRow, names: ReadonlyMap<string, string>): PresentedApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    actingUserId: r.actingUserId,
    actingUserName: r.actingUserId ? names.get(r.actingUserId) ?? null : null,
    ratePerMinute: r.ratePerMinute,
    createdAt: r.createdAt.toISOString(),
    createdByName: names.get(r.createdBy) ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  };
}
