/**
 * GET requests, GET a request, GET a token. A petition system does not publish petitions: a key reads
 * only what it submitted itself (open311_tokens), and every read is audited. A case is listed once it
 * has left 登记 (accepted, refused, answered on the spot …): until then the submitter holds a token.
 */
import { and, desc, eq, gte, inArray, lte, ne, notInArray, type SQL } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { OPEN_STATES, STATE_LABELS_ZH, isOpen } from '../../domain/lifecycle/transitions.js';
import type { CaseState } from '../../domain/lifecycle/types.js';
import { caseEvents, cases, categories, open311Tokens } from '../../store/schema.js';
import { findUnitsById } from '../../store/org-repository.js';
import type { Queryable } from '../../store/database.js';
import { open311Text } from '../../i18n/zh-CN.js';
import type { AppContext } from '../context.js';
import type { ApiKeyRow } from '../api-keys.js';
import { writeAudit } from '../audit-log.js';
import { maskFreeText } from '../bulk/mask-free-text.js';
import { MAX_DESCRIPTION } from './post-params.js';

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string | null;
  service_code: string;
  description: string;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string | null;
  lat: number | null;
  long: number | null;
}

export interface RequestFilter {
  ids?: string[];
  serviceCode?: string;
  start: Date;
  end: Date;
  status?: ('open' | 'closed')[];
  page: number;
  pageSize: number;
}

/** The spec's default window and the longest one a query may span. */
export const WINDOW_MS = 90 * 86_400_000;
/** Longest status note: a reply can be long; the note says what it is, the petitioner's letter has the rest. */
const NOTE_MAX = 500;
/**
 * Decimals kept of a coordinate: 3 ≈ 100 m, enough to put a report on a map, too coarse to name a
 * home. A key may ship inside a public app: whatever it reads, anyone who extracts it reads too.
 */
const COORDINATE_DECIMALS = 3;
/** Events whose data says what the petitioner was told when the case was decided without a reply. */
const DECISION_EVENTS = { refused: 'case.refused', answered_on_spot: 'case.answered_on_spot' } as const;

type CaseRow = typeof cases.$inferSelect;

/** Given a token, returns it with the case number once the case left 登记 (null until then); OPEN311_TOKEN_NOT_FOUND otherwise. */
export async function resolveToken(ctx: AppContext, token: string, key: ApiKeyRow | null): Promise<{ token: string; serviceRequestId: string | null }> {
  if (!/^[0-9a-f]{32}$/.test(token)) throw new AppError('OPEN311_TOKEN_NOT_FOUND');
  const [row] = await ctx.db
    .select({ number: cases.number, state: cases.state, caseId: cases.id })
    .from(open311Tokens)
    .innerJoin(cases, and(eq(cases.region, open311Tokens.region), eq(cases.id, open311Tokens.caseId)))
    .where(and(eq(open311Tokens.region, ctx.config.REGION), eq(open311Tokens.token, token)))
    .limit(1);
  if (!row) throw new AppError('OPEN311_TOKEN_NOT_FOUND');
  const published = row.state !== 'registered';
  if (published) await audit(ctx, key, 'open311.token_read', [row.number], { token: token.slice(0, 8) });
  return { token, serviceRequestId: published ? row.number : null };
}

/** Given a key and filters, returns a page of the requests it submitted, newest first. */
export async function listRequests(ctx: AppContext, key: ApiKeyRow, f: RequestFilter): Promise<Open311Request[]> {
  const conds: SQL[] = [];
  if (f.ids?.length) {
    // The spec: a list of ids overrides every other filter.
    conds.push(inArray(cases.number, f.ids));
  } else {
    conds.push(gte(cases.receivedAt, f.start), lte(cases.receivedAt, f.end));
    if (f.serviceCode) conds.push(eq(cases.categoryCode, f.serviceCode));
    if (f.status?.length === 1) conds.push(f.status[0] === 'open' ? inArray(cases.state, [...OPEN_STATES]) : notInArray(cases.state, [...OPEN_STATES]));
  }
  const rows = await ownCases(ctx, key, conds, f.pageSize, (f.page - 1) * f.pageSize);
  const out = await present(ctx, rows);
  await audit(ctx, key, 'open311.requests_read', out.map((r) => r.service_request_id), { page: f.page });
  return out;
}

