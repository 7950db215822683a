/** Look-ups into the loaded statute that fail with stable error codes instead of `undefined`. */
import type { ClockName } from '../lifecycle/types.js';
import { CLOCKS } from '../lifecycle/types.js';
import { AppError } from '../errors.js';
import type { RuleSet, StepRule, Urgency } from './types.js';

/** Given the loaded rule sets and an id, returns that rule set or throws DEADLINE_UNKNOWN_RULES. */
export function resolveRuleSet(ruleSets: ReadonlyMap<string, RuleSet>, id: string): RuleSet {
  const ruleSet = ruleSets.get(id);
  if (!ruleSet) throw new AppError('DEADLINE_UNKNOWN_RULES', { ruleSetId: id, known: [...ruleSets.keys()] });
  return ruleSet;
}

/** Given a rule set and a step name, returns the step's rule or throws DEADLINE_UNKNOWN_STEP. */
export function resolveStep(ruleSet: RuleSet, step: string): StepRule {
  const rule = Object.hasOwn(ruleSet.steps, step) ? ruleSet.steps[step] : undefined;
  if (!rule) throw new AppError('DEADLINE_UNKNOWN_STEP', { ruleSetId: ruleSet.id, step, known: Object.keys(ruleSet.steps) });
  return rule;
}

/** Given a rule set and a 12345 urgency, returns the name of the step that times handling (e.g. handling_urgent). */
export function handlingStepFor(ruleSet: RuleSet, urgency: Urgency): string {
  return ruleSet.handlingStepByUrgency[urgency];
}

/** Given a rule set, returns the lifecycle clocks a hearing pauses (CommandContext.pausableClocks). */
export function pausableClocks(ruleSet: RuleSet): ReadonlySet<ClockName> {
  return new Set(CLOCKS.filter((clock) => ruleSet.steps[clock]?.pausable === true));
}
