/**
 * Reading category questions: the active questions a case of a category is asked (its own and those
 * of every category above it), in the order they are asked.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../store/database.js';
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
