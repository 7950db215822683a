/**
 * The monthly 百案攻坚 ledger (台账, DOMAIN.md §5) for a month and the caller's scope: the
 * leader-owned (包案) and backlog (积案) cases that were open during the month, each with its
 * owning leader, due date, overdue days, the month's rolling review line (ledger_reviews), whether
 * it was newly assigned and whether it was closed out (销号) in the month; the month's figures; and
 * the month's 催办/督办 from `supervisions`. Which case is on which month's ledger is decided from
 * the case's events (domain/ledger/ledger-month.ts), so a past month reads as it was.
 */
import { and, asc, eq, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { chinaMonthBounds, chinaMonthDates, chinaMonthOf, isValidMonth } from '../domain/china-month.js';
import { toChinaDate } from '../domain/deadlines/china-date.js';
import { ledgerMonthEntry, type LedgerEventFact, type LedgerMonthEntry } from '../domain/ledger/ledger-month.js';
import { OPEN_STATES, STATE_LABELS_ZH, isOpen } from '../domain/lifecycle/transitions.js';
import type { CaseSnapshot, CaseState } from '../domain/lifecycle/types.js';
import type { Queryable } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findUnit, findUnitsById } from '../store/org-repository.js';
import { caseEvents, cases, categories, ledgerReviews, supervisions, users } from '../store/schema.js';
import { caseInScope, caseScopeFilter } from '../store/scope.js';
import type { AppContext, StaffActor } from './context.js';
import { findCaseForUpdate, type CaseRow } from './run-case-command.js';

export const REVIEW_STATUSES = ['on_track', 'delayed', 'closed_out'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_STATUS_ZH: Record<ReviewStatus, string> = { on_track: '按计划推进', delayed: '进度滞后', closed_out: '已销号' };
const SUPERVISION_KIND_ZH: Record<string, string> = { chase: '催办', supervise: '督办', listed: '挂牌督办' };

export interface LedgerRow {
  caseId: string;
  number: string;
  title: string;
  categoryCode: string | null;
  categoryName: string | null;
  leadUnitId: string | null;
  leadUnitName: string | null;
  ownerLeaderId: string | null;
  ownerLeaderName: string | null;
  /** 包案, 积案 or both */
  kinds: Array<'owned' | 'backlog'>;
  receivedAt: string;
  /** the handling due date (办理期限), China date */
  dueDate: string | null;
  /** the state at the month's end (now, in the current month) */
  state: string;
  stateLabel: string;
  overdueDays: number;
  ownedSince: string | null;
  backlogSince: string | null;
  newAssignment: boolean;
  closedOut: boolean;
  closedOutAt: string | null;
  review: { status: ReviewStatus; statusLabel: string; progress: string; reviewedAt: string; reviewedBy: string; reviewerName: string | null } | null;
}

export interface LedgerSupervision {
  id: string;
  caseId: string;
  number: string;
  title: string;
  kind: string;
  kindLabel: string;
  targetUnitName: string | null;
  reason: string;
  createdAt: string;
  replyDueAt: string;
  repliedAt: string | null;
  replyText: string | null;
  escalatedAt: string | null;
}

export interface LedgerSummary {
  total: number;
  owned: number;
  backlog: number;
  newAssignments: number;
  closedOut: number;
  stillOpen: number;
  overdue: number;
  reviewed: number;
  onTrack: number;
  delayed: number;
}

export interface Ledger {
  month: string;
  firstDate: string;
  lastDate: string;
  scopeUnitId: string;
  scopeName: string;
  generatedAt: string;
  /** the month is still running: figures are as of now */
  partial: boolean;
  rows: LedgerRow[];
  summary: LedgerSummary;
  supervisions: LedgerSupervision[];
}

/** Given a month, throws unless it is a YYYY-MM month that has begun (China time). */
function assertMonth(ctx: AppContext, month: string): void {
  if (!isValidMonth(month)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '月份格式应为 YYYY-MM' }] });
  if (month > chinaMonthOf(ctx.now())) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '该月尚未到来' }] });
}

