/**
 * Personal data inside free text (a complaint's content, a contact log) for files that leave the
 * system: mobile numbers, landlines and ID numbers written in the text are masked the way the
 * structured fields are, and event data loses the fields that name or reach a person.
 */
import { maskIdNumber, maskPhone } from '../../domain/personal-data/mask.js';

const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])/g;
const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g;
const LANDLINE_IN_TEXT = /(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)/g;

/** Given free text, returns it with ID numbers and phone numbers masked (110105********002X, 138****1234). */
export function maskFreeText(s: string): string {
  return s
    .replace(ID_IN_TEXT, (m) => maskIdNumber(m))
    .replace(MOBILE_IN_TEXT, (m) => maskPhone(m.replace(/[\s-]/g, '').replace(/^\+?86/, '')))
    .replace(LANDLINE_IN_TEXT, (m) => maskPhone(m));
}

/** Keys of event data that name or reach a person; dropped from exported event data whatever their value. */
const PERSONAL_KEYS = /^(name|names|phone|phones|mobile|idNumber|idNumbers|address|addresses|email|petitioner|petitioners|contact|contacts|visitorName|visitorPhone)$|Enc$|Bidx$/i;

/** Given event data, returns a copy without personal fields and with free text masked. */
export function withoutPersonalData(v: unknown): unknown {
  if (typeof v === 'string') return maskFreeText(v);
  if (Array.isArray(v)) return v.map(withoutPersonalData);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!PERSONAL_KEYS.test(k)) out[k] = withoutPersonalData(x);
    return out;
  }
  return v;
}
