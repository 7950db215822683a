import { describe, expect, it } from 'vitest';
import { CLOCKS } from '../lifecycle/types.js';
import { weekdayOf } from './china-date.js';
import { RAW_CALENDARS, RAW_RULE_SETS, calendar } from './shipped-statute.fixture.js';
import { CalendarFileSchema, RuleSetSchema } from './types.js';

describe('the shipped statute files', () => {
  it.each(Object.entries(RAW_RULE_SETS))('rule set %s parses and covers every lifecycle clock', (id, raw) => {
    const ruleSet = RuleSetSchema.parse(raw);
    expect(ruleSet.id).toBe(id);
    expect(ruleSet.reminderDaysBefore).toBe(3);
    for (const clock of CLOCKS) expect(Object.keys(ruleSet.steps)).toContain(clock);
  });

  it.each(Object.entries(RAW_CALENDARS))('calendar %s parses', (year, raw) => {
    expect(CalendarFileSchema.parse(raw).year).toBe(Number(year));
  });

  it('reg2022 carries the 2022 Regulation limits', () => {
    const { steps } = RuleSetSchema.parse(RAW_RULE_SETS.reg2022);
    expect(steps.forward).toMatchObject({ unit: 'calendar_days', limit: 15 });
    expect(steps.notify).toMatchObject({ unit: 'calendar_days', limit: 15 });
    expect(steps.objection).toMatchObject({ unit: 'working_days', limit: 5 });
    expect(steps.handling).toMatchObject({ limit: 60, extension: { maxDays: 30, approver: 'unit_head' } });
    expect(steps.re_review).toMatchObject({ limit: 30, pausable: true });
  });

  it('every 调休 workday is a Saturday or Sunday and the holiday counts match the notices', () => {
    for (const date of calendar.workdays) expect([0, 6]).toContain(weekdayOf(date));
    const count = (year: number) => [...calendar.holidays].filter((d) => d.startsWith(`${year}-`)).length;
    // 2024: 1+8+3+5+3(端午 with its weekend)+3+7; 2025: 1+8+3+5+3+8; 2026: 3+9+3+5+3+3+7
    expect([count(2024), count(2025), count(2026)]).toEqual([30, 28, 33]);
    expect(calendar.workdays.size).toBe(8 + 5 + 6);
  });

  it('rejects a calendar whose make-up workday is a weekday, or a date outside its year', () => {
    const base = { year: 2025, source: 's', version: 'v', holidays: [] };
    expect(CalendarFileSchema.safeParse({ ...base, workdays: [{ date: '2025-10-10', name: 'x' }] }).success).toBe(false);
    expect(CalendarFileSchema.safeParse({ ...base, workdays: [{ date: '2024-10-12', name: 'x' }] }).success).toBe(false);
  });

  it('rejects a rule set missing a clock or mapping urgency to an unknown step', () => {
    const raw = structuredClone(RAW_RULE_SETS.reg2022) as { steps: Record<string, unknown>; handlingStepByUrgency: Record<string, string> };
    delete raw.steps.re_review;
    expect(RuleSetSchema.safeParse(raw).success).toBe(false);
    const raw2 = structuredClone(RAW_RULE_SETS.reg2022) as { handlingStepByUrgency: Record<string, string> };
    raw2.handlingStepByUrgency.urgent = 'handling_urgent';
    expect(RuleSetSchema.safeParse(raw2).success).toBe(false);
  });
});
