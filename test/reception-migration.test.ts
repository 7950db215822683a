/**
 * Migration 0003 on a database that already holds leader reception in 0002's encoding, on both
 * databases: the migrator brings a database to 0002 (from a copy of the migrations folder that
 * ends there), the rows are written the way the 0002 services wrote them (a cancelled slot with
 * capacity 0 and its reason in the audit log, booking numbers in the ids — two of them drawing the
 * same —, walk-ins under the code hash 'walk-in', a walk-in without a phone under a placeholder),
 * then the real migrator runs 0003. Each row must come out as the new services would have written
 * it, and the services must read it back the way the citizens and staff saw it before.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { eq, sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { DB_KINDS, openTestDatabase, type DbKind, type TestDatabase } from './support/databases.js';
import { makeClock, TEST_MASTER_KEY, type TestClock } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import type { AppContext } from '../src/services/context.js';
import { migrateDatabase, type Database } from '../src/store/database.js';
import { receptionBookings, receptionSlots } from '../src/store/schema.js';
import { writeAudit } from '../src/services/audit-log.js';
import { bookSlot, findPublicBooking, hashBookingCode, listPublicSlots } from '../src/services/reception/bookings.js';
import { listSlots } from '../src/services/reception/rota.js';
import { receptionDay, registerWalkIn } from '../src/services/reception/reception-day.js';
import { BOOKING_NUMBER } from '../src/domain/reception/rota.js';
import { maskName, maskPhone } from '../src/domain/personal-data/mask.js';

const MIGRATIONS = path.resolve('src/store/migrations');
const START = '2026-03-02T02:00:00.000Z'; // 10:00 China time, Monday 2 March 2026
const HOUR = 3_600_000;

/** Given a database, applies the migrations up to and including `tag` with drizzle's own bookkeeping. */
async function migrateThrough(database: Database, tag: string): Promise<void> {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  expect(last).toBeGreaterThanOrEqual(0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-migrations-'));
  try {
    fs.mkdirSync(path.join(dir, 'meta'));
    const entries = journal.entries.slice(0, last + 1);
    for (const e of entries) fs.copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
    if (database.kind === 'pglite') await migratePglite(database.db as Parameters<typeof migratePglite>[0], { migrationsFolder: dir });
    else await migratePg(database.db as Parameters<typeof migratePg>[0], { migrationsFolder: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A booking id as 0002 made it: the number's value in the first 32 bits, the rest random. */
const oldId = (n: number) => n.toString(16).padStart(8, '0') + crypto.randomUUID().slice(8);

for (const kind of DB_KINDS) {
  describe(`reception data migrated by 0003 [${kind}]`, () => {
    let tdb: TestDatabase;
    let ctx: AppContext;
    let clock: TestClock;
    let org: MiniOrg;
    let dataDir: string;
    const region = 'YH';
    const slot = { s1: crypto.randomUUID(), s2: crypto.randomUUID(), s3: crypto.randomUUID(), s4: crypto.randomUUID() };
    const at = { t0: new Date(START), t1: new Date(Date.parse(START) + HOUR), t2: new Date(Date.parse(START) + 2 * HOUR), t3: new Date(Date.parse(START) + 3 * HOUR) };
    // Bookings, with the number and code each citizen was given.
    const b = {
      b1: { id: oldId(23_456_789), number: 'YF23456789', code: 'ABCD2345' },
      b2: { id: oldId(34_567_890), number: 'YF34567890', code: 'BCDE3456' },
      b3: { id: oldId(45_678_901), number: 'YF45678901', code: 'CDEF4567' },
      b4: { id: oldId(56_789_012), number: 'YF56789012', code: 'DEFG5678' },
      // two bookings that drew the same number
      d1: { id: oldId(67_890_123), number: 'YF67890123', code: 'EFGH6789' },
      d2: { id: oldId(67_890_123), number: 'YF67890123', code: 'FGHJ7892' },
      r1: { id: oldId(78_901_234), number: 'YF78901234', code: 'GHJK8923' },
      b8: { id: oldId(89_012_345), number: 'YF89012345', code: 'HJKL9234' },
    };
    const walkIn = { w1: crypto.randomUUID(), w2: crypto.randomUUID() };
    let caseNumber = '';

    /** Given a slot's fields, writes it as 0002 did. */
    const oldSlot = async (id: string, f: { date: string; start: string; end: string; capacity: number; booked: number; published: boolean; room: string }) => {
      await ctx.db.execute(sql`
        insert into reception_slots (region, id, leader_id, post, remit, date, start_time, end_time, place, room, capacity, booked, published, created_at, created_by)
        values (${region}, ${id}, ${org.actors.leader.userId}, '区委副书记', '政法、信访、社会治理', ${f.date}, ${f.start}, ${f.end}, '区联合来访接待中心', ${f.room},
          ${f.capacity}, ${f.booked}, ${f.published}, ${at.t0.toISOString()}, ${org.actors.registrar.userId})`);
      await writeAudit(ctx, { actorId: org.actors.registrar.userId, action: 'reception.slot_created', targetType: 'reception_slot', targetId: id, data: { date: f.date } });
    };
    /** Given a booking's fields, writes it as 0002 did (a walk-in: code hash 'walk-in'; no phone: '' and 'none:<id>'). */
    const oldBooking = async (
      id: string,
      slotId: string,
      f: { name: string; phone: string | null; status: string; number?: string; code?: string; batchNo?: number; caseId?: string; createdAt?: Date },
    ) => {
      const created = (f.createdAt ?? at.t0).toISOString();
      await ctx.db.execute(sql`
        insert into reception_bookings (region, id, slot_id, name_enc, name_mask, phone_enc, phone_mask, phone_bidx, id_number_enc, id_number_bidx,
          matter, people_count, status, code_hash, batch_no, room, case_id, created_at, updated_at)
        values (${region}, ${id}, ${slotId}, ${ctx.cipher.encrypt(f.name)}, ${maskName(f.name)},
          ${f.phone ? ctx.cipher.encrypt(f.phone) : ''}, ${f.phone ? maskPhone(f.phone) : ''}, ${f.phone ? ctx.cipher.blindIndex('phone', f.phone) : `none:${id}`},
          null, null, '小区加装电梯资金分摊问题协调无果。', 1, ${f.status},
          ${f.number ? hashBookingCode(ctx, f.number, f.code!) : 'walk-in'}, ${f.batchNo ?? null}, null, ${f.caseId ?? null}, ${created}, ${created})`);
    };

    beforeAll(async () => {
      tdb = await openTestDatabase(kind, { migrate: false });
      await migrateThrough(tdb.database, '0002_deadlines_that_act');
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-test-'));
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...(tdb.url ? { DATABASE_URL: tdb.url } : {}) });
      clock = makeClock(START);
      ctx = await buildContext(config, { database: tdb.database, logger: pino({ level: 'silent' }), now: clock.now, masterKey: TEST_MASTER_KEY });
      org = await seedMiniOrg(ctx);

      // t0: four slots. s1 and s2 published with the month, s3 on its own; s4 stays a draft.
      await oldSlot(slot.s1, { date: '2026-03-10', start: '09:00', end: '11:30', capacity: 10, booked: 3, published: true, room: '第一接待室' });
      await oldSlot(slot.s2, { date: '2026-03-12', start: '09:00', end: '11:30', capacity: 0, booked: 0, published: false, room: '第一接待室' });
      await oldSlot(slot.s3, { date: '2026-03-02', start: '09:00', end: '11:30', capacity: 0, booked: 0, published: false, room: '第二接待室' });
      await oldSlot(slot.s4, { date: '2026-03-20', start: '09:00', end: '11:30', capacity: 6, booked: 0, published: false, room: '第一接待室' });
      clock.set(at.t1);
      await writeAudit(ctx, { actorId: org.actors.registrar.userId, action: 'reception.slot_published', targetType: 'reception_slot', targetId: null, data: { ids: [slot.s1, slot.s2] } });
      await writeAudit(ctx, { actorId: org.actors.registrar.userId, action: 'reception.slot_published', targetType: 'reception_slot', targetId: slot.s3, data: { ids: [slot.s3] } });

      // s1: a waiting booking, one cancelled by its citizen, the two that drew one number, a walk-in without a phone.
      await oldBooking(b.b1.id, slot.s1, { name: '张桂芳', phone: '13812345678', status: 'booked', ...b.b1 });
      await oldBooking(b.b2.id, slot.s1, { name: '李建华', phone: '13812340002', status: 'cancelled', ...b.b2 });
      await oldBooking(b.d1.id, slot.s1, { name: '王秀英', phone: '13812340003', status: 'booked', ...b.d1, createdAt: at.t0 });
      await oldBooking(b.d2.id, slot.s1, { name: '赵志强', phone: '13812340004', status: 'booked', ...b.d2, createdAt: at.t1 });
      await oldBooking(walkIn.w1, slot.s1, { name: '孙丽', phone: null, status: 'booked', batchNo: 1 });
      // s2: one booking the bureau's cancellation cancelled, one its citizen had cancelled before.
      await oldBooking(b.b3.id, slot.s2, { name: '陈芳', phone: '13812340005', status: 'cancelled', ...b.b3 });
      await oldBooking(b.b4.id, slot.s2, { name: '周敏', phone: '13812340006', status: 'cancelled', ...b.b4 });
      clock.set(at.t2);
      await writeAudit(ctx, {
        actorId: org.actors.registrar.userId,
        action: 'reception.slot_cancelled',
        targetType: 'reception_slot',
        targetId: slot.s2,
        data: { reason: '领导临时赴省参加会议', capacity: 8, booked: 1, wasPublished: true, bookingIds: [b.b3.id] },
      });
      // s3, today: one visit received as a case, then the slot called off with a booking and a walk-in still waiting.
      // Written as the 0002-era registration wrote it (today's registration needs later tables).
      const received = { caseId: crypto.randomUUID(), number: `${region}-2026-000001` };
      await ctx.db.execute(sql`
        insert into cases (region, id, number, query_code_hash, channel, nature, title, content, urgency, state, rule_set_id,
          owner_unit_id, owner_leader_id, unit_paths, petitioner_count, snapshot, received_at, created_at, updated_at, created_by)
        select ${region}, ${received.caseId}, ${received.number}, 'x', 'leader_reception', 'appeal', '加装电梯资金分摊协调', '小区加装电梯资金分摊问题协调无果。',
          'normal', 'registered', 'reg2022', u.id, ${org.actors.leader.userId}, array[u.path], 1, '{}'::jsonb, ${at.t2}, ${at.t2}, ${at.t2}, ${org.actors.registrar.userId}
        from org_units u where u.id = ${org.actors.registrar.unitId}`);
      caseNumber = received.number;
      await oldBooking(b.r1.id, slot.s3, { name: '刘建国', phone: '13911112222', status: 'received', ...b.r1, batchNo: 1, caseId: received.caseId });
      await oldBooking(b.b8.id, slot.s3, { name: '吴刚', phone: '13911113333', status: 'cancelled', ...b.b8 });
      await oldBooking(walkIn.w2, slot.s3, { name: '赵大海', phone: '13822223333', status: 'cancelled', batchNo: 2 });
      clock.set(at.t3);
      await writeAudit(ctx, {
        actorId: org.actors.registrar.userId,
        action: 'reception.slot_cancelled',
        targetType: 'reception_slot',
        targetId: slot.s3,
        data: { reason: '突发防汛任务', capacity: 5, booked: 2, wasPublished: true, bookingIds: [b.b8.id, walkIn.w2] },
      });
      clock.set(START);

      await migrateDatabase(tdb.database);
    });
    afterAll(async () => {
      await tdb?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    const slotRow = async (id: string) => (await ctx.db.select().from(receptionSlots).where(eq(receptionSlots.id, id)))[0]!;
    const bookingRow = async (id: string) => (await ctx.db.select().from(receptionBookings).where(eq(receptionBookings.id, id)))[0]!;

    it('records 0003 and every later migration as applied after the three before it', async () => {
      const rows = (await ctx.db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`)) as unknown as { rows: unknown[] };
      const journal = JSON.parse(fs.readFileSync(new URL('../src/store/migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };
      expect(journal.entries.length).toBeGreaterThanOrEqual(4);
      expect(rows.rows).toHaveLength(journal.entries.length);
    });

    it('gives each slot its status, its real capacity, and the cancellation from the audit entry', async () => {
      expect(await slotRow(slot.s1)).toMatchObject({ status: 'published', capacity: 10, booked: 3, cancelReason: null, cancelledAt: null, updatedAt: at.t1 });
      expect(await slotRow(slot.s2)).toMatchObject({ status: 'cancelled', capacity: 8, booked: 0, cancelReason: '领导临时赴省参加会议', cancelledAt: at.t2, updatedAt: at.t2 });
      // the received visit still holds its place
      expect(await slotRow(slot.s3)).toMatchObject({ status: 'cancelled', capacity: 5, booked: 1, cancelReason: '突发防汛任务', cancelledAt: at.t3, updatedAt: at.t3 });
      expect(await slotRow(slot.s4)).toMatchObject({ status: 'draft', capacity: 6, booked: 0, cancelReason: null, updatedAt: at.t0 });
    });

    it('gives each booking its kind, number, who cancelled it and why, and who received it', async () => {
      expect(await bookingRow(b.b1.id)).toMatchObject({ kind: 'booked', number: 'YF23456789', formerNumber: null, status: 'booked', cancelledBy: null, cancelReason: null });
      expect(await bookingRow(b.b2.id)).toMatchObject({ kind: 'booked', number: 'YF34567890', cancelledBy: 'citizen', cancelReason: null });
      expect(await bookingRow(b.b3.id)).toMatchObject({ number: 'YF45678901', cancelledBy: 'bureau', cancelReason: '领导临时赴省参加会议' });
      expect(await bookingRow(b.b4.id)).toMatchObject({ number: 'YF56789012', cancelledBy: 'citizen', cancelReason: null });
      expect(await bookingRow(b.r1.id)).toMatchObject({ status: 'received', number: 'YF78901234', receivedBy: org.actors.registrar.userId, cancelledBy: null });
      expect(await bookingRow(b.b8.id)).toMatchObject({ cancelledBy: 'bureau', cancelReason: '突发防汛任务' });
      // The earlier of the two that drew one number keeps it; the later one is renumbered and keeps the old one beside.
      const d1 = await bookingRow(b.d1.id);
      const d2 = await bookingRow(b.d2.id);
      expect(d1).toMatchObject({ number: 'YF67890123', formerNumber: null });
      expect(d2.formerNumber).toBe('YF67890123');
      expect(d2.number).toMatch(BOOKING_NUMBER);
      expect(d2.number).not.toBe('YF67890123');
      // Walk-ins: no number, no code; without a phone, no phone at all.
      expect(await bookingRow(walkIn.w1)).toMatchObject({ kind: 'walk_in', number: null, codeHash: null, phoneEnc: null, phoneMask: null, phoneBidx: null, status: 'booked', batchNo: 1 });
      const w2 = await bookingRow(walkIn.w2);
      expect(w2).toMatchObject({ kind: 'walk_in', number: null, codeHash: null, phoneMask: '138****3333', phoneBidx: ctx.cipher.blindIndex('phone', '13822223333'), cancelledBy: 'bureau', cancelReason: '突发防汛任务' });
      expect(ctx.cipher.decrypt(w2.phoneEnc!)).toBe('13822223333');
    });

    it('shows citizens their bookings as before, by the number and code they were given', async () => {
      expect(await findPublicBooking(ctx, b.b1.number, b.b1.code)).toMatchObject({ number: b.b1.number, status: 'booked', name: '张**', phone: '138****5678', cancelledBy: null, canCancel: true });
      expect(await findPublicBooking(ctx, b.b2.number, b.b2.code)).toMatchObject({ status: 'cancelled', cancelledBy: 'citizen', cancelReason: null });
      expect(await findPublicBooking(ctx, b.b3.number, b.b3.code)).toMatchObject({ status: 'cancelled', cancelledBy: 'office', cancelReason: '领导临时赴省参加会议' });
      expect(await findPublicBooking(ctx, b.b4.number, b.b4.code)).toMatchObject({ status: 'cancelled', cancelledBy: 'citizen', cancelReason: null });
      expect(await findPublicBooking(ctx, b.r1.number, b.r1.code)).toMatchObject({ status: 'received', batchNo: 1, caseNumber });
      // Both holders of the shared number still find their own booking with it.
      expect(await findPublicBooking(ctx, b.d1.number, b.d1.code)).toMatchObject({ number: 'YF67890123', name: '王**' });
      expect(await findPublicBooking(ctx, b.d2.number, b.d2.code)).toMatchObject({ number: 'YF67890123', name: '赵**' });
      await expect(findPublicBooking(ctx, b.d1.number, b.d2.code.replace('F', 'Z'))).rejects.toMatchObject({ code: 'RECEPTION_BOOKING_NOT_FOUND' });
    });

    it('shows staff the rota and the day as before, and the public rota leaves out drafts and cancelled slots', async () => {
      const rota = await listSlots(ctx, org.actors.registrar, '2026-03');
      const byId = new Map(rota.slots.map((s) => [s.id, s]));
      expect(byId.get(slot.s1)).toMatchObject({ status: 'published', capacity: 10, booked: 3, cancelReason: null });
      expect(byId.get(slot.s2)).toMatchObject({ status: 'cancelled', capacity: 8, cancelReason: '领导临时赴省参加会议' });
      expect(byId.get(slot.s4)).toMatchObject({ status: 'draft' });
      const day = await receptionDay(ctx, org.actors.registrar, '2026-03-10');
      const groups = day.slots.find((s) => s.id === slot.s1)!.groups;
      expect(groups.find((g) => g.id === walkIn.w1)).toMatchObject({ walkIn: true, number: null, phone: '', name: '孙*', batchNo: 1 });
      expect(groups.find((g) => g.id === b.b1.id)).toMatchObject({ walkIn: false, number: b.b1.number, phone: '138****5678' });
      expect(groups.find((g) => g.id === b.d2.id)).toMatchObject({ walkIn: false, number: 'YF67890123' });
      expect(day.figures).toMatchObject({ slots: 1, booked: 3, assignedOnSpot: 1 });
      const today = await receptionDay(ctx, org.actors.registrar, '2026-03-02');
      expect(today.slots[0]).toMatchObject({ id: slot.s3, status: 'cancelled', cancelReason: '突发防汛任务' });
      expect(today.figures).toMatchObject({ slots: 0, received: 1 });
      const pub = await listPublicSlots(ctx, '2026-03');
      expect(pub.slots.map((s) => s.id)).toEqual([slot.s1]);
      expect(pub.slots[0]).toMatchObject({ capacity: 10, remaining: 7, bookable: true });
    });

    it('takes new bookings and walk-ins on the migrated rows', async () => {
      // The phone whose booking its citizen cancelled books again: the same row and number, a new code.
      const again = await bookSlot(ctx, { slotId: slot.s1, name: '李建华', phone: '13812340002', matter: '小区加装电梯资金分摊问题。', peopleCount: 1 });
      expect(again.number).toBe(b.b2.number);
      expect(await findPublicBooking(ctx, again.number, again.code)).toMatchObject({ status: 'booked' });
      const fresh = await bookSlot(ctx, { slotId: slot.s1, name: '新群众', phone: '13700000001', matter: '咨询老旧小区改造。', peopleCount: 1 });
      expect(fresh.number).toMatch(BOOKING_NUMBER);
      expect(fresh.slot.remaining).toBe(5);
      await expect(bookSlot(ctx, { slotId: slot.s1, name: '张桂芳', phone: '13812345678', matter: '再约一次同一场。', peopleCount: 1 })).rejects.toMatchObject({ code: 'RECEPTION_ALREADY_BOOKED' });
      await expect(bookSlot(ctx, { slotId: slot.s2, name: '陈芳', phone: '13812340005', matter: '已取消的场次。', peopleCount: 1 })).rejects.toMatchObject({ code: 'RECEPTION_SLOT_CLOSED' });
      // A second walk-in without a phone fits beside the migrated one.
      const w = await registerWalkIn(ctx, org.actors.registrar, slot.s1, { name: '孙强', matter: '咨询医保异地结算。', peopleCount: 1 });
      expect(w).toMatchObject({ walkIn: true, number: null, phone: '', batchNo: 2 });
    });
  });
}