/** Owned or backlog, by the case row (the events then say since when). */
const ledgerCandidate = sql`(${cases.ownerLeaderId} is not null or ${cases.flags} && array['leader_owned', 'backlog']::text[])`;

/** Given a staff actor and a month, returns that month's ledger over his scope (optionally one leader's cases only). */
export async function buildLedger(ctx: AppContext, actor: StaffActor, month: string, opts: { leaderId?: string } = {}): Promise<Ledger> {
  assertMonth(ctx, month);
  const now = ctx.now();
  const region = ctx.config.REGION;
  const period = chinaMonthBounds(month);
  const { start, end } = period;
  // A superset, from the case rows: owned or backlog, received before the month ended, and not
  // settled for good before it began (closed_at is the last settling). The events decide the rest.
  const rows = await ctx.db
    .select()
    .from(cases)
    .where(
      and(
        eq(cases.region, region),
        caseScopeFilter(actor),
        ledgerCandidate,
        lt(cases.receivedAt, end),
        or(inArray(cases.state, [...OPEN_STATES]), isNull(cases.closedAt), gte(cases.closedAt, start)),
        opts.leaderId ? eq(cases.ownerLeaderId, opts.leaderId) : undefined,
      ),
    );
  const events = await loadLedgerEvents(ctx.db, region, rows.map((r) => r.id));
  const entries = rows
    .map((r) => ({ row: r, entry: ledgerMonthEntry(factsOf(r, events.get(r.id) ?? []), period, now) }))
    .filter((x) => x.entry.onLedger);

  const ids = entries.map((x) => x.row.id);
  const reviews = ids.length
    ? await ctx.db
        .select()
        .from(ledgerReviews)
        .where(and(eq(ledgerReviews.region, region), eq(ledgerReviews.month, month), inArray(ledgerReviews.caseId, ids)))
    : [];
  const reviewOf = new Map(reviews.map((r) => [r.caseId, r]));
  const units = await findUnitsById(ctx.db, entries.map((x) => x.row.leadUnitId).filter((x): x is string => !!x));
  const names = await userNames(ctx.db, [...entries.map((x) => x.row.ownerLeaderId), ...reviews.map((r) => r.reviewedBy)]);
  const cats = await categoryNames(ctx.db, entries.map((x) => x.row.categoryCode));

  const ledgerRows: LedgerRow[] = entries
    .map(({ row, entry }) => presentRow(row, entry, reviewOf.get(row.id) ?? null, units, names, cats))
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.number.localeCompare(b.number));
  const scope = await findUnit(ctx.db, actor.scopeUnitId);
  const { first, last } = chinaMonthDates(month);
  return {
    month,
    firstDate: first,
    lastDate: last,
    scopeUnitId: actor.scopeUnitId,
    scopeName: scope?.name ?? '',
    generatedAt: now.toISOString(),
    partial: now.getTime() < end.getTime(),
    rows: ledgerRows,
    summary: summarize(ledgerRows),
    supervisions: await monthSupervisions(ctx, actor, start, end),
  };
}

/** Given ledger rows, returns the month's figures. */
export function summarize(rows: readonly LedgerRow[]): LedgerSummary {
  const count = (p: (r: LedgerRow) => boolean) => rows.filter(p).length;
  return {
    total: rows.length,
    owned: count((r) => r.kinds.includes('owned')),
    backlog: count((r) => r.kinds.includes('backlog')),
    newAssignments: count((r) => r.newAssignment),
    closedOut: count((r) => r.closedOut),
    stillOpen: count((r) => isOpen(r.state as CaseState)),
    overdue: count((r) => isOpen(r.state as CaseState) && r.overdueDays > 0),
    reviewed: count((r) => r.review !== null),
    onTrack: count((r) => r.review?.status === 'on_track'),
    delayed: count((r) => r.review?.status === 'delayed'),
  };
}

