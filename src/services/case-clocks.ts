/**
 * Filling in due dates: the domain starts, stops and pauses clocks; this computes when each running
 * clock falls due under the case's rule set and the holiday calendar (statute as data).
 */
import type { CaseSnapshot, ClockName } from '../domain/lifecycle/types.js';
import type { Urgency } from '../domain/case-fields.js';
import { computeDue, handlingStepFor, pausableClocks, resolveStep, type RuleSet } from '../domain/deadlines/index.js';
import { AppError } from '../domain/errors.js';
import type { AppContext } from './context.js';

/** Clocks that bind a unit (a case past one is overdue); the others are the petitioner's windows. */
export const UNIT_CLOCKS: readonly ClockName[] = ['forward', 'handling', 'review', 're_review'];

/** Given the rule set in force, returns it or throws DEADLINE_UNKNOWN_RULES. */
export function ruleSetOf(ctx: Pick<AppContext, 'statute'>, ruleSetId: string) {
  const rs = ctx.statute.ruleSets.get(ruleSetId);
  if (!rs) throw new AppError('DEADLINE_UNKNOWN_RULES', { ruleSetId });
  return rs;
}

/** Given a rule set, returns the clocks a hearing pauses there (e.g. reg2022: re_review, Art. 36). */
export function pausableClocksOf(ctx: Pick<AppContext, 'statute'>, ruleSetId: string): ReadonlySet<ClockName> {
  return pausableClocks(ruleSetOf(ctx, ruleSetId));
}

function stepFor(rs: RuleSet, clock: ClockName, urgency: Urgency): string {
  return clock === 'handling' ? handlingStepFor(rs, urgency) : clock;
}

/**
 * Given a snapshot after a command, returns it with every running clock's due date computed and the
 * earliest unit deadline (what queues sort on and what makes a case overdue).
 */
export function recomputeClocks(
  ctx: Pick<AppContext, 'statute'>,
  ruleSetId: string,
  urgency: Urgency,
  snapshot: CaseSnapshot,
  now: Date,
): { snapshot: CaseSnapshot; nextDue: { at: Date; clock: ClockName } | null } {
  const rs = ruleSetOf(ctx, ruleSetId);
  const clocks: CaseSnapshot['clocks'] = {};
  let nextDue: { at: Date; clock: ClockName } | null = null;
  for (const [name, clock] of Object.entries(snapshot.clocks) as [ClockName, NonNullable<CaseSnapshot['clocks'][ClockName]>][]) {
    if (clock.stoppedAt) {
      clocks[name] = clock;
      continue;
    }
    const runningPause = clock.pausedSince ? Math.max(0, now.getTime() - Date.parse(clock.pausedSince)) : 0;
    const { dueAt } = computeDue({
      rule: resolveStep(rs, stepFor(rs, name, urgency)),
      start: new Date(clock.startedAt),
      calendar: ctx.statute.calendar,
      pausedMs: clock.pausedMs + runningPause,
      extensionDays: clock.extensionDays,
    });
    clocks[name] = { ...clock, dueAt: dueAt.toISOString() };
    if (UNIT_CLOCKS.includes(name) && !clock.pausedSince && (!nextDue || dueAt < nextDue.at)) nextDue = { at: dueAt, clock: name };
  }
  return { snapshot: { ...snapshot, clocks }, nextDue };
}
