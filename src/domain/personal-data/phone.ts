/**
 * Mainland telephone numbers as petitioners type them. One canonical form per number, because the
 * normalized value feeds the blind index that recognises a repeat petitioner:
 * - mobile: 11 digits, `13812341234` (from `+86 138-1234-1234`, `0086…`, `86…`)
 * - landline: `area-local` with an optional `转ext`, `010-12345678`, `0571-8765432转123`
 * - service: hotlines such as `12345`, `110`, `95588`, `4008123123`, digits only
 */
import { AppError } from '../errors.js';

export type PhoneKind = 'mobile' | 'landline' | 'service';
export type PhoneResult = { ok: true; kind: PhoneKind; normalized: string } | { ok: false };

// 3-digit area codes (incl. trunk 0) are 010 and 02x; every other area code has 4 digits (0 + 3).
// Local numbers never begin with 0 (trunk) or 1 (special services).
const LANDLINE = /^(0(?:10|2\d)|0[3-9]\d{2})([2-9]\d{6,7})$/;
const MOBILE = /^1[3-9]\d{9}$/;
// 110/119/120/122…, 5-digit 1xxxx (12345, 12315, 10086), 95xxx/96xxx, 400/800 enterprise numbers.
const SERVICE = /^(?:1[12]\d|1\d{4}|9[56]\d{3}|[48]00\d{7})$/;
// Explicit extension markers; a bare trailing `-123` is handled separately below.
const EXTENSION = /^(.*?)(?:转|分机|ext\.?|x|#)(\d{1,6})$/i;

/** Given raw input, returns it with full-width digits and signs folded to ASCII and outer spaces trimmed. */
function fold(s: string): string {
  return s
    .replace(/[０-９＋－（）＃]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .trim();
}

/** Given a string of digits and separators, returns only its digits, or null if anything else is in it. */
function digitsOnly(s: string): string | null {
  const stripped = s.replace(/[\s\-.()]/g, '');
  return /^\d+$/.test(stripped) ? stripped : null;
}

/** Given a digits-only landline (no extension), returns `area-local`, or null when it is not one. */
function landline(digits: string): string | null {
  const m = LANDLINE.exec(digits);
  return m ? `${m[1]}-${m[2]}` : null;
}

/** Given a typed phone number, returns its kind and canonical form, or {ok:false} when it is not a mainland number. */
export function parsePhone(s: string): PhoneResult {
  // Bound the work on hostile input before any regex runs.
  if (typeof s !== 'string' || s.length > 40) return { ok: false };
  let v = fold(s).replace(/\s*(转|分机|ext\.?|x|#)\s*/gi, '$1');
  // International prefix: +86 / 0086 / 86. For landlines it replaces the trunk 0 (+86 10 … = 010 …).
  let international = false;
  const intl = /^(?:\+\s*86|0086|\(\+?86\))[\s\-]*/.exec(v);
  if (intl) {
    international = true;
    v = v.slice(intl[0].length);
  }
  let ext: string | null = null;
  const e = EXTENSION.exec(v);
  if (e) {
    v = e[1]!;
    ext = e[2]!;
  }
  const digits = digitsOnly(v);
  if (digits === null) return { ok: false };

  if (ext === null) {
    if (MOBILE.test(digits)) return { ok: true, kind: 'mobile', normalized: digits };
    // Bare `86` without the plus is common on forms; only strip it when the rest is a whole mobile number.
    if (!international && digits.length === 13 && digits.startsWith('86') && MOBILE.test(digits.slice(2))) {
      return { ok: true, kind: 'mobile', normalized: digits.slice(2) };
    }
    if (!international && SERVICE.test(digits)) return { ok: true, kind: 'service', normalized: digits };
  }
  const withTrunk = international ? '0' + digits : digits;
  const base = landline(withTrunk);
  if (base !== null) return { ok: true, kind: 'landline', normalized: ext ? `${base}转${ext}` : base };

  // `010-12345678-123`: the last dash-separated group is an extension if what precedes it is a whole landline.
  if (ext === null) {
    const tail = /^(.*\d)[\s\-]+(\d{1,6})$/.exec(v);
    if (tail) {
      const head = digitsOnly(tail[1]!);
      const headLine = head === null ? null : landline(international ? '0' + head : head);
      if (headLine !== null) return { ok: true, kind: 'landline', normalized: `${headLine}转${tail[2]}` };
    }
  }
  return { ok: false };
}

/** Given a typed phone number, returns its canonical form, or null when it is not a valid mainland number. */
export function normalizePhone(s: string): string | null {
  const r = parsePhone(s);
  return r.ok ? r.normalized : null;
}

/** Given a typed phone number, returns its canonical form or throws PHONE_INVALID. */
export function assertPhone(s: string): string {
  const r = parsePhone(s);
  if (!r.ok) throw new AppError('PHONE_INVALID', {});
  return r.normalized;
}
