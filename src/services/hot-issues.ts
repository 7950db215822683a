/**
 * 热点与每月一题 (DOMAIN.md §8): the hot issues of the actor's scope over a sliding window (7, 30 or
 * 90 days), grouped and ranked by domain/intelligence/hot-issues.ts, with counts per community or
 * street; and the month's topic chosen from them by a leader or a supervisor (audited).
 *
 * Bounded: each window reads at most HOT_ISSUE_CASE_CAP cases (the newest; the answer says when it
 * was capped) and only the columns the grouping needs — id, the top keywords, category, matter,
 * received_at and the path of the unit where the case arose (its grid, else its owner unit).
 * Confidential cases, accusations (Art. 30) and cases merged into another are never counted, and
 * the scope filter applies as to every case query. Sample cases are read again, in scope, by id.
 */
import crypto from 'node:crypto';
import { and, desc, eq, gte, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { chinaMonthOf, isValidMonth } from '../domain/china-month.js';
import { HOT_ISSUE_DEFAULTS, rankHotIssues, type HotIssueCase, type HotIssueGroup } from '../domain/intelligence/hot-issues.js';
import type { Queryable } from '../store/database.js';
import { pathIds } from '../store/org-repository.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { cases, categories, monthlyTopics, orgUnits, users } from '../store/schema.js';
import { caseScopeFilter } from '../store/scope.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';

export const HOT_ISSUE_WINDOWS = [7, 30, 90] as const;
export type HotIssueWindow = (typeof HOT_ISSUE_WINDOWS)[number];
export const HOT_ISSUE_LEVELS = ['community', 'street'] as const;
export type HotIssueLevel = (typeof HOT_ISSUE_LEVELS)[number];
/** The newest cases read per window: ~50 k rows of a few short columns stay well under 50 MB. */
export const HOT_ISSUE_CASE_CAP = 50_000;
/** Sample cases shown per group. */
const SAMPLES = 5;
/** A topic keeps at most this many case ids (the newest). */
const TOPIC_CASES = 2_000;
const DAY_MS = 86_400_000;

export interface HotIssuesQuery {
  days: HotIssueWindow;
  level: HotIssueLevel;
}

export interface HotIssuePlace {
  /** the community or street (null: received above that level — a district office, a department) */
  unitId: string | null;
  name: string | null;
  count: number;
}

export interface HotIssueView {
  key: string;
  /** the default topic title: the first three label keywords */
  title: string;
  keywords: string[];
  category: { code: string; name: string } | null;
  volume: number;
  previous: number;
  growth: number;
  score: number;
  places: HotIssuePlace[];
  samples: Array<{ id: string; number: string; title: string; receivedAt: string }>;
}

export interface HotIssuesResult {
  days: HotIssueWindow;
  level: HotIssueLevel;
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  /** cases read in the current and the previous window */
  casesRead: { current: number; previous: number };
  /** true when a window held more than HOT_ISSUE_CASE_CAP cases: only the newest were grouped */
  capped: boolean;
  cap: number;
  formula: string;
  groups: HotIssueView[];
}

interface Computed {
  result: HotIssuesResult;
  groups: HotIssueGroup[];
  /** case id → the path of the unit where it arose */
  arosePath: Map<string, string | null>;
}

/** Given the actor and the window, returns the ranked hot issues of his scope. */
export async function listHotIssues(ctx: AppContext, actor: StaffActor, query: HotIssuesQuery): Promise<HotIssuesResult> {
  return (await computeHotIssues(ctx, actor, query)).result;
}

async function computeHotIssues(ctx: AppContext, actor: StaffActor, query: HotIssuesQuery): Promise<Computed> {
  const q = ctx.db;
  const region = ctx.config.REGION;
  const to = ctx.now();
  const from = new Date(to.getTime() - query.days * DAY_MS);
  const before = new Date(from.getTime() - query.days * DAY_MS);
  const places = await loadPlaces(q, region);
  const arosePath = new Map<string, string | null>();
  const read = async (start: Date, end: Date, endInclusive: boolean) => {
    const rows = await readWindow(q, region, actor, start, end, endInclusive);
    const capped = rows.length > HOT_ISSUE_CASE_CAP;
    const kept = capped ? rows.slice(0, HOT_ISSUE_CASE_CAP) : rows;
    const out: HotIssueCase[] = kept.map((r) => {
      arosePath.set(r.id, r.path);
      return { id: r.id, keywords: r.keywords ?? [], categoryCode: r.categoryCode, placePath: placeOf(r.path, query.level, places), receivedAt: r.receivedAt, matterId: r.matterId };
    });
    return { cases: out, capped };
  };
  const current = await read(from, to, true);
  const previous = await read(before, from, false);
  const groups = rankHotIssues(current.cases, previous.cases);

  const sampleIds = groups.flatMap((g) => g.caseIds.slice(0, SAMPLES));
  const samples = await findVisibleCases(q, region, actor, sampleIds);
  const categoryNames = await findCategoryNames(q, groups.map((g) => g.categoryCode));
  const result: HotIssuesResult = {
    days: query.days,
    level: query.level,
    window: { from: from.toISOString(), to: to.toISOString() },
    previousWindow: { from: before.toISOString(), to: from.toISOString() },
    casesRead: { current: current.cases.length, previous: previous.cases.length },
    capped: current.capped || previous.capped,
    cap: HOT_ISSUE_CASE_CAP,
    formula: '增长率 = (本期件数 − 上期件数) ÷ max(上期件数, 1)；热度 = 本期件数 × (1 + 增长率)，增长率按 −100% 至 +100% 计入',
    groups: groups.map((g) => ({
      key: g.key,
      title: topicTitle(g),
      keywords: g.keywords,
      category: g.categoryCode ? { code: g.categoryCode, name: categoryNames.get(g.categoryCode) ?? g.categoryCode } : null,
      volume: g.volume,
      previous: g.previous,
      growth: round(g.growth),
      score: round(g.score),
      places: g.places.map((p) => {
        const unit = p.placePath ? places.get(lastId(p.placePath)) : undefined;
        return { unitId: unit?.id ?? null, name: unit?.name ?? null, count: p.count };
      }),
      samples: g.caseIds
        .slice(0, SAMPLES)
        .map((id) => samples.get(id))
        .filter((s): s is NonNullable<typeof s> => !!s)
        .map((s) => ({ id: s.id, number: s.number, title: s.title, receivedAt: s.receivedAt.toISOString() })),
    })),
  };
  return { result, groups, arosePath };
}

export interface ChooseTopicInput extends HotIssuesQuery {
  /** the hot issue's key, as listed */
  key: string;
  /** YYYY-MM; default the current China month */
  month?: string;
  /** default the hot issue's title */
  title?: string;
  note?: string | null;
}

export interface MonthlyTopicView {
  id: string;
  month: string;
  title: string;
  keywords: string[];
  caseCount: number;
  /** the topic's cases the reader may see, newest first (at most 10) */
  cases: Array<{ id: string; number: string; title: string }>;
  places: Array<{ unitId: string; name: string }>;
  note: string | null;
  chosenBy: { id: string; name: string | null };
  chosenAt: string;
}

/**
 * Given a hot issue of the actor's current list (by key), records it as the month's topic with its
 * keywords, cases and places (audited); returns the topic. The same title twice in one month is
 * MONTHLY_TOPIC_EXISTS; a key no longer listed (the window moved on) is HOT_ISSUE_NOT_FOUND.
 */
export async function chooseMonthlyTopic(ctx: AppContext, actor: StaffActor, input: ChooseTopicInput): Promise<MonthlyTopicView> {
  const month = input.month ?? chinaMonthOf(ctx.now());
  if (!isValidMonth(month)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'month', message: '月份格式应为 YYYY-MM' }] });
  const { result, groups, arosePath } = await computeHotIssues(ctx, actor, input);
  const group = groups.find((g) => g.key === input.key);
  const view = result.groups.find((g) => g.key === input.key);
  if (!group || !view) throw new AppError('HOT_ISSUE_NOT_FOUND', { key: input.key });
  const title = input.title?.trim() || view.title;
  const caseIds = group.caseIds.slice(0, TOPIC_CASES);
  const unitPaths = new Set<string>();
  for (const p of group.places) if (p.placePath) unitPaths.add(p.placePath);
  for (const id of caseIds) {
    const path = arosePath.get(id);
    if (path && ![...unitPaths].some((u) => path.startsWith(u))) unitPaths.add(path);
  }
  const row = {
    region: ctx.config.REGION,
    id: crypto.randomUUID(),
    month,
    title,
    keywords: group.keywords,
    caseIds,
    unitPaths: [...unitPaths],
    note: input.note?.trim() || null,
    chosenBy: actor.userId,
    chosenAt: ctx.now(),
  };
  try {
    await ctx.db.transaction(async (tx) => {
      await tx.insert(monthlyTopics).values(row);
      await writeAudit(
        ctx,
        {
          actorId: actor.userId,
          action: 'monthly_topic.chosen',
          targetType: 'monthly_topic',
          targetId: row.id,
          data: { month, title, keywords: row.keywords, caseCount: caseIds.length, volume: group.volume, previous: group.previous, days: input.days, level: input.level, note: row.note },
        },
        tx,
      );
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('MONTHLY_TOPIC_EXISTS', { month, title });
    throw err;
  }
  const [view0] = await presentTopics(ctx.db, ctx.config.REGION, actor, [row]);
  return view0!;
}

/** Given a month (default: the last twelve months), returns the topics chosen in the actor's scope, newest month first. */
export async function listMonthlyTopics(ctx: AppContext, actor: StaffActor, opts: { month?: string } = {}): Promise<MonthlyTopicView[]> {
  const region = ctx.config.REGION;
  const rows = await ctx.db
    .select()
    .from(monthlyTopics)
    .where(
      and(
        eq(monthlyTopics.region, region),
        opts.month ? eq(monthlyTopics.month, opts.month) : gte(monthlyTopics.month, monthsBack(chinaMonthOf(ctx.now()), 11)),
        topicScopeFilter(actor),
      ),
    )
    .orderBy(desc(monthlyTopics.month), desc(monthlyTopics.chosenAt))
    .limit(200);
  return presentTopics(ctx.db, region, actor, rows);
}

/** Given a topic the actor may see, removes it (audited). */
export async function removeMonthlyTopic(ctx: AppContext, actor: StaffActor, id: string): Promise<{ removed: true }> {
  const region = ctx.config.REGION;
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(monthlyTopics)
      .where(and(eq(monthlyTopics.region, region), eq(monthlyTopics.id, id), topicScopeFilter(actor)))
      .returning();
    if (!row) throw new AppError('MONTHLY_TOPIC_NOT_FOUND');
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'monthly_topic.removed', targetType: 'monthly_topic', targetId: id, data: { month: row.month, title: row.title, chosenBy: row.chosenBy } },
      tx,
    );
  });
  return { removed: true };
}

