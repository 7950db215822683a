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
import { QUESTION_LOCK, toQuestion } from './category-questions.js';
import type { AppContext, StaffActor } from './context.js';

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

/*
 * Whether cases answered a question. There is no index on cases.answers (a GIN index would need a
 * schema change), so each check is a scan of the region's cases of the category, stopped at the
 * first hit (LIMIT 1 inside EXISTS): a question somebody answered is found as soon as one such case
 * is read; an unanswered one costs the full scan (PostgreSQL, 500,000 cases of 1.6 kB: ~0.35 s for
 * an unanswered code or option key, under 1 ms for an answered one).
 * Hence they run only where a decision needs them (removing a question or an option), under the
 * exclusive QUESTION_LOCK, never on the admin's list.
 */

/** Given a category (its cases and those below it) and a question code, returns whether some case answered it. */
async function isAnswered(q: Queryable, region: string, categoryCode: string, code: string): Promise<boolean> {
  const rows = (await q.execute(sql`
    select exists (
      select 1 from ${cases}
      where ${cases.region} = ${region} and ${cases.categoryCode} like ${`${categoryCode}%`} and (${cases.answers} -> ${code}::text) is not null
      limit 1
    ) as answered`)) as unknown as { rows: { answered: boolean }[] };
  return rows.rows[0]?.answered === true;
}

/** Given a category, a list question's code and option keys, returns those of the keys some case chose (a single value or one of many). */
async function chosenKeys(q: Queryable, region: string, categoryCode: string, code: string, keys: readonly string[]): Promise<string[]> {
  const chosen: string[] = [];
  for (const key of keys) {
    // answers @> {code: key} matches a single-value answer, answers @> {code: [key]} a multi-value one.
    const rows = (await q.execute(sql`
      select exists (
        select 1 from ${cases}
        where ${cases.region} = ${region} and ${cases.categoryCode} like ${`${categoryCode}%`}
          and (${cases.answers} @> jsonb_build_object(${code}::text, ${key}::text) or ${cases.answers} @> jsonb_build_object(${code}::text, jsonb_build_array(${key}::text)))
        limit 1
      ) as chosen`)) as unknown as { rows: { chosen: boolean }[] };
    if (rows.rows[0]?.chosen === true) chosen.push(key);
  }
  return chosen;
}

/**
 * Given a category code, returns what its cases are asked: its own questions (active or not) and the
 * active questions inherited from the categories above it. Whether cases answered a question is not
 * listed (it costs a scan per question): removing one says whether it was deleted or deactivated.
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
  const names = new Map(
    (await ctx.db.select({ code: categories.code, name: categories.name }).from(categories).where(inArray(categories.code, lineage))).map((c) => [c.code, c.name]),
  );
  return {
    category: { code: category.code, name: category.name, active: category.active },
    items: [
      ...inherited.map((q) => ({ ...presentAskedQuestion(q), sort: q.sort, active: true, inherited: true, categoryName: names.get(q.categoryCode) ?? null })),
      ...own.map((r) => ({ ...presentQuestion(r), inherited: false, categoryName: category.name })),
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
      const removed = ((row.options as QuestionOption[]) ?? []).map((o) => o.key).filter((k) => !kept.has(k));
      const inUse = (await chosenKeys(tx, ctx.config.REGION, row.categoryCode, row.code, removed)).sort();
      if (inUse.length) throw new AppError('CATEGORY_QUESTION_OPTION_IN_USE', { path: 'options', keys: inUse });
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
    if (await isAnswered(tx, ctx.config.REGION, row.categoryCode, row.code)) {
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
