/**
 * Reading category questions: the active questions a case of a category is asked (its own and those
 * of every category above it), in the order they are asked.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../store/database.js';
import { categoryQuestions } from '../store/schema.js';
import { categoryLineage, orderQuestions, type CategoryQuestion, type QuestionDatatype, type QuestionOption } from '../domain/categories/answers.js';

/** Given a category code, returns the active questions a case of it is asked. */
export async function questionsForCategory(q: Queryable, categoryCode: string): Promise<CategoryQuestion[]> {
  const rows = await q
    .select()
    .from(categoryQuestions)
    .where(and(inArray(categoryQuestions.categoryCode, categoryLineage(categoryCode)), eq(categoryQuestions.active, true)));
  return orderQuestions(rows.map(toQuestion));
}

/**
 * One lock for question definitions (a PostgreSQL advisory lock key): the lineage check and the
 * insert must not interleave, and an admin's check of the answers cases gave (before removing an
 * option or deleting a question) must not interleave with a registration validating new ones.
 * Admins take it exclusively, first in their transaction (category-question-admin.ts); a
 * registration of a category with questions takes it shared (questionsForRegistration), so it
 * either commits before the admin's check reads the cases, or validates against the changed questions.
 */
export const QUESTION_LOCK = 71_020_011;

/**
 * Given a registration's transaction and its category, returns the active questions its case is
 * asked, read under the shared QUESTION_LOCK when there are any (held to commit). A category
 * without questions — most intake — takes no lock and reads once; one with questions reads again
 * after the lock, since an admin may have changed them while it waited. On PGlite (one connection)
 * the lock is taken on the transaction itself, never on another handle.
 */
export async function questionsForRegistration(tx: Tx, categoryCode: string): Promise<CategoryQuestion[]> {
  if ((await questionsForCategory(tx, categoryCode)).length === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${QUESTION_LOCK})`);
  return questionsForCategory(tx, categoryCode);
}

/** Given a row of category_questions, returns it as the domain reads it. */
export function toQuestion(r: typeof categoryQuestions.$inferSelect): CategoryQuestion {
  return {
    categoryCode: r.categoryCode,
    code: r.code,
    sort: r.sort,
    datatype: r.datatype as QuestionDatatype,
    required: r.required,
    label: r.label,
    hint: r.hint,
    options: (r.options as QuestionOption[]) ?? [],
  };
}
