/**
 * China-date arithmetic on 'YYYY-MM-DD' strings. China has used one zone, UTC+8 without DST, since 1991,
 * so the conversion is a fixed offset: never the host TZ, which differs between servers and CI.
 */
const OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** Given any string, returns whether it is a real calendar date written as YYYY-MM-DD. */
export function isValidChinaDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

/** Given an instant, returns the date it falls on in China (Asia/Shanghai, UTC+8) as YYYY-MM-DD. */
export function toChinaDate(instant: Date): string {
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** Given a China date, returns the instant at hour:minute China time on that day. */
export function atChinaTime(date: string, hour: number, minute = 0): Date {
  return new Date(utcMidnight(date) - OFFSET_MS + hour * 3_600_000 + minute * 60_000);
}

/** Given a China date, returns its last instant, 23:59:59.999 +08:00 (a period in days ends at 24:00, 民法典 Art. 203). */
export function endOfChinaDay(date: string): Date {
  return new Date(utcMidnight(date) - OFFSET_MS + DAY_MS - 1);
}

/** Given an instant, returns it as 'YYYY-MM-DD HH:mm' China time. */
export function formatChinaDateTime(instant: Date): string {
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Given an instant, returns it as officials write it in notices, China time: '2026年11月24日 16:00'. */
export function formatChinaDateTimeZh(instant: Date): string {
  const [date, time] = formatChinaDateTime(instant).split(' ');
  const [y, m, d] = date!.split('-').map(Number);
  return `${y}年${m}月${d}日 ${time}`;
}

/** Given a China date and a number of days (may be negative), returns the date that many days later. */
export function addDays(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Given a China date, returns its weekday, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(utcMidnight(date)).getUTCDay();
}

/** Given a China date, returns its year. */
export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

function utcMidnight(date: string): number {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`not a date: ${date}`);
  return t;
}