/** A topic is seen by whoever chose it and by users whose scope holds one of its places. */
function topicScopeFilter(actor: StaffActor) {
  return sql`(${monthlyTopics.chosenBy} = ${actor.userId} or exists (select 1 from unnest(${monthlyTopics.unitPaths}) as tp(p) where starts_with(tp.p, ${actor.scopePath})))`;
}

async function presentTopics(q: Queryable, region: string, actor: StaffActor, rows: Array<typeof monthlyTopics.$inferSelect>): Promise<MonthlyTopicView[]> {
  if (!rows.length) return [];
  const visible = await findVisibleCases(q, region, actor, rows.flatMap((r) => r.caseIds.slice(0, 50)));
  const unitIds = [...new Set(rows.flatMap((r) => r.unitPaths.map(lastId)))];
  const units = unitIds.length ? await q.select({ id: orgUnits.id, name: orgUnits.name }).from(orgUnits).where(inArray(orgUnits.id, unitIds)) : [];
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const chooserIds = [...new Set(rows.map((r) => r.chosenBy))];
  const choosers = await q.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, chooserIds));
  const chooserName = new Map(choosers.map((u) => [u.id, u.name]));
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    title: r.title,
    keywords: r.keywords,
    caseCount: r.caseIds.length,
    cases: r.caseIds
      .map((id) => visible.get(id))
      .filter((c): c is NonNullable<typeof c> => !!c)
      .slice(0, 10)
      .map((c) => ({ id: c.id, number: c.number, title: c.title })),
    places: r.unitPaths.map((p) => ({ unitId: lastId(p), name: unitName.get(lastId(p)) ?? '' })).filter((p) => p.name),
    note: r.note,
    chosenBy: { id: r.chosenBy, name: chooserName.get(r.chosenBy) ?? null },
    chosenAt: r.chosenAt.toISOString(),
  }));
}

