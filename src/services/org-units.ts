/**
 * Creating org units and staff users: the primitives the admin API, the org import and the demo
 * seed share. A unit's path is its parent's path plus its own id, so a subtree is a prefix.
 */
import crypto from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { STAFF_ROLES, type StaffRole } from '../domain/lifecycle/types.js';
import type { Queryable } from '../store/database.js';
import { orgUnits, users } from '../store/schema.js';
import { findUnit, findUserByUsername, type UnitRow } from '../store/org-repository.js';
import { isUniqueViolation } from '../store/pg-errors.js';
import { hashPassword } from './auth.js';

export const UNIT_KINDS = ['city', 'district', 'street', 'community', 'grid', 'micro_grid', 'department'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Which kind may sit under which: the administrative ladder, with departments under a city or district. */
export const ALLOWED_PARENT: Record<UnitKind, readonly (UnitKind | null)[]> = {
  city: [null],
  district: ['city', null],
  street: ['district'],
  community: ['street'],
  grid: ['community'],
  micro_grid: ['grid'],
  department: ['city', 'district', 'department'],
};

/** Given a parent (or none, for a root) and a new unit's id, returns the unit's path and depth. */
export function placeUnder(parent: { path: string; depth: number } | null | undefined, id: string): { path: string; depth: number } {
  return { path: `${parent?.path ?? '/'}${id}/`, depth: (parent?.depth ?? -1) + 1 };
}

export interface NewUnit {
  id?: string;
  parentId: string | null;
  kind: UnitKind;
  level?: 'city' | 'district' | null;
  name: string;
  code: string;
  lat?: number | null;
  lng?: number | null;
}

/** Given a new unit under an existing parent, returns the stored unit (path computed). */
export async function createUnit(q: Queryable, region: string, u: NewUnit, parent?: UnitRow | null): Promise<UnitRow> {
  const p = u.parentId ? parent ?? (await findUnit(q, u.parentId)) : null;
  if (u.parentId && (!p || !p.active)) throw new AppError('UNIT_INVALID_PARENT', { path: 'parentId' });
  if (!ALLOWED_PARENT[u.kind].includes((p?.kind ?? null) as UnitKind | null)) {
    throw new AppError('UNIT_INVALID_PARENT', { path: 'parentId', kind: u.kind, parentKind: p?.kind ?? null });
  }
  const id = u.id ?? crypto.randomUUID();
  const level = u.kind === 'department' ? u.level ?? (p?.kind === 'city' ? 'city' : p?.level ?? 'district') : null;
  const row = {
    id,
    parentId: p?.id ?? null,
    kind: u.kind,
    level,
    name: u.name,
    code: u.code,
    ...placeUnder(p, id),
    region,
    active: true,
    lat: u.lat ?? null,
    lng: u.lng ?? null,
  };
  try {
    const [stored] = await q.insert(orgUnits).values(row).returning();
    return stored!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('VALIDATION_FAILED', { path: 'code', reason: 'duplicate_code' });
    throw err;
  }
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: StaffRole[];
  unitId: string;
  scopeUnitId?: string;
  /** a precomputed hash (the demo seed hashes its one password once) */
  passwordHash?: string;
}

/** Given a new user, returns the stored user (password hashed with argon2id). */
export async function createUser(q: Queryable, u: NewUser) {
  if (!/^[a-z0-9][a-z0-9._-]{1,63}$/.test(u.username)) throw new AppError('VALIDATION_FAILED', { path: 'username' });
  if (u.roles.length === 0 || u.roles.some((r) => !STAFF_ROLES.includes(r))) throw new AppError('VALIDATION_FAILED', { path: 'roles' });
  if (!u.passwordHash && u.password.length < 8) throw new AppError('VALIDATION_FAILED', { path: 'password', reason: 'too_short' });
  const unit = await findUnit(q, u.unitId);
  if (!unit || !unit.active) throw new AppError('UNIT_NOT_FOUND', { path: 'unitId' });
  const scope = u.scopeUnitId ? await findUnit(q, u.scopeUnitId) : unit;
  if (!scope || !scope.active) throw new AppError('UNIT_NOT_FOUND', { path: 'scopeUnitId' });
  if (await findUserByUsername(q, u.username)) throw new AppError('USER_EXISTS', { path: 'username' });
  const passwordHash = u.passwordHash ?? (await hashPassword(u.password));
  try {
    const [row] = await q
      .insert(users)
      .values({ id: crypto.randomUUID(), username: u.username, displayName: u.displayName, passwordHash, roles: u.roles, unitId: unit.id, scopeUnitId: scope.id })
      .returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('USER_EXISTS', { path: 'username' });
    throw err;
  }
}
