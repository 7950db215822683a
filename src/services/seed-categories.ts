/**
 * Loading the shipped category tree (statute/categories.json) into an empty deployment; admins
 * edit it from there.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { categories, categoryQuestions } from '../store/schema.js';
import { DEMO_CATEGORY_QUESTIONS } from '../domain/demo/category-questions.js';
import { questionDefinitionProblem } from '../domain/categories/question-rules.js';
import type { AppContext } from './context.js';

interface Node {
  code: string;
  name: string;
  children?: Node[];
}
const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ code: z.string().regex(/^\d{2,6}$/), name: z.string().min(1), children: z.array(NodeSchema).optional() }));
const FileSchema = z.object({ version: z.string(), categories: z.array(NodeSchema).min(1) });

export const CATEGORIES_FILE = fileURLToPath(new URL('../../statute/categories.json', import.meta.url));

/** Given the categories file, returns its rows flattened with parent codes and levels. */
export function readCategoryFile(file = CATEGORIES_FILE) {
  const parsed = FileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const rows: (typeof categories.$inferInsert)[] = [];
  const walk = (n: Node, parent: string | null, level: number, sort: number) => {
    rows.push({ code: n.code, parentCode: parent, name: n.name, level, sort, active: true });
    n.children?.forEach((c, i) => walk(c, n.code, level + 1, i));
  };
  parsed.categories.forEach((c, i) => walk(c, null, 1, i));
  return rows;
}

/** Given a context, inserts the shipped categories that are not there yet; returns how many were added. */
export async function seedCategories(ctx: AppContext): Promise<number> {
  const rows = readCategoryFile();
  const inserted = await ctx.db.insert(categories).values(rows).onConflictDoNothing().returning({ code: categories.code });
  return inserted.length;
}

/**
 * Given a context, stores the demo district's category questions when there are no questions at all
 * (a deployment whose admins removed them all is not refilled: only a database that never had any).
 * Returns how many were added. Seeded after the demo cases, so those were filed before anyone asked.
 */
export async function seedDemoCategoryQuestions(ctx: AppContext): Promise<number> {
  for (const q of DEMO_CATEGORY_QUESTIONS) {
    const problem = questionDefinitionProblem(q);
    if (problem) throw new Error(`demo question ${q.categoryCode}/${q.code}: ${problem.path} ${problem.reason}`);
  }
  return ctx.db.transaction(async (tx) => {
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(categoryQuestions)) as [{ n: number }];
    if (n > 0) return 0;
    const known = new Set((await tx.select({ code: categories.code }).from(categories)).map((c) => c.code));
    const rows = DEMO_CATEGORY_QUESTIONS.filter((q) => known.has(q.categoryCode)).map((q) => ({ ...q, options: [...q.options], active: true }));
    if (rows.length) await tx.insert(categoryQuestions).values(rows).onConflictDoNothing();
    return rows.length;
  });
}
