/**
 * Scope is data: the one place that turns a staff actor into the filter every case query must
 * carry. A case is visible when any of its unit paths (owner, lead, assisting) lies in the actor's
 * org subtree — and never, whatever the scope, to a user inside a unit an accusation names
 * (《信访工作条例》 Art. 30: accusation material must not reach the accused).
 */
import { sql, type SQL } from 'drizzle-orm';
import { cases } from './schema.js';
import type { StaffActor } from '../services/context.js';

/** Given a staff actor, returns the SQL condition that limits `cases` to what he may see. */
export function caseScopeFilter(actor: Pick<StaffActor, 'scopePath' | 'unitPath'>): SQL {
  return sql`(
    exists (select 1 from unnest(${cases.unitPaths}) as up(p) where starts_with(up.p, ${actor.scopePath}))
    and ${caseAccusationFilter(actor)}
  )`;
}

/**
 * Given a staff actor, returns the part of his filter that keeps accusations against his own unit (or
 * one above it) from him: alone, it is his whole filter over cases already known to lie in his scope.
 */
export function caseAccusationFilter(actor: Pick<StaffActor, 'unitPath'>): SQL {
  return sql`not exists (select 1 from unnest(${cases.accusedUnitPaths}) as ap(p) where starts_with(${actor.unitPath}, ap.p))`;
}

/** Given the same facts in memory, returns whether the actor may see the case (used after a locked load). */
export function caseInScope(
  actor: Pick<StaffActor, 'scopePath' | 'unitPath'>,
  c: { unitPaths: readonly string[]; accusedUnitPaths: readonly string[] },
): boolean {
  if (c.accusedUnitPaths.some((p) => actor.unitPath.startsWith(p))) return false;
  return c.unitPaths.some((p) => p.startsWith(actor.scopePath));
}

/** Given the actor, returns whether he sits inside a unit the accusation names. */
export function isInAccusedUnit(actor: Pick<StaffActor, 'unitPath'>, accusedUnitPaths: readonly string[]): boolean {
  return accusedUnitPaths.some((p) => actor.unitPath.startsWith(p));
}
