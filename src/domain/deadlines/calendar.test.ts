import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { addWorkingDays, buildCalendar, isWorkingDay, nextWorkingDay } from './calendar.js';
import { calendar, calendarFiles } from './shipped-statute.fixture.js';

describe('working days follow the State Council notice', () => {
  it('a weekday holiday is not a working day; an ordinary weekday is', () => {
    expect(isWorkingDay('2025-10-08', calendar)).toBe(false); // Wednesday, 国庆节
    expect(isWorkingDay('2025-10-09', calendar)).toBe(true);
  });

  it('a 调休 Saturday or Sunday is a working day; an ordinary weekend is not', () => {
    expect(isWorkingDay('2025-09-28', calendar)).toBe(true); // Sunday make-up
    expect(isWorkingDay('2025-10-11', calendar)).toBe(true); // Saturday make-up
    expect(isWorkingDay('2025-10-12', calendar)).toBe(false);
    expect(isWorkingDay('2026-02-14', calendar)).toBe(true);
    expect(isWorkingDay('2026-02-28', calendar)).toBe(true);
  });

  it('the next working day after the 2025 National Day break is 10/9', () => {
    expect(nextWorkingDay('2025-09-30', calendar)).toBe('2025-10-09');
  });

  it('5 working days from 2025-09-26 count the 9/28 make-up Sunday and end 2025-10-10', () => {
    // 9/28 (Sun, make-up) 1, 9/29 2, 9/30 3, [10/1–10/8 off], 10/9 4, 10/10 5
    expect(addWorkingDays('2025-09-26', 5, calendar)).toBe('2025-10-10');
    // …and the sixth is the 10/11 make-up Saturday
    expect(addWorkingDays('2025-09-26', 6, calendar)).toBe('2025-10-11');
  });

  it('working days across 2026 Spring Festival count the 2/14 and 2/28 make-up Saturdays', () => {
    // 2/13 1, 2/14 (Sat, make-up) 2, [2/15–2/23 off], 2/24 3, 2/25 4, 2/26 5
    expect(addWorkingDays('2026-02-12', 5, calendar)).toBe('2026-02-26');
    // 2/27 6, 2/28 (Sat, make-up) 7, 3/2 8
    expect(addWorkingDays('2026-02-12', 7, calendar)).toBe('2026-02-28');
    expect(addWorkingDays('2026-02-12', 8, calendar)).toBe('2026-03-02');
  });

  it('zero working days is the date itself; negative counts are refused', () => {
    expect(addWorkingDays('2025-10-01', 0, calendar)).toBe('2025-10-01');
    expect(() => addWorkingDays('2025-10-01', -1, calendar)).toThrow(AppError);
  });

  it('a year without a notice falls back to weekends only', () => {
    expect(isWorkingDay('2027-01-01', calendar)).toBe(true); // 元旦 2027 not loaded: a plain Friday
    expect(isWorkingDay('2027-01-02', calendar)).toBe(false);
  });

  it('refuses two calendars for the same year', () => {
    const [first] = calendarFiles;
    expect(first).toBeDefined();
    expect(() => buildCalendar([first!, first!])).toThrow(AppError);
  });
});
