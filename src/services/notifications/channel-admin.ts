/**
 * Administering notification channels: a unit's or a user's DingTalk / WeCom robot, mailbox or
 * SMS number. The admin's scope bounds what he may see and touch (the channel's unit, or the
 * user's unit, must lie in it). The address is stored encrypted and only ever shown masked; a
 * robot's signing secret is write-only. Every change, and every test message, is audited (with the
 * masked address, never the address or the secret).
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { AppError } from '../../domain/errors.js';
import type { Queryable } from '../../store/database.js';
import { findUnit } from '../../store/org-repository.js';
import { notificationChannels, orgUnits, outbox, users } from '../../store/schema.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { assertUnitInScope, subtreePattern } from '../org-admin.js';
import type { ChannelKind } from './channels/types.js';
import { maskTarget, normalizeTarget } from './channel-targets.js';
import type { NotificationLevel, OutboxPayload } from './notify.js';

type ChannelRow = typeof notificationChannels.$inferSelect;

export interface NewChannel {
  kind: ChannelKind;
  name: string;
  unitId?: string | null;
  userId?: string | null;
  target: string;
  secret?: string | null;
  kinds?: string[];
  minLevel?: NotificationLevel;
  enabled?: boolean;
}

export interface ChannelPatch {
  name?: string;
  target?: string;
  /** a new secret; null removes it */
  secret?: string | null;
  kinds?: string[];
  minLevel?: NotificationLevel;
  enabled?: boolean;
}

interface Owner {
  unitId: string | null;
  unitName: string | null;
  userId: string | null;
  userName: string | null;
}

/** Given a channel and its owner's names, returns what the admin screens show: the address masked, whether a secret is set. */
export function presentChannel(ch: ChannelRow, owner: Owner) {
  return {
    id: ch.id,
    kind: ch.kind,
    name: ch.name,
    unitId: ch.unitId,
    unitName: owner.unitName,
    userId: ch.userId,
    userName: owner.userName,
    target: ch.targetMask,
    hasSecret: ch.secretEnc !== null,
    kinds: ch.kinds,
    minLevel: ch.minLevel,
    enabled: ch.enabled,
    createdAt: ch.createdAt.toISOString(),
  };
}
export type PresentedChannel = ReturnType<typeof presentChannel>;

const ownerUnit = alias(orgUnits, 'owner_unit');
const userUnit = alias(orgUnits, 'user_unit');

/** Given an admin and filters, returns the channels whose unit (or whose user's unit) lies in his scope. */
export async function listChannelsForAdmin(ctx: AppContext, actor: StaffActor, f: { unitId?: string; userId?: string; kind?: ChannelKind } = {}) {
  const rows = await ctx.db
    .select({ ch: notificationChannels, unitName: ownerUnit.name, userName: users.displayName, path: sql<string | null>`coalesce(${ownerUnit.path}, ${userUnit.path})` })
    .from(notificationChannels)
    .leftJoin(ownerUnit, eq(ownerUnit.id, notificationChannels.unitId))
    .leftJoin(users, eq(users.id, notificationChannels.userId))
    .leftJoin(userUnit, eq(userUnit.id, users.unitId))
    .where(
      and(
        sql`coalesce(${ownerUnit.path}, ${userUnit.path}) like ${subtreePattern(actor.scopePath)}`,
        f.unitId ? eq(notificationChannels.unitId, f.unitId) : undefined,
        f.userId ? eq(notificationChannels.userId, f.userId) : undefined,
        f.kind ? eq(notificationChannels.kind, f.kind) : undefined,
      ),
    )
    .orderBy(asc(notificationChannels.createdAt), asc(notificationChannels.id));
  return rows.map((r) => presentChannel(r.ch, { unitId: r.ch.unitId, unitName: r.unitName, userId: r.ch.userId, userName: r.userName }));
}

