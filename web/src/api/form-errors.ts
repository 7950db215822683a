/**
 * The server's refusals next to the form fields they concern, for every form of the web app.
 *
 * A refusal is `{code, message, details}` (src/http/error-handler.ts). It names fields in one of
 * three ways: request validation lists them (`details.fields = [{path, message}]`), a service names
 * one (`details.path`, often with a `reason` that says more than the general message), a lifecycle
 * command names one (`details.field` with an `issue`). Each becomes an antd field error on the
 * nearest field the form has; the values typed stay as they were.
 */
import type { FormInstance } from 'antd';
import { ApiError } from './client';
import { t } from '../i18n/zh-CN';

export type NamePath = (string | number)[];

const m = t.common.fieldErrors;

/** Codes that name the field only by what they are about: the field under the path they give (`petitioners.0` → `petitioners.0.phone`). */
const FIELD_OF_CODE: Record<string, string> = { PHONE_INVALID: 'phone', ID_NUMBER_INVALID: 'idNumber' };

/** Given a server path such as "petitioners.0.phone", returns the antd name path. */
export const namePathOf = (path: string): NamePath => path.split('.').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));

const keyOf = (name: NamePath) => name.map(String).join('.');

/** Given an error, returns the field paths it names, each with the most telling message for it. */
function namedFields(err: ApiError): { path: string; message: string }[] {
  const out = err.fields.map((f) => ({ path: f.path, message: f.message || err.message }));
  if (!out.length && typeof err.details.field === 'string') out.push({ path: err.details.field, message: err.message });
  const reason = typeof err.details.reason === 'string' ? err.details.reason : '';
  const issue = typeof err.details.issue === 'string' ? err.details.issue : '';
  const telling = (err.code === 'ID_NUMBER_INVALID' ? m.idNumber[reason] : m.reasons[reason]) ?? m.issues[issue];
  const sub = FIELD_OF_CODE[err.code];
  return out.map((f) => ({
    path: sub && f.path.split('.').at(-1) !== sub ? [f.path, sub].filter(Boolean).join('.') : f.path,
    // only a field that carries the general message gets the reason's words; a field's own message stays
    message: (f.message === err.message && telling) || f.message,
  }));
}

/**
 * Given a form and a failed request, puts each field the server named on the form: on the field of
 * that name, else the nearest one holding it (`roles.0` → the roles select, `location.address` →
 * a `location` field), after `rename` (the form's name for a server field, by its first segment,
 * where the two differ) and only where `only` (if given) allows; scrolls to the first.
 *
 * Returns null when there is nothing to put next to a field (not the server's answer, or a refusal
 * about no field — show it as a whole), else the messages no field of the form could take (show
 * them apart; empty when every one was placed).
 */
export function applyServerError(form: FormInstance, err: unknown, only?: (name: NamePath) => boolean, rename: Record<string, string> = {}): string[] | null {
  if (!(err instanceof ApiError)) return null;
  const named = namedFields(err);
  if (!named.length) return null;
  const registered = new Map(form.getFieldsError().map((f) => [keyOf(f.name), f.name]));
  const placed = new Map<string, { name: NamePath; errors: string[] }>();
  const rest: string[] = [];
  for (const f of named) {
    const [head = '', ...tail] = namePathOf(f.path);
    const wanted = [rename[head] ?? head, ...tail];
    let name: NamePath | undefined;
    for (let n = wanted.length; n > 0 && !name; n--) name = registered.get(keyOf(wanted.slice(0, n)));
    if (!name || (only && !only(name))) {
      if (!rest.includes(f.message)) rest.push(f.message);
      continue;
    }
    const entry = placed.get(keyOf(name)) ?? { name, errors: [] };
    if (!entry.errors.includes(f.message)) entry.errors.push(f.message);
    placed.set(keyOf(name), entry);
  }
  const fields = [...placed.values()];
  if (fields.length) {
    form.setFields(fields);
    form.scrollToField(fields[0]!.name, { block: 'center' });
  }
  return rest;
}
