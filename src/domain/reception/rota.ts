/**
 * Leader reception (领导接访, DOMAIN.md §7), the pure part: what a valid rota slot is, when two slots
 * of one leader collide, when booking a slot closes, and how a booking number is spelled. No I/O,
 * no clock: "today" and "now" are passed in.
 */
import { addDays, atChinaTime, isValidChinaDate } from '../deadlines/china-date.js';

/** A slot's status: a draft, published for citizens to book, or cancelled by the bureau. */
export type SlotStatus = 'draft' | 'published' | 'cancelled';

/** A booking's status as stored; a walk-in (现场来访) waits as `booked` too. */
export const BOOKING_STATUSES = ['booked', 'cancelled', 'received', 'no_show'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 500;

export interface SlotTimes {
  date: string; // 'YYYY-MM-DD', China date
  startTime: string; // 'HH:MM'
  endTime: string; // 'HH:MM'
}

export interface SlotFieldError {
  path: string;
  message: string;
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Given a string, returns whether it is a 24-hour 'HH:MM' time. */
export const isTime = (s: string) => TIME.test(s);

/** Given 'HH:MM', returns minutes since midnight. */
export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Given a slot's date, times and capacity and today's China date, returns the field errors (empty
 * when the slot is valid): a real date not before today, times as HH:MM with the end after the start,
 * and a capacity of 1–500 batches.
 */
export function slotFieldErrors(s: SlotTimes & { capacity: number }, today: string): SlotFieldError[] {
  const errors: SlotFieldError[] = [];
  if (!isValidChinaDate(s.date)) errors.push({ path: 'date', message: '日期格式应为 YYYY-MM-DD' });
  else if (s.date < today) errors.push({ path: 'date', message: '接访日期不能早于今天' });
  const startOk = isTime(s.startTime);
  const endOk = isTime(s.endTime);
  if (!startOk) errors.push({ path: 'startTime', message: '开始时间格式应为 HH:MM' });
  if (!endOk) errors.push({ path: 'endTime', message: '结束时间格式应为 HH:MM' });
  if (startOk && endOk && minutesOf(s.endTime) <= minutesOf(s.startTime)) errors.push({ path: 'endTime', message: '结束时间须晚于开始时间' });
  if (!Number.isInteger(s.capacity) || s.capacity < MIN_CAPACITY || s.capacity > MAX_CAPACITY) {
    errors.push({ path: 'capacity', message: `可约批次须为 ${MIN_CAPACITY} 至 ${MAX_CAPACITY} 的整数` });
  }
  return errors;
}

/** Given two slots, returns whether they share a date and their [start, end) times overlap. */
export function slotsOverlap(a: SlotTimes, b: SlotTimes): boolean {
  if (a.date !== b.date) return false;
  return minutesOf(a.startTime) < minutesOf(b.endTime) && minutesOf(b.startTime) < minutesOf(a.endTime);
}

/**
 * When online booking (约访) closes: `days` days before the reception date, at `time` China time
 * (days 1, '17:00' = 5 pm the day before; days 0, '00:00' = when the day begins). Never later than the
 * slot's own start.
 */
export interface BookingCutoff {
  days: number;
  time: string; // 'HH:MM'
}

/** Given a slot and the cutoff rule, returns the instant booking closes. */
export function bookingClosesAt(slot: SlotTimes, cutoff: BookingCutoff): Date {
  const day = addDays(slot.date, -cutoff.days);
  const closes = atChinaTime(day, Number(cutoff.time.slice(0, 2)), Number(cutoff.time.slice(3, 5)));
  const starts = slotStartsAt(slot);
  return closes < starts ? closes : starts;
}

/** Given a slot, returns the instant it starts. */
export const slotStartsAt = (slot: SlotTimes): Date => atChinaTime(slot.date, Number(slot.startTime.slice(0, 2)), Number(slot.startTime.slice(3, 5)));

// ─── Booking numbers ───
//
// A booking number is `YF` and eight digits, read out over the phone like a case number. It is
// drawn at random and kept unique per region by an index (services/reception/bookings.ts draws
// again on a clash): no counter row that every booking of the region would queue on, and a number
// says nothing about how many bookings there are.

export const BOOKING_NUMBER = /^YF\d{8}$/;
const NUMBER_MIN = 10_000_000;
const NUMBER_MAX = 99_999_999;

/** Given a random integer source (min inclusive, max exclusive, like crypto.randomInt), returns a booking number. */
export function newBookingNumber(randomInt: (min: number, max: number) => number): string {
  return `YF${randomInt(NUMBER_MIN, NUMBER_MAX + 1)}`;
}

/** Given what a citizen typed, returns the booking number in its stored form, or null when it is not one. */
export function normalizeBookingNumber(number: string): string | null {
  const n = number.trim().toUpperCase();
  return BOOKING_NUMBER.test(n) ? n : null;
}

/** Given a China month 'YYYY-MM', returns its first and last dates, or null when it is not a month. */
export function monthRange(month: string): { first: string; last: string } | null {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) return null;
  const first = `${month}-01`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { first, last: addDays(next, -1) };
}

/** Given a month 'YYYY-MM' and a step, returns the month that many months later. */
export function addMonths(month: string, step: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + step;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/**
 * The figures of a reception day (the reports count leaders, rooms, batches, people and the batches
 * assigned on the spot): computed from the day's slots and their bookings and walk-ins.
 */
export interface DayFigures {
  slots: number;
  leaders: number;
  rooms: number;
  /** groups booked online and still expected or received */
  booked: number;
  /** distinct batch numbers given out (a batch may hold several groups received together) */
  batches: number;
  /** people in the groups given a batch */
  people: number;
  received: number;
  receivedPeople: number;
  noShows: number;
  /** walk-ins (no booking) given a batch on the spot */
  assignedOnSpot: number;
}

export interface FigureSlot {
  leaderId: string;
  room: string | null;
  cancelled: boolean;
}

export interface FigureGroup {
  walkIn: boolean;
  status: BookingStatus;
  batchNo: number | null;
  room: string | null;
  peopleCount: number;
}

/** Given the day's slots and groups, returns its figures. */
export function dayFigures(slots: readonly FigureSlot[], groups: readonly FigureGroup[]): DayFigures {
  const live = slots.filter((s) => !s.cancelled);
  const active = groups.filter((g) => g.status !== 'cancelled');
  const batched = active.filter((g) => g.batchNo !== null && g.status !== 'no_show');
  const rooms = new Set<string>();
  for (const s of live) if (s.room) rooms.add(s.room);
  for (const g of batched) if (g.room) rooms.add(g.room);
  const received = active.filter((g) => g.status === 'received');
  return {
    slots: live.length,
    leaders: new Set(live.map((s) => s.leaderId)).size,
    rooms: rooms.size,
    booked: active.filter((g) => !g.walkIn).length,
    batches: new Set(batched.map((g) => g.batchNo)).size,
    people: batched.reduce((n, g) => n + g.peopleCount, 0),
    received: received.length,
    receivedPeople: received.reduce((n, g) => n + g.peopleCount, 0),
    noShows: active.filter((g) => g.status === 'no_show').length,
    assignedOnSpot: batched.filter((g) => g.walkIn).length,
  };
}

const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Given Chinese numerals below a thousand (二十二, 一百零五), returns their value. */
function chineseNumber(s: string): number {
  let total = 0;
  let digit = 0;
  for (const c of s) {
    if (c === '百') {
      total += (digit || 1) * 100;
      digit = 0;
    } else if (c === '十') {
      total += (digit || 1) * 10;
      digit = 0;
    } else digit = DIGIT[c] ?? 0;
  }
  return total + digit;
}

/** Given two room names, compares them as people read them: 第二接待室 before 第十接待室, 2号 before 10号. */
export function compareRooms(a: string, b: string): number {
  const key = (s: string) => s.replace(/[零〇一二两三四五六七八九十百]+/g, (m) => String(chineseNumber(m)));
  return key(a).localeCompare(key(b), 'zh-CN', { numeric: true });
}
