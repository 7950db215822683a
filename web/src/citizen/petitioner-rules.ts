/**
 * Client-side checks of a petitioner's phone and ID number, mirroring the server's
 * (src/domain/personal-data/phone.ts, id-number.ts) so most typos are caught before sending.
 * The server stays authoritative: it also checks the ID number's region and birth date.
 */

/** Given raw input, returns it with full-width digits and signs folded to ASCII and outer spaces trimmed. */
function foldWidth(s: string): string {
  return s
    .replace(/[０-９＋－（）＃]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, ' ')
    .trim();
}

const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^(?:0(?:10|2\d)|0[3-9]\d{2})[2-9]\d{6,7}$/;
const SERVICE = /^(?:1[12]\d|1\d{4}|9[56]\d{3}|[48]00\d{7})$/;

/** Given a typed phone number, returns whether it looks like a mainland mobile, landline or service number. */
export function isPlausiblePhone(raw: string): boolean {
  if (raw.length > 40) return false;
  let v = foldWidth(raw).replace(/\s*(转|分机|ext\.?|x|#)\s*/gi, '$1');
  let international = false;
  const intl = /^(?:\+\s*86|0086|\(\+?86\))[\s-]*/.exec(v);
  if (intl) {
    international = true;
    v = v.slice(intl[0].length);
  }
  const ext = /^(.*?)(?:转|分机|ext\.?|x|#)(\d{1,6})$/i.exec(v);
  if (ext) v = ext[1]!;
  const digitsOf = (s: string) => {
    const d = s.replace(/[\s\-.()]/g, '');
    return /^\d+$/.test(d) ? d : null;
  };
  const digits = digitsOf(v);
  if (digits === null) return false;
  if (!ext) {
    if (MOBILE.test(digits)) return true;
    if (!international && digits.length === 13 && digits.startsWith('86') && MOBILE.test(digits.slice(2))) return true;
    if (!international && SERVICE.test(digits)) return true;
  }
  if (LANDLINE.test(international ? '0' + digits : digits)) return true;
  if (!ext) {
    // `010-12345678-123`: a trailing dash group is an extension after a whole landline
    const tail = /^(.*\d)[\s-]+(\d{1,6})$/.exec(v);
    const head = tail ? digitsOf(tail[1]!) : null;
    if (head !== null && LANDLINE.test(international ? '0' + head : head)) return true;
  }
  return false;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export type IdNumberProblem = 'format' | 'checksum' | null;

/**
 * Given a typed ID number (spaces, full-width digits and a lowercase x tolerated), returns what is
 * wrong with it: its shape (18 characters, or a legacy 15 digits) or its MOD 11-2 check character.
 */
export function idNumberProblem(raw: string): IdNumberProblem {
  const v = raw
    .replace(/[\s\u3000]+/g, '')
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[ｘＸx]/g, 'X');
  if (/^\d{15}$/.test(v)) return null;
  if (!/^\d{17}[\dX]$/.test(v)) return 'format';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(v[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11] === v[17] ? null : 'checksum';
}
