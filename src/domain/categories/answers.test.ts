import { describe, expect, it } from 'vitest';
import { categoryLineage, orderQuestions, validateAnswers, type CategoryQuestion } from './answers.js';

const q = (code: string, over: Partial<CategoryQuestion> = {}): CategoryQuestion => ({
  categoryCode: '0101',
  code,
  sort: 0,
  datatype: 'string',
  required: false,
  label: code,
  hint: null,
  options: [],
  ...over,
});

const questions = [
  q('pole_no', { label: '灯杆编号', required: true }),
  q('area', { datatype: 'number' }),
  q('seen_at', { datatype: 'datetime' }),
  q('surface', { datatype: 'singlevaluelist', options: [{ key: 'asphalt', name: '沥青' }, { key: 'brick', name: '砖' }] }),
  q('hazards', { datatype: 'multivaluelist', options: [{ key: 'dark', name: '夜间无照明' }, { key: 'wire', name: '电线外露' }] }),
  q('detail', { datatype: 'text' }),
];

describe('category answers', () => {
  it('a category is asked its own questions and those of every category above it, the wider first', () => {
    expect(categoryLineage('010203')).toEqual(['01', '0102', '010203']);
    const ordered = orderQuestions([q('b', { categoryCode: '0102', sort: 1 }), q('a', { categoryCode: '0102', sort: 2 }), q('z', { categoryCode: '01', sort: 9 })]);
    expect(ordered.map((x) => x.code)).toEqual(['z', 'b', 'a']);
  });

  it('normalises good answers: trimmed text, numbers, China-time dates as instants, chosen keys once each', () => {
    const { answers, problems } = validateAnswers(
      questions,
      { pole_no: ' A-17 ', area: '2.50', seen_at: '2026-05-01 08:30', surface: 'brick', hazards: 'wire,dark,wire', detail: '路口' },
      { enforceRequired: true },
    );
    expect(problems).toEqual([]);
    expect(answers).toEqual({ pole_no: 'A-17', area: '2.5', seen_at: '2026-05-01T00:30:00.000Z', surface: 'brick', hazards: ['wire', 'dark'], detail: '路口' });
  });

  it('names each bad answer at its path, and a missing required one only when required answers are enforced', () => {
    const bad = { area: '两平米', seen_at: '2026-13-45', surface: 'grass', hazards: ['dark', 'fire'], unknown_q: 'x', detail: '字'.repeat(2001) };
    const { problems } = validateAnswers(questions, bad, { enforceRequired: true });
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['answers.area', 'answers.detail', 'answers.hazards', 'answers.pole_no', 'answers.seen_at', 'answers.surface', 'answers.unknown_q'].sort(),
    );
    expect(problems.find((p) => p.path === 'answers.pole_no')?.message).toBe('请回答：灯杆编号');
    const staff = validateAnswers(questions, {}, { enforceRequired: false });
    expect(staff).toEqual({ answers: {}, problems: [] });
  });

  it('a one-line answer refuses a line break; blank answers count as not given', () => {
    expect(validateAnswers(questions, { pole_no: 'A\nB' }, { enforceRequired: false }).problems).toEqual([{ path: 'answers.pole_no', message: '应为一行文字' }]);
    expect(validateAnswers(questions, { pole_no: '  ', area: null }, { enforceRequired: false })).toEqual({ answers: {}, problems: [] });
  });
});
