/**
 * Administering the org tree and its users. An admin's own scope bounds what he may touch: a unit
 * outside his scope subtree, or a user whose unit or scope lies outside it, is FORBIDDEN — so a
 * district admin can never reset the password of a city-wide account and sign in as it.
 *
 * Structural changes (create, move, deactivate, import) take one advisory lock, so two admins
 * cannot move units into each other's subtrees at the same moment and build a cycle. Every change
 * writes its audit entry in its own transaction.
 */
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { AppError } from '../domain/errors.js';
import type { StaffRole } from '../domain/lifecycle/types.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import type { Queryable } from '../store/database.js';
import { cases, monthlyTopics, orgUnits, rollupQueue, users, warnings } from '../store/schema.js';
import { ancestorsOf, findUnit, findUnitByCode, findUnitsById, pathIds, type UnitRow, type UserRow } from '../store/org-repository.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { writeAudit } from './audit-log.js';
import { hashPassword, revokeSessionsOf } from './auth.js';
import type { AppContext, StaffActor } from './context.js';
import { ALLOWED_PARENT, createUnit, createUser, type NewUnit, type NewUser, type UnitKind } from './org-units.js';

const ORG_LOCK = 71_020_002;

/** Given a transaction, serialises structural changes of the org tree until it ends. */
export async function lockOrgTree(tx: Queryable): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ORG_LOCK})`);
}

/** Given a path prefix, returns a LIKE pattern matching it and everything under it. */
export const subtreePattern = (path: string) => `${path.replace(/[\\%_]/g, (m) => '\\' + m)}%`;

/** Given an actor (null: the CLI) and a unit, throws FORBIDDEN unless the unit lies in his scope subtree. */
export function assertUnitInScope(actor: StaffActor | null, unit: Pick<UnitRow, 'id' | 'path'>, path = 'unitId'): void {
  if (actor && !unit.path.startsWith(actor.scopePath)) throw new AppError('FORBIDDEN', { path, reason: 'unit_outside_scope', unitId: unit.id });
}

/** Given a unit, returns what the admin screens show of it. */
export function presentUnit(u: UnitRow) {
  return {
    id: u.id,
    parentId: u.parentId,
    kind: u.kind,
    level: u.level,
    name: u.name,
    code: u.code,
    path: u.path,
    depth: u.depth,
    active: u.active,
    lat: u.lat,
    lng: u.lng,
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** Given rows of one subtree, returns them in tree order (each parent before its children, siblings by code). */
function treeOrder(rows: UnitRow[]): UnitRow[] {
  const ids = new Set(rows.map((r) => r.id));
  const children = new Map<string | null, UnitRow[]>();
  for (const r of rows) {
    const key = r.parentId && ids.has(r.parentId) ? r.parentId : null;
    const list = children.get(key) ?? [];
    list.push(r);
    children.set(key, list);
  }
  for (const list of children.values()) list.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const out: UnitRow[] = [];
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const r = stack.pop()!;
    out.push(r);
    stack.push(...[...(children.get(r.id) ?? [])].reverse());
  }
  return out;
}

async function loadUnitOr404(q: Queryable, id: string, path = 'id'): Promise<UnitRow> {
  const unit = await findUnit(q, id);
  if (!unit) throw new AppError('UNIT_NOT_FOUND', { path, unitId: id });
  return unit;
}

// ——— units ———

export interface UnitListFilter {
  /** only this unit and its subtree */
  under?: string;
  active?: boolean;
}

/** Given an admin and a filter, returns the units of his scope (or of `under` inside it) in tree order. */
export async function listUnitsForAdmin(ctx: AppContext, actor: StaffActor, f: UnitListFilter = {}) {
  let prefix = actor.scopePath;
  if (f.under) {
    const under = await loadUnitOr404(ctx.db, f.under, 'under');
    assertUnitInScope(actor, under, 'under');
    prefix = under.path;
  }
  const conds: SQL[] = [sql`${orgUnits.path} like ${subtreePattern(prefix)}`];
  if (f.active !== undefined) conds.push(eq(orgUnits.active, f.active));
  const rows = await ctx.db.select().from(orgUnits).where(and(...conds));
  return { items: treeOrder(rows).map(presentUnit) };
}

/** Given optional filters, returns the active units any staff member may pick in a form (dispatch, escalate). */
export async function listActiveUnits(ctx: AppContext, f: { kind?: UnitKind[]; under?: string } = {}) {
  const conds: SQL[] = [eq(orgUnits.active, true)];
  if (f.kind?.length) conds.push(inArray(orgUnits.kind, f.kind));
  if (f.under) {
    const under = await loadUnitOr404(ctx.db, f.under, 'under');
    conds.push(sql`${orgUnits.path} like ${subtreePattern(under.path)}`);
  }
  const rows = await ctx.db.select().from(orgUnits).where(and(...conds));
  return {
    items: treeOrder(rows).map((u) => ({ id: u.id, parentId: u.parentId, kind: u.kind, level: u.level, name: u.name, code: u.code, path: u.path, depth: u.depth })),
  };
}

const GRID_KINDS = ['grid', 'micro_grid'] as const;

/**
 * Given a search text, returns up to 50 active grids and micro-grids whose own name or whose
 * community's or street's name contains it, each with the names of the units above it — what a
 * citizen needs to pick "his" grid without an account.
 */
export async function searchPublicGrids(ctx: AppContext, q: string | undefined, limit = 50) {
  const conds: SQL[] = [eq(orgUnits.active, true), inArray(orgUnits.kind, [...GRID_KINDS])];
  const text = q?.trim();
  if (text) {
    const like = `%${text.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
    conds.push(
      or(
        sql`${orgUnits.name} like ${like}`,
        sql`exists (select 1 from ${orgUnits} as above where above.active and above.kind in ('community', 'street') and above.name like ${like} and starts_with(${orgUnits.path}, above.path))`,
      )!,
    );
  }
  const rows = await ctx.db.select().from(orgUnits).where(and(...conds)).orderBy(asc(orgUnits.code)).limit(limit);
  const ancestorIds = rows.flatMap((r) => pathIds(r.path).slice(0, -1));
  const ancestors = await findUnitsById(ctx.db, ancestorIds);
  return {
    items: rows.map((r) => {
      const above = ancestorsOf(r.path, ancestors);
      const nameOf = (kind: string) => above.find((u) => u.kind === kind)?.name ?? null;
      return {
        id: r.id,
        kind: r.kind,
        name: r.name,
        code: r.code,
        gridName: r.kind === 'micro_grid' ? nameOf('grid') : null,
        communityName: nameOf('community'),
        streetName: nameOf('street'),
        lat: r.lat,
        lng: r.lng,
      };
    }),
  };
}

