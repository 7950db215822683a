/**
 * The citizen's side of leader reception, without an account: the month's published rota (the
 * leader's name, post and remit, when and where, places left — nothing else about staff), booking a
 * place (约访), and looking up or cancelling a booking with its number + booking code.
 *
 * Capacity holds under any concurrency: the place is taken by one conditional UPDATE
 * (`booked < capacity`) in the same transaction as the booking row, so the slot row's lock
 * serialises bookings of one slot and a full slot refuses without a second look. One phone books a
 * slot once (a unique index on the phone's blind index); the code is shown once and kept only as
 * its keyed hash. The booking number is random and unique in the region: a clash with a number
 * already given draws again (the index decides, without aborting the transaction).
 */
import crypto from 'node:crypto';
import { and, eq, gte, lte, ne, or, sql } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { toChinaDate } from '../../domain/deadlines/index.js';
import { assertIdNumber } from '../../domain/personal-data/id-number.js';
import { assertPhone } from '../../domain/personal-data/phone.js';
import { maskName, maskPhone } from '../../domain/personal-data/mask.js';
import { bookingClosesAt, monthRange, newBookingNumber, normalizeBookingNumber, slotStartsAt, type BookingStatus } from '../../domain/reception/rota.js';
import { cases, receptionBookings, receptionSlots, users } from '../../store/schema.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { newQueryCode } from '../register-case.js';
import { notifyUsers } from '../notifications/notify.js';
import type { Tx } from '../../store/database.js';
import type { AppContext } from '../context.js';
import { cutoffOf, heldNumber, slotStatus, withPath } from './common.js';

export interface PublicSlot {
  id: string;
  leaderName: string;
  post: string;
  remit: string;
  date: string;
  startTime: string;
  endTime: string;
  place: string;
  room: string | null;
  capacity: number;
  remaining: number;
  /** open for booking now: published, before the cutoff, places left */
  bookable: boolean;
  closesAt: string;
}

export interface BookingInput {
  slotId: string;
  name: string;
  phone: string;
  idNumber?: string | null;
  matter: string;
  peopleCount: number;
}

export interface PublicBooking {
  number: string;
  status: BookingStatus;
  name: string;
  phone: string;
  matter: string;
  peopleCount: number;
  slot: { leaderName: string; post: string; remit: string; date: string; startTime: string; endTime: string; place: string; room: string | null };
  batchNo: number | null;
  room: string | null;
  /** who cancelled: the citizen himself, or the office (the bureau, cancelled_by 'bureau') when the reception was called off (with its reason) */
  cancelledBy: 'citizen' | 'office' | null;
  cancelReason: string | null;
  /** the case the visit became, once received (track it with the query code handed over at the reception) */
  caseNumber: string | null;
  canCancel: boolean;
  createdAt: string;
}

/** Given the number and code, returns the keyed hash stored for booking lookups (separate from case query codes). */
export const hashBookingCode = (ctx: AppContext, number: string, code: string) => ctx.cipher.blindIndex('query_code', `reception:${number}:${code.toUpperCase()}`);

/** Given a month (default: this month, China time), returns its published slots for the public. */
export async function listPublicSlots(ctx: AppContext, month?: string): Promise<{ month: string; today: string; slots: PublicSlot[] }> {
  const now = ctx.now();
  const today = toChinaDate(now);
  const m = month ?? today.slice(0, 7);
  const range = monthRange(m);
  if (!range) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '月份格式应为 YYYY-MM' }] });
  const rows = await ctx.db
    .select({ slot: receptionSlots, leaderName: users.displayName })
    .from(receptionSlots)
    .innerJoin(users, eq(users.id, receptionSlots.leaderId))
    .where(
      and(
        eq(receptionSlots.region, ctx.config.REGION),
        eq(receptionSlots.status, 'published'),
        gte(receptionSlots.date, range.first),
        lte(receptionSlots.date, range.last),
      ),
    )
    .orderBy(receptionSlots.date, receptionSlots.startTime, users.displayName);
  const cutoff = cutoffOf(ctx);
  return {
    month: m,
    today,
    slots: rows.map(({ slot: s, leaderName }) => {
      const closesAt = bookingClosesAt(s, cutoff);
      const remaining = Math.max(0, s.capacity - s.booked);
      return {
        id: s.id,
        leaderName,
        post: s.post,
        remit: s.remit,
        date: s.date,
        startTime: s.startTime,
        endTime: s.endTime,
        place: s.place,
        room: s.room,
        capacity: s.capacity,
        remaining,
        bookable: remaining > 0 && now < closesAt,
        closesAt: closesAt.toISOString(),
      };
    }),
  };
}