function presentRow(
  row: CaseRow,
  entry: LedgerMonthEntry,
  review: typeof ledgerReviews.$inferSelect | null,
  units: Map<string, { name: string }>,
  names: Map<string, string>,
  cats: Map<string, string>,
): LedgerRow {
  const due = handlingDueOf(row);
  const kinds: LedgerRow['kinds'] = [];
  if (entry.ownedSince) kinds.push('owned');
  if (entry.backlogSince) kinds.push('backlog');
  return {
    caseId: row.id,
    number: row.number,
    title: row.title,
    categoryCode: row.categoryCode,
    categoryName: row.categoryCode ? cats.get(row.categoryCode) ?? null : null,
    leadUnitId: row.leadUnitId,
    leadUnitName: row.leadUnitId ? units.get(row.leadUnitId)?.name ?? null : null,
    ownerLeaderId: row.ownerLeaderId,
    ownerLeaderName: row.ownerLeaderId ? names.get(row.ownerLeaderId) ?? null : null,
    kinds,
    receivedAt: row.receivedAt.toISOString(),
    dueDate: due ? toChinaDate(due) : null,
    state: entry.stateAtEnd,
    stateLabel: STATE_LABELS_ZH[entry.stateAtEnd as CaseState] ?? entry.stateAtEnd,
    overdueDays: entry.overdueDays,
    ownedSince: entry.ownedSince?.toISOString() ?? null,
    backlogSince: entry.backlogSince?.toISOString() ?? null,
    newAssignment: entry.newAssignment,
    closedOut: entry.closedOut,
    closedOutAt: entry.closedOutAt?.toISOString() ?? null,
    review: review
      ? {
          status: review.status as ReviewStatus,
          statusLabel: REVIEW_STATUS_ZH[review.status as ReviewStatus] ?? review.status,
          progress: review.progress,
          reviewedAt: review.reviewedAt.toISOString(),
          reviewedBy: review.reviewedBy,
          reviewerName: names.get(review.reviewedBy) ?? null,
        }
      : null,
  };
}

/** The handling clock's due date (Art. 34, extension included), the deadline a ledger is kept against. */
function handlingDueOf(row: CaseRow): Date | null {
  const due = (row.snapshot as CaseSnapshot).clocks.handling?.dueAt;
  return due ? new Date(due) : null;
}

function factsOf(row: CaseRow, events: LedgerEventFact[]) {
  return { receivedAt: row.receivedAt, ownerLeaderId: row.ownerLeaderId, flags: row.flags, handlingDueAt: handlingDueOf(row), events };
}

/** Given case ids, returns their transitions and the events that make a case owned or backlog, in order (the domain cuts them at the month's end). */
async function loadLedgerEvents(q: Queryable, region: string, caseIds: readonly string[]): Promise<Map<string, LedgerEventFact[]>> {
  const out = new Map<string, LedgerEventFact[]>();
  for (let i = 0; i < caseIds.length; i += 500) {
    const slice = caseIds.slice(i, i + 500);
    const rows = await q
      .select({
        caseId: caseEvents.caseId,
        type: caseEvents.type,
        at: caseEvents.at,
        to: sql<string | null>`${caseEvents.data}->>'to'`,
        flags: sql<string[] | null>`case when ${caseEvents.type} = 'case.registered' then ${caseEvents.data}->'flags' end`,
      })
      .from(caseEvents)
      .where(
        and(
          eq(caseEvents.region, region),
          inArray(caseEvents.caseId, slice),
          sql`((${caseEvents.data}->>'to') is not null or ${caseEvents.type} in ('case.registered', 'case.ownership_taken', 'case.overdue'))`,
        ),
      )
      .orderBy(asc(caseEvents.caseId), asc(caseEvents.seq));
    for (const r of rows) {
      const list = out.get(r.caseId) ?? [];
      list.push({ type: r.type, at: r.at, to: r.to, flags: Array.isArray(r.flags) ? r.flags : null });
      out.set(r.caseId, list);
    }
  }
  return out;
}

async function userNames(q: Queryable, ids: ReadonlyArray<string | null>): Promise<Map<string, string>> {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (!list.length) return new Map();
  const rows = await q.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, list));
  return new Map(rows.map((r) => [r.id, r.name]));
}

