/**
 * Administering category questions (issue 7): an admin asks a category's cases for more than title
 * and content (路灯: 灯杆编号). A question is asked of its category and every category below it, so a
 * code may be used once along a lineage: a subcategory never shadows its parent's question, nor a
 * parent its child's. The code and datatype are fixed once created, because stored answers are
 * keyed by the code and shaped by the type; a question somebody answered is deactivated, never
 * deleted, and a list keeps every option key an answer chose (its name may change: answers show the
 * current name). Every change is audited.
 */
import { and, asc, eq, inArray, like, or, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { categoryLineage, orderQuestions, type CategoryQuestion, type QuestionDatatype, type QuestionOption } from '../domain/categories/answers.js';
import { isListDatatype, questionDefinitionProblem } from '../domain/categories/question-rules.js';
import type { Queryable, Tx } from '../store/database.js';
import { cases, categories, categoryQuestions } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import { toQuestion } from './category-questions.js';
import type { AppContext, StaffActor } from './context.js';

/** One lock for question definitions: the lineage check and the insert must not interleave. */
const QUESTION_LOCK = 71_020_011;
const CATEGORY_CODE_RE = /^(\d{2}){1,3}$/;

type QuestionRow = typeof categoryQuestions.$inferSelect;

/** Given a question row, returns it as the admin API shows it. */
export const presentQuestion = (r: QuestionRow) => ({ ...toQuestion(r), active: r.active });

/** Given a question, returns it as a form asks it (what the public read and the intake pages get). */
export const presentAskedQuestion = (q: CategoryQuestion) => ({
  code: q.code,
  categoryCode: q.categoryCode,
  datatype: q.datatype,
  required: q.required,
  label: q.label,
  hint: q.hint,
  options: q.options,
});

async function loadCategoryOr404(q: Queryable, code: string) {
  const [row] = CATEGORY_CODE_RE.test(code) ? await q.select().from(categories).where(eq(categories.code, code)).limit(1) : [];
  if (!row) throw new AppError('CATEGORY_NOT_FOUND', { path: 'code', code });
  return row;
}

async function loadQuestionOr404(q: Queryable, categoryCode: string, code: string): Promise<QuestionRow> {
  const [row] = await q
    .select()
    .from(categoryQuestions)
    .where(and(eq(categoryQuestions.categoryCode, categoryCode), eq(categoryQuestions.code, code)))
    .limit(1);
  if (!row) throw new AppError('CATEGORY_QUESTION_NOT_FOUND', { categoryCode, code });
  return row;
}

/**
 * Given a category and a question code, returns the option keys (or, for other types, the mere
 * presence) of the answers cases of the category or below it gave: `null` when nobody answered.
 */
async function answeredValues(q: Queryable, categoryCode: string, code: string): Promise<Set<string> | null> {
  const answer = sql`(${cases.answers} -> ${code}::text)`;
  const rows = (await q.execute(sql`
    select distinct v from ${cases},
      jsonb_array_elements_text(case when jsonb_typeof(${answer}) = 'array' then ${answer} else jsonb_build_array(${answer}) end) as v
    where ${cases.categoryCode} like ${`${categoryCode}%`} and ${answer} is not null
    limit 1000`)) as unknown as { rows: { v: string }[] };
  return rows.rows.length ? new Set(rows.rows.map((r) => r.v)) : null;
}

/** Given a category, returns the codes of its own questions that some case answered. */
async function answeredCodes(q: Queryable, categoryCode: string, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = (await q.execute(sql`
    select distinct k from ${cases}, jsonb_object_keys(${cases.answers}) as k
    where ${cases.categoryCode} like ${`${categoryCode}%`} and ${cases.answers} <> '{}'::jsonb`)) as unknown as { rows: { k: string }[] };
  const wanted = new Set(codes);
  return new Set(rows.rows.map((r) => r.k).filter((k) => wanted.has(k)));
}

/**
 * Given a category code, returns what its cases are asked: its own questions (active or not, each
 * saying whether some case answered it, so the page offers deactivation rather than deletion) and
 * the active questions inherited from the categories above it.
 */
export async function listQuestionsForAdmin(ctx: AppContext, categoryCode: string) {
  const category = await loadCategoryOr404(ctx.db, categoryCode);
  const lineage = categoryLineage(category.code);
  const rows = await ctx.db
    .select()
    .from(categoryQuestions)
    .where(inArray(categoryQuestions.categoryCode, lineage))
    .orderBy(asc(categoryQuestions.sort), asc(categoryQuestions.code));
  const own = rows.filter((r) => r.categoryCode === category.code);
  const inherited = orderQuestions(rows.filter((r) => r.categoryCode !== category.code && r.active).map(toQuestion));
  const answered = await answeredCodes(ctx.db, category.code, own.map((r) => r.code));
  const names = new Map(
    (await ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(inArray(categories.code, lineage))).map((c) => [c.code, c.name]),
  );
  return {
    category: { code: category.code, name: category.name, active: category.active },
    items: [
      ...inherited.map((q) => ({ ...presentAskedQuestion(q), sort: q.sort, active: true, inherited: true, categoryName: names.get(q.categoryCode) ?? null, answered: false })),
      ...own.map((r) => ({ ...presentQuestion(r), inherited: false, categoryName: category.name, answered: answered.has(r.code) })),
    ],
  };
}

/** Given an active category code, returns the active questions its cases are asked, in order; 404 for an unknown or retired category. */
export async function listAskedQuestions(ctx: AppContext, categoryCode: string) {
  const category = await loadCategoryOr404(ctx.db, categoryCode);
  if (!category.active) throw new AppError('CATEGORY_NOT_FOUND', { path: 'code', code: categoryCode });
  const rows = await ctx.db
    .select()
    .from(categoryQuestions)
    .where(and(inArray(categoryQuestions.categoryCode, categoryLineage(category.code)), eq(categoryQuestions.active, true)));
  return { categoryCode: category.code, items: orderQuestions(rows.map(toQuestion)).map(presentAskedQuestion) };
}

export interface NewQuestion {
  code: string;
  datatype: QuestionDatatype;
  label: string;
  hint?: string | null;
  required?: boolean;
  sort?: number;
  options?: QuestionOption[];
}

/** Given a problem from the domain rules, throws it as CATEGORY_QUESTION_INVALID. */
function assertDefinition(q: Parameters<typeof questionDefinitionProblem>[0]) {
  const problem = questionDefinitionProblem(q);
  if (problem) throw new AppError('CATEGORY_QUESTION_INVALID', { ...problem });
}

const trimOptions = (options: QuestionOption[] | undefined) => (options ?? []).map((o) => ({ key: o.key.trim(), name: o.name.trim() }));

/**
 * Given an admin, an active category and a new question, returns it stored. Refused: a code already
 * used by the category, a category above it or one below it (CATEGORY_QUESTION_CODE_TAKEN).
 */
export async function createQuestion(ctx: AppContext, actor: StaffActor, categoryCode: string, input: NewQuestion) {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUESTION_LOCK})`);
    const category = await loadCategoryOr404(tx, categoryCode);
    if (!category.active) throw new AppError('CATEGORY_QUESTION_INVALID', { path: 'categoryCode', reason: 'category_inactive' });
    const value = {
      categoryCode: category.code,
      code: input.code.trim(),
      datatype: input.datatype,
      label: input.label.trim(),
      hint: input.hint?.trim() || null,
      required: input.required ?? false,
      options: trimOptions(input.options),
    };
    assertDefinition(value);
    await assertCodeFreeInLineage(tx, category.code, value.code);
    const sort = input.sort ?? (await nextSort(tx, category.code));
    const [row] = await tx.insert(categoryQuestions).values({ ...value, sort, active: true }).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'category_question.created', targetType: 'category_question', targetId: `${category.code}/${value.code}`, data: { ...value, sort } }, tx);
    return presentQuestion(row!);
  });
}

async function assertCodeFreeInLineage(tx: Tx, categoryCode: string, code: string) {
  const [clash] = await tx
    .select({ categoryCode: categoryQuestions.categoryCode })
    .from(categoryQuestions)
    .where(and(eq(categoryQuestions.code, code), or(inArray(categoryQuestions.categoryCode, categoryLineage(categoryCode)), like(categoryQuestions.categoryCode, `${categoryCode}%`))))
    .limit(1);
  if (clash) throw new AppError('CATEGORY_QUESTION_CODE_TAKEN', { path: 'code', code, categoryCode: clash.categoryCode });
}

async function nextSort(tx: Tx, categoryCode: string): Promise<number> {
  const [r] = await tx
    .select({ max: sql<number | null>`max(${categoryQuestions.sort})` })
    .from(categoryQuestions)
    .where(eq(categoryQuestions.categoryCode, categoryCode));
  return r?.max === null || r?.max === undefined ? 0 : Number(r.max) + 1;
}

export interface QuestionPatch {
  label?: string;
  hint?: string | null;
  required?: boolean;
  sort?: number;
  options?: QuestionOption[];
  active?: boolean;
}

/**
 * Given an admin, a category's question and changes (never its code or datatype), returns it
 * updated. A list may gain options and rename them, but keeps every key an answer chose
 * (CATEGORY_QUESTION_OPTION_IN_USE names them).
 */
export async function updateQuestion(ctx: AppContext, actor: StaffActor, categoryCode: string, code: string, patch: QuestionPatch) {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUESTION_LOCK})`);
    await loadCategoryOr404(tx, categoryCode);
    const row = await loadQuestionOr404(tx, categoryCode, code);
    const next = {
      label: patch.label !== undefined ? patch.label.trim() : row.label,
      hint: patch.hint !== undefined ? patch.hint?.trim() || null : row.hint,
      required: patch.required ?? row.required,
      sort: patch.sort ?? row.sort,
      options: patch.options !== undefined ? trimOptions(patch.options) : ((row.options as QuestionOption[]) ?? []),
      active: patch.active ?? row.active,
    };
    assertDefinition({ code: row.code, datatype: row.datatype, ...next });
    const before = presentQuestion(row);
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(before[k]));
    if (changed.length === 0) return before;
    if (changed.includes('options') && isListDatatype(row.datatype)) {
      const kept = new Set(next.options.map((o) => o.key));
      const used = await answeredValues(tx, row.categoryCode, row.code);
      const dropped = [...(used ?? [])].filter((k) => !kept.has(k)).sort();
      if (dropped.length) throw new AppError('CATEGORY_QUESTION_OPTION_IN_USE', { path: 'options', keys: dropped });
    }
    const [updated] = await tx
      .update(categoryQuestions)
      .set(next)
      .where(and(eq(categoryQuestions.categoryCode, row.categoryCode), eq(categoryQuestions.code, row.code)))
      .returning();
    await writeAudit(
      ctx,
      {
        actorId: actor.userId,
        action: 'category_question.updated',
        targetType: 'category_question',
        targetId: `${row.categoryCode}/${row.code}`,
        data: { before: Object.fromEntries(changed.map((k) => [k, before[k]])), after: Object.fromEntries(changed.map((k) => [k, next[k]])) },
      },
      tx,
    );
    return presentQuestion(updated!);
  });
}

