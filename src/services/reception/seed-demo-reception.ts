/**
 * The demo district's leader reception: a published rota for this month (from today on) and the
 * next — the district leader every Wednesday morning at the joint reception centre, the first
 * street's leader every Tuesday afternoon at his street — with a few citizens' bookings. Written
 * through the real services, as the registrar of the petition bureau.
 */
import { eq, sql } from 'drizzle-orm';
import { addDays, toChinaDate, weekdayOf } from '../../domain/deadlines/index.js';
import { addMonths, bookingClosesAt, monthRange } from '../../domain/reception/rota.js';
import { orgUnits, users } from '../../store/schema.js';
import type { AppContext, StaffActor } from '../context.js';
import { bookSlot } from './bookings.js';
import { cutoffOf } from './common.js';
import { createSlot, publishSlots } from './rota.js';

const CITIZENS = [
  { name: '陈秀英', phone: '13905710101', peopleCount: 1, matter: '小区加装电梯的资金分摊协调半年没有结果，希望当面向领导反映。' },
  { name: '王建国', phone: '13905710202', peopleCount: 3, matter: '老旧小区改造后雨水管接错，一楼住户每逢下雨就倒灌，物业和施工方互相推诿。' },
  { name: '李桂芳', phone: '13905710303', peopleCount: 1, matter: '孩子入学因户籍和居住证时间差没能进对口学校，想咨询能否协调。' },
  { name: '赵志强', phone: '13905710404', peopleCount: 6, matter: '六户村民反映征地补偿款分配方案不公开，要求公布分配明细。' },
];

/** Given the registrar of the demo district, writes and publishes two months of rota with a few bookings; returns the number of slots. */
export async function seedDemoReception(ctx: AppContext, registrar: StaffActor): Promise<number> {
  const leaders = await ctx.db
    .select({ id: users.id, username: users.username, unitName: orgUnits.name })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(sql`'leader' = any(${users.roles}) and ${users.active}`);
  const district = leaders.find((l) => l.username === 'leader');
  const street = leaders.find((l) => l.username.startsWith('leader.street'));
  const today = toChinaDate(ctx.now());
  const month = today.slice(0, 7);
  const last = monthRange(addMonths(month, 1))!.last;
  const slotIds: string[] = [];
  for (let d = today; d <= last; d = addDays(d, 1)) {
    const weekday = weekdayOf(d);
    if (district && weekday === 3) {
      const s = await createSlot(ctx, registrar, {
        leaderId: district.id,
        post: '区委副书记',
        remit: '政法、信访、社会治理',
        date: d,
        startTime: '09:00',
        endTime: '11:30',
        place: '区联合来访接待中心',
        room: '第一接待室',
        capacity: 10,
      });
      slotIds.push(s.id);
    }
    if (street && weekday === 2) {
      const s = await createSlot(ctx, registrar, {
        leaderId: street.id,
        post: '街道党工委书记',
        remit: `${street.unitName}全面工作`,
        date: d,
        startTime: '14:30',
        endTime: '17:00',
        place: `${street.unitName}社会治理中心`,
        room: '接待室',
        capacity: 6,
      });
      slotIds.push(s.id);
    }
  }
  await publishSlots(ctx, registrar, { month });
  await publishSlots(ctx, registrar, { month: addMonths(month, 1) });

  // A few bookings on the first slots still open for booking.
  const { slotRows } = await openSlots(ctx, slotIds);
  for (let i = 0; i < CITIZENS.length && slotRows.length; i++) {
    const c = CITIZENS[i]!;
    const slot = slotRows[i % Math.min(2, slotRows.length)]!;
    await bookSlot(ctx, { slotId: slot.id, name: c.name, phone: c.phone, matter: c.matter, peopleCount: c.peopleCount });
  }
  return slotIds.length;
}

async function openSlots(ctx: AppContext, ids: string[]) {
  const now = ctx.now();
  const cutoff = cutoffOf(ctx);
  if (ids.length === 0) return { slotRows: [] };
  const rows = (await ctx.db.execute(sql`
    select id, date, start_time as "startTime", end_time as "endTime" from reception_slots
    where region = ${ctx.config.REGION} and id in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})
    order by date, start_time`)) as unknown as { rows: Array<{ id: string; date: string; startTime: string; endTime: string }> };
  return { slotRows: rows.rows.filter((s) => now < bookingClosesAt(s, cutoff)) };
}
