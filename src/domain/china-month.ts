/**
 * Calendar months in China time ('YYYY-MM'), the period of the monthly ledger, the spot-check rounds
 * and the assessment. China is UTC+8 without DST (see deadlines/china-date.ts), so a month is a
 * fixed pair of instants: [1st 00:00 +08:00, next 1st 00:00 +08:00).
 */
import { atChinaTime, toChinaDate } from './deadlines/china-date.js';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Given any string, returns whether it is a month written as YYYY-MM. */
export function isValidMonth(value: string): boolean {
  return MONTH.test(value);
}

/** Given an instant, returns the China month it falls in, 'YYYY-MM'. */
export function chinaMonthOf(instant: Date): string {
  return toChinaDate(instant).slice(0, 7);
}

/** Given a month, returns the month after it. */
export function nextMonth(month: string): string {
  const [y, m] = parseMonth(month);
  const year = (n: number) => String(n).padStart(4, '0');
  return m === 12 ? `${year(y + 1)}-01` : `${year(y)}-${String(m + 1).padStart(2, '0')}`;
}

/** Given a month, returns its first instant and the first instant of the next month (half-open). */
export function chinaMonthBounds(month: string): { start: Date; end: Date } {
  parseMonth(month);
  return { start: atChinaTime(`${month}-01`, 0), end: atChinaTime(`${nextMonth(month)}-01`, 0) };
}

/** Given a month, returns its first and last China dates ('2026-02-01', '2026-02-28'). */
export function chinaMonthDates(month: string): { first: string; last: string } {
  const { end } = chinaMonthBounds(month);
  return { first: `${month}-01`, last: toChinaDate(new Date(end.getTime() - 1)) };
}

/** Given a month, returns it the way a Chinese document writes it: 2026年3月. */
export function monthLabelZh(month: string): string {
  const [y, m] = parseMonth(month);
  return `${y}年${m}月`;
}

function parseMonth(month: string): [number, number] {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  return [Number(m[1]), Number(m[2])];
}
