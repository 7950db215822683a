/**
 * Reading warnings: the list (filters, pages, open and urgent first) and one warning with its events,
 * the cases it stands for that the reader may see, and what he may do with it. Every read carries the
 * warning scope (warning-store.ts) and linked cases the case scope (store/scope.ts), so an accused unit
 * learns of neither the warning nor the accusation (Art. 30).
 */
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { allowedWarningCommands, type WarningCommandType, type WarningKind, type WarningLevel, type WarningState } from '../../domain/warnings/lifecycle.js';
import { findUnit, findUnitsById, pathIds } from '../../store/org-repository.js';
import { cases, orgUnits, users, warningEvents, warnings } from '../../store/schema.js';
import { caseScopeFilter } from '../../store/scope.js';
import type { AppContext, StaffActor } from '../context.js';
import { relationsTo } from './warning-commands.js';
import { accusedPathsOf, caseTotalOf, warningScopeFilter, type WarningRow } from './warning-store.js';

export interface WarningFilter {
  state?: WarningState;
  kind?: WarningKind;
  level?: WarningLevel;
  /** true: raised, dispatched or fed back; false: assessed or withdrawn */
  open?: boolean;
  page?: number;
  pageSize?: number;
}

export interface WarningSummary {
  id: string;
  number: string;
  kind: string;
  level: string;
  state: string;
  title: string;
  raisedAt: string;
  updatedAt: string;
  dueAt: string | null;
  closedAt: string | null;
  caseCount: number;
  assignee: { id: string; name: string } | null;
  dispatchedUnit: { id: string; name: string } | null;
  units: Array<{ id: string; name: string }>;
}

export interface WarningDetail extends WarningSummary {
  detail: string;
  /** what the rule saw (counts, phrases, keywords …) */
  facts: Record<string, unknown>;
  /** the linked cases the reader may see; the others are only counted */
  cases: Array<{ id: string; number: string; title: string; state: string }>;
  hiddenCaseCount: number;
  events: Array<{ seq: number; type: string; at: string; actor: { id: string; name: string } | null; data: Record<string, unknown> }>;
  /** the steps the reader may take now (the web app shows these buttons and no others) */
  allowed: WarningCommandType[];
}

const OPEN = sql`${warnings.state} in ('raised', 'dispatched', 'fed_back')`;
const LEVEL_RANK = sql`case ${warnings.level} when 'urgent' then 0 when 'high' then 1 else 2 end`;

/** Given an actor and filters, returns one page of the warnings he may see: open before closed, urgent first, newest first. */
export async function listWarnings(ctx: AppContext, actor: StaffActor, f: WarningFilter = {}) {
  const page = Math.max(1, f.page ?? 1);
  const pageSize = Math.min(100, Math.max(1, f.pageSize ?? 20));
  const where = and(
    eq(warnings.region, ctx.config.REGION),
    warningScopeFilter(actor),
    f.state ? eq(warnings.state, f.state) : undefined,
    f.kind ? eq(warnings.kind, f.kind) : undefined,
    f.level ? eq(warnings.level, f.level) : undefined,
    f.open === undefined ? undefined : f.open ? OPEN : sql`not ${OPEN}`,
  ) as SQL;
  const [total] = await ctx.db.select({ n: count() }).from(warnings).where(where);
  const rows = await ctx.db
    .select()
    .from(warnings)
    .where(where)
    .orderBy(sql`case when ${OPEN} then 0 else 1 end`, LEVEL_RANK, desc(warnings.raisedAt), asc(warnings.number))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const names = await namesFor(ctx, rows);
  return { items: rows.map((r) => summarize(r, names)), total: total?.n ?? 0, page, pageSize };
}

/** Given an actor and a warning id, returns the warning with its events and linked cases; WARNING_NOT_FOUND when missing or out of his scope. */
export async function getWarning(ctx: AppContext, actor: StaffActor, id: string): Promise<WarningDetail> {
  const region = ctx.config.REGION;
  const [w] = await ctx.db
    .select()
    .from(warnings)
    .where(and(eq(warnings.region, region), eq(warnings.id, id), warningScopeFilter(actor)))
    .limit(1);
  if (!w) throw new AppError('WARNING_NOT_FOUND');
  const [events, visible] = await Promise.all([
    ctx.db.select().from(warningEvents).where(and(eq(warningEvents.region, region), eq(warningEvents.warningId, id))).orderBy(asc(warningEvents.seq)),
    w.caseIds.length
      ? ctx.db
          .select({ id: cases.id, number: cases.number, title: cases.title, state: cases.state })
          .from(cases)
          .where(and(eq(cases.region, region), inArray(cases.id, w.caseIds), caseScopeFilter(actor)))
          .orderBy(asc(cases.number))
      : Promise.resolve([]),
  ]);
  const names = await namesFor(ctx, [w], events.flatMap((e) => [e.actorId, str(e.data, 'assigneeId')]), events.map((e) => str(e.data, 'unitId')));
  const dispatchedPath = w.dispatchedUnitId ? ((await findUnit(ctx.db, w.dispatchedUnitId))?.path ?? null) : null;
  const { accusedUnitPaths: _hidden, ...facts } = w.data as Record<string, unknown>;
  return {
    ...summarize(w, names),
    detail: w.detail,
    facts,
    cases: visible,
    hiddenCaseCount: caseTotalOf(w) - visible.length,
    events: events.map((e) => {
      const data = { ...(e.data as Record<string, unknown>) };
      const unitId = str(data, 'unitId');
      const assigneeId = str(data, 'assigneeId');
      if (unitId) data.unitName = names.units.get(unitId) ?? null;
      if (assigneeId) data.assigneeName = names.users.get(assigneeId) ?? null;
      return { seq: e.seq, type: e.type, at: e.at.toISOString(), actor: e.actorId ? { id: e.actorId, name: names.users.get(e.actorId) ?? '' } : null, data };
    }),
    allowed: allowedWarningCommands(w.state as WarningState, { roles: actor.roles, relations: relationsTo(actor, w, dispatchedPath) }),
  };
}

