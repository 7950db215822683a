/**
 * Reading cases: queues and lists for staff (always through the scope filter), one case with its
 * timeline, the audited reveal of personal data, and the public tracking view.
 */
import crypto from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { CaseSnapshot } from '../domain/lifecycle/types.js';
import { OPEN_STATES, allowedCommands } from '../domain/lifecycle/transitions.js';
import { OPEN_STATE_SQL, casePetitioners, cases, categoryQuestions, orgUnits, supervisions } from '../store/schema.js';
import { caseIntelligence } from './intake-intelligence.js';
import { listCaseEvents } from '../store/case-events.js';
import { findActiveUser, findUnit, findUnitsById } from '../store/org-repository.js';
import { caseAccusationFilter, caseScopeFilter } from '../store/scope.js';
import type { AppContext, StaffActor } from './context.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findCaseForUpdate, relationsOf, type CaseRow } from './run-case-command.js';
import { hashQueryCode } from './register-case.js';
import { pausableClocksOf } from './case-clocks.js';
import type { Urgency } from '../domain/case-fields.js';
import { prefixTsQuery } from '../domain/text/segment.js';
import { categoryLineage } from '../domain/categories/answers.js';
import { displayAnswers, type DisplayedAnswer } from '../domain/categories/answer-display.js';
import { toQuestion } from './category-questions.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const QUEUES = ['to_sign', 'handling', 'due_soon', 'overdue', 'awaiting_visit', 'leader_owned', 'supervised', 'to_accept', 'all'] as const;
export type Queue = (typeof QUEUES)[number];

export interface CaseListFilter {
  queue?: Queue;
  state?: string[];
  channel?: string[];
  categoryCode?: string;
  unitId?: string;
  /** cases the unit's figures count: any owner, lead or assisting unit inside its subtree (the cockpit drills down to these) */
  withinUnitId?: string;
  from?: Date;
  to?: Date;
  flag?: string;
  q?: string;
  limit: number;
  offset: number;
}

const DUE_SOON_MS = 3 * 24 * 3_600_000; // DOMAIN.md §4: yellow 3 days before a deadline
/**
 * The cockpit's drill-down (`within`) counts up to 1,000: a grid holds ~7,500 cases a year at a million
 * cases, scattered over as many pages, and counting them all doubled the list's time (its figures give
 * the period's exact volume).
 */
const WITHIN_COUNT_CAP = 1_000;

/**
 * Given a staff actor and filters, returns a page of cases in his scope: overdue first, then by due date
 * (a drill-down into a unit: its open cases so, then its settled ones newest first; a search: by rank).
 */
