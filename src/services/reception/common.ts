/**
 * What the rota, the public booking and the reception day share: the scope rule for slots, the slot
 * as staff see it, and the locks that serialise a leader's rota and a day's batch numbers.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { bookingClosesAt, type BookingCutoff, type SlotStatus } from '../../domain/reception/rota.js';
import type { Queryable, Tx } from '../../store/database.js';
import { orgUnits, receptionBookings, receptionSlots, users } from '../../store/schema.js';
import type { AppContext, StaffActor } from '../context.js';

export type SlotRow = typeof receptionSlots.$inferSelect;
export type BookingRow = typeof receptionBookings.$inferSelect;

/** Audit actions of the rota (targetType 'reception_slot'). */
export const AUDIT = {
  created: 'reception.slot_created',
  updated: 'reception.slot_updated',
  published: 'reception.slot_published',
  cancelled: 'reception.slot_cancelled',
  deleted: 'reception.slot_deleted',
} as const;

const LEADER_LOCK = 71_020_030;
const DAY_LOCK = 71_020_031;

/** Given a slot row, returns its status. */
export const slotStatus = (s: Pick<SlotRow, 'status'>): SlotStatus => s.status as SlotStatus;

/**
 * Given a booking row, returns the number its holder knows: its own, or for a booking renumbered by
 * migration 0003 (an old number two bookings had drawn) the number it was handed out with — that
 * number and the code still find it. Null for a walk-in.
 */
export const heldNumber = (b: Pick<BookingRow, 'number' | 'formerNumber'>): string | null => b.formerNumber ?? b.number;

/** Given the config, returns the booking cutoff rule. */
export const cutoffOf = (ctx: AppContext): BookingCutoff => ({ days: ctx.config.RECEPTION_BOOKING_CUTOFF_DAYS, time: ctx.config.RECEPTION_BOOKING_CUTOFF_TIME });

/** Given a transaction and a leader, serialises rota writes for that leader (the overlap check). */
export async function lockLeader(tx: Tx, region: string, leaderId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${LEADER_LOCK}, hashtext(${`${region}|${leaderId}`}))`);
}

/** Given a transaction and a date, serialises batch numbering for that reception day. */
export async function lockDay(tx: Tx, region: string, date: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${DAY_LOCK}, hashtext(${`${region}|${date}`}))`);
}

/**
 * Scope of the rota: a slot is the business of staff whose scope covers the leader's unit (the
 * district petition bureau arranges the district leaders' reception days; a street's office its
 * own). Returns the SQL condition on the joined leader unit.
 */
export const slotScope = (actor: Pick<StaffActor, 'scopePath'>): SQL => sql`starts_with(${orgUnits.path}, ${actor.scopePath})`;

/** The slot with its leader's name and unit, as every staff read needs it. */
export async function loadSlotsInScope(q: Queryable, ctx: AppContext, actor: StaffActor, where: SQL | undefined) {
  return q
    .select({ slot: receptionSlots, leaderName: users.displayName, leaderUnitId: users.unitId, leaderUnitName: orgUnits.name })
    .from(receptionSlots)
    .innerJoin(users, eq(users.id, receptionSlots.leaderId))
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(and(eq(receptionSlots.region, ctx.config.REGION), slotScope(actor), where))
    .orderBy(receptionSlots.date, receptionSlots.startTime, receptionSlots.room, users.displayName);
}

/**
 * Given a slot id, returns the slot (locked FOR UPDATE when `lock`) if it is in the actor's scope;
 * otherwise RECEPTION_SLOT_NOT_FOUND, the same answer as for a slot that does not exist.
 */
export async function slotInScope(tx: Queryable, ctx: AppContext, actor: StaffActor, id: string, lock = false) {
  const base = tx
    .select({ slot: receptionSlots, leaderName: users.displayName, leaderUnitPath: orgUnits.path })
    .from(receptionSlots)
    .innerJoin(users, eq(users.id, receptionSlots.leaderId))
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(and(eq(receptionSlots.region, ctx.config.REGION), eq(receptionSlots.id, id)))
    .limit(1);
  const [row] = lock ? await base.for('update', { of: receptionSlots }) : await base;
  if (!row || !row.leaderUnitPath.startsWith(actor.scopePath)) throw new AppError('RECEPTION_SLOT_NOT_FOUND');
  return row;
}

export interface SlotView {
  id: string;
  leaderId: string;
  leaderName: string;
  leaderUnitName: string | null;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room: string | null;
  capacity: number;
  booked: number;
  status: SlotStatus;
  cancelReason: string | null;
  bookingClosesAt: string;
  createdAt: string;
}

/** Given a slot row with its leader, returns the staff view. */
export function presentSlot(ctx: AppContext, r: { slot: SlotRow; leaderName: string; leaderUnitName?: string | null }): SlotView {
  const s = r.slot;
  return {
    id: s.id,
    leaderId: s.leaderId,
    leaderName: r.leaderName,
    leaderUnitName: r.leaderUnitName ?? null,
    post: s.post,
    remit: s.remit,
    date: s.date,
    startTime: s.startTime,
    endTime: s.endTime,
    place: s.place,
    room: s.room,
    capacity: s.capacity,
    booked: s.booked,
    status: slotStatus(s),
    cancelReason: s.cancelReason,
    bookingClosesAt: bookingClosesAt(s, cutoffOf(ctx)).toISOString(),
    createdAt: s.createdAt.toISOString(),
  };
}

/** Given a callback that checks one field (phone, ID number), names that field on its error, so the form marks it. */
export function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, { ...err.details, path });
    throw err;
  }
}