/**
 * Given an admin and a category's question, removes it when no case answered it; otherwise
 * deactivates it (the answers keep their label). Returns which of the two happened.
 */
export async function removeQuestion(ctx: AppContext, actor: StaffActor, categoryCode: string, code: string): Promise<{ code: string; deleted: boolean; active: boolean }> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUESTION_LOCK})`);
    await loadCategoryOr404(tx, categoryCode);
    const row = await loadQuestionOr404(tx, categoryCode, code);
    const where = and(eq(categoryQuestions.categoryCode, row.categoryCode), eq(categoryQuestions.code, row.code));
    const targetId = `${row.categoryCode}/${row.code}`;
    if (await answeredValues(tx, row.categoryCode, row.code)) {
      if (row.active) {
        await tx.update(categoryQuestions).set({ active: false }).where(where);
        await writeAudit(ctx, { actorId: actor.userId, action: 'category_question.deactivated', targetType: 'category_question', targetId, data: { reason: 'answered' } }, tx);
      }
      return { code: row.code, deleted: false, active: false };
    }
    await tx.delete(categoryQuestions).where(where);
    await writeAudit(ctx, { actorId: actor.userId, action: 'category_question.deleted', targetType: 'category_question', targetId, data: { question: presentQuestion(row) } }, tx);
    return { code: row.code, deleted: true, active: false };
  });
}