/**
 * Given a booking, returns its number and code (the code only this once). Refuses a slot that is
 * not open (unpublished, cancelled, past the cutoff), a full one, and a second booking of the same
 * slot by the same phone; a booking cancelled earlier by the same phone is taken up again.
 */
export async function bookSlot(ctx: AppContext, input: BookingInput): Promise<{ number: string; code: string; slot: PublicSlot }> {
  const now = ctx.now();
  const region = ctx.config.REGION;
  const phone = withPath('phone', () => assertPhone(input.phone.trim()));
  const idNumber = input.idNumber?.trim() ? withPath('idNumber', () => assertIdNumber(input.idNumber!.trim(), toChinaDate(now)).normalized) : null;
  const name = input.name.trim();
  const phoneBidx = ctx.cipher.blindIndex('phone', phone);
  const code = newQueryCode();

  const [found] = await ctx.db
    .select({ slot: receptionSlots })
    .from(receptionSlots)
    .where(and(eq(receptionSlots.region, region), eq(receptionSlots.id, input.slotId)))
    .limit(1);
  if (!found || slotStatus(found.slot) === 'draft') throw new AppError('RECEPTION_SLOT_NOT_FOUND', { path: 'slotId' });
  if (slotStatus(found.slot) === 'cancelled' || now >= bookingClosesAt(found.slot, cutoffOf(ctx))) throw new AppError('RECEPTION_SLOT_CLOSED', { path: 'slotId' });

  try {
    return await ctx.db.transaction(async (tx) => {
      // The place first: this row lock orders every booking of the slot, and a full slot stops here.
      const [taken] = await tx
        .update(receptionSlots)
        .set({ booked: sql`${receptionSlots.booked} + 1` })
        .where(
          and(
            eq(receptionSlots.region, region),
            eq(receptionSlots.id, input.slotId),
            eq(receptionSlots.status, 'published'),
            sql`${receptionSlots.booked} < ${receptionSlots.capacity}`,
          ),
        )
        .returning();
      if (!taken) {
        const [again] = await tx.select().from(receptionSlots).where(and(eq(receptionSlots.region, region), eq(receptionSlots.id, input.slotId))).limit(1);
        if (!again || slotStatus(again) !== 'published') throw new AppError('RECEPTION_SLOT_CLOSED', { path: 'slotId' });
        throw new AppError('RECEPTION_SLOT_FULL', { path: 'slotId' });
      }
      const stored = {
        nameEnc: ctx.cipher.encrypt(name),
        nameMask: maskName(name),
        phoneEnc: ctx.cipher.encrypt(phone),
        phoneMask: maskPhone(phone),
        phoneBidx,
        idNumberEnc: idNumber ? ctx.cipher.encrypt(idNumber) : null,
        idNumberBidx: idNumber ? ctx.cipher.blindIndex('id', idNumber) : null,
        matter: input.matter,
        peopleCount: input.peopleCount,
        status: 'booked' as const,
        batchNo: null,
        room: null,
        cancelledBy: null,
        cancelReason: null,
        caseId: null,
        receivedBy: null,
        updatedAt: now,
      };
      const [earlier] = await tx
        .select({ id: receptionBookings.id, kind: receptionBookings.kind, number: receptionBookings.number, status: receptionBookings.status })
        .from(receptionBookings)
        .where(and(eq(receptionBookings.region, region), eq(receptionBookings.slotId, input.slotId), eq(receptionBookings.phoneBidx, phoneBidx)))
        .for('update')
        .limit(1);
      let id: string;
      let number: string;
      if (earlier) {
        if (earlier.kind !== 'booked' || earlier.status !== 'cancelled' || !earlier.number) throw new AppError('RECEPTION_ALREADY_BOOKED', { path: 'phone' });
        // Booked, cancelled, booked again: the same row (the index allows one per phone) and number, with a new code.
        id = earlier.id;
        number = earlier.number;
        await tx
          .update(receptionBookings)
          .set({ ...stored, formerNumber: null, codeHash: hashBookingCode(ctx, number, code), createdAt: now })
          .where(and(eq(receptionBookings.region, region), eq(receptionBookings.id, id)));
      } else {
        id = crypto.randomUUID();
        number = await insertNumbered(tx, (n) => ({ region, id, slotId: input.slotId, kind: 'booked', number: n, ...stored, codeHash: hashBookingCode(ctx, n, code), createdAt: now }));
      }
      await notifyUsers(ctx, tx, [taken.leaderId], {
        kind: 'reception',
        level: 'info',
        title: '新的群众约访',
        body: `${taken.date} ${taken.startTime}-${taken.endTime} ${taken.place}${taken.room ? `（${taken.room}）` : ''}：新增约访 1 批（${input.peopleCount} 人），已约 ${taken.booked}/${taken.capacity} 批。`,
        dedupeKey: `reception.booked:${id}:${now.getTime()}`,
      });
      const [leader] = await tx.select({ name: users.displayName }).from(users).where(eq(users.id, taken.leaderId)).limit(1);
      const closesAt = bookingClosesAt(taken, cutoffOf(ctx));
      return {
        number,
        code,
        slot: {
          id: taken.id,
          leaderName: leader?.name ?? '',
          post: taken.post,
          remit: taken.remit,
          date: taken.date,
          startTime: taken.startTime,
          endTime: taken.endTime,
          place: taken.place,
          room: taken.room,
          capacity: taken.capacity,
          remaining: taken.capacity - taken.booked,
          bookable: taken.booked < taken.capacity && now < closesAt,
          closesAt: closesAt.toISOString(),
        },
      };
    });
  } catch (err) {
    // Two requests of the same phone at the same moment: the unique index refuses the second.
    if (isUniqueViolation(err)) throw new AppError('RECEPTION_ALREADY_BOOKED', { path: 'phone' });
    throw err;
  }
}

