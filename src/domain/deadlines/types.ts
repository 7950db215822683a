/**
 * The shapes of the statute data (statute/rules/*.json, statute/calendars/cn-<year>.json) and their zod
 * schemas. The files are checked once at boot (src/statute/load-statute.ts) and passed into the pure
 * deadline functions, so a wrong file stops the server instead of silently mis-computing deadlines.
 */
import { z } from 'zod';
import { CLOCKS } from '../lifecycle/types.js';
import { isValidChinaDate, weekdayOf } from './china-date.js';

/** How a step's limit is counted: calendar days (民法典 Art. 201/203), working days (调休 calendar) or exact hours. */
export const STEP_UNITS = ['calendar_days', 'working_days', 'hours'] as const;
export type StepUnit = (typeof STEP_UNITS)[number];

/** 12345 urgency classes; each rule set maps them to a handling step (reg2022 maps all to `handling`). */
export const URGENCIES = ['normal', 'urgent', 'utility', 'complex'] as const;
export type Urgency = (typeof URGENCIES)[number];

const DateString = z.string().refine(isValidChinaDate, { message: 'expected a real date as YYYY-MM-DD' });
const StepName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'step names are snake_case');

export const StepRuleSchema = z.strictObject({
  label: z.string().min(1),
  article: z.string().min(1),
  unit: z.enum(STEP_UNITS),
  limit: z.number().int().positive(),
  /** Hearing (听证) time is not counted, e.g. re_review per 《信访工作条例》Art. 36. */
  pausable: z.boolean(),
  /** Art. 34: one extension, approved by the unit head; maxDays in the step's unit of days (24 h for hours). */
  extension: z.strictObject({ maxDays: z.number().int().positive(), approver: z.literal('unit_head') }).optional(),
  note: z.string().optional(),
});
export type StepRule = z.infer<typeof StepRuleSchema>;

export const RuleSetSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    name: z.string().min(1),
    version: z.string().min(1),
    effectiveFrom: DateString,
    source: z.string().min(1),
    notes: z.array(z.string()).optional(),
    reminderDaysBefore: z.number().int().nonnegative(),
    handlingStepByUrgency: z.strictObject({ normal: StepName, urgent: StepName, utility: StepName, complex: StepName }),
    steps: z.record(StepName, StepRuleSchema),
  })
  .superRefine((rs, ctx) => {
    // Every clock the lifecycle can start must have a limit, or a case would run without a deadline.
    for (const clock of CLOCKS) {
      if (!(clock in rs.steps)) ctx.addIssue({ code: 'custom', path: ['steps', clock], message: `missing step for clock ${clock}` });
    }
    for (const urgency of URGENCIES) {
      const step = rs.handlingStepByUrgency[urgency];
      if (!(step in rs.steps)) {
        ctx.addIssue({ code: 'custom', path: ['handlingStepByUrgency', urgency], message: `unknown step ${step}` });
      }
    }
  });
export type RuleSet = z.infer<typeof RuleSetSchema>;

const DayEntry = z.strictObject({ date: DateString, name: z.string().min(1) });

export const CalendarFileSchema = z
  .strictObject({
    year: z.number().int().min(1949).max(9999),
    source: z.string().min(1),
    version: z.string().min(1),
    holidays: z.array(DayEntry),
    workdays: z.array(DayEntry),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [list, entries] of [['holidays', file.holidays], ['workdays', file.workdays]] as const) {
      entries.forEach((entry, i) => {
        if (!entry.date.startsWith(`${file.year}-`)) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${entry.date} is not in ${file.year}` });
        }
        if (seen.has(entry.date)) ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${entry.date} listed twice` });
        seen.add(entry.date);
        // A 调休 workday is always a Saturday or Sunday made into a working day; anything else is a typo.
        if (list === 'workdays' && !isWeekendDate(entry.date)) {
          ctx.addIssue({ code: 'custom', path: [list, i, 'date'], message: `${entry.date} is not a weekend day` });
        }
      });
    }
  });
export type CalendarFile = z.infer<typeof CalendarFileSchema>;

/** The merged holiday calendar of all loaded years; `years` says which years are authoritative. */
export interface Calendar {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
  years: ReadonlySet<number>;
}

/** Everything the deadline functions need from the statute directory, loaded once at boot. */
export interface Statute {
  ruleSets: Map<string, RuleSet>;
  calendar: Calendar;
  defaultRuleSetId: 'reg2022';
}

function isWeekendDate(date: string): boolean {
  const dow = weekdayOf(date);
  return dow === 0 || dow === 6;
}
