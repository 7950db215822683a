/**
 * Deployment settings kept in the database (the unit that receives public submissions, …).
 */
import { asc, eq } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { Queryable } from '../store/database.js';
import { orgUnits, settings } from '../store/schema.js';
import { findUnit, type UnitRow } from '../store/org-repository.js';

export const PUBLIC_INTAKE_UNIT = 'public_intake_unit_id';

/** Given a key, returns the stored setting value or undefined. */
export async function readSetting<T>(q: Queryable, key: string): Promise<T | undefined> {
  const [row] = await q.select().from(settings).where(eq(settings.key, key)).limit(1);
  return row?.value as T | undefined;
}

/** Given a key and value, stores the setting. */
export async function writeSetting(q: Queryable, key: string, value: unknown): Promise<void> {
  await q
    .insert(settings)
    .values({ key, value, updatedAt: new Date() })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
}

/**
 * Returns the unit that owns submissions with no grid: the configured petition office, else the
 * shallowest active unit of the tree.
 */
export async function resolvePublicIntakeUnit(q: Queryable): Promise<UnitRow> {
  const id = await readSetting<string>(q, PUBLIC_INTAKE_UNIT);
  if (id) {
    const unit = await findUnit(q, id);
    if (unit?.active) return unit;
  }
  const [root] = await q.select().from(orgUnits).where(eq(orgUnits.active, true)).orderBy(asc(orgUnits.depth)).limit(1);
  if (!root) throw new AppError('UNIT_NOT_FOUND', { reason: 'no_org_tree' });
  return root;
}