interface Names {
  users: Map<string, string>;
  units: Map<string, string>;
}

async function namesFor(ctx: AppContext, rows: WarningRow[], moreUsers: Array<string | null> = [], moreUnits: Array<string | null> = []): Promise<Names> {
  const userIds = [...new Set([...rows.map((r) => r.assigneeId), ...moreUsers].filter((x): x is string => !!x))];
  const unitIds = [...rows.flatMap((r) => [r.dispatchedUnitId, ...r.unitPaths.map((p) => pathIds(p).at(-1) ?? null)]), ...moreUnits].filter((x): x is string => !!x);
  const [userRows, units] = await Promise.all([
    userIds.length ? ctx.db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, userIds)) : Promise.resolve([]),
    findUnitsById(ctx.db, unitIds),
  ]);
  return { users: new Map(userRows.map((u) => [u.id, u.name])), units: new Map([...units].map(([id, u]) => [id, u.name])) };
}

function summarize(w: WarningRow, names: Names): WarningSummary {
  const unitIds = [...new Set(w.unitPaths.map((p) => pathIds(p).at(-1)).filter((x): x is string => !!x))];
  return {
    id: w.id,
    number: w.number,
    kind: w.kind,
    level: w.level,
    state: w.state,
    title: w.title,
    raisedAt: w.raisedAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
    dueAt: w.dueAt?.toISOString() ?? null,
    closedAt: w.closedAt?.toISOString() ?? null,
    caseCount: caseTotalOf(w),
    assignee: w.assigneeId ? { id: w.assigneeId, name: names.users.get(w.assigneeId) ?? '' } : null,
    dispatchedUnit: w.dispatchedUnitId ? { id: w.dispatchedUnitId, name: names.units.get(w.dispatchedUnitId) ?? '' } : null,
    units: unitIds.map((id) => ({ id, name: names.units.get(id) ?? '' })),
  };
}

function str(data: unknown, key: string): string | null {
  const v = (data as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : null;
}

/**
 * Given an actor and a unit in his scope, returns the active staff of that unit and below it (who a
 * warning may be dispatched to), by unit depth and name; UNIT_NOT_FOUND outside his scope. With a
 * warning (one he may see, else WARNING_NOT_FOUND), leaves out whoever works inside a unit an accusation
 * among its cases names (the dispatch would be refused: ACCUSATION_CONFLICT).
 */
export async function listAssigneeCandidates(ctx: AppContext, actor: StaffActor, unitId: string, warningId?: string) {
  const unit = await findUnit(ctx.db, unitId);
  if (!unit || !unit.active || !unit.path.startsWith(actor.scopePath)) throw new AppError('UNIT_NOT_FOUND', { path: 'unitId' });
  let accused: string[] = [];
  if (warningId) {
    const [w] = await ctx.db
      .select({ data: warnings.data })
      .from(warnings)
      .where(and(eq(warnings.region, ctx.config.REGION), eq(warnings.id, warningId), warningScopeFilter(actor)))
      .limit(1);
    if (!w) throw new AppError('WARNING_NOT_FOUND');
    accused = accusedPathsOf(w);
  }
  const rows = await ctx.db
    .select({ id: users.id, displayName: users.displayName, roles: users.roles, unitId: users.unitId, unitName: orgUnits.name, depth: orgUnits.depth })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(
      and(
        eq(users.active, true),
        sql`starts_with(${orgUnits.path}, ${unit.path})`,
        sql`not (${users.roles} = array['admin']::text[])`,
        ...accused.map((a) => sql`not starts_with(${orgUnits.path}, ${a})`),
      ),
    )
    .orderBy(asc(orgUnits.depth), asc(users.displayName))
    .limit(200);
  return rows.map(({ depth: _d, ...r }) => r);
}
