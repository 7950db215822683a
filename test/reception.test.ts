/**
 * Leader reception (DOMAIN.md §7) on both databases: the rota (validation, overlap, publish,
 * cancel), the citizen's booking (capacity under concurrency, one booking per phone, lookup and
 * cancel by number + code, cutoff), and the reception day (batches, rooms, walk-ins, receiving a
 * visit as a case owned by the leader, no-shows, figures); scope by role.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { casePetitioners, cases, notifications, receptionBookings, receptionSlots } from '../src/store/schema.js';
import { createUser } from '../src/services/org-units.js';
import { bookSlot } from '../src/services/reception/bookings.js';
import { BOOKING_NUMBER, compareRooms, dayFigures, newBookingNumber, normalizeBookingNumber, slotFieldErrors, slotsOverlap, bookingClosesAt } from '../src/domain/reception/rota.js';

// The test clock starts at 2026-03-02 10:00 China time (a Monday).
const START = '2026-03-02T02:00:00.000Z';
type Client = Awaited<ReturnType<typeof loginAs>>;

describe('reception rota: pure rules', () => {
  it('validates dates, times and capacity, and finds overlaps on one day only', () => {
    expect(slotFieldErrors({ date: '2026-03-02', startTime: '09:00', endTime: '11:30', capacity: 10 }, '2026-03-02')).toEqual([]);
    const paths = (e: { path: string }[]) => e.map((x) => x.path);
    expect(paths(slotFieldErrors({ date: '2026-03-01', startTime: '09:00', endTime: '11:00', capacity: 10 }, '2026-03-02'))).toEqual(['date']);
    expect(paths(slotFieldErrors({ date: '2026-02-30', startTime: '09:00', endTime: '11:00', capacity: 10 }, '2026-03-02'))).toEqual(['date']);
    expect(paths(slotFieldErrors({ date: '2026-03-05', startTime: '11:00', endTime: '11:00', capacity: 10 }, '2026-03-02'))).toEqual(['endTime']);
    expect(paths(slotFieldErrors({ date: '2026-03-05', startTime: '25:00', endTime: '11:00', capacity: 0 }, '2026-03-02'))).toEqual(['startTime', 'capacity']);
    expect(paths(slotFieldErrors({ date: '2026-03-05', startTime: '09:00', endTime: '11:00', capacity: 501 }, '2026-03-02'))).toEqual(['capacity']);
    const a = { date: '2026-03-05', startTime: '09:00', endTime: '11:00' };
    expect(slotsOverlap(a, { ...a, startTime: '10:59', endTime: '12:00' })).toBe(true);
    expect(slotsOverlap(a, { ...a, startTime: '11:00', endTime: '12:00' })).toBe(false);
    expect(slotsOverlap(a, { ...a, date: '2026-03-06' })).toBe(false);
  });

  it('draws booking numbers, reads what a citizen typed, and closes booking at the cutoff', () => {
    expect(newBookingNumber((min) => min)).toBe('YF10000000');
    expect(newBookingNumber((min, max) => max - 1)).toBe('YF99999999');
    expect(newBookingNumber(() => 48_213_307)).toMatch(BOOKING_NUMBER);
    expect(normalizeBookingNumber(' yf48213307 ')).toBe('YF48213307');
    expect(normalizeBookingNumber('YF123')).toBeNull();
    const slot = { date: '2026-03-10', startTime: '09:00', endTime: '11:00' };
    expect(bookingClosesAt(slot, { days: 1, time: '17:00' }).toISOString()).toBe('2026-03-09T09:00:00.000Z');
    // never later than the start itself
    expect(bookingClosesAt(slot, { days: 0, time: '12:00' }).toISOString()).toBe('2026-03-10T01:00:00.000Z');
  });

  it('counts a day as the reports do: batches, people, and those assigned on the spot', () => {
    const f = dayFigures(
      [
        { leaderId: 'a', room: '第一接待室', cancelled: false },
        { leaderId: 'b', room: '第二接待室', cancelled: false },
        { leaderId: 'c', room: '第三接待室', cancelled: true },
      ],
      [
        { walkIn: false, status: 'received', batchNo: 1, room: '第一接待室', peopleCount: 2 },
        { walkIn: false, status: 'received', batchNo: 1, room: '第一接待室', peopleCount: 1 },
        { walkIn: true, status: 'booked', batchNo: 2, room: '第四接待室', peopleCount: 5 },
        { walkIn: false, status: 'no_show', batchNo: null, room: null, peopleCount: 3 },
        { walkIn: false, status: 'cancelled', batchNo: null, room: null, peopleCount: 3 },
      ],
    );
    expect(f).toEqual({ slots: 2, leaders: 2, rooms: 3, booked: 3, batches: 2, people: 8, received: 2, receivedPeople: 3, noShows: 1, assignedOnSpot: 1 });
    expect(['第十二接待室', '第二接待室', '10号室', '第一接待室', '2号室'].sort(compareRooms)).toEqual(['2号室', '10号室', '第一接待室', '第二接待室', '第十二接待室']);
  });
});

for (const kind of DB_KINDS) {
  describe(`leader reception [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let registrar: Client;
    let leader: Client;
    let pub: ReturnType<typeof client>;
    let leader2Id: string;

    beforeAll(async () => {
      t = await makeTestContext(kind, { start: START });
      org = await seedMiniOrg(t.ctx);
      const l2 = await createUser(t.ctx.db, { username: 'leader2', displayName: '王副区长', password: 'Test@2026pass', roles: ['leader'], unitId: org.units.district, scopeUnitId: org.units.district });
      leader2Id = l2.id;
      server = await startServer(t.ctx);
      registrar = await loginAs(server, org.usernames.registrar!);
      leader = await loginAs(server, org.usernames.leader!);
      pub = client(server);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const slotBody = (over: Record<string, unknown> = {}) => ({
      leaderId: org.actors.leader.userId,
      post: '区委副书记',
      remit: '政法、信访、社会治理',
      date: '2026-03-10',
      startTime: '09:00',
      endTime: '11:30',
      place: '区联合来访接待中心',
      room: '第一接待室',
      capacity: 10,
      ...over,
    });
    /** Given slot fields, returns a published slot's id. */
    const publishedSlot = async (over: Record<string, unknown> = {}) => {
      const res = await registrar.post('/api/reception/slots', slotBody(over));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect((await registrar.post(`/api/reception/slots/${res.body.id}/publish`)).status).toBe(200);
      return res.body.id as string;
    };
    const booking = (slotId: string, over: Record<string, unknown> = {}) => ({
      slotId,
      name: '张桂芳',
      phone: '13812345678',
      idNumber: '11010519491231002X',
      matter: '小区加装电梯资金分摊问题协调无果，希望当面反映。',
      peopleCount: 2,
      ...over,
    });
    const slotRow = async (id: string) => (await t.ctx.db.select().from(receptionSlots).where(eq(receptionSlots.id, id)))[0]!;

    it('refuses an invalid rota entry field by field: past date, end before start, capacity, a non-leader', async () => {
      const past = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-01' }));
      expect(past.status).toBe(400);
      expect(past.body.details.fields).toEqual([{ path: 'date', message: '接访日期不能早于今天' }]);
      const backwards = await registrar.post('/api/reception/slots', slotBody({ startTime: '11:00', endTime: '10:00' }));
      expect(backwards.status).toBe(400);
      expect(backwards.body.details.fields.map((f: { path: string }) => f.path)).toEqual(['endTime']);
      for (const capacity of [0, 501, 2.5]) {
        const res = await registrar.post('/api/reception/slots', slotBody({ capacity }));
        expect(res.status).toBe(400);
        expect(res.body.details.fields.map((f: { path: string }) => f.path)).toEqual(['capacity']);
      }
      const notLeader = await registrar.post('/api/reception/slots', slotBody({ leaderId: org.actors.registrar.userId }));
      expect(notLeader.status).toBe(404);
      expect(notLeader.body).toMatchObject({ code: 'USER_NOT_FOUND', details: { path: 'leaderId' } });
    });

    it('never double-books a leader: an overlapping slot is refused, one right after is fine, also when edited into a clash', async () => {
      const first = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-11', startTime: '09:00', endTime: '11:00' }));
      expect(first.status).toBe(201);
      expect(first.body.status).toBe('draft');
      const clash = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-11', startTime: '10:30', endTime: '12:00', room: '第二接待室' }));
      expect(clash.status).toBe(409);
      expect(clash.body).toMatchObject({ code: 'RECEPTION_LEADER_BUSY', details: { path: 'startTime', conflict: { id: first.body.id } } });
      const after = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-11', startTime: '11:00', endTime: '12:00' }));
      expect(after.status).toBe(201);
      const other = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-11', startTime: '10:00', endTime: '11:00', leaderId: leader2Id }));
      expect(other.status).toBe(201);
      const moved = await registrar.patch(`/api/reception/slots/${after.body.id}`, { startTime: '10:00' });
      expect(moved.status).toBe(409);
      expect(moved.body.code).toBe('RECEPTION_LEADER_BUSY');
      const edited = await registrar.patch(`/api/reception/slots/${after.body.id}`, { place: '南苑街道社会治理中心', capacity: 3 });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ place: '南苑街道社会治理中心', capacity: 3, startTime: '11:00' });
      // A draft removed by mistake leaves nothing behind; a cancelled one frees the leader's time.
      expect((await registrar.del(`/api/reception/slots/${other.body.id}`)).status).toBe(204);
      expect((await registrar.post(`/api/reception/slots/${first.body.id}/cancel`, { reason: '临时调整' })).status).toBe(200);
      expect((await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-11', startTime: '10:00', endTime: '11:00' }))).status).toBe(201);
    });

    it('citizens see published slots only, with the leader, post, remit and places left and nothing else about staff', async () => {
      const draft = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-12', leaderId: leader2Id, post: '副区长', remit: '城建、住房' }));
      const published = await publishedSlot({ date: '2026-03-12' });
      const list = await pub.get('/api/public/reception/slots?month=2026-03');
      expect(list.status).toBe(200);
      expect(list.body.month).toBe('2026-03');
      const ids = list.body.slots.map((s: { id: string }) => s.id);
      expect(ids).toContain(published);
      expect(ids).not.toContain(draft.body.id);
      const shown = list.body.slots.find((s: { id: string }) => s.id === published);
      expect(Object.keys(shown).sort()).toEqual(['bookable', 'capacity', 'closesAt', 'date', 'endTime', 'id', 'leaderName', 'place', 'post', 'remaining', 'remit', 'room', 'startTime'].sort());
      expect(shown).toMatchObject({ leaderName: 'leader', post: '区委副书记', remaining: 10, bookable: true });
      expect(JSON.stringify(list.body)).not.toContain(org.actors.leader.userId);
      // Publishing the month publishes the remaining drafts.
      const month = await registrar.post('/api/reception/rota/publish', { month: '2026-03' });
      expect(month.status).toBe(200);
      expect(month.body.published).toBeGreaterThanOrEqual(1);
      const again = await pub.get('/api/public/reception/slots?month=2026-03');
      expect(again.body.slots.map((s: { id: string }) => s.id)).toContain(draft.body.id);
      expect((await pub.get('/api/public/reception/slots?month=2026-13')).status).toBe(400);
    });

    it('books a place, tells the leader, refuses the same phone twice, and shows the booking only to number + code', async () => {
      const slotId = await publishedSlot({ date: '2026-03-13' });
      const res = await pub.post('/api/public/reception/bookings', booking(slotId));
      expect(res.status).toBe(201);
      expect(res.body.number).toMatch(/^YF\d{8}$/);
      expect(res.body.code).toMatch(/^[A-Z2-9]{8}$/);
      expect(res.body.slot).toMatchObject({ remaining: 9, leaderName: 'leader' });
      const twice = await pub.post('/api/public/reception/bookings', booking(slotId, { name: '张桂芳', phone: '138 1234 5678' }));
      expect(twice.status).toBe(409);
      expect(twice.body).toMatchObject({ code: 'RECEPTION_ALREADY_BOOKED', details: { path: 'phone' } });
      const badPhone = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '138123' }));
      expect(badPhone.status).toBe(400);
      expect(badPhone.body).toMatchObject({ code: 'PHONE_INVALID', details: { path: 'phone' } });

      // Nothing personal in clear in the row; the code only as its hash.
      const [row] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.slotId, slotId));
      expect(JSON.stringify(row)).not.toContain('13812345678');
      expect(JSON.stringify(row)).not.toContain('张桂芳');
      expect(JSON.stringify(row)).not.toContain(res.body.code);
      expect(row).toMatchObject({ kind: 'booked', number: res.body.number, formerNumber: null, status: 'booked', cancelledBy: null });
      expect(row!.phoneBidx).toBeTruthy();
      expect(row!.codeHash).toBeTruthy();

      const seen = await pub.get(`/api/public/reception/bookings/${res.body.number}?code=${res.body.code}`);
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ number: res.body.number, status: 'booked', name: '张**', phone: '138****5678', peopleCount: 2, canCancel: true, slot: { date: '2026-03-13', place: '区联合来访接待中心' } });
      const wrong = await pub.get(`/api/public/reception/bookings/${res.body.number}?code=ABCDEFGH`);
      const missing = await pub.get(`/api/public/reception/bookings/YF10000001?code=${res.body.code}`);
      expect(wrong.status).toBe(404);
      expect(wrong.body).toEqual(missing.body);
      expect(wrong.body.code).toBe('RECEPTION_BOOKING_NOT_FOUND');

      const told = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, org.actors.leader.userId), eq(notifications.kind, 'reception')));
      expect(told.length).toBeGreaterThanOrEqual(1);
      expect(told.map((n) => n.body).join()).not.toContain('张桂芳');
    });

    it('draws another number when the one drawn is already given', async () => {
      const slotId = await publishedSlot({ date: '2026-03-19' });
      const draws = vi.spyOn(crypto, 'randomInt');
      try {
        // The first booking draws 48213307; the second draws it too, then 48213308.
        draws.mockImplementation((() => 48_213_307) as never);
        const first = await bookSlot(t.ctx, booking(slotId, { phone: '13400001111' }));
        draws.mockReset();
        draws.mockImplementationOnce((() => 48_213_307) as never).mockImplementationOnce((() => 48_213_308) as never);
        const second = await bookSlot(t.ctx, booking(slotId, { phone: '13400002222' }));
        expect([first.number, second.number]).toEqual(['YF48213307', 'YF48213308']);
        expect(draws).toHaveBeenCalledTimes(2);
      } finally {
        draws.mockRestore();
      }
      expect((await slotRow(slotId)).booked).toBe(2);
    });

    it('20 citizens booking 5 places at once: exactly 5 get one', async () => {
      const slotId = await publishedSlot({ date: '2026-03-16', capacity: 5, leaderId: leader2Id });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => pub.post('/api/public/reception/bookings', booking(slotId, { name: `群众${i}`, phone: `1390000${String(1000 + i)}`, idNumber: null }))),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 409)).toHaveLength(15);
      expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'RECEPTION_SLOT_FULL')).toBe(true);
      expect((await slotRow(slotId)).booked).toBe(5);
      const numbers = results.filter((r) => r.status === 201).map((r) => r.body.number as string);
      expect(new Set(numbers).size).toBe(5);
      const [{ n }] = (await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(receptionBookings).where(eq(receptionBookings.slotId, slotId))) as [{ n: number }];
      expect(n).toBe(5);
      const listed = (await pub.get('/api/public/reception/slots?month=2026-03')).body.slots.find((s: { id: string }) => s.id === slotId);
      expect(listed).toMatchObject({ remaining: 0, bookable: false });
    });

    it('cancels with number + code, frees the place, and the same phone may book again with a new code', async () => {
      const slotId = await publishedSlot({ date: '2026-03-17' });
      const first = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13700001234' }));
      const wrong = await pub.post(`/api/public/reception/bookings/${first.body.number}/cancel?code=ZZZZZZZZ`);
      expect(wrong.status).toBe(404);
      expect(wrong.body.code).toBe('RECEPTION_BOOKING_NOT_FOUND');
      const cancelled = await pub.post(`/api/public/reception/bookings/${first.body.number}/cancel?code=${first.body.code}`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: 'citizen', cancelReason: null, canCancel: false });
      expect((await slotRow(slotId)).booked).toBe(0);
      const [gone] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.slotId, slotId));
      expect(gone).toMatchObject({ status: 'cancelled', cancelledBy: 'citizen', cancelReason: null });
      const twice = await pub.post(`/api/public/reception/bookings/${first.body.number}/cancel?code=${first.body.code}`);
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('RECEPTION_BOOKING_STATE');
      const again = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13700001234' }));
      expect(again.status).toBe(201);
      // the same row and number, waiting again, with nothing left of the cancellation
      expect(again.body.number).toBe(first.body.number);
      const [back] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.slotId, slotId));
      expect(back).toMatchObject({ status: 'booked', number: first.body.number, cancelledBy: null, cancelReason: null });
      expect((await pub.get(`/api/public/reception/bookings/${again.body.number}?code=${again.body.code}`)).body.status).toBe('booked');
      expect(again.body.code).not.toBe(first.body.code);
      expect((await pub.get(`/api/public/reception/bookings/${first.body.number}?code=${first.body.code}`)).status).toBe(404);
      expect((await slotRow(slotId)).booked).toBe(1);
    });

    it('a slot cancelled by the bureau cancels its bookings with the reason the citizen sees, and leaves the public rota', async () => {
      const slotId = await publishedSlot({ date: '2026-03-18' });
      const b = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13600001111' }));
      const res = await registrar.post(`/api/reception/slots/${slotId}/cancel`, { reason: '领导临时赴省参加会议' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ cancelledBookings: 1, slot: { status: 'cancelled', cancelReason: '领导临时赴省参加会议', capacity: 10, booked: 0 } });
      // The slot keeps its real capacity; the cancellation is in its own columns, and the booking says who and why.
      expect(await slotRow(slotId)).toMatchObject({ status: 'cancelled', capacity: 10, booked: 0, cancelReason: '领导临时赴省参加会议', cancelledAt: t.ctx.now(), updatedAt: t.ctx.now() });
      const [row] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.slotId, slotId));
      expect(row).toMatchObject({ status: 'cancelled', cancelledBy: 'bureau', cancelReason: '领导临时赴省参加会议' });
      const seen = await pub.get(`/api/public/reception/bookings/${b.body.number}?code=${b.body.code}`);
      expect(seen.body).toMatchObject({ status: 'cancelled', cancelledBy: 'office', cancelReason: '领导临时赴省参加会议', canCancel: false });
      const list = await pub.get('/api/public/reception/slots?month=2026-03');
      expect(list.body.slots.map((s: { id: string }) => s.id)).not.toContain(slotId);
      const late = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13600002222' }));
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('RECEPTION_SLOT_CLOSED');
      const staffList = await registrar.get('/api/reception/slots?month=2026-03');
      expect(staffList.body.slots.find((s: { id: string }) => s.id === slotId)).toMatchObject({ status: 'cancelled', cancelReason: '领导临时赴省参加会议' });
      const told = await t.ctx.db.select().from(notifications).where(eq(notifications.dedupeKey, `reception.slot_cancelled:${slotId}`));
      expect(told).toHaveLength(1);
      expect(told[0]!.userId).toBe(org.actors.leader.userId);
      expect((await registrar.post(`/api/reception/slots/${slotId}/cancel`, { reason: '再次取消' })).status).toBe(409);
    });

    it('closes booking at the cutoff (17:00 the day before by default) and refuses an unpublished slot', async () => {
      const slotId = await publishedSlot({ date: '2026-03-03', startTime: '14:00', endTime: '16:00' });
      expect((await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13500001111' }))).status).toBe(201);
      t.clock.set('2026-03-02T09:00:00.000Z'); // 17:00 China time on the day before
      const late = await pub.post('/api/public/reception/bookings', booking(slotId, { phone: '13500002222' }));
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('RECEPTION_SLOT_CLOSED');
      t.clock.set(START);
      const draft = await registrar.post('/api/reception/slots', slotBody({ date: '2026-03-20' }));
      const hidden = await pub.post('/api/public/reception/bookings', booking(draft.body.id, { phone: '13500003333' }));
      expect(hidden.status).toBe(404);
      expect(hidden.body.code).toBe('RECEPTION_SLOT_NOT_FOUND');
    });

    it('runs a reception day: batches and rooms, a walk-in on the spot, each visit a case owned by the leader, a no-show, the figures', async () => {
      const slotA = await publishedSlot({ date: '2026-03-24', room: '第一接待室' });
      const slotB = await publishedSlot({ date: '2026-03-24', leaderId: leader2Id, post: '副区长', remit: '城建、住房', room: '第二接待室' });
      const booked = await pub.post('/api/public/reception/bookings', booking(slotA, { name: '刘建国', phone: '13911112222', peopleCount: 3 }));
      const absent = await pub.post('/api/public/reception/bookings', booking(slotB, { name: '陈芳', phone: '13911113333', idNumber: null }));
      expect(booked.status).toBe(201);
      // Not yet the day: nothing can be received.
      const early = await registrar.get('/api/reception/day?date=2026-03-24');
      const earlyGroup = early.body.slots.find((s: { id: string }) => s.id === slotA).groups[0];
      expect((await registrar.post(`/api/reception/bookings/${earlyGroup.id}/no-show`)).body.code).toBe('RECEPTION_BOOKING_STATE');

      t.clock.set('2026-03-24T00:30:00.000Z'); // 08:30 on the day (sessions from three weeks ago have expired)
      try {
        const registrar = await loginAs(server, org.usernames.registrar!);
        const leader = await loginAs(server, org.usernames.leader!);
        const board = await registrar.get('/api/reception/day');
        expect(board.status).toBe(200);
        expect(board.body.date).toBe('2026-03-24');
        const a = board.body.slots.find((s: { id: string }) => s.id === slotA);
        expect(a.groups).toHaveLength(1);
        const group = a.groups[0];
        expect(group).toMatchObject({ number: booked.body.number, walkIn: false, status: 'booked', name: '刘**', phone: '139****2222', peopleCount: 3, batchNo: null });

        const assigned = await registrar.post(`/api/reception/bookings/${group.id}/assign`, {});
        expect(assigned.status).toBe(200);
        expect(assigned.body).toMatchObject({ batchNo: 1, room: '第一接待室' });
        // Moved to another room: the batch stays.
        const moved = await registrar.post(`/api/reception/bookings/${group.id}/assign`, { batchNo: 1, room: '第五接待室' });
        expect(moved.body).toMatchObject({ batchNo: 1, room: '第五接待室' });

        const walkIn = await registrar.post(`/api/reception/slots/${slotB}/walk-ins`, { name: '赵大海', phone: '13822223333', matter: '村里征地补偿款分配不公，六户村民一起来反映。', peopleCount: 6 });
        expect(walkIn.status).toBe(201);
        expect(walkIn.body).toMatchObject({ walkIn: true, number: null, batchNo: 2, room: '第二接待室', name: '赵**', phone: '138****3333' });
        const [walkInRow] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, walkIn.body.id));
        expect(walkInRow).toMatchObject({ kind: 'walk_in', number: null, codeHash: null });
        expect(walkInRow!.phoneBidx).toBeTruthy();
        // A phone that booked this slot online is not registered again as a walk-in.
        const dup = await registrar.post(`/api/reception/slots/${slotA}/walk-ins`, { name: '刘建国', phone: '13911112222', matter: '同一人现场再次登记。', peopleCount: 1 });
        expect(dup.status).toBe(409);
        expect(dup.body).toMatchObject({ code: 'RECEPTION_ALREADY_BOOKED', details: { path: 'phone' } });
        const bad = await registrar.post(`/api/reception/slots/${slotB}/walk-ins`, { name: '钱多', phone: '1', matter: '咨询社保转移的手续。', peopleCount: 1 });
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ code: 'PHONE_INVALID', details: { path: 'phone' } });

        // An accusation must name the accused units (Art. 30), or nothing is registered.
        const unnamed = await registrar.post(`/api/reception/bookings/${group.id}/receive`, { nature: 'accusation', title: '检举某干部', content: '当面检举某单位干部违规收费。' });
        expect(unnamed.status).toBe(400);
        expect(unnamed.body.details.fields[0].path).toBe('accusedUnitIds');

        // Receive the booking: a case, channel leader_reception, owned by the slot's leader, with the booking's person.
        const received = await registrar.post(`/api/reception/bookings/${group.id}/receive`, {
          nature: 'appeal',
          title: '加装电梯资金分摊协调',
          content: '小区加装电梯资金分摊问题协调无果，三户居民当面向领导反映。',
        });
        expect(received.status, JSON.stringify(received.body)).toBe(201);
        expect(received.body.case.number).toMatch(/^YH-2026-\d{6}$/);
        expect(received.body.case.queryCode).toMatch(/^[A-Z2-9]{8}$/);
        expect(received.body.group).toMatchObject({ status: 'received', caseId: received.body.case.id, caseNumber: received.body.case.number, batchNo: 1 });
        const [c] = await t.ctx.db.select().from(cases).where(eq(cases.id, received.body.case.id));
        expect(c).toMatchObject({ channel: 'leader_reception', ownerLeaderId: org.actors.leader.userId, petitionerCount: 1 });
        expect(c!.flags).toContain('leader_owned');
        const [p] = await t.ctx.db.select().from(casePetitioners).where(eq(casePetitioners.caseId, c!.id));
        expect(t.ctx.cipher.decrypt(p!.nameEnc)).toBe('刘建国');
        expect(t.ctx.cipher.decrypt(p!.phoneEnc!)).toBe('13911112222');
        expect(t.ctx.cipher.decrypt(p!.idNumberEnc!)).toBe('11010519491231002X');
        const [b] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, group.id));
        expect(b).toMatchObject({ status: 'received', caseId: c!.id, receivedBy: org.actors.registrar.userId });
        const twice = await registrar.post(`/api/reception/bookings/${group.id}/receive`, { nature: 'appeal', title: '再次登记', content: '同一批次不能登记两次。' });
        expect(twice.status).toBe(409);
        expect(twice.body.code).toBe('RECEPTION_BOOKING_STATE');

        // The booking's citizen sees it received, with the case number.
        const seen = await pub.get(`/api/public/reception/bookings/${booked.body.number}?code=${booked.body.code}`);
        expect(seen.body).toMatchObject({ status: 'received', batchNo: 1, room: '第五接待室', caseNumber: received.body.case.number });

        // The walk-in: a collective visit; at most five representatives, the whole thing refused otherwise.
        const others = Array.from({ length: 5 }, (_, i) => ({ name: `村民${i + 1}`, phone: `1370000${String(2000 + i)}`, representative: true }));
        const tooMany = await registrar.post(`/api/reception/bookings/${walkIn.body.id}/receive`, { nature: 'appeal', title: '征地补偿款分配', content: '六户村民反映征地补偿款分配不公。', petitioners: others });
        expect(tooMany.status).toBe(400);
        expect(tooMany.body.code).toBe('REPRESENTATIVES_TOO_MANY');
        expect((await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, walkIn.body.id)))[0]!.status).toBe('booked');
        const collective = await leader.post(`/api/reception/bookings/${walkIn.body.id}/receive`, {
          nature: 'appeal',
          title: '征地补偿款分配',
          content: '六户村民反映征地补偿款分配不公。',
          petitioners: others.map((o, i) => ({ ...o, representative: i < 4 })),
          acceptNow: true,
        });
        expect(collective.status, JSON.stringify(collective.body)).toBe(201);
        expect(collective.body.case.state).toBe('accepted');
        const [cc] = await t.ctx.db.select().from(cases).where(eq(cases.id, collective.body.case.id));
        expect(cc).toMatchObject({ ownerLeaderId: leader2Id, petitionerCount: 6, channel: 'leader_reception' });
        expect((await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, walkIn.body.id)))[0]!.receivedBy).toBe(org.actors.leader.userId);
        expect(cc!.flags).toEqual(expect.arrayContaining(['collective', 'leader_owned']));
        const people = await t.ctx.db.select().from(casePetitioners).where(eq(casePetitioners.caseId, cc!.id)).orderBy(casePetitioners.seq);
        expect(t.ctx.cipher.decrypt(people[0]!.nameEnc)).toBe('赵大海');
        expect(people.filter((x) => x.representative)).toHaveLength(5);

        const gone = board.body.slots.find((s: { id: string }) => s.id === slotB).groups.find((g: { number: string }) => g.number === absent.body.number);
        const noShow = await registrar.post(`/api/reception/bookings/${gone.id}/no-show`);
        expect(noShow.status).toBe(200);
        expect(noShow.body.status).toBe('no_show');

        const end = await registrar.get('/api/reception/day?date=2026-03-24');
        expect(end.body.figures).toEqual({ slots: 2, leaders: 2, rooms: 3, booked: 2, batches: 2, people: 9, received: 2, receivedPeople: 9, noShows: 1, assignedOnSpot: 1 });
        expect(end.body.rooms).toEqual(['第一接待室', '第二接待室', '第五接待室']);
        expect(end.body.nextBatchNo).toBe(3);

        // The leader finds the case in his leader-owned queue.
        const mine = await leader.get('/api/cases?queue=leader_owned');
        expect(mine.status).toBe(200);
        expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(received.body.case.id);
      } finally {
        t.clock.set(START);
      }
    });

    it('keeps the rota and the reception day to the roles that use them', async () => {
      const handler = await loginAs(server, org.usernames.handlerA!);
      const admin = await loginAs(server, org.usernames.admin!);
      const supervisor = await loginAs(server, org.usernames.supervisor!);
      for (const c of [handler, admin]) {
        expect((await c.get('/api/reception/slots?month=2026-03')).status).toBe(403);
        expect((await c.get('/api/reception/day?date=2026-03-24')).status).toBe(403);
        expect((await c.post('/api/reception/slots', slotBody({ date: '2026-03-25' }))).status).toBe(403);
      }
      expect((await supervisor.get('/api/reception/slots?month=2026-03')).status).toBe(200);
      const slotId = await publishedSlot({ date: '2026-03-26' });
      const walkIn = await registrar.post(`/api/reception/slots/${slotId}/walk-ins`, { name: '孙丽', matter: '咨询低保申请需要哪些材料。', peopleCount: 1 });
      expect(walkIn.status).toBe(201);
      expect(walkIn.body).toMatchObject({ walkIn: true, number: null, phone: '' });
      // No phone: none stored, and any number of such walk-ins fit the slot.
      const [noPhone] = await t.ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, walkIn.body.id));
      expect(noPhone).toMatchObject({ kind: 'walk_in', number: null, codeHash: null, phoneEnc: null, phoneMask: null, phoneBidx: null });
      expect((await registrar.post(`/api/reception/slots/${slotId}/walk-ins`, { name: '孙强', matter: '咨询医保异地结算的手续。', peopleCount: 1 })).status).toBe(201);
      const denied = await supervisor.post(`/api/reception/bookings/${walkIn.body.id}/receive`, { nature: 'suggestion', title: '低保咨询', content: '咨询低保申请需要哪些材料。' });
      expect(denied.status).toBe(403);
      expect((await client(server).get('/api/reception/day')).status).toBe(401);
      // A slot outside the caller's scope is answered like a missing one: a street's unit head scoped to his street.
      const streetLeader = await createUser(t.ctx.db, { username: 'leader.street-b', displayName: '北湖街道书记', password: 'Test@2026pass', roles: ['leader', 'registrar'], unitId: org.units.streetB, scopeUnitId: org.units.streetB });
      const street = await loginAs(server, 'leader.street-b');
      expect(streetLeader.id).toBeTruthy();
      expect((await street.post(`/api/reception/slots/${slotId}/publish`)).status).toBe(404);
      expect((await street.get('/api/reception/slots?month=2026-03')).body.slots).toEqual([]);
      expect((await street.post('/api/reception/slots', slotBody({ date: '2026-03-27' }))).body).toMatchObject({ code: 'USER_NOT_FOUND', details: { path: 'leaderId' } });
    });
  });
}
