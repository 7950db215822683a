/**
 * The rota (接访轮流表): the petition bureau arranges which leader receives the public when and where,
 * publishes it for citizens to book, edits and cancels it. Every change is one transaction with its
 * audit entry; a leader's slots are checked for overlap under a lock per leader, so two editors
 * cannot double-book him at once. Cancelling a slot cancels its bookings, with the reason, which the
 * citizen sees when he looks his booking up, and tells the leader.
 */
import crypto from 'node:crypto';
import { and, eq, gte, lte, ne, sql } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { toChinaDate } from '../../domain/deadlines/index.js';
import { monthRange, slotFieldErrors, slotsOverlap, type SlotTimes } from '../../domain/reception/rota.js';
import type { Tx } from '../../store/database.js';
import { orgUnits, receptionBookings, receptionSlots, users } from '../../store/schema.js';
import { findActiveUser, findUnit } from '../../store/org-repository.js';
import { writeAudit } from '../audit-log.js';
import { notifyUsers } from '../notifications/notify.js';
import type { AppContext, StaffActor } from '../context.js';
import { AUDIT, loadSlotsInScope, lockLeader, presentSlot, slotInScope, slotScope, slotStatus, type SlotView } from './common.js';

export interface SlotInput {
  leaderId: string;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room?: string | null;
  capacity: number;
}

const invalid = (fields: { path: string; message: string }[]) => new AppError('VALIDATION_FAILED', { fields });

/** Given a leader id, returns him if he is an active leader inside the actor's scope; else USER_NOT_FOUND on the leader field. */
async function leaderInScope(tx: Tx, actor: StaffActor, leaderId: string) {
  const leader = await findActiveUser(tx, leaderId);
  if (!leader || !leader.roles.includes('leader')) throw new AppError('USER_NOT_FOUND', { path: 'leaderId', reason: 'not_leader' });
  const unit = await findUnit(tx, leader.unitId);
  if (!unit || !unit.path.startsWith(actor.scopePath)) throw new AppError('USER_NOT_FOUND', { path: 'leaderId', reason: 'user_outside_scope' });
  return leader;
}

/** Given a leader's slot times, refuses them when another live slot of his overlaps (under his lock). */
async function assertLeaderFree(tx: Tx, ctx: AppContext, leaderId: string, times: SlotTimes, exceptId: string | null) {
  await lockLeader(tx, ctx.config.REGION, leaderId);
  const same = await tx
    .select({ id: receptionSlots.id, date: receptionSlots.date, startTime: receptionSlots.startTime, endTime: receptionSlots.endTime, place: receptionSlots.place })
    .from(receptionSlots)
    .where(
      and(
        eq(receptionSlots.region, ctx.config.REGION),
        eq(receptionSlots.leaderId, leaderId),
        eq(receptionSlots.date, times.date),
        ne(receptionSlots.status, 'cancelled'),
        exceptId ? ne(receptionSlots.id, exceptId) : undefined,
      ),
    );
  const clash = same.find((s) => slotsOverlap(s, times));
  if (clash) {
    throw new AppError('RECEPTION_LEADER_BUSY', {
      path: 'startTime',
      conflict: { id: clash.id, date: clash.date, startTime: clash.startTime, endTime: clash.endTime, place: clash.place },
    });
  }
}

/** Given a new slot, returns it as a draft (published separately). */
export async function createSlot(ctx: AppContext, actor: StaffActor, input: SlotInput): Promise<SlotView> {
  const errors = slotFieldErrors(input, toChinaDate(ctx.now()));
  if (errors.length) throw invalid(errors);
  return ctx.db.transaction(async (tx) => {
    const leader = await leaderInScope(tx, actor, input.leaderId);
    await assertLeaderFree(tx, ctx, leader.id, input, null);
    const id = crypto.randomUUID();
    const now = ctx.now();
    const [slot] = await tx
      .insert(receptionSlots)
      .values({
        region: ctx.config.REGION,
        id,
        leaderId: leader.id,
        post: input.post,
        remit: input.remit,
        date: input.date,
        startTime: input.startTime,
        endTime: input.endTime,
        place: input.place,
        room: input.room?.trim() || null,
        capacity: input.capacity,
        booked: 0,
        status: 'draft',
        createdAt: now,
        createdBy: actor.userId,
        updatedAt: now,
      })
      .returning();
    await writeAudit(ctx, { actorId: actor.userId, action: AUDIT.created, targetType: 'reception_slot', targetId: id, data: { ...input } }, tx);
    return presentSlot(ctx, { slot: slot!, leaderName: leader.displayName });
  });
}

/**
 * Given a slot and changed fields, returns it updated. A cancelled or past slot is not edited; once
 * citizens have booked, its leader, date and times stay (cancel and arrange anew instead) and its
 * capacity cannot drop below the bookings.
 */