export type AdminNewUnit = Omit<NewUnit, 'id' | 'parentId'> & { parentId: string };

/** Given an admin and a new unit under a parent in his scope, returns the stored unit (ladder enforced). */
export async function createUnitAsAdmin(ctx: AppContext, actor: StaffActor, input: AdminNewUnit) {
  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const parent = await loadUnitOr404(tx, input.parentId, 'parentId');
    assertUnitInScope(actor, parent, 'parentId');
    if (await findUnitByCode(tx, input.code)) throw new AppError('VALIDATION_FAILED', { path: 'code', reason: 'duplicate_code' });
    const unit = await createUnit(tx, ctx.config.REGION, { ...input, parentId: parent.id }, parent);
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'org.unit_created', targetType: 'org_unit', targetId: unit.id, data: { parentId: parent.id, kind: unit.kind, level: unit.level, name: unit.name, code: unit.code } },
      tx,
    );
    return presentUnit(unit);
  });
}

export interface UnitPatch {
  name?: string;
  code?: string;
  lat?: number | null;
  lng?: number | null;
}

/** Given an admin, a unit in his scope and changes, returns the updated unit (renames, code, position). */
export async function updateUnitAsAdmin(ctx: AppContext, actor: StaffActor, id: string, patch: UnitPatch) {
  return ctx.db.transaction(async (tx) => {
    const unit = await loadUnitOr404(tx, id);
    assertUnitInScope(actor, unit, 'id');
    const changes: Partial<UnitRow> = {};
    for (const key of ['name', 'code', 'lat', 'lng'] as const) {
      if (patch[key] !== undefined && patch[key] !== unit[key]) (changes as Record<string, unknown>)[key] = patch[key];
    }
    if (Object.keys(changes).length === 0) return presentUnit(unit);
    if (changes.code !== undefined) {
      const other = await findUnitByCode(tx, changes.code);
      if (other && other.id !== unit.id) throw new AppError('VALIDATION_FAILED', { path: 'code', reason: 'duplicate_code' });
    }
    let updated: UnitRow;
    try {
      [updated] = (await tx
        .update(orgUnits)
        .set({ ...changes, updatedAt: ctx.now() })
        .where(eq(orgUnits.id, unit.id))
        .returning()) as [UnitRow];
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('VALIDATION_FAILED', { path: 'code', reason: 'duplicate_code' });
      throw err;
    }
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, unit[k as keyof UnitRow]]));
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.unit_updated', targetType: 'org_unit', targetId: unit.id, data: { before, after: changes } }, tx);
    return presentUnit(updated);
  });
}

