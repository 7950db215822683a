import { describe, expect, it } from 'vitest';
import { addDays, atChinaTime, endOfChinaDay, formatChinaDateTime, isValidChinaDate, toChinaDate, weekdayOf } from './china-date.js';

describe('China dates (UTC+8, no DST, host TZ ignored)', () => {
  it('an instant at 16:00 UTC is already the next day in China', () => {
    expect(toChinaDate(new Date('2025-09-30T15:59:59.999Z'))).toBe('2025-09-30');
    expect(toChinaDate(new Date('2025-09-30T16:00:00.000Z'))).toBe('2025-10-01');
  });

  it('the end of a China day is 23:59:59.999 +08:00', () => {
    expect(endOfChinaDay('2025-10-09').toISOString()).toBe('2025-10-09T15:59:59.999Z');
    expect(toChinaDate(endOfChinaDay('2025-10-09'))).toBe('2025-10-09');
  });

  it('09:00 China time is 01:00 UTC and formats back as China time', () => {
    const t = atChinaTime('2026-02-15', 9);
    expect(t.toISOString()).toBe('2026-02-15T01:00:00.000Z');
    expect(formatChinaDateTime(t)).toBe('2026-02-15 09:00');
  });

  it('adds days across month and year ends, leap day included', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });

  it('knows the weekday', () => {
    expect(weekdayOf('2025-10-11')).toBe(6);
    expect(weekdayOf('2025-09-28')).toBe(0);
    expect(weekdayOf('2026-03-02')).toBe(1);
  });

  it('accepts only real dates written as YYYY-MM-DD', () => {
    expect(isValidChinaDate('2026-02-28')).toBe(true);
    expect(isValidChinaDate('2026-02-29')).toBe(false);
    expect(isValidChinaDate('2026-2-28')).toBe(false);
    expect(isValidChinaDate('2026-13-01')).toBe(false);
    expect(isValidChinaDate('not a date')).toBe(false);
  });
});
