/**
 * The editable category tree (DOMAIN.md §2): three levels, two digits per level, so a code names its
 * ancestors ("010203" lies under "0102" under "01"). Codes are never deleted or reused, because
 * cases keep the code they were filed under; a retired category is deactivated with everything
 * below it, and can be brought back.
 */
import { and, eq, like, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { Queryable } from '../store/database.js';
import { categories } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';

export const MAX_CATEGORY_LEVEL = 3;
/** A category code: 2, 4 or 6 digits. */
export const CATEGORY_CODE_RE = /^(\d{2}){1,3}$/;
const CATEGORY_LOCK = 71_020_003;

export type CategoryRow = typeof categories.$inferSelect;

export interface CategoryNode {
  code: string;
  name: string;
  level: number;
  sort: number;
  children: CategoryNode[];
}

const bySortThenCode = (a: CategoryRow, b: CategoryRow) => a.sort - b.sort || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/** Given a context, returns the active categories as a nested tree, siblings in their set order. */
export async function activeCategoryTree(ctx: AppContext): Promise<CategoryNode[]> {
  const rows = await ctx.db.select().from(categories).where(eq(categories.active, true));
  return nest(rows);
}

function nest(rows: CategoryRow[]): CategoryNode[] {
  const nodes = new Map(rows.map((r) => [r.code, { code: r.code, name: r.name, level: r.level, sort: r.sort, children: [] as CategoryNode[] }]));
  const roots: CategoryNode[] = [];
  for (const r of [...rows].sort(bySortThenCode)) {
    const node = nodes.get(r.code)!;
    const parent = r.parentCode ? nodes.get(r.parentCode) : undefined;
    if (parent) parent.children.push(node);
    else if (!r.parentCode) roots.push(node);
    // an active child of an inactive parent cannot happen (deactivation cascades); if it did, it stays hidden
  }
  return roots;
}

/** Given a context, returns every category, active or not, flat in tree order: what the admin screen edits. */
export async function listAllCategories(ctx: AppContext) {
  const rows = await ctx.db.select().from(categories);
  const children = new Map<string | null, CategoryRow[]>();
  for (const r of rows) children.set(r.parentCode, [...(children.get(r.parentCode) ?? []), r]);
  const out: CategoryRow[] = [];
  const walk = (parent: string | null) => {
    for (const r of (children.get(parent) ?? []).sort(bySortThenCode)) {
      out.push(r);
      walk(r.code);
    }
  };
  walk(null);
  return { items: out.map(presentCategory) };
}

/** Given a row, returns it as the API shows it. */
export const presentCategory = (r: CategoryRow) => ({ code: r.code, parentCode: r.parentCode, name: r.name, level: r.level, sort: r.sort, active: r.active });

async function findCategory(q: Queryable, code: string): Promise<CategoryRow | null> {
  const [row] = await q.select().from(categories).where(eq(categories.code, code)).limit(1);
  return row ?? null;
}

async function loadCategoryOr404(q: Queryable, code: string, path = 'code'): Promise<CategoryRow> {
  const row = CATEGORY_CODE_RE.test(code) ? await findCategory(q, code) : null;
  if (!row) throw new AppError('CATEGORY_NOT_FOUND', { path, code });
  return row;
}

async function assertNameFreeAmongSiblings(q: Queryable, parentCode: string | null, name: string, exceptCode?: string) {
  const siblings = await q
    .select({ code: categories.code, name: categories.name })
    .from(categories)
    .where(and(parentCode ? eq(categories.parentCode, parentCode) : sql`${categories.parentCode} is null`, eq(categories.active, true), eq(categories.name, name)));
  if (siblings.some((s) => s.code !== exceptCode)) throw new AppError('CATEGORY_INVALID', { path: 'name', reason: 'duplicate_name' });
}

export interface NewCategory {
  /** null or absent: a first-level class */
  parentCode?: string | null;
  /** the parent's code plus two digits; when absent, the next free two digits are taken */
  code?: string;
  name: string;
  sort?: number;
}

/**
 * Given an admin and a new category under an active parent (at most three levels), returns it.
 * A code ever used, even by a retired category, is refused: cases still carry it.
 */
export async function createCategory(ctx: AppContext, actor: StaffActor, input: NewCategory) {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CATEGORY_LOCK})`);
    const parentCode = input.parentCode ?? null;
    const parent = parentCode ? await loadCategoryOr404(tx, parentCode, 'parentCode') : null;
    if (parent && !parent.active) throw new AppError('CATEGORY_INVALID', { path: 'parentCode', reason: 'parent_inactive' });
    const level = (parent?.level ?? 0) + 1;
    if (level > MAX_CATEGORY_LEVEL) throw new AppError('CATEGORY_INVALID', { path: 'parentCode', reason: 'too_deep', maxLevel: MAX_CATEGORY_LEVEL });
    const siblings = await tx
      .select()
      .from(categories)
      .where(parent ? eq(categories.parentCode, parent.code) : sql`${categories.parentCode} is null`);
    let code = input.code;
    if (code === undefined) {
      const used = new Set(siblings.map((s) => s.code.slice(-2)));
      const free = Array.from({ length: 99 }, (_, i) => String(i + 1).padStart(2, '0')).find((d) => !used.has(d));
      if (!free) throw new AppError('CATEGORY_INVALID', { path: 'code', reason: 'no_free_code' });
      code = `${parent?.code ?? ''}${free}`;
    }
    if (!CATEGORY_CODE_RE.test(code) || code.length !== level * 2 || !code.startsWith(parent?.code ?? '') || code.endsWith('00')) {
      throw new AppError('CATEGORY_INVALID', { path: 'code', reason: 'must_extend_parent', expected: `${parent?.code ?? ''}NN` });
    }
    if (await findCategory(tx, code)) throw new AppError('CATEGORY_INVALID', { path: 'code', reason: 'code_taken' });
    await assertNameFreeAmongSiblings(tx, parent?.code ?? null, input.name);
    const sort = input.sort ?? siblings.reduce((m, s) => Math.max(m, s.sort + 1), 0);
    const [row] = await tx.insert(categories).values({ code, parentCode: parent?.code ?? null, name: input.name, level, sort, active: true }).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'category.created', targetType: 'category', targetId: code, data: { parentCode: parent?.code ?? null, name: input.name, level, sort } }, tx);
    return presentCategory(row!);
  });
}

export interface CategoryPatch {
  name?: string;
  sort?: number;
}

/** Given an admin, a category code and a new name and/or position among its siblings, returns it updated. */
export async function updateCategory(ctx: AppContext, actor: StaffActor, code: string, patch: CategoryPatch) {
  return ctx.db.transaction(async (tx) => {
    const row = await loadCategoryOr404(tx, code);
    const changes: CategoryPatch = {};
    if (patch.name !== undefined && patch.name !== row.name) changes.name = patch.name;
    if (patch.sort !== undefined && patch.sort !== row.sort) changes.sort = patch.sort;
    if (Object.keys(changes).length === 0) return presentCategory(row);
    if (changes.name !== undefined && row.active) await assertNameFreeAmongSiblings(tx, row.parentCode, changes.name, row.code);
    const [updated] = await tx.update(categories).set(changes).where(eq(categories.code, row.code)).returning();
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, row[k as keyof CategoryPatch]]));
    await writeAudit(ctx, { actorId: actor.userId, action: 'category.updated', targetType: 'category', targetId: row.code, data: { before, after: changes } }, tx);
    return presentCategory(updated!);
  });
}

/** Given an admin and a category code, deactivates it and every category below it; returns the codes retired. */
export async function deactivateCategory(ctx: AppContext, actor: StaffActor, code: string) {
  return ctx.db.transaction(async (tx) => {
    const row = await loadCategoryOr404(tx, code);
    // Codes extend their parent's code, so the subtree is a prefix match.
    const retired = await tx
      .update(categories)
      .set({ active: false })
      .where(and(like(categories.code, `${row.code}%`), eq(categories.active, true)))
      .returning({ code: categories.code });
    const codes = retired.map((r) => r.code).sort();
    if (codes.length) await writeAudit(ctx, { actorId: actor.userId, action: 'category.deactivated', targetType: 'category', targetId: row.code, data: { codes } }, tx);
    return { code: row.code, deactivated: codes };
  });
}

/** Given an admin and a retired category whose parent is active, brings that one category back (not its children). */
export async function activateCategory(ctx: AppContext, actor: StaffActor, code: string) {
  return ctx.db.transaction(async (tx) => {
    const row = await loadCategoryOr404(tx, code);
    if (row.active) return presentCategory(row);
    if (row.parentCode) {
      const parent = await findCategory(tx, row.parentCode);
      if (!parent?.active) throw new AppError('CATEGORY_INVALID', { path: 'code', reason: 'parent_inactive' });
    }
    await assertNameFreeAmongSiblings(tx, row.parentCode, row.name, row.code);
    const [updated] = await tx.update(categories).set({ active: true }).where(eq(categories.code, row.code)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'category.activated', targetType: 'category', targetId: row.code, data: {} }, tx);
    return presentCategory(updated!);
  });
}