export async function updateSlot(ctx: AppContext, actor: StaffActor, id: string, patch: Partial<SlotInput>): Promise<SlotView> {
  const today = toChinaDate(ctx.now());
  return ctx.db.transaction(async (tx) => {
    const { slot } = await slotInScope(tx, ctx, actor, id, true);
    if (slotStatus(slot) === 'cancelled' || slot.date < today) throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot) });
    const next = {
      leaderId: patch.leaderId ?? slot.leaderId,
      post: patch.post ?? slot.post,
      remit: patch.remit ?? slot.remit,
      date: patch.date ?? slot.date,
      startTime: patch.startTime ?? slot.startTime,
      endTime: patch.endTime ?? slot.endTime,
      place: patch.place ?? slot.place,
      room: patch.room === undefined ? slot.room : patch.room?.trim() || null,
      capacity: patch.capacity ?? slot.capacity,
    };
    const errors = slotFieldErrors(next, today);
    if (errors.length) throw invalid(errors);
    const moved = next.leaderId !== slot.leaderId || next.date !== slot.date || next.startTime !== slot.startTime || next.endTime !== slot.endTime;
    if (slot.booked > 0 && moved) {
      const path = next.leaderId !== slot.leaderId ? 'leaderId' : next.date !== slot.date ? 'date' : 'startTime';
      throw new AppError('RECEPTION_SLOT_HAS_BOOKINGS', { path, booked: slot.booked });
    }
    if (next.capacity < slot.booked) throw new AppError('RECEPTION_SLOT_HAS_BOOKINGS', { path: 'capacity', booked: slot.booked });
    const leader = next.leaderId === slot.leaderId ? await findActiveUser(tx, slot.leaderId) : await leaderInScope(tx, actor, next.leaderId);
    if (moved) await assertLeaderFree(tx, ctx, next.leaderId, next, slot.id);
    const [row] = await tx
      .update(receptionSlots)
      .set({ ...next, updatedAt: ctx.now() })
      .where(and(eq(receptionSlots.region, ctx.config.REGION), eq(receptionSlots.id, id)))
      .returning();
    const changed = Object.fromEntries(Object.entries(next).filter(([k, v]) => slot[k as keyof typeof slot] !== v));
    await writeAudit(ctx, { actorId: actor.userId, action: AUDIT.updated, targetType: 'reception_slot', targetId: id, data: { changed } }, tx);
    return presentSlot(ctx, { slot: row!, leaderName: leader?.displayName ?? '' });
  });
}

/**
 * Given slot ids or a month, publishes the drafts among them that are not in the past (a published
 * slot stays published); returns how many were published now.
 */
export async function publishSlots(ctx: AppContext, actor: StaffActor, which: { id: string } | { month: string }): Promise<{ published: number }> {
  const today = toChinaDate(ctx.now());
  return ctx.db.transaction(async (tx) => {
    let ids: string[];
    if ('id' in which) {
      const { slot } = await slotInScope(tx, ctx, actor, which.id, true);
      if (slotStatus(slot) === 'cancelled' || slot.date < today) throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot) });
      ids = slot.status === 'draft' ? [slot.id] : [];
    } else {
      const range = monthRange(which.month);
      if (!range) throw invalid([{ path: 'month', message: '月份格式应为 YYYY-MM' }]);
      const rows = await tx
        .select({ id: receptionSlots.id })
        .from(receptionSlots)
        .innerJoin(users, eq(users.id, receptionSlots.leaderId))
        .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
        .where(
          and(
            eq(receptionSlots.region, ctx.config.REGION),
            slotScope(actor),
            gte(receptionSlots.date, range.first > today ? range.first : today),
            lte(receptionSlots.date, range.last),
            eq(receptionSlots.status, 'draft'),
          ),
        );
      ids = rows.map((r) => r.id);
    }
    if (ids.length === 0) return { published: 0 };
    for (const id of ids) {
      await tx.update(receptionSlots).set({ status: 'published', updatedAt: ctx.now() }).where(and(eq(receptionSlots.region, ctx.config.REGION), eq(receptionSlots.id, id)));
    }
    await writeAudit(ctx, { actorId: actor.userId, action: AUDIT.published, targetType: 'reception_slot', targetId: ids.length === 1 ? ids[0]! : null, data: { ids } }, tx);
    return { published: ids.length };
  });
}

/**
 * Given a slot and a reason, cancels it: its waiting bookings become cancelled (the citizen sees the
 * reason when he looks his booking up; received ones stay received), the slot leaves the public
 * rota, and its leader is told. Returns the slot and how many bookings were cancelled.
 */