/** How many numbers to draw before giving up: with the region's numbers 1 % taken, five clashes in a row are one in 10^10. */
const NUMBER_DRAWS = 5;

/**
 * Given a transaction and the row to insert for a number, inserts it under a fresh random number and
 * returns that number. A number already given is skipped by ON CONFLICT on the (region, number) index
 * — any other conflict (the same phone again) still raises — and another is drawn.
 */
async function insertNumbered(tx: Tx, row: (number: string) => typeof receptionBookings.$inferInsert): Promise<string> {
  for (let i = 0; i < NUMBER_DRAWS; i++) {
    const number = newBookingNumber(crypto.randomInt);
    const inserted = await tx
      .insert(receptionBookings)
      .values(row(number))
      .onConflictDoNothing({ target: [receptionBookings.region, receptionBookings.number] })
      .returning({ id: receptionBookings.id });
    if (inserted.length) return number;
  }
  // Practically never; a clear 503 with a retry hint rather than a 500.
  throw new AppError('TRY_AGAIN', { reason: 'booking_number_draws', draws: NUMBER_DRAWS });
}

/** Given a number and code, returns the booking's row and slot; a wrong code is answered like a missing booking. */
async function findBookingRow(ctx: AppContext, number: string, code: string, q = ctx.db) {
  const n = normalizeBookingNumber(number);
  if (!n) throw new AppError('RECEPTION_BOOKING_NOT_FOUND');
  // Its number, or the number a renumbered pre-0003 booking was handed out with (see heldNumber).
  const rows = await q
    .select({ booking: receptionBookings, slot: receptionSlots, leaderName: users.displayName, caseNumber: cases.number })
    .from(receptionBookings)
    .innerJoin(receptionSlots, and(eq(receptionSlots.region, receptionBookings.region), eq(receptionSlots.id, receptionBookings.slotId)))
    .innerJoin(users, eq(users.id, receptionSlots.leaderId))
    .leftJoin(cases, and(eq(cases.region, receptionBookings.region), eq(cases.id, receptionBookings.caseId)))
    .where(and(eq(receptionBookings.region, ctx.config.REGION), or(eq(receptionBookings.number, n), eq(receptionBookings.formerNumber, n))));
  const hash = hashBookingCode(ctx, n, code);
  const row = rows.find((r) => r.booking.codeHash !== null && timingSafeEqual(r.booking.codeHash, hash));
  if (!row) throw new AppError('RECEPTION_BOOKING_NOT_FOUND');
  return row;
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function present(ctx: AppContext, r: Awaited<ReturnType<typeof findBookingRow>>): PublicBooking {
  const b = r.booking;
  const s = r.slot;
  const cancelledBy = b.status !== 'cancelled' ? null : b.cancelledBy === 'bureau' ? 'office' : 'citizen';
  return {
    number: heldNumber(b)!,
    status: b.status as BookingStatus,
    name: b.nameMask,
    phone: b.phoneMask ?? '',
    matter: b.matter,
    peopleCount: b.peopleCount,
    slot: { leaderName: r.leaderName, post: s.post, remit: s.remit, date: s.date, startTime: s.startTime, endTime: s.endTime, place: s.place, room: s.room },
    batchNo: b.batchNo,
    room: b.room,
    cancelledBy,
    cancelReason: cancelledBy === 'office' ? b.cancelReason : null,
    caseNumber: r.caseNumber ?? null,
    canCancel: b.status === 'booked' && ctx.now() < slotStartsAt(s),
    createdAt: b.createdAt.toISOString(),
  };
}

/** Given a booking number and code, returns the booking as the citizen sees it. */
export async function findPublicBooking(ctx: AppContext, number: string, code: string): Promise<PublicBooking> {
  return present(ctx, await findBookingRow(ctx, number, code));
}

/** Given a booking number and code, cancels a waiting booking before its reception starts and frees the place. */
export async function cancelPublicBooking(ctx: AppContext, number: string, code: string): Promise<PublicBooking> {
  const region = ctx.config.REGION;
  const row = await findBookingRow(ctx, number, code);
  await ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    if (now >= slotStartsAt(row.slot)) throw new AppError('RECEPTION_BOOKING_STATE', { status: row.booking.status, reason: 'started' });
    // Slot first, then booking: the order booking and cancelling a slot take, so they never deadlock.
    await tx.select({ id: receptionSlots.id }).from(receptionSlots).where(and(eq(receptionSlots.region, region), eq(receptionSlots.id, row.slot.id))).for('update');
    const [done] = await tx
      .update(receptionBookings)
      .set({ status: 'cancelled', cancelledBy: 'citizen', cancelReason: null, updatedAt: now })
      .where(and(eq(receptionBookings.region, region), eq(receptionBookings.id, row.booking.id), eq(receptionBookings.status, 'booked')))
      .returning({ id: receptionBookings.id });
    if (!done) throw new AppError('RECEPTION_BOOKING_STATE', { status: row.booking.status });
    await tx
      .update(receptionSlots)
      .set({ booked: sql`greatest(${receptionSlots.booked} - 1, 0)` })
      .where(and(eq(receptionSlots.region, region), eq(receptionSlots.id, row.slot.id), ne(receptionSlots.status, 'cancelled')));
  });
  return findPublicBooking(ctx, number, code);
}