/** Given a window, returns its cases in scope (newest first, one more than the cap) with the columns grouping needs. */
async function readWindow(q: Queryable, region: string, actor: StaffActor, start: Date, end: Date, endInclusive: boolean) {
  const rows = await q
    .select({
      id: cases.id,
      keywords: sql<string[] | null>`${cases.keywords}[1:${sql.raw(String(HOT_ISSUE_DEFAULTS.topKeywords))}]`,
      categoryCode: cases.categoryCode,
      matterId: cases.matterId,
      receivedAt: cases.receivedAt,
      path: orgUnits.path,
    })
    .from(cases)
    .leftJoin(orgUnits, sql`${orgUnits.id} = coalesce(${cases.gridUnitId}, ${cases.ownerUnitId})`)
    .where(
      and(
        eq(cases.region, region),
        gte(cases.receivedAt, start),
        endInclusive ? sql`${cases.receivedAt} <= ${end}` : lt(cases.receivedAt, end),
        eq(cases.confidential, false),
        ne(cases.nature, 'accusation'),
        isNull(cases.mergedIntoId),
        caseScopeFilter(actor),
      ),
    )
    .orderBy(desc(cases.receivedAt), desc(cases.id))
    .limit(HOT_ISSUE_CASE_CAP + 1);
  return rows;
}

