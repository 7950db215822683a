/**
 * Category-specific questions and their answers (pure). A case of a category is asked the active
 * questions of that category and of every category above it; the answers are checked here, once, for
 * every channel (portal, Open311, staff intake, bulk import), and stored normalised on the case.
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

/** Question codes: what GeoReport v2 clients send as `attribute[code]`. */
export const QUESTION_CODE = /^[a-z][a-z0-9_]{0,39}$/;

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
  const answers: Answers = {};
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
    else answers[code] = checked.value;
  }
  if (opts.enforceRequired) {
    for (const q of questions) {
      if (q.required && answers[q.code] === undefined && !problems.some((p) => p.path === `answers.${q.code}`)) {
        problems.push({ path: `answers.${q.code}`, message: `请回答：${q.label}` });
      }
    }
  }
  return { answers, problems };
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
      const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?\d{1,12}(\.\d{1,6})?$/.test(s) || !Number.isFinite(Number(s))) return { message: '应为数字' };
      return { value: String(Number(s)) };
    }
    case 'datetime': {
      if (typeof value !== 'string') return { message: '应为日期时间' };
      const s = value.trim();
      const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) ? Date.parse(normaliseDateTime(s)) : NaN;
      if (!Number.isFinite(ms)) return { message: '应为日期时间，如 2026-05-01T08:30:00+08:00' };
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

/** Given a date or date-time as typed, returns it as Date.parse reads it: a date alone or without a zone is China time. */
function normaliseDateTime(s: string): string {
  const t = s.replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t}T00:00:00+08:00`;
  if (/Z$/.test(t)) return t;
  if (/[+-]\d{2}:?\d{2}$/.test(t)) return t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  return `${t}+08:00`;
}
