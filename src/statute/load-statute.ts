/**
 * The I/O edge of the deadline domain: reads statute/rules/*.json and statute/calendars/cn-<year>.json once at
 * boot, validates them with zod and hands the pure functions a Statute. Sync fs on purpose: it runs once,
 * before anything listens, and a broken file should stop the boot with the file name and the zod issues.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../domain/errors.js';
import { buildCalendar } from '../domain/deadlines/calendar.js';
import { CalendarFileSchema, RuleSetSchema, type CalendarFile, type RuleSet, type Statute } from '../domain/deadlines/types.js';
import type { z } from 'zod';

/** The repository's statute directory (src/statute/ → ../../statute), independent of the working directory. */
export const DEFAULT_STATUTE_DIR = fileURLToPath(new URL('../../statute/', import.meta.url));

export const DEFAULT_RULE_SET_ID = 'reg2022' as const;

/** Given a statute directory (default: <repo>/statute), returns its validated rule sets and merged calendar. */
export function loadStatute(dir: string = DEFAULT_STATUTE_DIR): Statute {
  const ruleSets = new Map<string, RuleSet>();
  for (const file of jsonFiles(join(dir, 'rules'))) {
    const ruleSet = parseFile(file, RuleSetSchema);
    // The file name is the id deployments configure; a mismatch would make the config point at the wrong set.
    if (basename(file, '.json') !== ruleSet.id) {
      throw new AppError('VALIDATION_FAILED', { file, reason: 'rule_set_id_differs_from_file_name', id: ruleSet.id });
    }
    ruleSets.set(ruleSet.id, ruleSet);
  }
  if (!ruleSets.has(DEFAULT_RULE_SET_ID)) {
    throw new AppError('VALIDATION_FAILED', { dir, reason: 'default_rule_set_missing', id: DEFAULT_RULE_SET_ID });
  }

  const calendarFiles: CalendarFile[] = [];
  for (const file of jsonFiles(join(dir, 'calendars'))) {
    const calendar = parseFile(file, CalendarFileSchema);
    if (basename(file) !== `cn-${calendar.year}.json`) {
      throw new AppError('VALIDATION_FAILED', { file, reason: 'calendar_year_differs_from_file_name', year: calendar.year });
    }
    calendarFiles.push(calendar);
  }
  return { ruleSets, calendar: buildCalendar(calendarFiles), defaultRuleSetId: DEFAULT_RULE_SET_ID };
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', { file, reason: 'unreadable_json', error: String(err) });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', { file, issues }, `${file}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
