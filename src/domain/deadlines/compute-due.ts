/**
 * Due dates for one step of a rule set. Counting follows 民法典:
 * - Art. 201: a period in days starts the day after the triggering event, so the start day is not counted;
 * - Art. 203: if the last day is a statutory holiday or rest day, the period ends on the next working day,
 *   and it ends at 24:00 of its last day. A 调休 Saturday is a working day, so a period ending on it does not roll.
 */
import { AppError } from '../errors.js';
import { addWorkingDays, isCovered, isWorkingDay, nextWorkingDay, type DayObserver } from './calendar.js';
import { addDays, DAY_MS, endOfChinaDay, toChinaDate } from './china-date.js';
import type { Calendar, StepRule } from './types.js';

export interface ComputeDueInput {
  rule: StepRule;
  /** When the clock started (receipt, acceptance, reply…); only its China date matters for day units. */
  start: Date;
  calendar: Calendar;
  /** Time the clock stood still for hearings (pausable steps only). */
  pausedMs?: number;
  /** Approved extension, in the step's unit of days (24 h each for hour steps). */
  extensionDays?: number;
}

export interface DueResult {
  dueAt: Date;
  /** True when a date looked at lies in a year without a loaded holiday notice (only weekends were rest days). */
  provisional: boolean;
  /** The nominal last day when Art. 203 moved it to the next working day; null otherwise (and for hour steps). */
  rolledFrom: string | null;
}

/** Given a step rule, a start instant, the calendar, paused time and extension days, returns the due instant. */
export function computeDue(input: ComputeDueInput): DueResult {
  const { rule, start, calendar } = input;
  const pausedMs = input.pausedMs ?? 0;
  const extensionDays = input.extensionDays ?? 0;
  validate(input, pausedMs, extensionDays);

  if (rule.unit === 'hours') {
    // Hour limits (12345 urgent 2 h, utilities 24 h) run around the clock: no day counting, no rolling.
    const ms = (rule.limit + extensionDays * 24) * 3_600_000 + pausedMs;
    return { dueAt: new Date(start.getTime() + ms), provisional: false, rolledFrom: null };
  }

  let provisional = false;
  const observe: DayObserver = (date) => {
    if (!isCovered(date, calendar)) provisional = true;
  };
  // The clock stops for the whole hearing (Art. 36): a started day of hearing costs the period a whole day.
  const pausedDays = Math.ceil(pausedMs / DAY_MS);
  const startDate = addDays(toChinaDate(start), pausedDays);

  if (rule.unit === 'working_days') {
    // Counting working days lands on a working day by construction, so there is nothing to roll.
    const last = addWorkingDays(startDate, rule.limit + extensionDays, calendar, observe);
    return { dueAt: endOfChinaDay(last), provisional, rolledFrom: null };
  }

  const nominal = addDays(startDate, rule.limit + extensionDays);
  const last = isWorkingDay(nominal, calendar, observe) ? nominal : nextWorkingDay(nominal, calendar, observe);
  return { dueAt: endOfChinaDay(last), provisional, rolledFrom: last === nominal ? null : nominal };
}

function validate(input: ComputeDueInput, pausedMs: number, extensionDays: number): void {
  if (!(input.start instanceof Date) || Number.isNaN(input.start.getTime())) {
    throw new AppError('VALIDATION_FAILED', { field: 'start', reason: 'invalid_date' });
  }
  if (!Number.isFinite(pausedMs) || pausedMs < 0) {
    throw new AppError('VALIDATION_FAILED', { field: 'pausedMs', reason: 'non_negative_number', value: pausedMs });
  }
  if (pausedMs > 0 && !input.rule.pausable) {
    // Only steps whose article excludes hearing time may pause (reg2022: re_review, Art. 36).
    throw new AppError('VALIDATION_FAILED', { field: 'pausedMs', reason: 'step_not_pausable' });
  }
  if (!Number.isInteger(extensionDays) || extensionDays < 0) {
    throw new AppError('VALIDATION_FAILED', { field: 'extensionDays', reason: 'non_negative_integer', value: extensionDays });
  }
  const maxDays = input.rule.extension?.maxDays ?? 0;
  if (extensionDays > maxDays) {
    // Art. 34: the extension may not exceed the statutory maximum (30 days under reg2022).
    throw new AppError('DEADLINE_EXTENSION_TOO_LONG', { maxDays, requested: extensionDays });
  }
}