/**
 * Given an admin, a unit and a new parent (both in his scope), moves the unit with its whole
 * subtree: paths and depths of every unit below, and the unit paths stored on cases (owner, lead,
 * assisting, accused), on warnings (unit paths, accused paths) and on monthly topics, all in one
 * transaction, so case and warning scope follow the move at once.
 * Returns the moved unit and how many units and cases were rewritten.
 */
export async function moveUnitAsAdmin(ctx: AppContext, actor: StaffActor, id: string, newParentId: string) {
  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const unit = await loadUnitOr404(tx, id);
    assertUnitInScope(actor, unit, 'id');
    const parent = await loadUnitOr404(tx, newParentId, 'parentId');
    assertUnitInScope(actor, parent, 'parentId');
    if (parent.path.startsWith(unit.path)) throw new AppError('UNIT_INVALID_PARENT', { path: 'parentId', reason: 'inside_own_subtree' });
    if (!parent.active) throw new AppError('UNIT_INVALID_PARENT', { path: 'parentId', reason: 'parent_inactive' });
    if (!ALLOWED_PARENT[unit.kind as UnitKind].includes(parent.kind as UnitKind)) {
      throw new AppError('UNIT_INVALID_PARENT', { path: 'parentId', kind: unit.kind, parentKind: parent.kind });
    }
    if (unit.parentId === parent.id) return { unit: presentUnit(unit), unitsMoved: 0, casesUpdated: 0 };

    const now = ctx.now();
    const oldPath = unit.path;
    const newPath = `${parent.path}${unit.id}/`;
    const depthDelta = parent.depth + 1 - unit.depth;
    const rewrite = (col: SQL) => sql`${newPath} || substr(${col}, ${oldPath.length + 1})`;

    await tx.update(orgUnits).set({ parentId: parent.id, updatedAt: now }).where(eq(orgUnits.id, unit.id));
    if (unit.kind === 'department') {
      // A department's level follows where it now hangs (city or district), with its sub-departments.
      const level = parent.kind === 'city' ? 'city' : parent.kind === 'district' ? 'district' : parent.level ?? 'district';
      await tx
        .update(orgUnits)
        .set({ level })
        .where(and(sql`${orgUnits.path} like ${subtreePattern(oldPath)}`, eq(orgUnits.kind, 'department')));
    }
    const moved = await tx
      .update(orgUnits)
      .set({ path: rewrite(sql`${orgUnits.path}`), depth: sql`${orgUnits.depth} + ${depthDelta}`, updatedAt: now })
      .where(sql`${orgUnits.path} like ${subtreePattern(oldPath)}`)
      .returning({ id: orgUnits.id });

    // Order matters: unit_paths[1] is the owner's path (run-case-command reads it), so keep positions.
    const rewriteArray = (col: SQL | typeof cases.unitPaths) => sql`array(
      select case when starts_with(p, ${oldPath}) then ${newPath} || substr(p, ${oldPath.length + 1}) else p end
      from unnest(${col}) with ordinality as u(p, i) order by i)`;
    const touches = (col: SQL | typeof cases.unitPaths) => sql`exists (select 1 from unnest(${col}) as u(p) where starts_with(p, ${oldPath}))`;
    const updatedCases = await tx
      .update(cases)
      .set({ unitPaths: rewriteArray(cases.unitPaths), accusedUnitPaths: rewriteArray(sql`${cases.accusedUnitPaths}`) })
      .where(or(touches(cases.unitPaths), touches(sql`${cases.accusedUnitPaths}`)))
      .returning({ region: cases.region, id: cases.id });
    // The cockpit counts a case for every unit on its paths: the moved cases are folded in again.
    for (let i = 0; i < updatedCases.length; i += 1000) {
      await tx.insert(rollupQueue).values(updatedCases.slice(i, i + 1000).map((c) => ({ region: c.region, caseId: c.id })));
    }
    // Warnings and monthly topics carry the same paths: their scope (and the Art. 30 exclusion of a
    // warning's accused units, kept in data.accusedUnitPaths) follows the move in the same transaction.
    const accusedOfWarning = sql`(case when jsonb_typeof(${warnings.data}->'accusedUnitPaths') = 'array' then ${warnings.data}->'accusedUnitPaths' else '[]'::jsonb end)`;
    const updatedWarnings = await tx
      .update(warnings)
      .set({
        unitPaths: rewriteArray(sql`${warnings.unitPaths}`),
        data: sql`jsonb_set(${warnings.data}, '{accusedUnitPaths}', coalesce((
          select jsonb_agg(case when starts_with(a.p, ${oldPath}) then ${newPath} || substr(a.p, ${oldPath.length + 1}) else a.p end order by a.i)
          from jsonb_array_elements_text(${accusedOfWarning}) with ordinality as a(p, i)), '[]'::jsonb))`,
      })
      .where(or(touches(sql`${warnings.unitPaths}`), sql`exists (select 1 from jsonb_array_elements_text(${accusedOfWarning}) as a(p) where starts_with(a.p, ${oldPath}))`))
      .returning({ id: warnings.id });
    const updatedTopics = await tx
      .update(monthlyTopics)
      .set({ unitPaths: rewriteArray(sql`${monthlyTopics.unitPaths}`) })
      .where(touches(sql`${monthlyTopics.unitPaths}`))
      .returning({ id: monthlyTopics.id });

    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'org.unit_moved',
        targetType: 'org_unit',
        targetId: unit.id,
        data: { fromParentId: unit.parentId, toParentId: parent.id, oldPath, newPath, unitsMoved: moved.length, casesUpdated: updatedCases.length, warningsUpdated: updatedWarnings.length, topicsUpdated: updatedTopics.length },
      },
      tx,
    );
    const after = (await findUnit(tx, unit.id))!;
    return { unit: presentUnit(after), unitsMoved: moved.length, casesUpdated: updatedCases.length };
  });
}