export async function cancelSlot(ctx: AppContext, actor: StaffActor, id: string, reason: string): Promise<{ slot: SlotView; cancelledBookings: number }> {
  const today = toChinaDate(ctx.now());
  return ctx.db.transaction(async (tx) => {
    const found = await slotInScope(tx, ctx, actor, id, true);
    const slot = found.slot;
    if (slotStatus(slot) === 'cancelled' || slot.date < today) throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot) });
    const now = ctx.now();
    const cancelled = await tx
      .update(receptionBookings)
      .set({ status: 'cancelled', cancelledBy: 'bureau', cancelReason: reason, updatedAt: now })
      .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.slotId, id), eq(receptionBookings.status, 'booked')))
      .returning({ id: receptionBookings.id, kind: receptionBookings.kind });
    // The places those online bookings held are given back; received ones keep theirs.
    const freed = cancelled.filter((b) => b.kind === 'booked').length;
    const [row] = await tx
      .update(receptionSlots)
      .set({ status: 'cancelled', cancelReason: reason, cancelledAt: now, booked: sql`greatest(${receptionSlots.booked} - ${freed}, 0)`, updatedAt: now })
      .where(and(eq(receptionSlots.region, ctx.config.REGION), eq(receptionSlots.id, id)))
      .returning();
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: AUDIT.cancelled,
        targetType: 'reception_slot',
        targetId: id,
        data: { reason, capacity: slot.capacity, booked: slot.booked, wasPublished: slot.status === 'published', bookingIds: cancelled.map((b) => b.id) },
      },
      tx,
    );
    await notifyUsers(ctx, tx, [slot.leaderId], {
      kind: 'reception',
      level: cancelled.length ? 'yellow' : 'info',
      title: '接访安排已取消',
      body: `您 ${slot.date} ${slot.startTime}-${slot.endTime} 在${slot.place}${slot.room ? `（${slot.room}）` : ''}的接访安排已取消，原因：${reason}。已取消预约 ${cancelled.length} 批。`,
      dedupeKey: `reception.slot_cancelled:${id}`,
    });
    return { slot: presentSlot(ctx, { slot: row!, leaderName: found.leaderName }), cancelledBookings: cancelled.length };
  });
}

/** Given a draft slot that nobody could book, removes it (a mistake in the rota, not a cancellation). */
export async function deleteDraftSlot(ctx: AppContext, actor: StaffActor, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const { slot } = await slotInScope(tx, ctx, actor, id, true);
    if (slotStatus(slot) !== 'draft') throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot), reason: 'not_draft' });
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(receptionBookings)
      .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.slotId, id)))) as [{ n: number }];
    if (n > 0) throw new AppError('RECEPTION_SLOT_HAS_BOOKINGS', { booked: n });
    await tx.delete(receptionSlots).where(and(eq(receptionSlots.region, ctx.config.REGION), eq(receptionSlots.id, id)));
    await writeAudit(ctx, { actorId: actor.userId, action: AUDIT.deleted, targetType: 'reception_slot', targetId: id, data: { date: slot.date, leaderId: slot.leaderId } }, tx);
  });
}

/** Given a month 'YYYY-MM', returns every slot of it in the actor's scope (drafts, published, cancelled). */
export async function listSlots(ctx: AppContext, actor: StaffActor, month: string): Promise<{ month: string; today: string; slots: SlotView[] }> {
  const range = monthRange(month);
  if (!range) throw invalid([{ path: 'month', message: '月份格式应为 YYYY-MM' }]);
  const rows = await loadSlotsInScope(ctx.db, ctx, actor, and(gte(receptionSlots.date, range.first), lte(receptionSlots.date, range.last)));
  return { month, today: toChinaDate(ctx.now()), slots: rows.map((r) => presentSlot(ctx, r)) };
}

/** Returns the active leaders in the actor's scope, with the post and remit of each one's latest slot (to prefill the form). */
export async function listLeaders(ctx: AppContext, actor: StaffActor) {
  const rows = await ctx.db
    .select({ id: users.id, name: users.displayName, unitName: orgUnits.name })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(and(eq(users.active, true), sql`'leader' = any(${users.roles})`, slotScope(actor)))
    .orderBy(orgUnits.depth, users.displayName);
  const latest = (await ctx.db.execute(sql`
    select distinct on (leader_id) leader_id, post, remit from reception_slots
    where region = ${ctx.config.REGION} order by leader_id, date desc, start_time desc`)) as unknown as { rows: Array<{ leader_id: string; post: string; remit: string }> };
  const byLeader = new Map(latest.rows.map((r) => [r.leader_id, r]));
  return rows.map((r) => ({ ...r, post: byLeader.get(r.id)?.post ?? null, remit: byLeader.get(r.id)?.remit ?? null }));
}
