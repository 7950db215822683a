import { describe, expect, it } from 'vitest';
import { QUESTION_CODE, categoryLineage, orderQuestions, parseDateTime, validateAnswers, type CategoryQuestion } from './answers.js';
import { displayAnswers } from './answer-display.js';
import { questionDefinitionProblem } from './question-rules.js';

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

describe('answers that used to slip through (review of issue 7)', () => {
  it('no question may be coded by a name every object inherits: constructor, __proto__, prototype, toString …', () => {
    for (const name of ['constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      expect(QUESTION_CODE.test(name), name).toBe(false);
      expect(questionDefinitionProblem({ code: name, datatype: 'string', label: '问', hint: null, options: [] })).toEqual({ path: 'code', reason: 'code_pattern' });
    }
    expect(QUESTION_CODE.test('constructor_no')).toBe(true);
    expect(QUESTION_CODE.test('prototype2')).toBe(true);
  });

  it('a required question is enforced and shown from the answers’ own keys only, even if one were coded constructor', () => {
    const ctor = [q('constructor', { required: true, label: '构造' })];
    expect(validateAnswers(ctor, {}, { enforceRequired: true }).problems).toEqual([{ path: 'answers.constructor', message: '请回答：构造' }]);
    expect(validateAnswers(ctor, Object.create(null), { enforceRequired: true }).problems).toHaveLength(1);
    expect(displayAnswers(ctor, {})).toEqual([]);
    expect(displayAnswers(ctor, { constructor: 'x' })).toEqual([{ code: 'constructor', label: '构造', value: 'x' }]);
    const { answers } = validateAnswers(ctor, { constructor: 'A-1' }, { enforceRequired: true });
    expect(JSON.stringify(answers)).toBe('{"constructor":"A-1"}');
  });

  it('a number sent as a JSON number with an exponent is written out: 1e-7 → 0, 2.5e3 → 2500, 1.5e-3 → 0.0015; 1e21 and non-finite are refused', () => {
    const area = [q('area', { datatype: 'number' })];
    const one = (v: unknown) => validateAnswers(area, { area: v }, { enforceRequired: false });
    expect(one(1e-7)).toEqual({ answers: { area: '0' }, problems: [] });
    expect(one(2.5e3).answers).toEqual({ area: '2500' });
    expect(one(1.5e-3).answers).toEqual({ area: '0.0015' });
    expect(one(-12.25).answers).toEqual({ area: '-12.25' });
    for (const v of [1e21, Number.POSITIVE_INFINITY, Number.NaN]) expect(one(v).problems.map((p) => p.path)).toEqual(['answers.area']);
  });

  it('an impossible date is refused rather than rolled over; years outside 1900–2100 too', () => {
    const since = [q('since', { datatype: 'datetime' })];
    const one = (v: string) => validateAnswers(since, { since: v }, { enforceRequired: false });
    for (const bad of ['2026-02-30', '2026-04-31', '2026-02-29', '2026-05-01T24:00', '2026-05-01T23:60', '2026-05-01T08:30:60', '0000-01-01', '1899-12-31', '2101-01-01', '2026-05-01T08:30+15:00', '2026-13-01']) {
      expect(one(bad).problems.map((p) => p.path), bad).toEqual(['answers.since']);
    }
    expect(one('2028-02-29').answers).toEqual({ since: '2028-02-28T16:00:00.000Z' });
    expect(one('2026-05-01').answers).toEqual({ since: '2026-04-30T16:00:00.000Z' });
    expect(one('2026-05-01T08:30').answers).toEqual({ since: '2026-05-01T00:30:00.000Z' });
    expect(one('2026-05-01T23:59:59.5Z').answers).toEqual({ since: '2026-05-01T23:59:59.500Z' });
    expect(one('2026-05-01T08:30:00-0530').answers).toEqual({ since: '2026-05-01T14:00:00.000Z' });
    expect(parseDateTime('1900-01-01T00:00Z')).toBe(Date.UTC(1900, 0, 1));
  });
});
