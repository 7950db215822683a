import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { atChinaTime, DAY_MS, toChinaDate } from './china-date.js';
import { computeDue } from './compute-due.js';
import { resolveStep } from './resolve-step.js';
import { calendar, rules } from './shipped-statute.fixture.js';
import type { StepRule } from './types.js';

const reg = rules.reg2022;
const step = (name: string): StepRule => resolveStep(reg, name);
/** The due date (China day) of a step started at 09:00 China time on `from`. */
const dueDate = (rule: StepRule, from: string, extra: { pausedMs?: number; extensionDays?: number } = {}) => {
  const r = computeDue({ rule, start: atChinaTime(from, 9), calendar, ...extra });
  return { date: toChinaDate(r.dueAt), ...r };
};

describe('computeDue: calendar days (民法典 Arts. 201, 203)', () => {
  it('the start day is not counted: 15 days from Mon 2025-03-03 end on Tue 2025-03-18 at 24:00', () => {
    const r = dueDate(step('forward'), '2025-03-03');
    expect(r.date).toBe('2025-03-18');
    expect(r.dueAt.toISOString()).toBe('2025-03-18T15:59:59.999Z');
    expect(r.rolledFrom).toBeNull();
    expect(r.provisional).toBe(false);
  });

  it('a start late in the China evening still counts from the next China day', () => {
    const start = new Date('2025-03-03T15:30:00Z'); // 23:30 China time on 3/3
    expect(toChinaDate(computeDue({ rule: step('forward'), start, calendar }).dueAt)).toBe('2025-03-18');
  });

  it('a period ending on a Sunday rolls to Monday', () => {
    const r = dueDate(step('forward'), '2025-03-08'); // 3/8 + 15 = Sun 3/23
    expect(r.date).toBe('2025-03-24');
    expect(r.rolledFrom).toBe('2025-03-23');
  });

  it('a period ending inside 2025 National Day (10/1–10/8) rolls to 10/9', () => {
    expect(dueDate(step('handling'), '2025-08-05').date).toBe('2025-10-09'); // 8/5 + 60 = 10/4
    const r = dueDate(step('forward'), '2025-09-23'); // 9/23 + 15 = 10/8, last day of the break
    expect(r.date).toBe('2025-10-09');
    expect(r.rolledFrom).toBe('2025-10-08');
  });

  it('a period ending on the 2025-10-11 make-up Saturday does not roll', () => {
    const r = dueDate(step('forward'), '2025-09-26'); // 9/26 + 15 = Sat 10/11, a working day
    expect(r.date).toBe('2025-10-11');
    expect(r.rolledFrom).toBeNull();
  });

  it('a period ending inside 2026 Spring Festival (2/15–2/23) rolls to 2/24', () => {
    expect(dueDate(step('forward'), '2026-02-01').date).toBe('2026-02-24'); // 2/1 + 15 = 2/16
  });

  it('a period ending on the 2026-02-28 make-up Saturday does not roll; one started in the break ends 3/2', () => {
    expect(dueDate(step('forward'), '2026-02-13').date).toBe('2026-02-28');
    expect(dueDate(step('forward'), '2026-02-15').date).toBe('2026-03-02');
  });

  it('paused hearing days extend the due date, a started day counting whole', () => {
    const rule = step('re_review');
    expect(dueDate(rule, '2025-03-10').date).toBe('2025-04-09'); // 3/10 + 30
    expect(dueDate(rule, '2025-03-10', { pausedMs: 3 * DAY_MS }).date).toBe('2025-04-14'); // 4/12 Sat → Mon 4/14
    expect(dueDate(rule, '2025-03-10', { pausedMs: 1.5 * DAY_MS }).date).toBe('2025-04-11'); // 2 days
    // 3/3 + 30 + 2 = 4/4, inside 清明 (4/4–4/6): rolls to 4/7
    expect(dueDate(rule, '2025-03-03', { pausedMs: 36 * 3_600_000 }).date).toBe('2025-04-07');
  });

  it('a step that does not pause refuses paused time', () => {
    expect(() => dueDate(step('handling'), '2025-03-03', { pausedMs: DAY_MS })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ reason: 'step_not_pausable' }) }),
    );
  });

  it('an approved extension adds days (Art. 34: at most 30)', () => {
    expect(dueDate(step('handling'), '2025-01-02').date).toBe('2025-03-03'); // 1/2 + 60 = Mon 3/3
    expect(dueDate(step('handling'), '2025-01-02', { extensionDays: 30 }).date).toBe('2025-04-02');
    expect(() => dueDate(step('handling'), '2025-01-02', { extensionDays: 31 })).toThrow(
      expect.objectContaining({ code: 'DEADLINE_EXTENSION_TOO_LONG' }),
    );
    expect(() => dueDate(step('forward'), '2025-01-02', { extensionDays: 1 })).toThrow(
      expect.objectContaining({ code: 'DEADLINE_EXTENSION_TOO_LONG', details: expect.objectContaining({ maxDays: 0 }) }),
    );
  });

  it('a period reaching into a year without a loaded notice is provisional, not an error', () => {
    const r = dueDate(step('forward'), '2026-12-20'); // 12/20 + 15 = Mon 2027-01-04
    expect(r.date).toBe('2027-01-04');
    expect(r.provisional).toBe(true);
    const later = dueDate(step('handling'), '2027-03-01');
    expect(later.provisional).toBe(true);
    expect(later.date).toBe('2027-04-30'); // 3/1 + 60 = Fri 4/30, weekends only
  });
});

