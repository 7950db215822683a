/**
 * Reads of the org tree and its users. Units are a small reference table (thousands of rows).
 */
import { and, arrayOverlaps, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from './database.js';
import { orgUnits, users } from './schema.js';

export type UnitRow = typeof orgUnits.$inferSelect;
export type UserRow = typeof users.$inferSelect;

/** Given a unit id, returns the unit or null. */
export async function findUnit(q: Queryable, id: string): Promise<UnitRow | null> {
  const [row] = await q.select().from(orgUnits).where(eq(orgUnits.id, id)).limit(1);
  return row ?? null;
}

/** Given unit ids, returns the units found, by id. */
export async function findUnitsById(q: Queryable, ids: readonly string[]): Promise<Map<string, UnitRow>> {
  if (ids.length === 0) return new Map();
  const rows = await q.select().from(orgUnits).where(inArray(orgUnits.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r]));
}

/** Given a unit code, returns the unit or null. */
export async function findUnitByCode(q: Queryable, code: string): Promise<UnitRow | null> {
  const [row] = await q.select().from(orgUnits).where(eq(orgUnits.code, code)).limit(1);
  return row ?? null;
}

/** Given a user id, returns the active user or null. */
export async function findActiveUser(q: Queryable, id: string): Promise<UserRow | null> {
  const [row] = await q.select().from(users).where(and(eq(users.id, id), eq(users.active, true))).limit(1);
  return row ?? null;
}

/** Given a username, returns the user (active or not) or null. */
export async function findUserByUsername(q: Queryable, username: string): Promise<UserRow | null> {
  const [row] = await q.select().from(users).where(eq(users.username, username)).limit(1);
  return row ?? null;
}

/** Given a path, returns whether `inner` lies in the subtree of `outer`. */
export const isWithin = (innerPath: string, outerPath: string) => innerPath.startsWith(outerPath);

/** Given a unit path '/<root>/…/<self>/', returns its ids from the root down to the unit itself. */
export const pathIds = (path: string): string[] => path.split('/').filter(Boolean);

/** Given a unit path and loaded units, returns the unit's ancestors (root first) that were loaded. */
export const ancestorsOf = (path: string, units: ReadonlyMap<string, UnitRow>): UnitRow[] =>
  pathIds(path)
    .slice(0, -1)
    .map((id) => units.get(id))
    .filter((u): u is UnitRow => !!u);

/**
 * Given a unit's path and roles, returns the active users holding any of the roles whose scope
 * covers the unit — only the nearest such scope (the district petition office for a grid's case,
 * not every city-level dispatcher above it). Who answers for a case the office must act on.
 */
export async function nearestScopedUsers(q: Queryable, unitPath: string, roles: readonly string[]): Promise<string[]> {
  const rows = await q
    .select({ id: users.id, depth: orgUnits.depth })
    .from(users)
    .innerJoin(orgUnits, eq(orgUnits.id, users.scopeUnitId))
    .where(and(eq(users.active, true), arrayOverlaps(users.roles, [...roles]), sql`starts_with(${unitPath}, ${orgUnits.path})`));
  if (!rows.length) return [];
  const deepest = Math.max(...rows.map((r) => r.depth));
  return rows.filter((r) => r.depth === deepest).map((r) => r.id);
}