interface PlaceUnit {
  id: string;
  kind: string;
  name: string;
  path: string;
}

/** Returns the region's streets and communities by id (a district has tens; a city a few thousand). */
async function loadPlaces(q: Queryable, region: string): Promise<Map<string, PlaceUnit>> {
  const rows = await q
    .select({ id: orgUnits.id, kind: orgUnits.kind, name: orgUnits.name, path: orgUnits.path })
    .from(orgUnits)
    .where(and(eq(orgUnits.region, region), inArray(orgUnits.kind, ['street', 'community'])));
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Given the path of the unit where a case arose, returns the path of its community (level
 * community; its street when it arose at a street office) or street; null above those levels.
 */
function placeOf(path: string | null, level: HotIssueLevel, places: ReadonlyMap<string, PlaceUnit>): string | null {
  if (!path) return null;
  let found: PlaceUnit | null = null;
  for (const id of pathIds(path)) {
    const u = places.get(id);
    if (!u) continue;
    if (u.kind === 'street') found = u;
    if (u.kind === 'community' && level === 'community') found = u;
  }
  return found?.path ?? null;
}

/** Given case ids, returns those the actor may see (in scope, not confidential, not an accusation) by id. */
async function findVisibleCases(q: Queryable, region: string, actor: StaffActor, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map<string, { id: string; number: string; title: string; receivedAt: Date }>();
  const rows = await q
    .select({ id: cases.id, number: cases.number, title: cases.title, receivedAt: cases.receivedAt })
    .from(cases)
    .where(and(eq(cases.region, region), inArray(cases.id, unique), eq(cases.confidential, false), ne(cases.nature, 'accusation'), caseScopeFilter(actor)));
  return new Map(rows.map((r) => [r.id, r]));
}

async function findCategoryNames(q: Queryable, codes: ReadonlyArray<string | null>): Promise<Map<string, string>> {
  const unique = [...new Set(codes.filter((c): c is string => !!c))];
  if (!unique.length) return new Map();
  const rows = await q.select({ code: categories.code, name: categories.name }).from(categories).where(inArray(categories.code, unique));
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** A group's default title: its first three label keywords (同一事项 when it is held together by the matter alone). */
function topicTitle(g: HotIssueGroup): string {
  return g.keywords.length ? g.keywords.slice(0, 3).join('、') : `同一事项（${g.volume}件）`;
}

const lastId = (path: string) => pathIds(path).at(-1) ?? '';
const round = (n: number) => Math.round(n * 1000) / 1000;

/** Given a month and a count, returns the month that many months earlier. */
function monthsBack(month: string, n: number): string {
  const total = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 - n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}
