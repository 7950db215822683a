import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findTransition } from '../lifecycle/transitions.js';
import { CASE_STATES, type CaseState } from '../lifecycle/types.js';
import { validateIdNumber } from '../personal-data/id-number.js';
import { parsePhone } from '../personal-data/phone.js';
import { DEMO_PATH_KINDS, planDemoCases, stateAfterPath, stepTime, type DemoCaseInput, type DemoCasePlan } from './case-plan.js';
import { generateDemoOrg } from './org-generator.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-15T04:00:00Z');

interface CategoryNode {
  code: string;
  name: string;
  children?: CategoryNode[];
}
const tree = JSON.parse(readFileSync(new URL('../../../statute/categories.json', import.meta.url), 'utf8')) as { categories: CategoryNode[] };
const aliases = JSON.parse(readFileSync(new URL('../../../statute/category-aliases.json', import.meta.url), 'utf8')) as { aliases: Record<string, string> };
const leaves = (nodes: CategoryNode[]): string[] => nodes.flatMap((n) => (n.children && n.children.length > 0 ? leaves(n.children) : [n.code]));
const messages = readFileSync(new URL('../../../fixtures/messages-sample.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as DemoCaseInput['messages'][number]);

const org = generateDemoOrg(7);
const unitKeys = new Set(org.units.map((u) => u.key));
const parentOf = new Map(org.units.map((u) => [u.key, u.parentKey]));
const input: DemoCaseInput = {
  gridKeys: org.units.filter((u) => u.kind === 'grid').map((u) => u.key),
  departmentKeys: org.units.filter((u) => u.kind === 'department').map((u) => u.key),
  categoryCodes: leaves(tree.categories),
  messages,
  now: NOW,
  categoryAliases: aliases.aliases,
};

// GB 11643-1999 written out again here, independently of the generator, so a shared bug cannot hide.
function gb11643Valid(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((s, w, i) => s + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}

const big = planDemoCases(2026, 5000, input);
const share = (pred: (p: DemoCasePlan) => boolean) => big.filter(pred).length / big.length;

describe('planDemoCases', () => {
  it('returns the requested number of plans, indexed in receipt order', () => {
    expect(big).toHaveLength(5000);
    big.forEach((p, i) => expect(p.index).toBe(i));
    for (let i = 1; i < big.length; i++) expect(big[i]!.receivedAt.getTime()).toBeGreaterThanOrEqual(big[i - 1]!.receivedAt.getTime());
    expect(planDemoCases(1, 0, input)).toEqual([]);
  });

  it('brings every state of the lifecycle into a 5,000-case plan', () => {
    const states = new Set(big.map((p) => p.expectedState));
    for (const s of CASE_STATES) expect(states, s).toContain(s);
  });

  it('covers every path kind even in a small plan', () => {
    const small = planDemoCases(9, DEMO_PATH_KINDS.length, input);
    const states = new Set(small.map((p) => p.expectedState));
    for (const s of CASE_STATES) expect(states, s).toContain(s);
  });

  it('plans only legal paths: each step is allowed by the transition table in the state the previous one left', () => {
    for (const p of big) {
      let state: CaseState = 'registered';
      for (const step of p.path) {
        const row = findTransition(state, step.command.type);
        expect(row, `plan ${p.index}: ${step.command.type} from ${state}`).toBeDefined();
        if (row && row.to !== 'same') state = row.to;
      }
      expect(state, `plan ${p.index}`).toBe(p.expectedState);
      expect(stateAfterPath(p.path.map((s) => s.command.type))).toBe(p.expectedState);
    }
  });

  it('keeps every receipt in the last 365 days and every step in the past, in increasing order', () => {
    for (const p of big) {
      const age = NOW.getTime() - p.receivedAt.getTime();
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThanOrEqual(365 * DAY);
      let last = 0;
      for (const step of p.path) {
        expect(step.offsetDays).toBeGreaterThan(last);
        last = step.offsetDays;
        expect(stepTime(p, step).getTime()).toBeLessThanOrEqual(NOW.getTime());
      }
    }
  });

  it('looks like a real district: most closed, about 15 % in handling, a few overdue', () => {
    const terminalOrClosed = share((p) => ['closed', 'final', 'refused', 'answered_on_spot', 'withdrawn', 'merged'].includes(p.expectedState));
    expect(terminalOrClosed).toBeGreaterThan(0.65);
    expect(share((p) => p.expectedState === 'closed')).toBeGreaterThan(0.5);
    const handling = share((p) => p.expectedState === 'handling');
    expect(handling).toBeGreaterThan(0.1);
    expect(handling).toBeLessThan(0.2);
    // Art. 34: 60 days from acceptance; open handling cases older than that are overdue.
    const overdue = share((p) => p.expectedState === 'handling' && NOW.getTime() - p.receivedAt.getTime() > 65 * DAY);
    expect(overdue).toBeGreaterThan(0.005);
    expect(overdue).toBeLessThan(0.05);
    // Intake states are fresh: nothing waits months to be accepted or dispatched.
    for (const p of big.filter((x) => ['registered', 'accepted', 'dispatched', 'objected'].includes(x.expectedState))) {
      expect(NOW.getTime() - p.receivedAt.getTime()).toBeLessThan(20 * DAY);
    }
  });

  it('receives most cases on working days', () => {
    const weekend = share((p) => [0, 6].includes(new Date(p.receivedAt.getTime() + 8 * 3_600_000).getUTCDay()));
    expect(weekend).toBeLessThan(0.18);
    expect(weekend).toBeGreaterThan(0.02);
  });

  it('uses every channel, nature and urgency, and 12345 types only for hotline cases', () => {
    for (const c of ['online', 'qr', 'phone', 'letter', 'visit', 'leader_reception', 'grid_report', 'transfer_12345']) expect(big.some((p) => p.channel === c), c).toBe(true);
    for (const n of ['suggestion', 'accusation', 'appeal']) expect(big.some((p) => p.nature === n), n).toBe(true);
    for (const u of ['normal', 'urgent', 'utility', 'complex']) expect(big.some((p) => p.urgency === u), u).toBe(true);
    for (const p of big) {
      if (p.channel === 'phone' || p.channel === 'transfer_12345') expect(p.type12345).not.toBeNull();
      else expect(p.type12345).toBeNull();
    }
    expect(big.filter((p) => p.leaderOwned).length).toBeGreaterThan(50);
  });

  it('refers only to units, categories and cases that exist', () => {
    const categories = new Set(input.categoryCodes);
    for (const p of big) {
      expect(input.gridKeys).toContain(p.gridKey);
      expect(categories.has(p.categoryCode), p.categoryCode).toBe(true);
      expect(unitKeys.has(p.receivingUnitKey)).toBe(true);
      if (p.accusedUnitKey !== null) expect(unitKeys.has(p.accusedUnitKey)).toBe(true);
      for (const { command: c } of p.path) {
        if (c.type === 'dispatch' || c.type === 'redispatch') {
          expect(unitKeys.has(c.leadUnitKey), c.leadUnitKey).toBe(true);
          for (const k of c.assistUnitKeys) expect(unitKeys.has(k), k).toBe(true);
          expect(c.assistUnitKeys).not.toContain(c.leadUnitKey);
        }
        if (c.type === 'escalate') expect(unitKeys.has(c.toUnitKey), c.toUnitKey).toBe(true);
      }
    }
  });

  it('escalates one tier up only, and settles most cases in communities or below', () => {
    let escalations = 0;
    for (const p of big) {
      let lead: string | null = null;
      for (const { command: c } of p.path) {
        if (c.type === 'dispatch' || c.type === 'redispatch') lead = c.leadUnitKey;
        if (c.type === 'escalate') {
          escalations++;
          expect(parentOf.get(lead ?? '')).toBe(c.toUnitKey);
          lead = c.toUnitKey;
        }
      }
    }
    expect(escalations).toBeGreaterThan(100);
    const leads = big.flatMap((p) => p.path.flatMap(({ command: c }) => (c.type === 'dispatch' ? [c.leadUnitKey] : [])));
    const local = leads.filter((k) => k.startsWith('grid-') || k.startsWith('community-')).length / leads.length;
    expect(local).toBeGreaterThan(0.35);
  });

  it('keeps an accusation away from the unit it accuses (Art. 30)', () => {
    const accusations = big.filter((p) => p.nature === 'accusation');
    expect(accusations.filter((p) => p.accusedUnitKey !== null).length).toBeGreaterThan(50);
    for (const p of accusations) {
      for (const { command: c } of p.path) {
        if (c.type === 'dispatch' || c.type === 'redispatch') {
          for (const unit of [c.leadUnitKey, ...c.assistUnitKeys]) {
            // Neither the accused unit nor anything inside it may handle the case.
            for (let k: string | null | undefined = unit; k; k = parentOf.get(k)) expect(k).not.toBe(p.accusedUnitKey);
          }
        }
      }
    }
    for (const p of big.filter((x) => x.nature !== 'accusation')) expect(p.accusedUnitKey).toBeNull();
  });

  it('merges a repeat into an earlier open case of the same person and matter', () => {
    const merged = big.filter((p) => p.expectedState === 'merged');
    expect(merged.length).toBeGreaterThan(20);
    for (const p of merged) {
      const step = p.path[0]!.command;
      expect(step.type).toBe('merge');
      if (step.type !== 'merge') continue;
      const target = big[step.intoPlanIndex]!;
      expect(step.intoPlanIndex).toBeLessThan(p.index);
      expect(target.expectedState).not.toBe('merged');
      expect(target.receivedAt.getTime()).toBeLessThan(p.receivedAt.getTime());
      expect(p.petitioners.map((x) => x.idNumber)).toEqual(target.petitioners.map((x) => x.idNumber));
      expect(p.content).toBe(target.content);
    }
  });

  it('makes about 3 % collective cases of 5–30 people with 1–5 representatives', () => {
    const collective = big.filter((p) => p.collective);
    expect(collective.length / big.length).toBeGreaterThan(0.015);
    expect(collective.length / big.length).toBeLessThan(0.05);
    for (const p of big) {
      const reps = p.petitioners.filter((x) => x.representative).length;
      if (p.collective) {
        expect(p.petitioners.length).toBeGreaterThanOrEqual(5);
        expect(p.petitioners.length).toBeLessThanOrEqual(30);
        expect(reps).toBeGreaterThanOrEqual(1);
        expect(reps).toBeLessThanOrEqual(5);
      } else {
        expect(p.petitioners).toHaveLength(1);
        expect(reps).toBe(0);
      }
    }
  });

  it('gives every petitioner a valid ID number (GB 11643 check digit, region 3301xx), a mobile number and a name', () => {
    const people = big.flatMap((p) => p.petitioners);
    for (const x of people) {
      expect(gb11643Valid(x.idNumber), x.idNumber).toBe(true);
      expect(validateIdNumber(x.idNumber, NOW)).toMatchObject({ ok: true });
      expect(x.idNumber.startsWith('3301')).toBe(true);
      expect(parsePhone(x.phone)).toMatchObject({ ok: true, kind: 'mobile' });
      expect(x.name).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
    }
    expect(people.filter((x) => x.idNumber.startsWith('330110')).length / people.length).toBeGreaterThan(0.6);
  });

  it('uses the message texts, moved to 临江市 云湖区, within 1,500 characters', () => {
    for (const p of big) {
      expect(p.title.length).toBeGreaterThan(0);
      expect(p.content.length).toBeGreaterThan(0);
      expect(p.content.length).toBeLessThanOrEqual(1500);
      expect(p.content).not.toMatch(/A市|A\d+区/);
    }
    const bodies = new Set(messages.map((m) => m.body));
    expect(share((p) => bodies.has(p.content) || p.content.includes('临江市') || p.content.includes('云湖区'))).toBeGreaterThan(0.5);
  });

  it('files a labelled message under the class its publisher label maps to', () => {
    const plans = planDemoCases(5, 400, { ...input, messages: messages.filter((m) => m.category === '教育文体') });
    for (const p of plans) expect(p.categoryCode.startsWith(aliases.aliases['教育文体']!)).toBe(true);
  });

  it('is a function of the seed: same seed, same plans; different seed, different plans', () => {
    expect(planDemoCases(11, 300, input)).toEqual(planDemoCases(11, 300, input));
    expect(planDemoCases(12, 300, input)).not.toEqual(planDemoCases(11, 300, input));
  });

  it('still plans without messages (built-in texts) and without departments', () => {
    const plans = planDemoCases(3, 200, { ...input, messages: [], departmentKeys: [] });
    expect(plans).toHaveLength(200);
    for (const p of plans) expect(p.content.length).toBeGreaterThan(0);
  });
});
