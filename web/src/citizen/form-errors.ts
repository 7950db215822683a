/**
 * Putting the server's refusals next to the fields they concern: validation errors carry field
 * paths (`petitioner.phone`); a few codes name a field only by what they are about.
 */
import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';

type FieldName = (string | number)[];

/** Given an error, the form's field names and a map from server path to form name, marks the fields; returns the messages it could not place. */
export function showServerErrors(
  form: FormInstance,
  err: unknown,
  pathToField: Record<string, FieldName>,
  codeToField: Record<string, FieldName> = {},
): string[] {
  if (!(err instanceof ApiError)) return [err instanceof Error ? err.message : String(err)];
  const placed = new Map<string, { name: FieldName; errors: string[] }>();
  const unplaced: string[] = [];
  const put = (name: FieldName, message: string) => {
    const key = name.join('.');
    const entry = placed.get(key) ?? { name, errors: [] };
    if (!entry.errors.includes(message)) entry.errors.push(message);
    placed.set(key, entry);
  };
  const byCode = codeToField[err.code];
  if (byCode) put(byCode, err.message);
  else {
    for (const f of err.fields) {
      const name = pathToField[f.path];
      if (name) put(name, f.message || err.message);
      else unplaced.push(f.message || err.message);
    }
  }
  if (placed.size === 0 && unplaced.length === 0) unplaced.push(err.message);
  form.setFields([...placed.values()].map(({ name, errors }) => ({ name, errors })));
  const first = placed.values().next().value;
  if (first) form.scrollToField(first.name, { block: 'center' });
  return unplaced;
}
