/**
 * Open311 GeoReport v2 services: the active categories as service types, and a category's questions
 * as its service definition's attributes (the question datatypes are GeoReport's own).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { categoryLineage } from '../../domain/categories/answers.js';
import { categories, categoryQuestions } from '../../store/schema.js';
import type { AppContext } from '../context.js';
import { questionsForCategory } from '../category-questions.js';

/**
 * How a POST is answered. `realtime`: with a service_request_id at once (a key with an acting user
 * registers and accepts in one step); `batch`: with a token, the id following once the petition office
 * has accepted or decided (a key without one, and any client that has not said which key it holds).
 */
export type ServiceType = 'realtime' | 'batch';

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: ServiceType;
  keywords: string;
  group: string;
}

export interface Open311Attribute {
  variable: true;
  code: string;
  datatype: string;
  required: boolean;
  datatype_description: string | null;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

export interface Open311ServiceDefinition {
  service_code: string;
  attributes: Open311Attribute[];
}

/** Given how POSTs will be answered, returns every active category as a service, in tree order. */
export async function listServices(ctx: AppContext, type: ServiceType): Promise<Open311Service[]> {
  const rows = await ctx.db.select().from(categories).where(eq(categories.active, true)).orderBy(asc(categories.code));
  const names = new Map(rows.map((r) => [r.code, r.name]));
  const asked = new Set(
    (await ctx.db.select({ code: categoryQuestions.categoryCode }).from(categoryQuestions).where(eq(categoryQuestions.active, true))).map((r) => r.code),
  );
  const out: Open311Service[] = [];
  for (const r of rows) {
    const lineage = categoryLineage(r.code);
    // A category under an inactive one is not offered: registering it would be refused.
    if (lineage.some((c) => !names.has(c))) continue;
    const path = lineage.map((c) => names.get(c)!);
    out.push({
      service_code: r.code,
      service_name: r.name,
      description: path.join(' › '),
      metadata: lineage.some((c) => asked.has(c)),
      type,
      keywords: path.join(','),
      group: path[0]!,
    });
  }
  return out;
}

/** Given a service code, returns its definition (the questions of the category and those above it); OPEN311_SERVICE_NOT_FOUND otherwise. */
export async function serviceDefinition(ctx: AppContext, code: string): Promise<Open311ServiceDefinition> {
  await findService(ctx, code);
  const questions = await questionsForCategory(ctx.db, code);
  return {
    service_code: code,
    attributes: questions.map((q, i) => ({
      variable: true,
      code: q.code,
      datatype: q.datatype,
      required: q.required,
      datatype_description: q.hint,
      order: i + 1,
      description: q.label,
      ...(q.datatype === 'singlevaluelist' || q.datatype === 'multivaluelist' ? { values: q.options.map((o) => ({ key: o.key, name: o.name })) } : {}),
    })),
  };
}

/** Given a service code, returns the active category (and its name); OPEN311_SERVICE_NOT_FOUND when there is none. */
export async function findService(ctx: AppContext, code: string): Promise<{ code: string; name: string }> {
  if (!/^\d{2,12}$/.test(code)) throw new AppError('OPEN311_SERVICE_NOT_FOUND', { service_code: code.slice(0, 40) });
  const lineage = categoryLineage(code);
  const rows = await ctx.db
    .select({ code: categories.code, name: categories.name })
    .from(categories)
    .where(and(eq(categories.active, true), inArray(categories.code, lineage)));
  const active = new Map(rows.map((r) => [r.code, r.name]));
  if (!lineage.every((c) => active.has(c))) throw new AppError('OPEN311_SERVICE_NOT_FOUND', { service_code: code });
  return { code, name: active.get(code)! };
}
