/**
 * Category-specific questions and their answers (pure). A case of a category is asked the active
 * questions of that category and of every category above it; the answers are checked here, once, for
 * every channel that carries them (portal, Open311, staff intake; a split part inherits its parent's
 * — bulk import has no answers column), and stored normalised on the case.
 */

/** The answer types, named as GeoReport v2 names them so Open311 publishes them as they are. */
export const QUESTION_DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
export type QuestionDatatype = (typeof QUESTION_DATATYPES)[number];

export interface QuestionOption {
  key: string;
  name: string;
}

export interface CategoryQuestion {
  categoryCode: string;
  code: string;
  sort: number;
  datatype: QuestionDatatype;
  required: boolean;
  label: string;
  hint: string | null;
  options: QuestionOption[];
}

/** Stored answers: one string, or the chosen keys of a multi-value list. */
export type Answers = Record<string, string | string[]>;

export interface AnswerProblem {
  path: string;
  message: string;
}

/** The longest answer of each free-text type. */
export const MAX_STRING_ANSWER = 200;
export const MAX_TEXT_ANSWER = 2000;

/**
 * Names an answer object must never be keyed by: what Object.prototype (and a function) carries. A
 * question coded `constructor` would read `Object` from a plain object, so a required one was never
 * enforced; the code rule refuses them, and answers are kept in prototype-less objects besides.
 */
export const RESERVED_QUESTION_CODES: readonly string[] = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** Question codes: what GeoReport v2 clients send as `attribute[code]`; never a reserved name (of those, the pattern alone admits only the lowercase ones). */
export const QUESTION_CODE = new RegExp(
  `^(?!(?:${RESERVED_QUESTION_CODES.filter((n) => /^[a-z][a-z0-9_]*$/.test(n)).join('|')})$)[a-z][a-z0-9_]{0,39}$`,
);

/** Given a category code, returns it and the codes of every category above it (codes extend their parent's). */
export function categoryLineage(code: string): string[] {
  const out: string[] = [];
  for (let n = 2; n <= code.length; n += 2) out.push(code.slice(0, n));
  if (out.at(-1) !== code) out.push(code);
  return out;
}

/** Given questions from a category's lineage, returns them in the order they are asked: the wider category's first, then by sort and code. */
export function orderQuestions(questions: readonly CategoryQuestion[]): CategoryQuestion[] {
  return [...questions].sort((a, b) => a.categoryCode.length - b.categoryCode.length || a.sort - b.sort || a.code.localeCompare(b.code));
}

/**
 * Given the questions a case is asked, the raw answers (by code; a string, a number or a list) and
 * whether required questions must be answered (a citizen's own form and Open311: yes; a registrar
 * noting a call: no), returns the normalised answers and every problem, each at `answers.<code>`.
 */
export function validateAnswers(
  questions: readonly CategoryQuestion[],
  raw: Readonly<Record<string, unknown>> | null | undefined,
  opts: { enforceRequired: boolean },
): { answers: Answers; problems: AnswerProblem[] } {
  const byCode = new Map(questions.map((q) => [q.code, q]));
  // A Map, not an object: a code like `constructor` must not find anything inherited.
  const given = new Map<string, string | string[]>();
  const problems: AnswerProblem[] = [];
  for (const [code, value] of Object.entries(raw ?? {})) {
    const q = byCode.get(code);
    if (!q) {
      problems.push({ path: `answers.${code}`, message: '该类别没有这个问题' });
      continue;
    }
    if (isBlank(value)) continue;
    const checked = checkAnswer(q, value);
    if ('message' in checked) problems.push({ path: `answers.${code}`, message: checked.message });
    else given.set(code, checked.value);
  }
  if (opts.enforceRequired) {
    for (const q of questions) {
      if (q.required && !given.has(q.code) && !problems.some((p) => p.path === `answers.${q.code}`)) {
        problems.push({ path: `answers.${q.code}`, message: `请回答：${q.label}` });
      }
    }
  }
  // Object.fromEntries defines own properties (a `__proto__` key would stay data), and the plain
  // object it makes is what the store's JSON column and the event data expect.
  return { answers: Object.fromEntries(given), problems };
}

function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** Given a question and a non-blank raw answer, returns the normalised answer or what is wrong with it. */
function checkAnswer(q: CategoryQuestion, value: unknown): { value: string | string[] } | { message: string } {
  const keys = new Set(q.options.map((o) => o.key));
  switch (q.datatype) {
    case 'string':
    case 'text': {
      if (typeof value !== 'string' && typeof value !== 'number') return { message: '应为文字' };
      const s = String(value).trim();
      const max = q.datatype === 'string' ? MAX_STRING_ANSWER : MAX_TEXT_ANSWER;
      if (s.length > max) return { message: `不能超过 ${max} 个字` };
      if (q.datatype === 'string' && /[\r\n]/.test(s)) return { message: '应为一行文字' };
      return { value: s };
    }
    case 'number': {
      // A JSON number arrives as a double: String(1e-7) is "1e-7", so it is written out to 6 places.
      if (typeof value === 'number' && !Number.isFinite(value)) return { message: '应为数字' };
      const s = typeof value === 'number' ? fixedDecimal(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?\d{1,12}(\.\d{1,6})?$/.test(s) || !Number.isFinite(Number(s))) return { message: '应为数字' };
      return { value: String(Number(s)) };
    }
    case 'datetime': {
      if (typeof value !== 'string') return { message: '应为日期时间' };
      const ms = parseDateTime(value.trim());
      if (ms === null) return { message: `应为 ${MIN_ANSWER_YEAR}—${MAX_ANSWER_YEAR} 年间真实的日期时间，如 2026-05-01T08:30:00+08:00` };
      return { value: new Date(ms).toISOString() };
    }
    case 'singlevaluelist': {
      const s = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : null;
      if (s === null || !keys.has(s)) return { message: '不是可选的答案' };
      return { value: s };
    }
    case 'multivaluelist': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value];
      const chosen: string[] = [];
      for (const v of list) {
        const s = typeof v === 'string' || typeof v === 'number' ? String(v).trim() : null;
        if (s === null || !keys.has(s)) return { message: '含有不可选的答案' };
        if (!chosen.includes(s)) chosen.push(s);
      }
      return { value: chosen };
    }
  }
}

/** The years a date answer may name: a petition is about the recent past, and a typo like 0026 is caught. */
export const MIN_ANSWER_YEAR = 1900;
export const MAX_ANSWER_YEAR = 2100;

const CHINA_OFFSET_MINUTES = 8 * 60;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Given a date or date-time as typed (a date alone, or a time without a zone, is China time), returns
 * the instant in ms, or null unless every stated field exists: Date.parse would roll 2026-02-30 over
 * to 2 March and accept T24:00, so the fields are checked against the calendar here.
 */
export function parseDateTime(s: string): number | null {
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  if (year < MIN_ANSWER_YEAR || year > MAX_ANSWER_YEAR || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return null;
  let offsetMinutes = CHINA_OFFSET_MINUTES;
  if (m[8] === 'Z') offsetMinutes = 0;
  else if (m[8]) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 14 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return wall - offsetMinutes * 60_000;
}

/** Given a finite number, returns it written out to at most 6 decimals without trailing zeros (1e-7 → "0", 2.5e3 → "2500"). */
function fixedDecimal(n: number): string {
  const s = n.toFixed(6);
  return s.includes('e') ? s : s.replace(/\.?0+$/, '');
}