async function categoryNames(q: Queryable, codes: ReadonlyArray<string | null>): Promise<Map<string, string>> {
  const list = [...new Set(codes.filter((x): x is string => !!x))];
  if (!list.length) return new Map();
  const rows = await q.select({ code: categories.code, name: categories.name }).from(categories).where(inArray(categories.code, list));
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** Given the month, returns the 催办/督办 issued in it on cases in the actor's scope, oldest first. */
async function monthSupervisions(ctx: AppContext, actor: StaffActor, start: Date, end: Date): Promise<LedgerSupervision[]> {
  const rows = await ctx.db
    .select({ s: supervisions, number: cases.number, title: cases.title })
    .from(supervisions)
    .innerJoin(cases, and(eq(cases.region, supervisions.region), eq(cases.id, supervisions.caseId)))
    .where(and(eq(supervisions.region, ctx.config.REGION), gte(supervisions.createdAt, start), lt(supervisions.createdAt, end), caseScopeFilter(actor)))
    .orderBy(asc(supervisions.createdAt));
  const units = await findUnitsById(ctx.db, rows.map((r) => r.s.targetUnitId));
  return rows.map(({ s, number, title }) => ({
    id: s.id,
    caseId: s.caseId,
    number,
    title,
    kind: s.kind,
    kindLabel: SUPERVISION_KIND_ZH[s.kind] ?? s.kind,
    targetUnitName: units.get(s.targetUnitId)?.name ?? null,
    reason: s.reason,
    createdAt: s.createdAt.toISOString(),
    replyDueAt: s.replyDueAt.toISOString(),
    repliedAt: s.repliedAt?.toISOString() ?? null,
    replyText: s.replyText,
    escalatedAt: s.escalatedAt?.toISOString() ?? null,
  }));
}

export interface LedgerReviewInput {
  month: string;
  caseId: string;
  status: ReviewStatus;
  progress: string;
}

/**
 * Given a leader or supervisor and a case on the month's ledger in his scope, records (or rewrites)
 * the month's rolling review line and puts it on the case's timeline; returns the line.
 */
export async function recordLedgerReview(ctx: AppContext, actor: StaffActor, input: LedgerReviewInput) {
  assertMonth(ctx, input.month);
  const region = ctx.config.REGION;
  const period = chinaMonthBounds(input.month);
  return ctx.db.transaction(async (tx) => {
    const now = ctx.now();
    const row = await findCaseForUpdate(tx, region, input.caseId);
    if (!row || !caseInScope(actor, row)) throw new AppError('CASE_NOT_FOUND');
    const events = await loadLedgerEvents(tx, region, [row.id]);
    const entry = ledgerMonthEntry(factsOf(row, events.get(row.id) ?? []), period, now);
    if (!entry.onLedger) throw new AppError('LEDGER_CASE_NOT_LISTED', { month: input.month });
    if (input.status === 'closed_out' && isOpen(entry.stateAtEnd as CaseState)) {
      throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'status', message: '案件尚未办结，不能销号' }] });
    }
    const values = { status: input.status, progress: input.progress, leaderId: row.ownerLeaderId, reviewedAt: now, reviewedBy: actor.userId };
    const [saved] = await tx
      .insert(ledgerReviews)
      .values({ region, month: input.month, caseId: row.id, ...values })
      .onConflictDoUpdate({ target: [ledgerReviews.region, ledgerReviews.month, ledgerReviews.caseId], set: values })
      .returning();
    await appendCaseEvents(
      tx,
      { region, caseId: row.id, count: row.eventCount, headHash: row.headHash },
      [{ type: 'case.ledger_reviewed', data: { month: input.month, status: input.status, progress: input.progress }, actorId: actor.userId, actorRole: actor.roles.includes('leader') ? 'leader' : 'supervisor' }],
      now,
    );
    return {
      month: saved!.month,
      caseId: saved!.caseId,
      number: row.number,
      status: saved!.status as ReviewStatus,
      statusLabel: REVIEW_STATUS_ZH[saved!.status as ReviewStatus],
      progress: saved!.progress,
      reviewedAt: saved!.reviewedAt.toISOString(),
      reviewedBy: saved!.reviewedBy,
    };
  });
}
