/**
 * What a category question may look like (pure): the admin's definition checked once, for the API
 * and for the demo seed alike. Each problem names the field (`label`, `options.1.key`) and a reason.
 */
import { QUESTION_CODE, QUESTION_DATATYPES, type QuestionDatatype, type QuestionOption } from './answers.js';

export const MAX_QUESTION_LABEL = 100;
export const MAX_QUESTION_HINT = 200;
export const MAX_QUESTION_OPTIONS = 50;
export const MAX_OPTION_NAME = 50;
/** Option keys travel in Open311 and as comma-separated lists: letters, digits, `_`, `-`, `.`. */
export const OPTION_KEY = /^[A-Za-z0-9_.-]{1,40}$/;

export const LIST_DATATYPES: readonly QuestionDatatype[] = ['singlevaluelist', 'multivaluelist'];
export const isListDatatype = (d: string) => LIST_DATATYPES.includes(d as QuestionDatatype);

export interface QuestionProblem {
  path: string;
  reason: string;
}

/**
 * Given a question's definition as it would be stored, returns the first problem with it, or null:
 * a code of the pattern, a known datatype, a label and hint within bounds, and for the list types at
 * least two options with unique non-empty keys and names (other types carry none).
 */
export function questionDefinitionProblem(q: { code: string; datatype: string; label: string; hint: string | null; options: readonly QuestionOption[] }): QuestionProblem | null {
  if (!QUESTION_CODE.test(q.code)) return { path: 'code', reason: 'code_pattern' };
  if (!(QUESTION_DATATYPES as readonly string[]).includes(q.datatype)) return { path: 'datatype', reason: 'unknown_datatype' };
  if (!q.label.trim()) return { path: 'label', reason: 'label_required' };
  if (q.label.length > MAX_QUESTION_LABEL) return { path: 'label', reason: 'label_too_long' };
  if (q.hint !== null && q.hint.length > MAX_QUESTION_HINT) return { path: 'hint', reason: 'hint_too_long' };
  if (!isListDatatype(q.datatype)) return q.options.length ? { path: 'options', reason: 'options_not_allowed' } : null;
  if (q.options.length < 2) return { path: 'options', reason: 'options_too_few' };
  if (q.options.length > MAX_QUESTION_OPTIONS) return { path: 'options', reason: 'options_too_many' };
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const [i, o] of q.options.entries()) {
    if (!OPTION_KEY.test(o.key)) return { path: `options.${i}.key`, reason: 'option_key_pattern' };
    if (!o.name.trim() || o.name.length > MAX_OPTION_NAME) return { path: `options.${i}.name`, reason: 'option_name_required' };
    if (keys.has(o.key)) return { path: `options.${i}.key`, reason: 'option_key_duplicate' };
    if (names.has(o.name.trim())) return { path: `options.${i}.name`, reason: 'option_name_duplicate' };
    keys.add(o.key);
    names.add(o.name.trim());
  }
  return null;
}