/** Given an admin and the owner named in a new channel, returns the owner after checking it exists and lies in his scope. */
async function resolveOwner(q: Queryable, actor: StaffActor, unitId: string | null | undefined, userId: string | null | undefined): Promise<Owner> {
  if (!!unitId === !!userId) throw new AppError('VALIDATION_FAILED', { path: 'unitId', reason: 'exactly_one_of_unit_or_user' });
  if (unitId) {
    const unit = await findUnit(q, unitId);
    if (!unit || !unit.active) throw new AppError('UNIT_NOT_FOUND', { path: 'unitId', unitId });
    assertUnitInScope(actor, unit, 'unitId');
    return { unitId, unitName: unit.name, userId: null, userName: null };
  }
  const [row] = await q
    .select({ id: users.id, displayName: users.displayName, active: users.active, path: orgUnits.path })
    .from(users)
    .leftJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(eq(users.id, userId!))
    .limit(1);
  if (!row || !row.active) throw new AppError('USER_NOT_FOUND', { path: 'userId' });
  if (!row.path || !row.path.startsWith(actor.scopePath)) throw new AppError('FORBIDDEN', { path: 'userId', reason: 'user_outside_scope' });
  return { unitId: null, unitName: null, userId: row.id, userName: row.displayName };
}

/** Given an admin and a channel id, returns the channel and its owner, or throws NOT_FOUND / FORBIDDEN. */
async function loadManageableChannel(q: Queryable, actor: StaffActor, id: string): Promise<{ ch: ChannelRow; owner: Owner }> {
  const [row] = await q
    .select({ ch: notificationChannels, unitName: ownerUnit.name, userName: users.displayName, path: sql<string | null>`coalesce(${ownerUnit.path}, ${userUnit.path})` })
    .from(notificationChannels)
    .leftJoin(ownerUnit, eq(ownerUnit.id, notificationChannels.unitId))
    .leftJoin(users, eq(users.id, notificationChannels.userId))
    .leftJoin(userUnit, eq(userUnit.id, users.unitId))
    .where(eq(notificationChannels.id, id))
    .limit(1);
  if (!row) throw new AppError('NOTIFICATION_CHANNEL_NOT_FOUND', { path: 'id' });
  if (!row.path || !row.path.startsWith(actor.scopePath)) throw new AppError('FORBIDDEN', { path: 'id', reason: 'channel_outside_scope' });
  return { ch: row.ch, owner: { unitId: row.ch.unitId, unitName: row.unitName, userId: row.ch.userId, userName: row.userName } };
}

function assertSecretAllowed(kind: string, secret: string | null | undefined): void {
  if (secret && kind !== 'dingtalk') throw new AppError('VALIDATION_FAILED', { path: 'secret', reason: 'secret_only_for_dingtalk' });
}

/** Given an admin and a new channel, stores it (address encrypted) and returns it masked. */
export async function createChannelAsAdmin(ctx: AppContext, actor: StaffActor, input: NewChannel): Promise<PresentedChannel> {
  assertSecretAllowed(input.kind, input.secret);
  const target = normalizeTarget(input.kind, input.target);
  return ctx.db.transaction(async (tx) => {
    const owner = await resolveOwner(tx, actor, input.unitId, input.userId);
    const [ch] = await tx
      .insert(notificationChannels)
      .values({
        id: randomUUID(),
        unitId: owner.unitId,
        userId: owner.userId,
        kind: input.kind,
        name: input.name,
        targetEnc: ctx.cipher.encrypt(target),
        targetMask: maskTarget(input.kind, target),
        secretEnc: input.secret ? ctx.cipher.encrypt(input.secret) : null,
        kinds: [...new Set(input.kinds ?? [])],
        minLevel: input.minLevel ?? 'info',
        enabled: input.enabled ?? true,
        createdAt: ctx.now(),
        createdBy: actor.userId,
      })
      .returning();
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'notification_channel.created',
        targetType: 'notification_channel',
        targetId: ch!.id,
        data: { kind: ch!.kind, name: ch!.name, unitId: ch!.unitId, userId: ch!.userId, target: ch!.targetMask, hasSecret: ch!.secretEnc !== null, kinds: ch!.kinds, minLevel: ch!.minLevel, enabled: ch!.enabled },
      },
      tx,
    );
    return presentChannel(ch!, owner);
  });
}

