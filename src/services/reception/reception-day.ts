/**
 * Reception-day mode (接访日): for one date, every slot (many leaders, many rooms) with the groups
 * booked for it and the walk-ins registered on the spot; batches (批次, the day's running number of
 * the groups received) and rooms handed out as people arrive; each visit received becomes a case
 * registered through the staff intake, channel leader_reception, owned by the slot's leader (领导包案),
 * with the petitioner decrypted server-side from the booking — in the same transaction that marks
 * the booking received and links it to the case. The day's figures follow from the rows.
 */
import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import type { Nature, Type12345, Urgency } from '../../domain/case-fields.js';
import { toChinaDate } from '../../domain/deadlines/index.js';
import { assertIdNumber } from '../../domain/personal-data/id-number.js';
import { assertPhone } from '../../domain/personal-data/phone.js';
import { maskName, maskPhone } from '../../domain/personal-data/mask.js';
import { compareRooms, dayFigures, type BookingStatus, type DayFigures } from '../../domain/reception/rota.js';
import type { Queryable, Tx } from '../../store/database.js';
import { cases, receptionBookings, receptionSlots } from '../../store/schema.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { registerByStaff } from '../staff-intake.js';
import type { PetitionerInput } from '../register-case.js';
import type { AppContext, StaffActor } from '../context.js';
import { heldNumber, withPath, loadSlotsInScope, lockDay, presentSlot, slotInScope, slotStatus, type BookingRow, type SlotView } from './common.js';

export interface GroupView {
  id: string;
  /** the booking number; null for a walk-in */
  number: string | null;
  walkIn: boolean;
  status: BookingStatus;
  name: string;
  phone: string;
  hasIdNumber: boolean;
  matter: string;
  peopleCount: number;
  batchNo: number | null;
  room: string | null;
  caseId: string | null;
  caseNumber: string | null;
  createdAt: string;
}

export interface DayBoard {
  date: string;
  today: string;
  figures: DayFigures;
  /** rooms in use that day (slots' rooms and rooms handed out), for the room picker */
  rooms: string[];
  nextBatchNo: number;
  slots: Array<SlotView & { groups: GroupView[] }>;
}

function presentGroup(b: BookingRow, caseNumber: string | null): GroupView {
  return {
    id: b.id,
    number: heldNumber(b),
    walkIn: b.kind === 'walk_in',
    status: b.status as BookingStatus,
    name: b.nameMask,
    phone: b.phoneMask ?? '',
    hasIdNumber: !!b.idNumberEnc,
    matter: b.matter,
    peopleCount: b.peopleCount,
    batchNo: b.batchNo,
    room: b.room,
    caseId: b.caseId,
    caseNumber,
    createdAt: b.createdAt.toISOString(),
  };
}

/** Given a date, returns the reception day in the actor's scope: slots with their groups, and the figures. */
export async function receptionDay(ctx: AppContext, actor: StaffActor, date: string): Promise<DayBoard> {
  const rows = await loadSlotsInScope(ctx.db, ctx, actor, eq(receptionSlots.date, date));
  const ids = rows.map((r) => r.slot.id);
  const groups = ids.length
    ? await ctx.db
        .select({ booking: receptionBookings, caseNumber: cases.number })
        .from(receptionBookings)
        .leftJoin(cases, and(eq(cases.region, receptionBookings.region), eq(cases.id, receptionBookings.caseId)))
        .where(and(eq(receptionBookings.region, ctx.config.REGION), inArray(receptionBookings.slotId, ids)))
        .orderBy(sql`${receptionBookings.batchNo} asc nulls last`, receptionBookings.createdAt)
    : [];
  const bySlot = new Map<string, GroupView[]>();
  for (const g of groups) bySlot.set(g.booking.slotId, [...(bySlot.get(g.booking.slotId) ?? []), presentGroup(g.booking, g.caseNumber)]);
  const slots = rows.map((r) => ({ ...presentSlot(ctx, r), groups: bySlot.get(r.slot.id) ?? [] }));
  const figures = dayFigures(
    slots.map((s) => ({ leaderId: s.leaderId, room: s.room, cancelled: s.status === 'cancelled' })),
    slots.flatMap((s) => s.groups.map((g) => ({ walkIn: g.walkIn, status: g.status, batchNo: g.batchNo, room: g.room, peopleCount: g.peopleCount }))),
  );
  const rooms = [...new Set([...slots.filter((s) => s.status !== 'cancelled').map((s) => s.room), ...slots.flatMap((s) => s.groups.map((g) => g.room))].filter((r): r is string => !!r))];
  rooms.sort(compareRooms);
  return { date, today: toChinaDate(ctx.now()), figures, rooms, nextBatchNo: await nextBatchNo(ctx.db, ctx, date), slots };
}

