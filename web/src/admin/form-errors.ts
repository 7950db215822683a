/**
 * Server refusals next to the fields they concern: zod failures name fields
 * (`details.fields[].path`), service errors name one (`details.path`, with a `reason` that often
 * says more than the general message).
 */
import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';

/**
 * Given a form, a failed request and the form's field names, marks the fields the server named and
 * returns whether it placed any (when not, the caller shows the message on its own).
 */
export function placeFieldErrors(form: FormInstance, err: unknown, fields: readonly string[]): boolean {
  if (!(err instanceof ApiError)) return false;
  const reason = typeof err.details.reason === 'string' ? err.details.reason : undefined;
  const byField = new Map<string, string[]>();
  for (const f of err.fields) {
    const name = f.path.split('.')[0] ?? '';
    if (!fields.includes(name)) continue;
    const message = (f.message === err.message && reason && t.admin.fieldReasons[reason]) || f.message || err.message;
    byField.set(name, [...(byField.get(name) ?? []), message]);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  return byField.size > 0;
}