describe('computeDue: working days', () => {
  it('5 working days from 2025-09-26 count the 9/28 make-up Sunday and end 2025-10-10', () => {
    const r = dueDate(step('objection'), '2025-09-26');
    expect(r.date).toBe('2025-10-10');
    expect(r.dueAt.toISOString()).toBe('2025-10-10T15:59:59.999Z');
  });

  it('5 working days from 2026-02-12 skip Spring Festival and count the 2/14 make-up Saturday', () => {
    expect(dueDate(step('objection'), '2026-02-12').date).toBe('2026-02-26');
  });

  it('Zhejiang forwards within 5 working days (Art. 20)', () => {
    expect(dueDate(resolveStep(rules.zhejiang2016, 'forward'), '2025-04-30').date).toBe('2025-05-12'); // 5/1–5/5 off: 5/6 1 … 5/9 4, 5/12 5
  });

  it('working days into an unloaded year are provisional', () => {
    expect(dueDate(step('objection'), '2026-12-29').provisional).toBe(true);
    expect(dueDate(step('objection'), '2026-12-21').provisional).toBe(false);
  });
});

describe('computeDue: hours', () => {
  it('Beijing urgent: 2 hours exactly, even on a holiday', () => {
    const rule = resolveStep(rules.beijing12345, 'handling_urgent');
    const start = new Date('2025-10-01T02:00:00Z'); // 10:00 China time, 国庆
    const r = computeDue({ rule, start, calendar });
    expect(r.dueAt.toISOString()).toBe('2025-10-01T04:00:00.000Z');
    expect(r.provisional).toBe(false);
    expect(r.rolledFrom).toBeNull();
  });

  it('Beijing utilities: 24 hours, never rolled and never provisional', () => {
    const rule = resolveStep(rules.beijing12345, 'handling_utility');
    const start = new Date('2027-02-06T12:34:00Z');
    const r = computeDue({ rule, start, calendar });
    expect(r.dueAt.toISOString()).toBe('2027-02-07T12:34:00.000Z');
    expect(r.provisional).toBe(false);
  });

  it('refuses an invalid start instant', () => {
    expect(() => computeDue({ rule: step('forward'), start: new Date('nope'), calendar })).toThrow(AppError);
  });
});