/** Given a date, returns the next batch number of that day (over the whole region: rooms are shared). */
async function nextBatchNo(q: Queryable, ctx: AppContext, date: string): Promise<number> {
  const [row] = (await q
    .select({ max: sql<number | null>`max(${receptionBookings.batchNo})` })
    .from(receptionBookings)
    .innerJoin(receptionSlots, and(eq(receptionSlots.region, receptionBookings.region), eq(receptionSlots.id, receptionBookings.slotId)))
    .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionSlots.date, date)))) as [{ max: number | null }];
  return (row?.max ?? 0) + 1;
}

/** Given a group id, returns it locked with its slot, if the slot is in the actor's scope. */
async function groupInScope(tx: Tx, ctx: AppContext, actor: StaffActor, id: string) {
  const [b] = await tx
    .select()
    .from(receptionBookings)
    .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.id, id)))
    .for('update')
    .limit(1);
  if (!b) throw new AppError('RECEPTION_BOOKING_NOT_FOUND');
  const slot = await slotInScope(tx, ctx, actor, b.slotId).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'RECEPTION_SLOT_NOT_FOUND') throw new AppError('RECEPTION_BOOKING_NOT_FOUND');
    throw err;
  });
  return { booking: b, slot: slot.slot, leaderName: slot.leaderName };
}

/** Given the batch asked for (or none: the next of the day), returns the number to give, under the day's lock. */
async function takeBatch(tx: Tx, ctx: AppContext, date: string, asked: number | null | undefined): Promise<number> {
  await lockDay(tx, ctx.config.REGION, date);
  return asked ?? (await nextBatchNo(tx, ctx, date));
}

const refuseState = (b: { status: string }, wanted: string[]) => {
  if (!wanted.includes(b.status)) throw new AppError('RECEPTION_BOOKING_STATE', { status: b.status });
};

/**
 * Given a waiting group, gives it a batch (the next of the day unless a batch number is named — a
 * group can join a batch received together) and a room (the slot's room unless another is named).
 */
export async function assignBatch(ctx: AppContext, actor: StaffActor, id: string, input: { batchNo?: number | null; room?: string | null }): Promise<GroupView> {
  return ctx.db.transaction(async (tx) => {
    const { booking, slot } = await groupInScope(tx, ctx, actor, id);
    refuseState(booking, ['booked']);
    if (slotStatus(slot) === 'cancelled' || slot.date < toChinaDate(ctx.now())) throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot) });
    const batchNo = await takeBatch(tx, ctx, slot.date, input.batchNo ?? null);
    const room = input.room?.trim() || booking.room || slot.room;
    const [row] = await tx
      .update(receptionBookings)
      .set({ batchNo, room, updatedAt: ctx.now() })
      .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.id, id)))
      .returning();
    return presentGroup(row!, null);
  });
}

export interface WalkInInput {
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  matter: string;
  peopleCount: number;
  room?: string | null;
  batchNo?: number | null;
}

/**
 * Given a slot and a visitor who came without a booking, registers him for that leader and gives
 * him a batch and room on the spot. A walk-in takes no place of the online capacity.
 */
