/**
 * Who hears of a warning. An urgent warning goes to a named person at once (DOMAIN.md §6): the head of
 * the street (街道) over the place the case arose — a street settles what its grids and communities
 * cannot ("大事不出街道") — or, where no street is above it (a district department, the petition office),
 * the head of the unit itself, then up the tree. Among a unit's users a leader comes before a unit head,
 * then by username, so the choice is stable. Nobody inside a unit an accusation names is ever chosen.
 */
import { and, arrayOverlaps, asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../store/database.js';
import { findUnitsById, nearestScopedUsers, pathIds } from '../../store/org-repository.js';
import { orgUnits, users } from '../../store/schema.js';

const HEAD_ROLES = ['leader', 'unit_head'] as const;

/** Given the unit where a case arose and the accused paths, returns the named person for an urgent warning (user id and unit), or null when the tree has nobody. */
export async function findNamedPerson(q: Queryable, unitPath: string, accusedUnitPaths: readonly string[]): Promise<{ userId: string; unitId: string } | null> {
  const ids = pathIds(unitPath);
  const units = await findUnitsById(q, ids);
  const chain = ids.map((id) => units.get(id)).filter((u) => !!u);
  const streetAt = chain.map((u) => u.kind).lastIndexOf('street');
  // from the street up, or from the unit itself up when no street is above it
  const candidates = (streetAt >= 0 ? chain.slice(0, streetAt + 1) : chain).reverse().filter((u) => u.active && !accusedUnitPaths.some((a) => u.path.startsWith(a)));
  if (!candidates.length) return null;
  const rows = await q
    .select({ id: users.id, unitId: users.unitId, roles: users.roles, username: users.username })
    .from(users)
    .where(and(inArray(users.unitId, candidates.map((u) => u.id)), eq(users.active, true), arrayOverlaps(users.roles, [...HEAD_ROLES])))
    .orderBy(asc(users.username));
  for (const unit of candidates) {
    const here = rows.filter((r) => r.unitId === unit.id);
    const pick = here.find((r) => r.roles.includes('leader')) ?? here[0];
    if (pick) return { userId: pick.id, unitId: unit.id };
  }
  return null;
}

/** Given user ids and accused paths, returns the users outside the accused units (Art. 30), in the given order. */
export async function outsideAccused(q: Queryable, userIds: readonly string[], accusedUnitPaths: readonly string[]): Promise<string[]> {
  if (!userIds.length || !accusedUnitPaths.length) return [...userIds];
  const rows = await q.select({ id: users.id, path: orgUnits.path }).from(users).innerJoin(orgUnits, eq(orgUnits.id, users.unitId)).where(inArray(users.id, [...userIds]));
  const pathOf = new Map(rows.map((r) => [r.id, r.path]));
  return userIds.filter((id) => {
    const p = pathOf.get(id);
    return p !== undefined && !accusedUnitPaths.some((a) => p.startsWith(a));
  });
}

/** Given a unit path, returns the supervisors whose scope covers it most nearly (the district's 督查 office for a grid), outside the accused units. */
export async function nearestSupervisors(q: Queryable, unitPath: string, accusedUnitPaths: readonly string[]): Promise<string[]> {
  return outsideAccused(q, await nearestScopedUsers(q, unitPath, ['supervisor']), accusedUnitPaths);
}
