/**
 * Working-day arithmetic over the official holiday calendar (国务院办公厅 yearly notice): a working day is a
 * Monday–Friday that is not a listed holiday, or a listed 调休 Saturday/Sunday. Years without a loaded notice
 * fall back to "weekends only"; callers learn about that through the optional `onDay` observer.
 */
import { AppError } from '../errors.js';
import { addDays, weekdayOf, yearOf } from './china-date.js';
import type { Calendar, CalendarFile } from './types.js';

/** Called with every date whose working status was looked at (computeDue uses it to flag provisional results). */
export type DayObserver = (date: string) => void;

/** Given validated calendar files, returns one Calendar; two files for the same year are refused. */
export function buildCalendar(files: readonly CalendarFile[]): Calendar {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  const years = new Set<number>();
  for (const file of files) {
    if (years.has(file.year)) throw new AppError('VALIDATION_FAILED', { reason: 'duplicate_calendar_year', year: file.year });
    years.add(file.year);
    for (const h of file.holidays) holidays.add(h.date);
    for (const w of file.workdays) workdays.add(w.date);
  }
  return { holidays, workdays, years };
}

/** Given a China date and a calendar, returns whether the calendar covers that date's year. */
export function isCovered(date: string, cal: Calendar): boolean {
  return cal.years.has(yearOf(date));
}

/** Given a China date and a calendar, returns whether it is a working day (weekday and no holiday, or a 调休 workday). */
export function isWorkingDay(date: string, cal: Calendar, onDay?: DayObserver): boolean {
  onDay?.(date);
  if (cal.workdays.has(date)) return true;
  if (cal.holidays.has(date)) return false;
  const dow = weekdayOf(date);
  return dow !== 0 && dow !== 6;
}

// The longest official break is 9 days (2026 春节) plus weekends; a month without a working day means bad data.
const MAX_REST_RUN = 31;

/** Given a China date and a calendar, returns the first working day strictly after it. */
export function nextWorkingDay(date: string, cal: Calendar, onDay?: DayObserver): string {
  let d = date;
  for (let i = 0; i < MAX_REST_RUN; i++) {
    d = addDays(d, 1);
    if (isWorkingDay(d, cal, onDay)) return d;
  }
  throw new AppError('VALIDATION_FAILED', { reason: 'no_working_day_within_a_month', after: date });
}

/** Given a China date, n ≥ 0 and a calendar, returns the n-th working day after it (the date itself never counts). */
export function addWorkingDays(date: string, n: number, cal: Calendar, onDay?: DayObserver): string {
  if (!Number.isInteger(n) || n < 0) throw new AppError('VALIDATION_FAILED', { field: 'n', reason: 'non_negative_integer', value: n });
  let d = date;
  for (let i = 0; i < n; i++) d = nextWorkingDay(d, cal, onDay);
  return d;
}
