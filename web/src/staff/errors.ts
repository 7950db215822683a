/**
 * Server errors onto form fields: `{code, message, details:{fields:[{path,message}]}}` (or a single
 * `details.path`) becomes antd field errors, so the message sits next to what the user typed and the
 * typed input stays as it was.
 */
import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';
import { t } from '../i18n/zh-CN';

type NamePath = (string | number)[];

/** Given a server path such as "petitioners.0.phone", returns the antd name path. */
export const namePathOf = (path: string): NamePath => path.split('.').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** Given an error, returns the field errors it names, with service codes that name a row mapped to the field. */
export function fieldErrorsOf(err: ApiError): { name: NamePath; errors: string[] }[] {
  const out: { name: NamePath; errors: string[] }[] = [];
  const listed = [...err.fields];
  // The lifecycle domain names the field as `field` with an `issue` (apply-command.ts validateCommand).
  if (!listed.length && typeof err.details.field === 'string') {
    const issue = typeof err.details.issue === 'string' ? err.details.issue : '';
    listed.push({ path: err.details.field, message: t.staff.errors.issues[issue] ?? err.message });
  }
  for (const f of listed) {
    if (!f.path) continue;
    const name = namePathOf(f.path);
    let message = f.message;
    // The intake service names the n-th petitioner ("petitioners.0"); the code says which field.
    if (name[0] === 'petitioners' && name.length === 2) {
      if (err.code === 'PHONE_INVALID') name.push('phone');
      else if (err.code === 'ID_NUMBER_INVALID') {
        name.push('idNumber');
        const reason = typeof err.details.reason === 'string' ? err.details.reason : '';
        message = t.staff.intake.idInvalid[reason] ?? err.message;
      } else name.push('name');
    }
    out.push({ name, errors: [message] });
  }
  return out;
}

/**
 * Given a form and a failed request, marks the fields the server named; returns the messages of
 * fields the form does not have (to show as a message instead), or null when it was not an ApiError.
 */
export function applyServerError(form: FormInstance, err: unknown, hasField: (name: NamePath) => boolean = () => true): string[] | null {
  if (!(err instanceof ApiError)) return null;
  const fields = fieldErrorsOf(err);
  const shown = fields.filter((f) => hasField(f.name));
  if (shown.length) form.setFields(shown);
  return fields.filter((f) => !hasField(f.name)).map((f) => `${f.name.join('.')}：${f.errors[0]}`);
}

export const formInvalidMessage = () => t.staff.errors.formInvalid;
