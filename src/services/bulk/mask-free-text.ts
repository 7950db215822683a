/**
 * Personal data inside free text (a complaint's content, a reply, a contact log) for files that leave
 * the system: mobile numbers, landlines and ID numbers written in the text are masked the way the
 * structured fields are, and so are the case's own petitioners' names and addresses wherever the
 * text repeats them. Event data goes out through an allow-list: the system's own values (ids, enums,
 * dates, counts, flags — the webhook's list) plus the free-text fields a supervisor reads (replies,
 * reasons, notes), masked; everything else (a mediator's or attendees' names, a hearing's place,
 * category answers, file names) is dropped. A confidential case's or an accusation's free text is
 * withheld altogether.
 */
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../../domain/personal-data/mask.js';
import { safeEventData } from '../webhooks/payload.js';

const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])/g;
const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/g;
const LANDLINE_IN_TEXT = /(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)/g;

/** The plain names and addresses of a case's petitioners (and the case's address), decrypted only to be masked out of its text. */
export interface KnownPeople {
  names: readonly string[];
  addresses: readonly string[];
}

/** Given a list of strings, returns a replacer of each one (longest first, so 欧阳娜娜 is found before 欧阳). */
function replaceAll(text: string, found: readonly string[], mask: (s: string) => string): string {
  let out = text;
  for (const s of [...new Set(found.map((x) => x.trim()).filter((x) => Array.from(x).length >= 2))].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(mask(s));
  }
  return out;
}

/**
 * Given free text (and, when known, the case's petitioners' names and addresses), returns it with ID
 * numbers and phone numbers masked (110105********002X, 138****1234) and those names and addresses
 * masked as in the structured fields (郑**, 梅园路18号****).
 */
export function maskFreeText(s: string, known?: KnownPeople): string {
  let out = s;
  if (known) {
    out = replaceAll(out, known.addresses, maskAddress);
    out = replaceAll(out, known.names, maskName);
  }
  return out
    .replace(ID_IN_TEXT, (m) => maskIdNumber(m))
    .replace(MOBILE_IN_TEXT, (m) => maskPhone(m.replace(/[\s-]/g, '').replace(/^\+?86/, '')))
    .replace(LANDLINE_IN_TEXT, (m) => maskPhone(m));
}

/**
 * Free-text keys of event data a supervisor's export carries, masked: replies and opinions, reasons
 * (refusal, objection, extension, rework, review, chase), notes, a hearing's conclusion, an on-the-spot
 * answer, dispatch instructions, a contact log's or closure's summary, a joint meeting's decisions, a
 * mediation agreement, the petitioner's rating comment, a ledger review's progress. Names of people
 * (`mediator`, `attendees`), places, category answers and file names are not among them.
 */
export const EXPORTED_TEXT_KEYS: ReadonlySet<string> = new Set([
  'text', 'reason', 'note', 'conclusion', 'answer', 'instructions', 'summary', 'decisions', 'agreement', 'comment', 'progress',
]);

export interface EventDataOptions {
  /** a confidential case or an accusation: its free text is withheld, not masked */
  withheld: boolean;
  /** the text put in place of withheld free text */
  withheldText: string;
  known?: KnownPeople;
}

/**
 * Given an event's stored data, returns what an export carries: the allow-listed system values
 * (`safeEventData`, as a webhook gets them) and the free-text fields of EXPORTED_TEXT_KEYS, masked —
 * or, for a confidential case or an accusation, replaced by `withheldText`. Nothing else.
 */
export function exportedEventData(data: unknown, opts: EventDataOptions): Record<string, unknown> {
  const d = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  const out: Record<string, unknown> = safeEventData(d);
  // the people the event itself names (a mediator, a meeting's attendees) are masked in its text too
  const named = NAME_KEYS.flatMap((k) => [d[k]].flat().filter((x): x is string => typeof x === 'string'));
  const known: KnownPeople = { names: [...(opts.known?.names ?? []), ...named], addresses: opts.known?.addresses ?? [] };
  for (const [k, v] of Object.entries(d)) {
    if (!EXPORTED_TEXT_KEYS.has(k) || typeof v !== 'string' || v === '') continue;
    out[k] = opts.withheld ? opts.withheldText : maskFreeText(v, known);
  }
  return out;
}

/** Keys of event data that hold people's names (never exported; masked where the event's text repeats them). */
const NAME_KEYS = ['mediator', 'attendees'] as const;