export async function registerWalkIn(ctx: AppContext, actor: StaffActor, slotId: string, input: WalkInInput): Promise<GroupView> {
  const today = toChinaDate(ctx.now());
  const phone = input.phone?.trim() ? withPath('phone', () => assertPhone(input.phone!.trim())) : null;
  const idNumber = input.idNumber?.trim() ? withPath('idNumber', () => assertIdNumber(input.idNumber!.trim(), today).normalized) : null;
  const name = input.name.trim();
  try {
    return await ctx.db.transaction(async (tx) => {
      const { slot } = await slotInScope(tx, ctx, actor, slotId, true);
      if (slotStatus(slot) === 'cancelled' || slot.date < today) throw new AppError('RECEPTION_SLOT_CLOSED', { status: slotStatus(slot) });
      const batchNo = await takeBatch(tx, ctx, slot.date, input.batchNo ?? null);
      const id = crypto.randomUUID();
      const now = ctx.now();
      const [row] = await tx
        .insert(receptionBookings)
        .values({
          region: ctx.config.REGION,
          id,
          slotId,
          kind: 'walk_in',
          number: null,
          nameEnc: ctx.cipher.encrypt(name),
          nameMask: maskName(name),
          // No phone given: none stored, and the one-phone-per-slot index leaves the row out.
          phoneEnc: phone ? ctx.cipher.encrypt(phone) : null,
          phoneMask: phone ? maskPhone(phone) : null,
          phoneBidx: phone ? ctx.cipher.blindIndex('phone', phone) : null,
          idNumberEnc: idNumber ? ctx.cipher.encrypt(idNumber) : null,
          idNumberBidx: idNumber ? ctx.cipher.blindIndex('id', idNumber) : null,
          matter: input.matter,
          peopleCount: input.peopleCount,
          status: 'booked',
          codeHash: null,
          batchNo,
          room: input.room?.trim() || slot.room,
          caseId: null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return presentGroup(row!, null);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('RECEPTION_ALREADY_BOOKED', { path: 'phone' });
    throw err;
  }
}

export interface ReceiveInput {
  nature: Nature;
  type12345?: Type12345 | null;
  urgency?: Urgency;
  categoryCode?: string | null;
  title: string;
  content: string;
  /** the other people of the group (the booking's own person comes first, from the booking) */
  petitioners?: PetitionerInput[];
  /** whether the booking's person is one of the representatives of a collective visit (default: yes when 5 or more) */
  bookerRepresentative?: boolean;
  confidential?: boolean;
  acceptNow?: boolean;
  answerNow?: string;
  /** for an accusation (检举控告): the units it names (Art. 30 keeps it from them) */
  accusedUnitIds?: string[];
}

/**
 * Given a waiting group (booked or walk-in) and what the leader heard, registers the case — channel
 * leader_reception, owned by the slot's leader, the booking's person first among the petitioners —
 * and marks the group received with its case, giving it a batch if it had none; all in one
 * transaction. Returns the case (number and query code to hand over) and the group.
 */
export async function receiveGroup(ctx: AppContext, actor: StaffActor, id: string, input: ReceiveInput) {
  const today = toChinaDate(ctx.now());
  return ctx.db.transaction(async (tx) => {
    const { booking, slot } = await groupInScope(tx, ctx, actor, id);
    refuseState(booking, ['booked']);
    if (slotStatus(slot) === 'cancelled') throw new AppError('RECEPTION_SLOT_CLOSED', { status: 'cancelled' });
    if (slot.date > today) throw new AppError('RECEPTION_BOOKING_STATE', { status: booking.status, reason: 'not_yet' });
    const others = input.petitioners ?? [];
    const total = 1 + others.length;
    const booker: PetitionerInput = {
      name: ctx.cipher.decrypt(booking.nameEnc),
      phone: booking.phoneEnc ? ctx.cipher.decrypt(booking.phoneEnc) : null,
      idNumber: booking.idNumberEnc ? ctx.cipher.decrypt(booking.idNumberEnc) : null,
      representative: input.bookerRepresentative ?? total >= 5,
    };
    const created = await registerByStaff(
      ctx,
      actor,
      {
        channel: 'leader_reception',
        nature: input.nature,
        type12345: input.type12345 ?? null,
        categoryCode: input.categoryCode ?? null,
        title: input.title,
        content: input.content,
        urgency: input.urgency,
        petitioners: [booker, ...others],
        confidential: input.confidential,
        accusedUnitIds: input.nature === 'accusation' ? input.accusedUnitIds ?? [] : [],
        ownerLeaderId: slot.leaderId,
      },
      { acceptNow: input.acceptNow, answerNow: input.answerNow, tx },
    ).catch((err: unknown) => {
      // The booking's person is petitioner 0 of the case, the form's extra people start at 0 too.
      if (err instanceof AppError && typeof err.details.path === 'string' && err.details.path.startsWith('petitioners.')) {
        const n = Number(err.details.path.split('.')[1]);
        throw new AppError(err.code, { ...err.details, path: n === 0 ? 'booking' : `petitioners.${n - 1}` });
      }
      throw err;
    });
    const batchNo = booking.batchNo ?? (await takeBatch(tx, ctx, slot.date, null));
    const [row] = await tx
      .update(receptionBookings)
      .set({ status: 'received', caseId: created.caseId, receivedBy: actor.userId, batchNo, room: booking.room ?? slot.room, updatedAt: ctx.now() })
      .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.id, id)))
      .returning();
    return {
      case: { id: created.caseId, number: created.number, queryCode: created.queryCode, state: created.state },
      group: presentGroup(row!, created.number),
    };
  });
}

/** Given a waiting group whose reception day has come, records that nobody came (or the walk-in left before being received). */
export async function markNoShow(ctx: AppContext, actor: StaffActor, id: string): Promise<GroupView> {
  return ctx.db.transaction(async (tx) => {
    const { booking, slot } = await groupInScope(tx, ctx, actor, id);
    refuseState(booking, ['booked']);
    if (slot.date > toChinaDate(ctx.now())) throw new AppError('RECEPTION_BOOKING_STATE', { status: booking.status, reason: 'not_yet' });
    const [row] = await tx
      .update(receptionBookings)
      .set({ status: 'no_show', updatedAt: ctx.now() })
      .where(and(eq(receptionBookings.region, ctx.config.REGION), eq(receptionBookings.id, id)))
      .returning();
    return presentGroup(row!, null);
  });
}
