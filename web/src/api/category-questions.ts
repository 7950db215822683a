/**
 * Category questions (补充问题) as the web app reads and edits them, through the one fetch layer:
 * what a category asks (forms), the admin's editor, and the answers a form sends.
 */
import type { Dayjs } from 'dayjs';
import { api } from './client';

export type QuestionDatatype = 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';
export const QUESTION_DATATYPES: QuestionDatatype[] = ['string', 'text', 'number', 'datetime', 'singlevaluelist', 'multivaluelist'];
export const isListType = (d: QuestionDatatype) => d === 'singlevaluelist' || d === 'multivaluelist';

export interface QuestionOption {
  key: string;
  name: string;
}

/** A question as a form asks it (GET /api/categories/:code/questions). */
export interface AskedQuestion {
  code: string;
  categoryCode: string;
  datatype: QuestionDatatype;
  required: boolean;
  label: string;
  hint: string | null;
  options: QuestionOption[];
}

/** A question in the admin's list: the category's own (any state) or inherited from above. */
export interface AdminQuestion extends AskedQuestion {
  sort: number;
  active: boolean;
  inherited: boolean;
  categoryName: string | null;
}

export interface QuestionInput {
  code?: string;
  datatype?: QuestionDatatype;
  label?: string;
  hint?: string | null;
  required?: boolean;
  sort?: number;
  options?: QuestionOption[];
  active?: boolean;
}

/** An answer as a case page shows it (label and value in words). */
export interface CaseAnswer {
  code: string;
  label: string;
  value: string;
}

/** A form's raw answer values, by question code. */
export type AnswerValues = Record<string, string | number | string[] | Dayjs | null | undefined>;

const base = (code: string) => `/api/admin/categories/${encodeURIComponent(code)}/questions`;

export const questionsApi = {
  /** Given a category code, returns the active questions its cases are asked, in order. */
  asked: (code: string) => api.get<{ categoryCode: string; items: AskedQuestion[] }>(`/api/categories/${encodeURIComponent(code)}/questions`).then((r) => r.items),
  list: (code: string) => api.get<{ category: { code: string; name: string; active: boolean }; items: AdminQuestion[] }>(base(code)),
  create: (code: string, q: QuestionInput) => api.post<AdminQuestion>(base(code), q),
  update: (code: string, qcode: string, patch: QuestionInput) => api.patch<AdminQuestion>(`${base(code)}/${encodeURIComponent(qcode)}`, patch),
  remove: (code: string, qcode: string) => api.delete<{ code: string; deleted: boolean; active: boolean }>(`${base(code)}/${encodeURIComponent(qcode)}`),
};

/**
 * Given the questions shown and the form's values, returns the answers to send: only those asked
 * now (a category changed halfway leaves stale ones behind), blanks left out, date-times as ISO text.
 */
export function answersToSend(questions: readonly AskedQuestion[], values: AnswerValues | undefined): Record<string, string | number | string[]> | undefined {
  const out: Record<string, string | number | string[]> = {};
  for (const q of questions) {
    const v = values?.[q.code];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') {
      if (v.trim()) out[q.code] = v.trim();
    } else if (typeof v === 'number') out[q.code] = v;
    else if (Array.isArray(v)) {
      if (v.length) out[q.code] = v;
    } else if (typeof v === 'object' && 'format' in v) out[q.code] = v.format();
  }
  return Object.keys(out).length ? out : undefined;
}