/** Given an admin, a channel in his scope and changes, applies them and returns the channel masked. */
export async function updateChannelAsAdmin(ctx: AppContext, actor: StaffActor, id: string, patch: ChannelPatch): Promise<PresentedChannel> {
  return ctx.db.transaction(async (tx) => {
    const { ch, owner } = await loadManageableChannel(tx, actor, id);
    assertSecretAllowed(ch.kind, patch.secret);
    const set: Partial<typeof notificationChannels.$inferInsert> = {};
    const changes: Record<string, unknown> = {};
    if (patch.name !== undefined && patch.name !== ch.name) set.name = changes.name = patch.name;
    if (patch.target !== undefined) {
      const target = normalizeTarget(ch.kind as ChannelKind, patch.target);
      set.targetEnc = ctx.cipher.encrypt(target);
      set.targetMask = maskTarget(ch.kind as ChannelKind, target);
      changes.target = { before: ch.targetMask, after: set.targetMask };
    }
    if (patch.secret !== undefined) {
      set.secretEnc = patch.secret ? ctx.cipher.encrypt(patch.secret) : null;
      changes.secret = patch.secret ? 'set' : 'removed';
    }
    if (patch.kinds !== undefined) set.kinds = changes.kinds = [...new Set(patch.kinds)];
    if (patch.minLevel !== undefined && patch.minLevel !== ch.minLevel) set.minLevel = changes.minLevel = patch.minLevel;
    if (patch.enabled !== undefined && patch.enabled !== ch.enabled) set.enabled = changes.enabled = patch.enabled;
    if (Object.keys(set).length === 0) return presentChannel(ch, owner);
    const [updated] = await tx.update(notificationChannels).set(set).where(eq(notificationChannels.id, id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'notification_channel.updated', targetType: 'notification_channel', targetId: id, data: { kind: ch.kind, name: ch.name, changes } }, tx);
    return presentChannel(updated!, owner);
  });
}

/** Given an admin and a channel in his scope, deletes it; its deliveries still waiting are given up. */
export async function deleteChannelAsAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<{ deleted: true; abandonedDeliveries: number }> {
  return ctx.db.transaction(async (tx) => {
    const { ch } = await loadManageableChannel(tx, actor, id);
    await tx.delete(notificationChannels).where(eq(notificationChannels.id, id));
    const now = ctx.now();
    // Rows a worker is sending right now keep their lease; the worker then finds the channel gone.
    const abandoned = await tx
      .update(outbox)
      .set({ status: 'failed', lastError: 'channel deleted' })
      .where(and(eq(outbox.channelId, id), eq(outbox.status, 'pending'), or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, now))))
      .returning({ id: outbox.id });
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'notification_channel.deleted', targetType: 'notification_channel', targetId: id, data: { kind: ch.kind, name: ch.name, unitId: ch.unitId, userId: ch.userId, target: ch.targetMask, abandonedDeliveries: abandoned.length } },
      tx,
    );
    return { deleted: true as const, abandonedDeliveries: abandoned.length };
  });
}

/** Given an admin and an enabled channel in his scope, queues a test message to it and returns the delivery's id. */
export async function queueTestMessage(ctx: AppContext, actor: StaffActor, id: string): Promise<{ outboxId: string; queued: true }> {
  return ctx.db.transaction(async (tx) => {
    const { ch } = await loadManageableChannel(tx, actor, id);
    if (!ch.enabled) throw new AppError('VALIDATION_FAILED', { path: 'id', reason: 'channel_disabled' });
    const now = ctx.now();
    const payload: OutboxPayload = {
      kind: 'test',
      level: 'info',
      title: '通知渠道测试',
      body: `这是一条测试消息：通知渠道「${ch.name}」已接通。（由 ${actor.displayName} 发送）`,
      caseId: null,
      unitId: ch.unitId,
      dedupeKey: null,
    };
    const outboxId = randomUUID();
    await tx.insert(outbox).values({ region: ctx.config.REGION, id: outboxId, channelId: ch.id, notificationId: null, payload, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now });
    await writeAudit(ctx, { actorId: actor.userId, action: 'notification_channel.tested', targetType: 'notification_channel', targetId: id, data: { kind: ch.kind, name: ch.name, target: ch.targetMask, outboxId } }, tx);
    return { outboxId, queued: true as const };
  });
}

/** Given an admin, a channel in his scope and one of its deliveries (a test message's id), returns how that delivery stands. */
export async function deliveryStatusForAdmin(ctx: AppContext, actor: StaffActor, channelId: string, outboxId: string) {
  await loadManageableChannel(ctx.db, actor, channelId);
  const [row] = await ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.region, ctx.config.REGION), eq(outbox.id, outboxId), eq(outbox.channelId, channelId)))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', { path: 'outboxId' });
  return {
    id: row.id,
    status: row.status as 'pending' | 'sent' | 'failed',
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt ? row.sentAt.toISOString() : null,
  };
}