/**
 * Given an admin and a unit in his scope, deactivates it. Refused while active child units or
 * active users (members or scoped to it) remain, and while open cases have it as lead unit —
 * those cases would otherwise wait on a unit nobody can sign in to.
 */
export async function deactivateUnitAsAdmin(ctx: AppContext, actor: StaffActor, id: string) {
  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const unit = await loadUnitOr404(tx, id);
    assertUnitInScope(actor, unit, 'id');
    if (!unit.active) return presentUnit(unit);
    const count = sql<number>`count(*)::int`;
    const [children] = await tx.select({ n: count }).from(orgUnits).where(and(eq(orgUnits.parentId, unit.id), eq(orgUnits.active, true)));
    const [members] = await tx
      .select({ n: count })
      .from(users)
      .where(and(eq(users.active, true), or(eq(users.unitId, unit.id), eq(users.scopeUnitId, unit.id))));
    if (children!.n > 0 || members!.n > 0) {
      throw new AppError('UNIT_HAS_ACTIVE_CHILDREN', { activeChildUnits: children!.n, activeUsers: members!.n });
    }
    const [open] = await tx
      .select({ n: count })
      .from(cases)
      .where(and(eq(cases.leadUnitId, unit.id), inArray(cases.state, [...OPEN_STATES])));
    if (open!.n > 0) throw new AppError('UNIT_HAS_OPEN_CASES', { openCases: open!.n });
    const [updated] = await tx.update(orgUnits).set({ active: false, updatedAt: ctx.now() }).where(eq(orgUnits.id, unit.id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.unit_deactivated', targetType: 'org_unit', targetId: unit.id, data: { code: unit.code, name: unit.name } }, tx);
    return presentUnit(updated!);
  });
}

