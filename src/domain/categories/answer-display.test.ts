import { describe, expect, it } from 'vitest';
import { chinaDateTime, displayAnswers } from './answer-display.js';
import type { CategoryQuestion } from './answers.js';

const q = (code: string, over: Partial<CategoryQuestion> = {}): CategoryQuestion => ({
  categoryCode: '0106',
  code,
  sort: 0,
  datatype: 'string',
  required: false,
  label: code,
  hint: null,
  options: [],
  ...over,
});

describe('answers in words', () => {
  const lamp = q('lamp_no', { label: '灯杆编号' });
  const damage = q('damage', { categoryCode: '010602', datatype: 'singlevaluelist', label: '损坏情况', options: [{ key: 'dark', name: '灯不亮' }, { key: 'pole', name: '灯杆倾斜' }] });
  const times = q('times', { categoryCode: '010602', sort: 1, datatype: 'multivaluelist', label: '发生时段', options: [{ key: 'night', name: '夜间' }, { key: 'dawn', name: '凌晨' }] });
  const since = q('since', { categoryCode: '010602', sort: 2, datatype: 'datetime', label: '发现时间' });

  it('shows option names, China time, and the wider category’s questions first; unanswered ones are left out', () => {
    expect(displayAnswers([times, since, damage, lamp], { since: '2026-04-30T16:05:00.000Z', damage: 'pole', lamp_no: 'LD-1', times: ['dawn', 'night'] })).toEqual([
      { code: 'lamp_no', label: '灯杆编号', value: 'LD-1' },
      { code: 'damage', label: '损坏情况', value: '灯杆倾斜' },
      { code: 'times', label: '发生时段', value: '凌晨、夜间' },
      { code: 'since', label: '发现时间', value: '2026-05-01 00:05' },
    ]);
    expect(displayAnswers([lamp, damage], {})).toEqual([]);
  });

  it('keeps what was answered when the question changed: a removed option shows its key, a vanished question its code', () => {
    expect(displayAnswers([damage], { damage: 'wire', colour: 'red' })).toEqual([
      { code: 'damage', label: '损坏情况', value: 'wire' },
      { code: 'colour', label: 'colour', value: 'red' },
    ]);
  });

  it('reads an instant as China wall time whatever the host zone', () => {
    expect(chinaDateTime('2026-12-31T16:00:00Z')).toBe('2027-01-01 00:00');
    expect(chinaDateTime('not a time')).toBe('not a time');
  });
});
