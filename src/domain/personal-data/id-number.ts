/**
 * Resident identity numbers (居民身份证号码) per GB 11643-1999: 6-digit region, 8-digit birth date,
 * 3-digit sequence (odd = male), 1 check character (ISO 7064 MOD 11-2). Legacy 15-digit numbers
 * (pre-1999: 2-digit year, no check character) are upgraded to 18 so the blind index of one person is
 * one value whichever form was typed. Pure: `today` is passed in, the domain has no clock.
 */
import { AppError } from '../errors.js';

export type IdNumberResult =
  | { ok: true; normalized: string; birthDate: string; sex: 'M' | 'F' }
  | { ok: false; reason: 'format' | 'checksum' | 'birthdate' | 'region' };

// First two digits: provinces and equivalents (71 Taiwan, 81 Hong Kong, 82 Macao, 83 Taiwan residence permits).
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
  61, 62, 63, 64, 65, 71, 81, 82, 83,
]);

// Weight of position i is 2^(17-i) mod 11 (ISO 7064 MOD 11-2).
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

// Nobody alive was born before this; an earlier date is a typo, not a person.
const EARLIEST_BIRTH = '1900-01-01';

/** Given the first 17 digits of an ID number, returns its MOD 11-2 check character ('0'–'9' or 'X'). */
export function idCheckDigit(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new AppError('ID_NUMBER_INVALID', { reason: 'format' });
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Given a Date, a timestamp string or a 'YYYY-MM-DD' date, returns the calendar date in China (UTC+8, no DST since 1991). */
function chinaDate(today: string | Date): string {
  if (typeof today === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(today)) return today;
  const t = typeof today === 'string' ? new Date(today) : today;
  // A bad `today` is a caller bug; failing loudly beats accepting every birth date.
  if (Number.isNaN(t.getTime())) throw new TypeError(`invalid today: ${String(today)}`);
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Given 'YYYYMMDD', returns 'YYYY-MM-DD' when it is a real calendar date, else null. */
function calendarDate(yyyymmdd: string): string | null {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  if (m < 1 || m > 12 || d < 1) return null;
  // Day 0 of the next month is the last day of this one; UTC avoids any local-time shift.
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > lastDay) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** Given raw input, returns it with whitespace removed and full-width digits/Ｘ folded to ASCII (IME input). */
function fold(s: string): string {
  return s
    .replace(/[\s\u3000]+/g, '')
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[ｘＸx]/g, 'X');
}

/**
 * Given a typed ID number (18 or legacy 15 digits; spaces, full-width digits and a lowercase x tolerated) and
 * today's date ('YYYY-MM-DD' or a Date, read in China time), returns the normalized 18-character number with
 * birth date and sex, or the first reason it is invalid.
 */
export function validateIdNumber(s: string, today: string | Date): IdNumberResult {
  // Bound the work on hostile input before any regex runs.
  if (typeof s !== 'string' || s.length > 64) return { ok: false, reason: 'format' };
  const v = fold(s);
  let normalized: string;
  if (/^\d{17}[\dX]$/.test(v)) {
    // Checksum first: a mistyped digit anywhere is far likelier than a real bad region or date.
    if (idCheckDigit(v.slice(0, 17)) !== v[17]) return { ok: false, reason: 'checksum' };
    normalized = v;
  } else if (/^\d{15}$/.test(v)) {
    // Legacy numbers were issued only to people born in the 1900s; they carry no check character.
    const first17 = v.slice(0, 6) + '19' + v.slice(6);
    normalized = first17 + idCheckDigit(first17);
  } else {
    return { ok: false, reason: 'format' };
  }
  if (!PROVINCES.has(Number(normalized.slice(0, 2)))) return { ok: false, reason: 'region' };
  const birthDate = calendarDate(normalized.slice(6, 14));
  if (birthDate === null || birthDate < EARLIEST_BIRTH || birthDate > chinaDate(today)) {
    return { ok: false, reason: 'birthdate' };
  }
  const sex = Number(normalized[16]) % 2 === 1 ? 'M' : 'F';
  return { ok: true, normalized, birthDate, sex };
}

export type ValidIdNumber = Extract<IdNumberResult, { ok: true }>;

/** Given a typed ID number and today's date, returns {ok, normalized, birthDate, sex} or throws ID_NUMBER_INVALID {reason}. */
export function assertIdNumber(s: string, today: string | Date): ValidIdNumber {
  const r = validateIdNumber(s, today);
  if (!r.ok) throw new AppError('ID_NUMBER_INVALID', { reason: r.reason });
  return r;
}
