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

/** Given a key, removes the setting (its default applies again). */
export async function deleteSetting(q: Queryable, key: string): Promise<void> {
  await q.delete(settings).where(eq(settings.key, key));
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

/**
 * The address citizens reach the deployment at (https://xinfang.example.gov.cn, or with a path
 * prefix), printed into 码上办 QR codes. Without it the poster uses the address the admin's own
 * request came to, which is wrong behind a proxy or on a loopback address — hence a setting.
 */
export const PUBLIC_BASE_URL = 'public_base_url';

/** Given a candidate base URL, returns it as `scheme://host[:port][/prefix]` without a trailing slash, or null if it is not an http(s) URL without query, fragment or credentials. */
export function normalizePublicBaseUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Given a fallback origin (the request's own), returns the configured public base URL, or the fallback when none (or an unusable one) is stored. */
export async function resolvePublicBaseUrl(q: Queryable, fallback: string): Promise<{ baseUrl: string; configured: string | null }> {
  const configured = normalizePublicBaseUrl(await readSetting<string>(q, PUBLIC_BASE_URL));
  return { baseUrl: configured ?? fallback.replace(/\/+$/, ''), configured };
}

/** 抽查 settings: the sampling rate and the points a sloppy closure costs (services/spot-checks.ts). */
export const SPOT_CHECK_SETTINGS = 'spot_check';
