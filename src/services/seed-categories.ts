/**
 * Loading the shipped category tree (statute/categories.json) into an empty deployment; admins
 * edit it from there.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { like, sql } from 'drizzle-orm';
import { auditLog, categories, categoryQuestions } from '../store/schema.js';
import { DEMO_CATEGORY_QUESTIONS } from '../domain/demo/category-questions.js';
import { questionDefinitionProblem } from '../domain/categories/question-rules.js';
import type { AppContext } from './context.js';
import { writeAudit } from './audit-log.js';
import { QUESTION_LOCK } from './category-questions.js';
import { readSetting, writeSetting } from './settings.js';

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

/** The setting that records the demo questions were offered once (seeded or not): they are never offered again. */
export const DEMO_QUESTIONS_SEEDED = 'demo_category_questions_seeded';

/**
 * Given a context, stores the demo district's category questions once in the life of a database:
 * the first time it is called (at every start of a demo district) it seeds them when there are no
 * questions and no admin ever edited any (the audit log says), records that in settings, and audits
 * the seeding; from then on it does nothing, so questions an admin deleted stay deleted. Returns how
 * many were added. Seeded after the demo cases, so those were filed before anyone asked.
 */
export async function seedDemoCategoryQuestions(ctx: AppContext): Promise<number> {
  for (const q of DEMO_CATEGORY_QUESTIONS) {
    const problem = questionDefinitionProblem(q);
    if (problem) throw new Error(`demo question ${q.categoryCode}/${q.code}: ${problem.path} ${problem.reason}`);
  }
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUESTION_LOCK})`);
    if ((await readSetting(tx, DEMO_QUESTIONS_SEEDED)) !== undefined) return 0;
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(categoryQuestions)) as [{ n: number }];
    // A database from before this setting whose admins removed every question: the audit log remembers.
    const [edited] = await tx.select({ id: auditLog.id }).from(auditLog).where(like(auditLog.action, 'category_question.%')).limit(1);
    const known = new Set((await tx.select({ code: categories.code }).from(categories)).map((c) => c.code));
    const rows = n > 0 || edited ? [] : DEMO_CATEGORY_QUESTIONS.filter((q) => known.has(q.categoryCode)).map((q) => ({ ...q, options: [...q.options], active: true }));
    if (rows.length) {
      await tx.insert(categoryQuestions).values(rows).onConflictDoNothing();
      await writeAudit(ctx, { actorId: null, action: 'category_question.demo_seeded', targetType: 'category_question', targetId: null, data: { questions: rows.map((r) => `${r.categoryCode}/${r.code}`) } }, tx);
    }
    await writeSetting(tx, DEMO_QUESTIONS_SEEDED, { at: ctx.now().toISOString(), seeded: rows.length });
    return rows.length;
  });
}