/** Given an admin and an inactive unit in his scope whose parent is active, reactivates it. */
export async function activateUnitAsAdmin(ctx: AppContext, actor: StaffActor, id: string) {
  return ctx.db.transaction(async (tx) => {
    await lockOrgTree(tx);
    const unit = await loadUnitOr404(tx, id);
    assertUnitInScope(actor, unit, 'id');
    if (unit.active) return presentUnit(unit);
    if (unit.parentId) {
      const parent = await findUnit(tx, unit.parentId);
      if (!parent?.active) throw new AppError('UNIT_INVALID_PARENT', { path: 'id', reason: 'parent_inactive' });
    }
    const [updated] = await tx.update(orgUnits).set({ active: true, updatedAt: ctx.now() }).where(eq(orgUnits.id, unit.id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.unit_activated', targetType: 'org_unit', targetId: unit.id, data: { code: unit.code, name: unit.name } }, tx);
    return presentUnit(updated!);
  });
}

// ——— users ———

const scopeUnit = alias(orgUnits, 'scope_unit');

/**
 * Given a user and the paths of his unit and scope, returns what the admin screens show — never
 * the password hash — with whether this admin may change him.
 */
export function presentUser(u: UserRow, unit: Pick<UnitRow, 'name' | 'path'> | null, scope: Pick<UnitRow, 'name' | 'path'> | null, actor: StaffActor | null) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    unitId: u.unitId,
    unitName: unit?.name ?? null,
    scopeUnitId: u.scopeUnitId,
    scopeUnitName: scope?.name ?? null,
    active: u.active,
    lockedUntil: u.lockedUntil?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
    manageable: !!unit && !!scope && (!actor || (unit.path.startsWith(actor.scopePath) && scope.path.startsWith(actor.scopePath))),
  };
}
export type PresentedUser = ReturnType<typeof presentUser>;