/** Given a key and a case number, returns that request when the key submitted it; OPEN311_REQUEST_NOT_FOUND otherwise (missing and not yours look alike). */
export async function getRequest(ctx: AppContext, key: ApiKeyRow, number: string): Promise<Open311Request> {
  const rows = await ownCases(ctx, key, [eq(cases.number, number)], 1, 0);
  if (rows.length === 0) throw new AppError('OPEN311_REQUEST_NOT_FOUND');
  const out = await present(ctx, rows);
  await audit(ctx, key, 'open311.request_read', [number], {});
  return out[0]!;
}

async function ownCases(ctx: AppContext, key: ApiKeyRow, conds: SQL[], limit: number, offset: number): Promise<CaseRow[]> {
  const rows = await ownCasesQuery(ctx.db, ctx.config.REGION, key.id, conds, limit, offset);
  return rows.map((r) => r.c);
}

/**
 * Given a key and filters, returns the query of the cases it submitted, newest submission first: it
 * walks open311_tokens_key_idx (region, api_key_id, created_at) backwards and joins each case by its
 * primary key, so a key's page costs the same however many other keys there are.
 */
export function ownCasesQuery(q: Queryable, region: string, keyId: string, conds: SQL[], limit: number, offset: number) {
  return q
    .select({ c: cases })
    .from(open311Tokens)
    .innerJoin(cases, and(eq(cases.region, open311Tokens.region), eq(cases.id, open311Tokens.caseId)))
    .where(and(eq(open311Tokens.region, region), eq(open311Tokens.apiKeyId, keyId), ne(cases.state, 'registered'), ...conds))
    .orderBy(desc(open311Tokens.createdAt), desc(open311Tokens.token))
    .limit(limit)
    .offset(offset);
}

/**
 * Given case rows, returns them as GeoReport requests: the lead unit as the agency, the running
 * clock's due date as expected, and personal data kept back — ID and phone numbers in the text masked,
 * the address masked, coordinates rounded to about 100 m; a confidential case or an accusation (Art.
 * 30) shows only its state, never its text or place.
 */
async function present(ctx: AppContext, rows: CaseRow[]): Promise<Open311Request[]> {
  if (rows.length === 0) return [];
  const units = await findUnitsById(ctx.db, [...new Set(rows.map((r) => r.leadUnitId ?? r.ownerUnitId))]);
  const codes = [...new Set(rows.map((r) => r.categoryCode).filter((c): c is string => !!c))];
  const names = new Map(
    codes.length ? (await ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(inArray(categories.code, codes))).map((r) => [r.code, r.name]) : [],
  );
  const decisions = await lastDecisionEvents(ctx.db, rows.filter((r) => !isWithheld(r) && r.state in DECISION_EVENTS));
  return rows.map((r) => {
    const state = r.state as CaseState;
    const withheld = isWithheld(r);
    return {
      service_request_id: r.number,
      status: isOpen(state) ? 'open' : 'closed',
      status_notes: withheld ? stateLabel(r) : statusNotes(r, decisions.get(r.id)),
      service_name: r.categoryCode ? names.get(r.categoryCode) ?? null : null,
      service_code: r.categoryCode ?? '',
      description: withheld ? open311Text.withheld : maskFreeText(Array.from(r.content).slice(0, MAX_DESCRIPTION).join('')),
      agency_responsible: units.get(r.leadUnitId ?? r.ownerUnitId)?.name ?? null,
      service_notice: null,
      requested_datetime: chinaIso(r.receivedAt),
      updated_datetime: chinaIso(r.updatedAt),
      expected_datetime: r.nextDueAt && isOpen(state) ? chinaIso(r.nextDueAt) : null,
      address: withheld ? null : r.addressMask || null,
      lat: withheld ? null : coarse(r.lat),
      long: withheld ? null : coarse(r.lng),
    };
  });
}

