import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOCKS } from '../domain/lifecycle/types.js';
import { DEFAULT_STATUTE_DIR, loadStatute } from './load-statute.js';

const dirs: string[] = [];
/** A writable copy of the shipped statute directory. */
const copyStatute = () => {
  const dir = mkdtempSync(join(tmpdir(), 'statute-'));
  dirs.push(dir);
  cpSync(DEFAULT_STATUTE_DIR, dir, { recursive: true });
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadStatute', () => {
  it('loads the shipped rule sets and calendars, with reg2022 as the default', () => {
    const statute = loadStatute();
    expect(statute.defaultRuleSetId).toBe('reg2022');
    expect([...statute.ruleSets.keys()].sort()).toEqual(['beijing12345', 'reg2022', 'zhejiang2016']);
    expect([...statute.calendar.years].sort()).toEqual([2024, 2025, 2026]);
    for (const ruleSet of statute.ruleSets.values()) {
      for (const clock of CLOCKS) expect(ruleSet.steps[clock], `${ruleSet.id}.${clock}`).toBeDefined();
    }
  });

  it('refuses a rule file that breaks the schema, naming the file', () => {
    const dir = copyStatute();
    writeFileSync(join(dir, 'rules', 'reg2022.json'), JSON.stringify({ id: 'reg2022' }));
    expect(() => loadStatute(dir)).toThrow(/reg2022\.json/);
  });

  it('refuses a rule set whose id differs from its file name', () => {
    const dir = copyStatute();
    cpSync(join(dir, 'rules', 'reg2022.json'), join(dir, 'rules', 'copy.json'));
    expect(() => loadStatute(dir)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses a calendar that is not JSON', () => {
    const dir = copyStatute();
    writeFileSync(join(dir, 'calendars', 'cn-2025.json'), '{ nope');
    expect(() => loadStatute(dir)).toThrow(expect.objectContaining({ details: expect.objectContaining({ reason: 'unreadable_json' }) }));
  });
});
