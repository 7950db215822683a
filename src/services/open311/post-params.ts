/**
 * The parameters of an Open311 POST request, as a form (`application/x-www-form-urlencoded`, the
 * spec's encoding: `attribute[code]=v`, a multi-value list as repeated `attribute[code][]=v`) or as
 * JSON (the same names, or `attribute: {code: v | [v…]}`). Pure: given the raw fields, returns the
 * submission or every problem, each named by its Open311 parameter.
 */
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { open311Text } from '../../i18n/zh-CN.js';

export type RawFields = Record<string, string | string[] | unknown>;

export interface Open311Submission {
  serviceCode: string;
  lat: number | null;
  long: number | null;
  addressString: string | null;
  addressId: string | null;
  description: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  email: string | null;
  deviceId: string | null;
  accountId: string | null;
  mediaUrl: string | null;
  /** answers by question code: one value, or the chosen keys of a multi-value list  */
  attributes: Record<string, string | string[]>;
}

// The same refusals as the JSON API's text fields (http/schemas.ts): no control characters, no lone surrogates.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const isCleanText = (s: string) => !CONTROL.test(s) && !LONE_SURROGATE.test(s);

/** The spec's description limit (request.json: maxLength 4000). */
export const MAX_DESCRIPTION = 4000;

const clean = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine(isCleanText, { message: '含有不允许的控制字符' });
const optional = (max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), clean(1, max).optional());
const coordinate = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : /^-?\d{1,3}(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN) : v),
    z.number({ message: '应为数字' }).min(min).max(max).optional(),
  );

const Fields = z.object({
  api_key: z.string().optional(),
  jurisdiction_id: z.string().optional(),
  service_code: clean(1, 40),
  lat: coordinate(-90, 90),
  long: coordinate(-180, 180),
  address_string: optional(200),
  address_id: optional(100),
  email: optional(200),
  device_id: optional(200),
  account_id: optional(200),
  first_name: optional(25),
  last_name: optional(25),
  phone: optional(30),
  description: z.preprocess((v) => (v === undefined ? '' : v), clean(5, MAX_DESCRIPTION)),
  media_url: optional(2000),
});

const ATTRIBUTE = /^attribute\[([^\]]*)\](\[\])?$/;
/** Question codes are at most 60 characters (category_questions.code). */
const MAX_CODE = 60;
/** Names that would reach an object's prototype if used as keys: never a question's code. */
const FORBIDDEN_CODES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Given the fields of a POST (form or JSON), returns the submission; VALIDATION_FAILED with each bad
 * parameter (`lat`, `description`, `attribute[code]` …) otherwise. A location is required: lat and long
 * together, or address_string, or address_id.
 */
export function parseSubmission(raw: RawFields): Open311Submission {
  // Prototype-free records: a field named __proto__ (JSON keeps it as an own key) sets nothing.
  const single: Record<string, unknown> = Object.create(null);
  const attributes: Record<string, string | string[]> = Object.create(null);
  const problems: { path: string; message: string }[] = [];
  for (const [name, value] of Object.entries(raw)) {
    const m = ATTRIBUTE.exec(name);
    if (m) {
      addAttribute(attributes, m[1]!, value, !!m[2], problems);
    } else if (name.startsWith('attribute[')) {
      problems.push({ path: name.slice(0, 80), message: open311Text.attributeCodeBad });
    } else if (name === 'attribute') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) problems.push({ path: 'attribute', message: open311Text.attributeShape });
      else for (const [code, v] of Object.entries(value as Record<string, unknown>)) addAttribute(attributes, code, v, Array.isArray(v), problems);
    } else if (name !== '__proto__') {
      // A repeated plain parameter is a client's mistake: the last one wins, as in most form readers.
      single[name] = Array.isArray(value) ? value.at(-1) : typeof value === 'number' ? String(value) : value;
    }
  }
  const parsed = Fields.safeParse(single);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: issue.path.join('.') || 'body', message: issue.message });
  }
  if (parsed.success) {
    const f = parsed.data;
    const hasPoint = f.lat !== undefined && f.long !== undefined;
    if ((f.lat === undefined) !== (f.long === undefined)) problems.push({ path: f.lat === undefined ? 'lat' : 'long', message: '经度和纬度须同时提供' });
    else if (!hasPoint && !f.address_string && !f.address_id) problems.push({ path: 'address_string', message: '须提供位置：经纬度（lat、long）、地址（address_string）或地址编号（address_id）之一' });
  }
  if (problems.length || !parsed.success) throw new AppError('VALIDATION_FAILED', { fields: problems });
  const f = parsed.data;
  return {
    serviceCode: f.service_code,
    lat: f.lat ?? null,
    long: f.long ?? null,
    addressString: f.address_string ?? null,
    addressId: f.address_id ?? null,
    description: f.description,
    firstName: f.first_name ?? null,
    lastName: f.last_name ?? null,
    phone: f.phone ?? null,
    email: f.email ?? null,
    deviceId: f.device_id ?? null,
    accountId: f.account_id ?? null,
    mediaUrl: f.media_url ?? null,
    // A plain object again for the store (drizzle refuses prototype-free values); the codes that would
    // touch a prototype were refused above.
    attributes: { ...attributes },
  };
}

function addAttribute(out: Record<string, string | string[]>, code: string, value: unknown, many: boolean, problems: { path: string; message: string }[]) {
  if (code.length === 0 || Array.from(code).length > MAX_CODE || FORBIDDEN_CODES.has(code) || !isCleanText(code)) {
    problems.push({ path: `attribute[${Array.from(code).slice(0, MAX_CODE).join('')}]`, message: open311Text.attributeCodeBad });
    return;
  }
  const list = (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'number' ? String(v) : v));
  if (!list.every((v): v is string => typeof v === 'string' && v.length <= 2000 && isCleanText(v))) {
    problems.push({ path: `attribute[${code}]`, message: '应为文字' });
    return;
  }
  const prior = out[code];
  if (many || prior !== undefined || list.length > 1) out[code] = [...(prior === undefined ? [] : Array.isArray(prior) ? prior : [prior]), ...list];
  else out[code] = list[0]!;
}

/**
 * Given a submission, returns the petitioner's name as written in Chinese order (surname first, no
 * space) or in Western order for Latin names; null when neither part was given.
 */
export function petitionerName(s: Pick<Open311Submission, 'firstName' | 'lastName'>): string | null {
  const first = s.firstName?.trim() ?? '';
  const last = s.lastName?.trim() ?? '';
  if (!first && !last) return null;
  const latin = /^[\p{Script=Latin}\s.'-]+$/u.test(first + last);
  return latin ? [first, last].filter(Boolean).join(' ') : `${last}${first}`;
}