/** Given a case, returns whether its content is kept back: confidential, or an accusation (its accused units named or its nature so). */
function isWithheld(r: CaseRow): boolean {
  return r.confidential || r.nature === 'accusation' || r.accusedUnitPaths.length > 0;
}

/** Given a coordinate, returns it rounded to COORDINATE_DECIMALS (null stays null). */
function coarse(x: number | null): number | null {
  if (x === null) return null;
  const f = 10 ** COORDINATE_DECIMALS;
  return Math.round(x * f) / f;
}

/**
 * Given refused and answered-on-the-spot cases, returns the data of each one's last refusal or answer
 * event, by case id: one query for the whole page (the newest such event per case), not one per row.
 */
async function lastDecisionEvents(q: Queryable, rows: CaseRow[]): Promise<Map<string, Record<string, unknown>>> {
  if (rows.length === 0) return new Map();
  const found = await q
    .selectDistinctOn([caseEvents.caseId], { caseId: caseEvents.caseId, type: caseEvents.type, data: caseEvents.data })
    .from(caseEvents)
    .where(and(eq(caseEvents.region, rows[0]!.region), inArray(caseEvents.caseId, rows.map((r) => r.id)), inArray(caseEvents.type, Object.values(DECISION_EVENTS))))
    .orderBy(caseEvents.caseId, desc(caseEvents.seq));
  const wanted = new Map(rows.map((r) => [r.id, DECISION_EVENTS[r.state as keyof typeof DECISION_EVENTS]]));
  return new Map(found.filter((e) => wanted.get(e.caseId) === e.type).map((e) => [e.caseId, (e.data ?? {}) as Record<string, unknown>]));
}

const stateLabel = (r: CaseRow) => STATE_LABELS_ZH[r.state as CaseState] ?? r.state;

/**
 * Given a case and its last decision event's data, returns its state in words with what the
 * petitioner is told of it (the refusal's reason, the on-the-spot answer or the reply), ID and phone
 * numbers in it masked.
 */
function statusNotes(r: CaseRow, decision: Record<string, unknown> | undefined): string {
  let detail: string | null = null;
  if (decision && r.state === 'refused') detail = open311Text.refusedNote.replace('{reason}', String(decision.reason ?? ''));
  else if (decision && r.state === 'answered_on_spot') detail = open311Text.answeredNote.replace('{answer}', String(decision.answer ?? ''));
  else if (!(r.state in DECISION_EVENTS) && r.replyText) {
    const opinion = open311Text.replyOpinion[r.replyOpinion as keyof typeof open311Text.replyOpinion] ?? '';
    detail = open311Text.replyNote.replace('{opinion}', opinion).replace('{text}', r.replyText);
  }
  const note = maskFreeText(detail ? `${stateLabel(r)}。${detail}` : stateLabel(r));
  const chars = Array.from(note);
  return chars.length > NOTE_MAX ? `${chars.slice(0, NOTE_MAX - 1).join('')}…` : note;
}

/** Given an instant, returns it in ISO 8601 at China time with its offset, e.g. 2026-03-02T10:00:00.000+08:00. */
export function chinaIso(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 23) + '+08:00';
}

/**
 * Given the key that read (null: a token read without one) and what it read, records the read. The
 * reader is the key, not a person: actorId stays empty, the key is the target (its acting user only
 * registers and accepts in its name; he did not read anything).
 */
async function audit(ctx: AppContext, key: ApiKeyRow | null, action: string, numbers: string[], extra: Record<string, unknown>) {
  if (numbers.length === 0) return;
  await writeAudit(ctx, { actorId: null, action, targetType: 'api_key', targetId: key?.id ?? null, data: { numbers, apiKeyPrefix: key?.prefix ?? null, ...extra } });
}
