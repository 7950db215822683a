/**
 * What a webhook delivery carries: the case's public-safe facts (number, state, category, lead unit,
 * next due date) and the event with its data cut to an allow-list. No petitioner's personal data
 * ever leaves: names, phones, ID numbers and addresses live in case_petitioners and are never read
 * here, and every free-text field of an event (reasons, replies, notes, answers to category
 * questions, file names) is dropped, because a citizen's or an official's text may name people.
 */

/**
 * Event data keys whose values are ids, enums, dates, counts or flags written by the system. Any key
 * not listed is dropped; a listed key keeps only short scalar values (see safeValue).
 */
const SAFE_DATA_KEYS: ReadonlySet<string> = new Set([
  // lifecycle: states and routing
  'from', 'to', 'leadUnitId', 'assistUnitIds', 'toUnitId', 'intoCaseId', 'createdCaseIds', 'due',
  // decisions as enums
  'legalChannel', 'opinion', 'outcome', 'method', 'reached', 'contacted', 'solved', 'satisfied', 'days', 'listed',
  // supervision
  'supervisionId', 'replyDueAt', 'kind', 'targetUnitId', 'escalatedToUnitId',
  // registration
  'number', 'channel', 'nature', 'categoryCode', 'ownerUnitId', 'gridUnitId', 'petitionerCount', 'flags', 'receivedAt', 'parentCaseId',
  // deadlines, merges, attachments, spot checks, ledger
  'clock', 'dueAt', 'unitId', 'fromCaseId', 'fromNumber', 'attachmentId', 'mime', 'size', 'stage', 'round', 'spotCheckId', 'verdict', 'month', 'status',
]);

/** The longest string kept: ids, dates, enums and case numbers fit; sentences do not. */
const MAX_STRING = 64;

type Safe = string | number | boolean | null | Safe[] | { [k: string]: Safe };

/** Given a value from event data, returns it when it is short and scalar (or a list / map of such), else undefined. */
function safeValue(v: unknown, depth = 0): Safe | undefined {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return v.length <= MAX_STRING && !/\s/.test(v) ? v : undefined;
  if (depth >= 1) return undefined;
  if (Array.isArray(v)) {
    const out = v.slice(0, 50).map((x) => safeValue(x, depth + 1));
    return out.every((x) => x !== undefined && (typeof x !== 'object' || x === null)) ? (out as Safe[]) : undefined;
  }
  if (typeof v === 'object') {
    // only a map of scalars, such as `due: { handling: '2026-…' }`
    const out: Record<string, Safe> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>).slice(0, 20)) {
      const s = safeValue(x, depth + 1);
      if (s !== undefined && /^[a-z_]{1,32}$/i.test(k)) out[k] = s;
    }
    return out;
  }
  return undefined;
}

/** Given an event's stored data, returns only the allow-listed keys with short scalar values. */
export function safeEventData(data: Record<string, unknown>): Record<string, Safe> {
  const out: Record<string, Safe> = {};
  for (const [k, v] of Object.entries(data ?? {})) {
    if (!SAFE_DATA_KEYS.has(k)) continue;
    const s = safeValue(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

export interface WebhookPayload {
  /** the delivery id (also X-Xinfang-Delivery): receivers dedupe on it */
  id: string;
  type: string;
  occurredAt: string;
  case: {
    number: string;
    state: string;
    categoryCode: string | null;
    leadUnit: { id: string; name: string } | null;
    dueAt: string | null;
    url?: string;
  };
  event: { seq: number; type: string; at: string; data: Record<string, Safe> };
}

export interface PayloadSource {
  deliveryId: string;
  caseRow: { id: string; number: string; state: string; categoryCode: string | null; nextDueAt: Date | null };
  leadUnit: { id: string; name: string } | null;
  event: { seq: number; type: string; at: Date; data: unknown };
  /** the deployment's public address (settings: public_base_url), when configured */
  baseUrl: string | null;
}

export interface CaseAsOfEvent {
  state: string;
  categoryCode: string | null;
  leadUnitId: string | null;
}

/**
 * Given a case's events up to and including one (in any order; later ones are ignored) and that
 * event's seq, returns the case's state, category and lead unit as that event left them, replayed
 * from the append-only log: every transition records `to`, dispatch / redispatch / joint meeting
 * record the new `leadUnitId`, escalation its `toUnitId`. A delivery sent late (a retry after hours)
 * thus describes the case as it was at its event, not as it is now: a unit that lost the case on a
 * redispatch is not told what became of it afterwards.
 */
export function caseAsOfEvent(events: ReadonlyArray<{ seq: number; type: string; data: unknown }>, seq: number): CaseAsOfEvent {
  const out: CaseAsOfEvent = { state: 'registered', categoryCode: null, leadUnitId: null };
  for (const e of [...events].filter((x) => x.seq <= seq).sort((a, b) => a.seq - b.seq)) {
    const d = (e.data ?? {}) as Record<string, unknown>;
    if (typeof d.to === 'string') out.state = d.to;
    if (typeof d.categoryCode === 'string' || d.categoryCode === null) out.categoryCode = (d.categoryCode as string | null) ?? out.categoryCode;
    if (typeof d.leadUnitId === 'string') out.leadUnitId = d.leadUnitId;
    if (e.type === 'case.escalated' && typeof d.toUnitId === 'string') out.leadUnitId = d.toUnitId;
  }
  return out;
}

/** Given a delivery's case, lead unit and event, returns the JSON payload sent for it. */
export function buildWebhookPayload(src: PayloadSource): WebhookPayload {
  const at = src.event.at.toISOString();
  return {
    id: src.deliveryId,
    type: src.event.type,
    occurredAt: at,
    case: {
      number: src.caseRow.number,
      state: src.caseRow.state,
      categoryCode: src.caseRow.categoryCode,
      leadUnit: src.leadUnit,
      dueAt: src.caseRow.nextDueAt ? src.caseRow.nextDueAt.toISOString() : null,
      ...(src.baseUrl ? { url: `${src.baseUrl.replace(/\/+$/, '')}/staff/cases/${src.caseRow.id}` } : {}),
    },
    event: { seq: src.event.seq, type: src.event.type, at, data: safeEventData((src.event.data ?? {}) as Record<string, unknown>) },
  };
}
