/**
 * Reading a "received at" cell the way Chinese systems write it: `2026/3/5 9:30`, `2026-03-05 09:30:00`,
 * `2026年3月5日 9时30分`, `20260305`, ISO 8601 with an offset, an Excel date cell or an Excel serial
 * number. A time without a zone is China time (UTC+8). Pure: no clock, no I/O.
 */

const OFFSET_MS = 8 * 3_600_000;
/** Excel's day 0 is 1899-12-30 (the 1900 leap-year bug makes serials from March 1900 on count from there). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
/** Serials of 2000-01-01 and 2100-01-01: a number outside is not a date a clerk meant. */
const SERIAL_MIN = 36_526;
const SERIAL_MAX = 73_051;

const WRITTEN =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|T|\s*日\s*)(\d{1,2})\s*[:：时点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?|\s*分)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Given a cell's value (text, an Excel date cell — its UTC fields are the wall clock typed — or an
 * Excel serial number), returns the instant it names in China time, or null when it is not a
 * real date and time.
 */
export function parseChinaDateTime(value: unknown): Date | null {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    // Excel cells have no zone: exceljs hands the typed wall clock back as UTC fields.
    return new Date(value.getTime() - OFFSET_MS);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < SERIAL_MIN || value > SERIAL_MAX) return null;
    const wall = EXCEL_EPOCH_MS + Math.round(value * 86_400_000 / 1000) * 1000;
    return new Date(wall - OFFSET_MS);
  }
  if (typeof value !== 'string') return null;
  const s = value.trim().replace(/\s+/g, ' ');
  if (s === '') return null;
  if (ISO_WITH_ZONE.test(s)) {
    const t = Date.parse(s);
    return Number.isNaN(t) ? null : new Date(t);
  }
  const m = WRITTEN.exec(s) ?? COMPACT.exec(s);
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  return fromWallClock(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(sec));
}

/** Given China wall-clock fields, returns the instant, or null when any field is out of range (2月30日, 25:00). */
function fromWallClock(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return new Date(wall - OFFSET_MS);
}
