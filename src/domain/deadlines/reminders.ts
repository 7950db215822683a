/**
 * When a running deadline should speak up (DOMAIN.md §4): a yellow reminder some days before the
 * due date (reminderDaysBefore, per rule set) and the red overdue notice at it. Pure: given the
 * case's clocks, returns the timers that should exist; the service stores them and the sweeper
 * fires them.
 */
import type { CaseSnapshot, ClockName } from '../lifecycle/types.js';
import { isWorkingDay } from './calendar.js';
import { addDays, atChinaTime, toChinaDate } from './china-date.js';
import type { Calendar } from './types.js';

export interface PlannedTimer {
  kind: 'remind' | 'overdue';
  /** the clock the timer is about */
  ref: ClockName;
  dueAt: Date;
  fireAt: Date;
}

const DAY_MS = 86_400_000;
/** Reminders arrive when the office opens: 09:00 China time. */
const OFFICE_OPENS_HOUR = 9;
/** How far back a reminder may move to find a working day (the longest official break is 9 days). */
const MAX_REST_RUN = 31;

/**
 * Given a snapshot whose due dates are filled in, the rule set's reminder lead time in days, the
 * clocks that bind a unit and the holiday calendar, returns the reminder and overdue timers of every
 * running, unpaused one. The reminder goes out at 09:00 on the day `reminderDaysBefore` days before
 * the due date — or, when that day is a weekend or holiday, on the last working day before it, so
 * it reaches people at work and not in the middle of 国庆. A clock shorter than twice the lead time
 * (a 2-hour urgent 12345 order, say) is reminded at its half-way point instead; and no reminder
 * comes before its clock started.
 */
export function plannedTimers(
  snapshot: CaseSnapshot,
  reminderDaysBefore: number,
  unitClocks: readonly ClockName[],
  calendar: Calendar,
): PlannedTimer[] {
  const out: PlannedTimer[] = [];
  for (const ref of unitClocks) {
    const c = snapshot.clocks[ref];
    if (!c || c.stoppedAt !== null || c.pausedSince !== null) continue;
    const due = Date.parse(c.dueAt);
    const start = Date.parse(c.startedAt);
    if (!Number.isFinite(due) || !Number.isFinite(start)) continue;
    const lead = reminderDaysBefore * DAY_MS;
    if (lead > 0) {
      const remindAt = due - start >= 2 * lead ? workingMorning(toChinaDate(new Date(due - lead)), calendar) : start + Math.floor((due - start) / 2);
      out.push({ kind: 'remind', ref, dueAt: new Date(due), fireAt: new Date(Math.max(start, remindAt)) });
    }
    out.push({ kind: 'overdue', ref, dueAt: new Date(due), fireAt: new Date(due) });
  }
  return out;
}

/** Given a China date, returns 09:00 on it, or on the last working day before it when it is a rest day. */
function workingMorning(date: string, calendar: Calendar): number {
  let d = date;
  for (let i = 0; i < MAX_REST_RUN && !isWorkingDay(d, calendar); i++) d = addDays(d, -1);
  return atChinaTime(d, OFFICE_OPENS_HOUR).getTime();
}