export async function listCases(ctx: AppContext, actor: StaffActor, f: CaseListFilter) {
  const now = ctx.now();
  const conds: SQL[] = [eq(cases.region, ctx.config.REGION)];
  switch (f.queue) {
    case 'to_accept':
      conds.push(eq(cases.state, 'registered'));
      break;
    case 'to_sign':
      conds.push(eq(cases.state, 'dispatched'), eq(cases.leadUnitId, actor.unitId));
      break;
    case 'handling':
      conds.push(eq(cases.state, 'handling'), eq(cases.leadUnitId, actor.unitId));
      break;
    case 'due_soon':
      conds.push(inArray(cases.state, [...OPEN_STATES]), sql`${cases.nextDueAt} > ${now} and ${cases.nextDueAt} <= ${new Date(now.getTime() + DUE_SOON_MS)}`);
      break;
    case 'overdue':
      conds.push(inArray(cases.state, [...OPEN_STATES]), sql`${cases.nextDueAt} <= ${now}`);
      break;
    case 'awaiting_visit':
      conds.push(eq(cases.state, 'replied'));
      break;
    case 'leader_owned':
      conds.push(eq(cases.ownerLeaderId, actor.userId));
      break;
    case 'supervised':
      // 催办/督办 waiting for an answer: for the lead unit to answer, for supervisors to follow.
      conds.push(sql`coalesce((${cases.snapshot}->>'openSupervisions')::int, 0) > 0`);
      break;
    default:
      break;
  }
  if (f.state?.length) conds.push(inArray(cases.state, f.state));
  if (f.channel?.length) conds.push(inArray(cases.channel, f.channel));
  if (f.categoryCode) conds.push(sql`${cases.categoryCode} like ${f.categoryCode.replace(/[%_\\]/g, '') + '%'}`);
  if (f.unitId) conds.push(sql`(${cases.leadUnitId} = ${f.unitId} or ${cases.ownerUnitId} = ${f.unitId})`);
  if (f.withinUnitId) {
    const within = await findUnit(ctx.db, f.withinUnitId);
    if (!within) return { total: 0, totalCapped: false, items: [] };
    // a case's unit paths are paths of units, which never move: "any of them inside the subtree" is
    // "any of them among the subtree's paths", which the GIN index on unit_paths answers
    const subtree = await ctx.db.select({ path: orgUnits.path }).from(orgUnits).where(sql`starts_with(${orgUnits.path}, ${within.path})`);
    conds.push(sql`${cases.unitPaths} && ${sql.param(subtree.map((u) => u.path))}::text[]`);
    // inside the reader's scope that already puts the case in it: only the accusations stay to filter
    conds.push(within.path.startsWith(actor.scopePath) ? caseAccusationFilter(actor) : caseScopeFilter(actor));
  } else conds.push(caseScopeFilter(actor));
  if (f.from) conds.push(gte(cases.receivedAt, f.from));
  if (f.to) conds.push(lte(cases.receivedAt, f.to));
  if (f.flag) conds.push(sql`${f.flag} = any(${cases.flags})`);
  const search = f.q ? textSearch(ctx, f.q) : null;
  if (search) conds.push(search.where);
  const where = and(...conds);
  // The matches are counted up to a cap (reading at most that many rows): an exact count of a common
  // word over a district of a million cases takes seconds; beyond the cap the list says "10000+". A
  // word search re-reads each match's text, so it counts only as far as it would rank.
  const cap = search?.rank ? Math.max(1, ctx.config.SEARCH_RANK_CAP) : f.withinUnitId ? Math.min(WITHIN_COUNT_CAP, ctx.config.LIST_COUNT_CAP) : ctx.config.LIST_COUNT_CAP;
  const count = async () => ((await ctx.db.execute(sql`select count(*)::int as n from (select 1 from ${cases} where ${where} limit ${cap + 1}) as m`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
  // A count alone (the queue badges ask for nine at each page load) reads no rows.
  const select = (cond: SQL | undefined, order: SQL[], limit: number, offset: number) =>
    ctx.db.select(SUMMARY_COLUMNS).from(cases).where(cond).orderBy(...order).limit(limit).offset(offset);
  const page = async (order: SQL[]) => (f.limit === 0 ? [] : select(where, order, f.limit, f.offset));
  const overdueFirst = sql`case when ${cases.nextDueAt} is not null and ${cases.nextDueAt} <= ${now} and ${cases.state} in ${OPEN_STATES} then 0 else 1 end`;
  const byUrgency = [overdueFirst, sql`${cases.nextDueAt} asc nulls last`, desc(cases.receivedAt)];
  let counted: number;
  let rows: CaseSummaryRow[];
  if (f.withinUnitId && !search) {
    // The drill-down: the open cases first, most pressing on top (over the partial index of open
    // cases' paths), then the settled ones, newest first — read only when the open ones do not fill
    // the page: a grid's year of mostly settled cases is never sorted whole.
    const want = f.offset + f.limit;
    const openRows = async () => (f.limit === 0 ? [] : select(and(where, OPEN_STATE_SQL), byUrgency, want, 0));
    let open: CaseSummaryRow[];
    [counted, open] = await Promise.all([count(), openRows()]);
    rows = open.slice(f.offset);
    if (f.limit > 0 && open.length < want) {
      rows = rows.concat(await select(and(where, sql`not (${OPEN_STATE_SQL})`), [desc(cases.receivedAt), desc(cases.id)], want - Math.max(f.offset, open.length), Math.max(0, f.offset - open.length)));
    }
  } else if (search?.rank) {
    // a search puts the best matches first — when they are few enough to rank (ranking re-reads
    // every match's text), else the newest first: the count decides the order
    counted = await count();
    rows = await page(counted <= ctx.config.SEARCH_RANK_CAP ? [desc(search.rank), desc(cases.receivedAt)] : [desc(cases.receivedAt)]);
  } else {
    // a queue pins overdue cases on top; its count and its page are read side by side
    [counted, rows] = await Promise.all([count(), page(byUrgency)]);
  }
  return { total: Math.min(counted, cap), totalCapped: counted > cap, items: rows.map((r) => presentCaseSummary(r, now)) };
}

/** A case number as printed on notices (YH-2026-000123): searched by equality, not by words. */
const CASE_NUMBER = /^[A-Za-z]{1,8}-\d{4}-\d{1,9}$/;
const SEARCH_VECTOR = sql`to_tsvector('simple', ${cases.searchText})`;

/**
 * Given the search box's text, returns the condition for cases whose title or content hold every
 * word of it (Chinese segmented by jieba; each word matched as a prefix over the GIN index) and
 * a rank to sort by. A single Chinese character is too short for the index and is matched as a
 * substring; a case number is matched exactly.
 */
function textSearch(ctx: AppContext, q: string): { where: SQL; rank: SQL | null } {
  const trimmed = q.trim();
  if (CASE_NUMBER.test(trimmed)) return { where: eq(cases.number, trimmed.toUpperCase()), rank: null };
  const words = ctx.segmenter.words(trimmed);
  const isSingleHan = (w: string) => /^\p{Script=Han}$/u.test(w);
  const tsq = prefixTsQuery(words.filter((w) => !isSingleHan(w)));
  const substrings = words.length ? words.filter(isSingleHan) : [trimmed];
  const parts: SQL[] = [];
  if (tsq) parts.push(sql`${SEARCH_VECTOR} @@ to_tsquery('simple', ${tsq})`);
  for (const s of substrings) {
    const like = `%${s.replace(/[%_\\]/g, (m) => '\\' + m)}%`;
    parts.push(sql`(${cases.title} like ${like} or ${cases.content} like ${like})`);
  }
  return {
    where: and(...parts) ?? sql`true`,
    rank: tsq ? sql`ts_rank(${SEARCH_VECTOR}, to_tsquery('simple', ${tsq}))` : null,
  };
}

/** Given counts per queue for the actor, returns them for the workbench's badges. */
export async function countQueues(ctx: AppContext, actor: StaffActor): Promise<Record<Queue, number>> {
  const out = {} as Record<Queue, number>;
  for (const q of QUEUES) out[q] = (await listCases(ctx, actor, { queue: q, limit: 0, offset: 0 })).total;
  return out;
}

/** What a list item is made of: a page of a queue reads these columns only (the sort keeps them for every match). */
const SUMMARY_COLUMNS = {
  id: cases.id,
  number: cases.number,
  title: cases.title,
  state: cases.state,
  channel: cases.channel,
  nature: cases.nature,
  categoryCode: cases.categoryCode,
  urgency: cases.urgency,
  flags: cases.flags,
  leadUnitId: cases.leadUnitId,
  ownerUnitId: cases.ownerUnitId,
  receivedAt: cases.receivedAt,
  nextDueAt: cases.nextDueAt,
  nextDueClock: cases.nextDueClock,
};
type CaseSummaryRow = Pick<CaseRow, keyof typeof SUMMARY_COLUMNS>;

/** Given a row, returns the list item shown in queues (no personal data). */
export function presentCaseSummary(r: CaseSummaryRow, now: Date) {
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    state: r.state,
    channel: r.channel,
    nature: r.nature,
    categoryCode: r.categoryCode,
    urgency: r.urgency,
    flags: r.flags,
    leadUnitId: r.leadUnitId,
    ownerUnitId: r.ownerUnitId,
    receivedAt: r.receivedAt.toISOString(),
    nextDueAt: r.nextDueAt?.toISOString() ?? null,
    nextDueClock: r.nextDueClock,
    dueStatus: dueStatus(r, now),
  };
}

/** Given a case and the time, returns green / yellow (due within 3 days) / red (overdue). */
export function dueStatus(r: Pick<CaseRow, 'nextDueAt' | 'state'>, now: Date): 'none' | 'ok' | 'due_soon' | 'overdue' {
  if (!r.nextDueAt || !(OPEN_STATES as readonly string[]).includes(r.state)) return 'none';
  const ms = r.nextDueAt.getTime() - now.getTime();
  if (ms <= 0) return 'overdue';
  return ms <= DUE_SOON_MS ? 'due_soon' : 'ok';
}

async function loadVisibleCase(ctx: AppContext, actor: StaffActor, caseId: string): Promise<CaseRow> {
  if (!UUID.test(caseId)) throw new AppError('CASE_NOT_FOUND');
  const [row] = await ctx.db
    .select()
    .from(cases)
    .where(and(eq(cases.region, ctx.config.REGION), eq(cases.id, caseId)))
    .limit(1);
  if (!row) throw new AppError('CASE_NOT_FOUND');
  const units = await findUnitsById(ctx.db, [row.leadUnitId, ...row.assistUnitIds].filter((x): x is string => !!x));
  if (relationsOf(actor, row, units).size === 0) throw new AppError('CASE_NOT_FOUND'); // same answer as missing
  return row;
}

/** Given a visible case, returns it with masked petitioners, its timeline and what the actor may do. */
export async function getCase(ctx: AppContext, actor: StaffActor, caseId: string) {
  const now = ctx.now();
  const row = await loadVisibleCase(ctx, actor, caseId);
  const units = await findUnitsById(ctx.db, [row.ownerUnitId, row.leadUnitId, row.gridUnitId, ...row.assistUnitIds].filter((x): x is string => !!x));
  const petitioners = await ctx.db
    .select()
    .from(casePetitioners)
    .where(and(eq(casePetitioners.region, row.region), eq(casePetitioners.caseId, row.id)))
    .orderBy(asc(casePetitioners.seq));
  const events = await listCaseEvents(ctx.db, row.region, row.id);
  const sups = await ctx.db
    .select()
    .from(supervisions)
    .where(and(eq(supervisions.region, row.region), eq(supervisions.caseId, row.id)))
    .orderBy(asc(supervisions.createdAt));
  const relations = relationsOf(actor, row, units);
  const snapshot = row.snapshot as CaseSnapshot;
  const supUnits = await findUnitsById(ctx.db, sups.flatMap((x) => [x.targetUnitId, x.escalatedToUnitId]).filter((x): x is string => !!x && !units.has(x)));
  const unitName = (id: string | null) => (id ? units.get(id)?.name ?? supUnits.get(id)?.name ?? null : null);
  const ownerLeader = row.ownerLeaderId ? await findActiveUser(ctx.db, row.ownerLeaderId) : null;
  return {
    ...presentCaseSummary(row, now),
    type12345: row.type12345,
    content: row.content,
    confidential: row.confidential,
    ruleSetId: row.ruleSetId,
    ownerUnit: { id: row.ownerUnitId, name: unitName(row.ownerUnitId) },
    gridUnit: row.gridUnitId ? { id: row.gridUnitId, name: unitName(row.gridUnitId) } : null,
    leadUnit: row.leadUnitId ? { id: row.leadUnitId, name: unitName(row.leadUnitId) } : null,
    assistUnits: row.assistUnitIds.map((id) => ({ id, name: unitName(id) })),
    ownerLeaderId: row.ownerLeaderId,
    ownerLeader: row.ownerLeaderId ? { id: row.ownerLeaderId, name: ownerLeader?.displayName ?? null } : null,
    supervisions: sups.map((x) => ({
      id: x.id,
      kind: x.kind,
      targetUnit: { id: x.targetUnitId, name: unitName(x.targetUnitId) },
      reason: x.reason,
      replyDueAt: x.replyDueAt.toISOString(),
      createdAt: x.createdAt.toISOString(),
      repliedAt: x.repliedAt?.toISOString() ?? null,
      replyText: x.replyText,
      escalatedAt: x.escalatedAt?.toISOString() ?? null,
      escalatedToUnit: x.escalatedToUnitId ? { id: x.escalatedToUnitId, name: unitName(x.escalatedToUnitId) } : null,
      overdue: !x.repliedAt && x.replyDueAt.getTime() <= now.getTime(),
    })),
    location: { address: row.addressMask, lat: row.lat, lng: row.lng },
    answers: await presentAnswers(ctx, row),
    petitionerCount: row.petitionerCount,
    petitioners: petitioners.map((p) => ({
      seq: p.seq,
      name: p.nameMask,
      phone: p.phoneMask,
      idNumber: p.idNumberMask,
      address: p.addressMask,
      representative: p.representative,
    })),
    deadlines: Object.fromEntries(
      Object.entries(snapshot.clocks).map(([k, c]) => [k, { startedAt: c!.startedAt, dueAt: c!.dueAt, stoppedAt: c!.stoppedAt, paused: !!c!.pausedSince, extensionDays: c!.extensionDays }]),
    ),
    hearing: snapshot.hearing,
    extension: snapshot.extension,
    lastVisit: snapshot.lastVisit,
    reply: row.replyText ? { opinion: row.replyOpinion, text: row.replyText, at: row.repliedAt?.toISOString() ?? null } : null,
    mergedIntoId: row.mergedIntoId,
    parentCaseId: row.parentCaseId,
    intelligence: await caseIntelligence(ctx, actor, row, events.find((e) => e.type === 'case.registered')?.data as Record<string, unknown> | undefined),
    timeline: events.map((e) => ({ seq: e.seq, type: e.type, at: e.at, actorId: e.actorId, actorRole: e.actorRole, data: e.data })),
    abilities: allowedCommands(snapshot, {
      actor: { userId: actor.userId, roles: actor.roles, unitId: actor.unitId },
      relations,
      now,
      pausableClocks: pausableClocksOf(ctx, row.ruleSetId),
    }),
  };
}

/**
 * Given a visible case, returns its petitioners and address in clear text and records the read as a
 * case event in the same transaction (every unmasked read is an audit event).
 */
export async function revealPersonalData(ctx: AppContext, actor: StaffActor, caseId: string, reason: string) {
  await loadVisibleCase(ctx, actor, caseId);
  return ctx.db.transaction(async (tx) => {
    const row = (await findCaseForUpdate(tx, ctx.config.REGION, caseId))!;
    const list = await tx
      .select()
      .from(casePetitioners)
      .where(and(eq(casePetitioners.region, row.region), eq(casePetitioners.caseId, row.id)))
      .orderBy(asc(casePetitioners.seq));
    await appendCaseEvents(
      tx,
      { region: row.region, caseId: row.id, count: row.eventCount, headHash: row.headHash },
      [{ type: 'case.personal_data_revealed', data: { reason, fields: ['name', 'phone', 'idNumber', 'address'] }, actorId: actor.userId, actorRole: actor.roles[0] ?? null }],
      ctx.now(),
    );
    const dec = (v: string | null) => (v ? ctx.cipher.decrypt(v) : null);
    return {
      address: dec(row.addressEnc),
      petitioners: list.map((p) => ({ seq: p.seq, name: dec(p.nameEnc), phone: dec(p.phoneEnc), idNumber: dec(p.idNumberEnc), address: dec(p.addressEnc), representative: p.representative })),
    };
  });
}

/**
 * Given a case number and the query code, returns the public view: status, due date and the reply —
 * never personal data, units' staff or internal notes. A wrong code and a missing number look alike.
 */
export async function findCaseForPetitioner(ctx: AppContext, number: string, code: string): Promise<CaseRow> {
  const [row] = await ctx.db
    .select()
    .from(cases)
    .where(and(eq(cases.region, ctx.config.REGION), eq(cases.number, number)))
    .limit(1);
  const expected = row?.queryCodeHash ?? '0'.repeat(64);
  const given = hashQueryCode(ctx, number, code);
  const match = expected.length === given.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(given));
  if (!row || !match) throw new AppError('QUERY_CODE_MISMATCH');
  return row;
}

const PUBLIC_EVENTS: Record<string, string> = {
  'case.registered': '已登记',
  'case.accepted': '已受理',
  'case.refused': '不予受理',
  'case.answered_on_spot': '已当场答复',
  'case.dispatched': '已交办承办单位',
  'case.redispatched': '已重新交办',
  'case.signed': '承办单位已签收，正在办理',
  'case.escalated': '已提级办理',
  'case.objection_rejected': '已交办承办单位',
  'case.joint_meeting_referred': '已提交联席会议研究',
  'case.hearing_started': '听证中',
  'case.hearing_ended': '听证结束',
  'case.extension_approved': '办理期限已延长',
  'case.replied': '已答复',
  'case.return_visited': '已回访',
  'case.rated': '已评价',
  'case.closed': '已办结',
  'case.reworked': '退回重办',
  'case.review_requested': '已申请复查',
  'case.review_opinion_issued': '已出具复查意见',
  'case.re_review_requested': '已申请复核',
  'case.re_review_opinion_issued': '已出具复核意见',
  'case.finalized': '已终结',
  'case.merged': '已合并办理',
  'case.withdrawn': '已撤回',
};

/** Given a case the petitioner proved, returns the plain-language public view. */
export async function presentPublicCase(ctx: AppContext, row: CaseRow) {
  const events = await listCaseEvents(ctx.db, row.region, row.id);
  const snapshot = row.snapshot as CaseSnapshot;
  const now = ctx.now();
  const last = (type: string) => events.filter((e) => e.type === type).at(-1);
  const opinionOf = (type: string) => {
    const e = last(type);
    return e ? { opinion: String(e.data.opinion ?? ''), text: String(e.data.text ?? ''), at: e.at } : null;
  };
  const refused = row.state === 'refused' ? last('case.refused') : undefined;
  // What the petitioner may do now: the same transition table, asked for the petitioner's own case.
  const may = new Set(
    allowedCommands(snapshot, { actor: { userId: null, roles: ['petitioner'], unitId: null }, relations: new Set(['self']), now, pausableClocks: pausableClocksOf(ctx, row.ruleSetId) }),
  );
  let extensionReason: string | null = null;
  const timeline = events.flatMap((e) => {
    if (e.type === 'case.extension_requested') extensionReason = String(e.data.reason ?? '');
    const text = PUBLIC_EVENTS[e.type];
    if (!text) return [];
    // Art. 31/33: a refusal and an extension are told to the petitioner with their reasons.
    if (e.type === 'case.extension_approved') return [{ at: e.at, text: `办理期限已延长${Number(e.data.days)}日`, detail: extensionReason }];
    if (e.type === 'case.refused') return [{ at: e.at, text, detail: String(e.data.reason ?? '') }];
    if (e.type === 'case.answered_on_spot') return [{ at: e.at, text, detail: String(e.data.answer ?? '') }];
    return [{ at: e.at, text, detail: null }];
  });
  return {
    number: row.number,
    title: row.title,
    state: row.state,
    receivedAt: row.receivedAt.toISOString(),
    dueAt: row.nextDueAt?.toISOString() ?? null,
    dueStatus: dueStatus(row, now),
    reply: row.replyText ? { opinion: row.replyOpinion, text: row.replyText, at: row.repliedAt?.toISOString() ?? null } : null,
    refusal: refused ? { reason: String(refused.data.reason ?? ''), legalChannel: String(refused.data.legalChannel ?? ''), at: refused.at } : null,
    reviewOpinion: opinionOf('case.review_opinion_issued'),
    reReviewOpinion: opinionOf('case.re_review_opinion_issued'),
    reviewRequestDueAt: snapshot.clocks.review_request && !snapshot.clocks.review_request.stoppedAt ? snapshot.clocks.review_request.dueAt : null,
    reReviewRequestDueAt: snapshot.clocks.re_review_request && !snapshot.clocks.re_review_request.stoppedAt ? snapshot.clocks.re_review_request.dueAt : null,
    canRate: may.has('rate'),
    canRequestReview: may.has('request_review'),
    canRequestReReview: may.has('request_re_review'),
    canWithdraw: may.has('withdraw'),
    answers: await presentAnswers(ctx, row),
    timeline,
  };
}

/**
 * Given a case, returns its answers to the category's questions as people read them (labels, option
 * names, China time), retired questions included: what the petitioner said stays on the case.
 */
export async function presentAnswers(ctx: AppContext, row: Pick<CaseRow, 'categoryCode' | 'answers'>): Promise<DisplayedAnswer[]> {
  const answers = (row.answers ?? {}) as Record<string, unknown>;
  if (Object.keys(answers).length === 0) return [];
  const questions = row.categoryCode
    ? (await ctx.db.select().from(categoryQuestions).where(inArray(categoryQuestions.categoryCode, categoryLineage(row.categoryCode)))).map(toQuestion)
    : [];
  return displayAnswers(questions, answers);
}
