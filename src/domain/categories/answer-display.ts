/**
 * Answers as people read them (pure): each answered question's label and its value in words — the
 * option names of a list, a date-time in China time — in the order the questions are asked.
 */
import { orderQuestions, type CategoryQuestion } from './answers.js';

export interface DisplayedAnswer {
  code: string;
  label: string;
  value: string;
}

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** Given an instant (ISO text), returns it as China wall time "YYYY-MM-DD HH:mm", or the text itself when it is no instant. */
export function chinaDateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * Given the questions of a case's category lineage (active or not: a retired question's answer is
 * still the petitioner's answer) and the case's stored answers, returns the answers to show. An
 * option key no longer listed shows as the key; an answer whose question is gone shows under its code.
 */
export function displayAnswers(questions: readonly CategoryQuestion[], answers: Readonly<Record<string, unknown>> | null | undefined): DisplayedAnswer[] {
  // Only the answers' own keys: `constructor` read from a plain object is Object itself.
  const stored = answers ?? {};
  const out: DisplayedAnswer[] = [];
  const shown = new Set<string>();
  for (const q of orderQuestions(questions)) {
    const v = Object.hasOwn(stored, q.code) ? stored[q.code] : undefined;
    if (v === undefined || v === null || shown.has(q.code)) continue;
    shown.add(q.code);
    out.push({ code: q.code, label: q.label, value: valueText(q, v) });
  }
  for (const [code, v] of Object.entries(stored)) {
    if (shown.has(code) || v === undefined || v === null) continue;
    out.push({ code, label: code, value: Array.isArray(v) ? v.map(String).join('、') : String(v) });
  }
  return out;
}

function valueText(q: CategoryQuestion, v: unknown): string {
  const name = (key: unknown) => q.options.find((o) => o.key === String(key))?.name ?? String(key);
  switch (q.datatype) {
    case 'singlevaluelist':
      return name(v);
    case 'multivaluelist':
      return (Array.isArray(v) ? v : [v]).map(name).join('、');
    case 'datetime':
      return chinaDateTime(String(v));
    default:
      return Array.isArray(v) ? v.map(String).join('、') : String(v);
  }
}
