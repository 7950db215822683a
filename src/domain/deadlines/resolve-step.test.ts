import { describe, expect, it } from 'vitest';
import { CLOCKS } from '../lifecycle/types.js';
import { handlingStepFor, pausableClocks, resolveRuleSet, resolveStep } from './resolve-step.js';
import { rules } from './shipped-statute.fixture.js';

describe('resolving rule sets and steps', () => {
  it('every rule set defines a step for every lifecycle clock', () => {
    for (const ruleSet of Object.values(rules)) {
      for (const clock of CLOCKS) expect(resolveStep(ruleSet, clock).limit, `${ruleSet.id}.${clock}`).toBeGreaterThan(0);
    }
  });

  it('an unknown step fails with DEADLINE_UNKNOWN_STEP and lists the known ones', () => {
    expect(() => resolveStep(rules.reg2022, 'handling_urgent')).toThrow(
      expect.objectContaining({ code: 'DEADLINE_UNKNOWN_STEP', details: expect.objectContaining({ step: 'handling_urgent' }) }),
    );
    // Inherited object keys are not steps.
    expect(() => resolveStep(rules.reg2022, 'toString')).toThrow(expect.objectContaining({ code: 'DEADLINE_UNKNOWN_STEP' }));
  });

  it('an unknown rule set fails with DEADLINE_UNKNOWN_RULES', () => {
    const map = new Map(Object.values(rules).map((r) => [r.id, r]));
    expect(resolveRuleSet(map, 'zhejiang2016').id).toBe('zhejiang2016');
    expect(() => resolveRuleSet(map, 'shanghai')).toThrow(expect.objectContaining({ code: 'DEADLINE_UNKNOWN_RULES' }));
  });

  it('Beijing 12345 times handling by urgency; reg2022 has one handling step', () => {
    expect(handlingStepFor(rules.beijing12345, 'urgent')).toBe('handling_urgent');
    expect(handlingStepFor(rules.beijing12345, 'utility')).toBe('handling_utility');
    expect(handlingStepFor(rules.beijing12345, 'complex')).toBe('handling_complex');
    expect(handlingStepFor(rules.beijing12345, 'normal')).toBe('handling');
    expect(handlingStepFor(rules.reg2022, 'urgent')).toBe('handling');
  });

  it('only re_review pauses for hearings under reg2022 (Art. 36)', () => {
    expect([...pausableClocks(rules.reg2022)]).toEqual(['re_review']);
  });
});