export interface UserListFilter {
  /** users whose unit lies in this unit's subtree */
  under?: string;
  q?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

/** Given an admin and filters, returns a page of the users whose unit lies in his scope. */
export async function listUsersForAdmin(ctx: AppContext, actor: StaffActor, f: UserListFilter) {
  let prefix = actor.scopePath;
  if (f.under) {
    const under = await loadUnitOr404(ctx.db, f.under, 'under');
    assertUnitInScope(actor, under, 'under');
    prefix = under.path;
  }
  const conds: SQL[] = [sql`${orgUnits.path} like ${subtreePattern(prefix)}`];
  if (f.active !== undefined) conds.push(eq(users.active, f.active));
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => '\\' + m)}%`;
    conds.push(or(sql`${users.username} like ${like}`, sql`${users.displayName} like ${like}`)!);
  }
  const where = and(...conds);
  const rows = await ctx.db
    .select({ user: users, unit: { name: orgUnits.name, path: orgUnits.path }, scope: { name: scopeUnit.name, path: scopeUnit.path } })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .leftJoin(scopeUnit, eq(scopeUnit.id, users.scopeUnitId))
    .where(where)
    .orderBy(asc(users.username))
    .limit(f.limit)
    .offset(f.offset);
  const [total] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .where(where);
  return { total: total!.n, items: rows.map((r) => presentUser(r.user, r.unit, r.scope, actor)) };
}

/** Given a password, throws VALIDATION_FAILED unless it has 8+ characters with both letters and digits. */
export function assertPasswordAcceptable(password: string): void {
  if (password.length < 8) throw new AppError('VALIDATION_FAILED', { path: 'password', reason: 'too_short' });
  if (!/[A-Za-z]/.test(password) || !/\d/.test(password)) throw new AppError('VALIDATION_FAILED', { path: 'password', reason: 'too_weak' });
}

/** Loads a user with his unit and scope unit, and checks both lie in the admin's scope. */
async function loadManageableUser(tx: Queryable, actor: StaffActor, id: string) {
  const [row] = await tx
    .select({ user: users, unit: orgUnits, scope: scopeUnit })
    .from(users)
    .leftJoin(orgUnits, eq(orgUnits.id, users.unitId))
    .leftJoin(scopeUnit, eq(scopeUnit.id, users.scopeUnitId))
    .where(eq(users.id, id))
    .limit(1);
  if (!row) throw new AppError('USER_NOT_FOUND', { path: 'id' });
  // Both must lie inside: a user scoped wider than the admin is not his to change.
  if (!row.unit || !row.scope || !row.unit.path.startsWith(actor.scopePath) || !row.scope.path.startsWith(actor.scopePath)) {
    throw new AppError('FORBIDDEN', { path: 'id', reason: 'user_outside_scope' });
  }
  return row as { user: UserRow; unit: UnitRow; scope: UnitRow };
}

async function activeUnitInScope(tx: Queryable, actor: StaffActor, id: string, path: string): Promise<UnitRow> {
  const unit = await findUnit(tx, id);
  if (!unit || !unit.active) throw new AppError('UNIT_NOT_FOUND', { path, unitId: id });
  assertUnitInScope(actor, unit, path);
  return unit;
}

export type AdminNewUser = Omit<NewUser, 'passwordHash'>;

/** Given an admin and a new user whose unit and scope lie in his scope, returns the stored user. */
export async function createUserAsAdmin(ctx: AppContext, actor: StaffActor, input: AdminNewUser): Promise<PresentedUser> {
  assertPasswordAcceptable(input.password);
  const passwordHash = await hashPassword(input.password); // slow on purpose: kept out of the transaction
  const roles = [...new Set(input.roles)];
  return ctx.db.transaction(async (tx) => {
    const unit = await activeUnitInScope(tx, actor, input.unitId, 'unitId');
    const scope = input.scopeUnitId ? await activeUnitInScope(tx, actor, input.scopeUnitId, 'scopeUnitId') : unit;
    const user = await createUser(tx, { ...input, roles, scopeUnitId: scope.id, passwordHash });
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'org.user_created', targetType: 'user', targetId: user.id, data: { username: user.username, displayName: user.displayName, roles, unitId: unit.id, scopeUnitId: scope.id } },
      tx,
    );
    return presentUser(user, unit, scope, actor);
  });
}

export interface UserPatch {
  displayName?: string;
  roles?: StaffRole[];
  unitId?: string;
  scopeUnitId?: string;
}

/**
 * Given an admin, a user he may manage and changes, returns the updated user. A user moved to
 * another unit whose scope was his own unit keeps that habit (scope moves along) unless a scope is
 * given. An admin cannot take the admin role from himself.
 */
export async function updateUserAsAdmin(ctx: AppContext, actor: StaffActor, id: string, patch: UserPatch): Promise<PresentedUser> {
  return ctx.db.transaction(async (tx) => {
    const { user, unit, scope } = await loadManageableUser(tx, actor, id);
    const roles = patch.roles ? [...new Set(patch.roles)] : undefined;
    if (user.id === actor.userId && roles && !roles.includes('admin')) throw new AppError('FORBIDDEN', { path: 'roles', reason: 'own_admin_role' });
    const newUnit = patch.unitId && patch.unitId !== user.unitId ? await activeUnitInScope(tx, actor, patch.unitId, 'unitId') : unit;
    let newScope = scope;
    if (patch.scopeUnitId && patch.scopeUnitId !== user.scopeUnitId) newScope = await activeUnitInScope(tx, actor, patch.scopeUnitId, 'scopeUnitId');
    else if (!patch.scopeUnitId && newUnit.id !== unit.id && user.scopeUnitId === user.unitId) newScope = newUnit;

    const after: Record<string, unknown> = {};
    if (patch.displayName !== undefined && patch.displayName !== user.displayName) after.displayName = patch.displayName;
    if (roles && (roles.length !== user.roles.length || roles.some((r) => !user.roles.includes(r)))) after.roles = roles;
    if (newUnit.id !== user.unitId) after.unitId = newUnit.id;
    if (newScope.id !== user.scopeUnitId) after.scopeUnitId = newScope.id;
    if (Object.keys(after).length === 0) return presentUser(user, unit, scope, actor);

    const [updated] = await tx
      .update(users)
      .set({ ...after, updatedAt: ctx.now() })
      .where(eq(users.id, user.id))
      .returning();
    const before = Object.fromEntries(Object.keys(after).map((k) => [k, user[k as keyof UserRow]]));
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.user_updated', targetType: 'user', targetId: user.id, data: { username: user.username, before, after } }, tx);
    return presentUser(updated!, newUnit, newScope, actor);
  });
}

/** Given an admin, a user he may manage and a new password, sets it, clears a lockout and ends every session of the user. */
export async function resetPasswordAsAdmin(ctx: AppContext, actor: StaffActor, id: string, password: string): Promise<PresentedUser> {
  assertPasswordAcceptable(password);
  const passwordHash = await hashPassword(password);
  const result = await ctx.db.transaction(async (tx) => {
    const { user, unit, scope } = await loadManageableUser(tx, actor, id);
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: ctx.now() })
      .where(eq(users.id, user.id))
      .returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.user_password_reset', targetType: 'user', targetId: user.id, data: { username: user.username } }, tx);
    return presentUser(updated!, unit, scope, actor);
  });
  // After commit: revokeSessionsOf runs on its own connection (PGlite would wait on our transaction).
  await revokeSessionsOf(ctx, id);
  return result;
}

/** Given an admin and another user he may manage, deactivates the user and ends his sessions. */
export async function deactivateUserAsAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<PresentedUser> {
  if (id === actor.userId) throw new AppError('FORBIDDEN', { path: 'id', reason: 'self' });
  const result = await ctx.db.transaction(async (tx) => {
    const { user, unit, scope } = await loadManageableUser(tx, actor, id);
    if (!user.active) return presentUser(user, unit, scope, actor);
    const [updated] = await tx.update(users).set({ active: false, updatedAt: ctx.now() }).where(eq(users.id, user.id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.user_deactivated', targetType: 'user', targetId: user.id, data: { username: user.username } }, tx);
    return presentUser(updated!, unit, scope, actor);
  });
  // An inactive user's token already fails (authenticate reads `active`); revoking makes it final.
  await revokeSessionsOf(ctx, id);
  return result;
}

/** Given an admin and an inactive user he may manage (in an active unit), reactivates him with a clean lockout. */
export async function activateUserAsAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<PresentedUser> {
  return ctx.db.transaction(async (tx) => {
    const { user, unit, scope } = await loadManageableUser(tx, actor, id);
    if (user.active) return presentUser(user, unit, scope, actor);
    if (!unit.active || !scope.active) throw new AppError('UNIT_NOT_FOUND', { path: 'unitId', reason: 'unit_inactive' });
    const [updated] = await tx.update(users).set({ active: true, failedLogins: 0, lockedUntil: null, updatedAt: ctx.now() }).where(eq(users.id, user.id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'org.user_activated', targetType: 'user', targetId: user.id, data: { username: user.username } }, tx);
    return presentUser(updated!, unit, scope, actor);
  });
}

/** Given a user id, returns it presented for the admin (scope-checked). */
export async function getUserForAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<PresentedUser> {
  const { user, unit, scope } = await loadManageableUser(ctx.db, actor, id);
  return presentUser(user, unit, scope, actor);
}

