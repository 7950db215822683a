/**
 * Training routing models: the bundled one from the public messages (JSONL), and a deployment's own
 * from its closed cases (`xinfang train`), which then becomes the active model for every server.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { buildRoutingModel, type RoutingExample, type RoutingModel } from '../domain/intelligence/routing-model.js';
import { isHeldOut } from '../domain/intelligence/routing-split.js';
import type { Segmenter } from '../domain/text/segment.js';
import { cases, categories, routingModels } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import type { AppContext } from './context.js';
import { bundledRoutingModel, featuresFor, forgetActiveRouter } from './routing.js';

const JsonlRow = z.object({
  title: z.string().nullish(),
  body: z.string().min(1),
  category: z.string().min(1).nullish(),
  unit: z.string().min(1).nullish(),
});

/** States whose lead unit and category were settled by the handling itself. */
const SETTLED = ['closed', 'final'] as const;
/** The newest this many settled cases are learned from: enough for routing, bounded in memory and time. */
export const MAX_TRAINING_CASES = 20_000;
/** Below this many categorised cases the bundled category head is kept and only the unit head learns. */
const MIN_CATEGORY_EXAMPLES = 200;
const MIN_UNIT_EXAMPLES = 50;

/**
 * Given a JSONL file of {title, body, category, unit?}, returns a model trained on the training share
 * only (routing-split.ts: held out when SHA-1 of the body < holdOut), so its figures describe it.
 */
export async function trainFromJsonl(segmenter: Segmenter, file: string, opts: { holdOut: number; now: Date }): Promise<RoutingModel> {
  const examples: Array<RoutingExample & { features: Int32Array }> = [];
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    const parsed = JsonlRow.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`line ${n}: ${parsed.error.issues[0]?.message}`);
    const r = parsed.data;
    examples.push({ title: r.title ?? null, body: r.body, category: r.category, unit: r.unit, features: featuresFor(segmenter, { title: r.title ?? null, content: r.body }) });
  }
  return buildRoutingModel(examples, {
    source: 'bundled',
    isHeldOut: (e) => isHeldOut(e.body, opts.holdOut),
    holdOutOnly: true,
    now: opts.now,
    split: `held out: SHA-1 of the body, first 4 bytes / 2^32 < ${opts.holdOut}; trained on the rest only`,
  });
}

/** Given a context, trains on the deployment's settled cases, stores the model and makes it active. */
export async function trainFromDeployment(ctx: AppContext, opts: { actorId?: string | null; maxCases?: number } = {}) {
  const region = ctx.config.REGION;
  const rows = await ctx.db
    .select({
      id: cases.id,
      title: cases.title,
      content: cases.content,
      category: categories.name,
      lead: cases.leadUnitId,
      place: sql<string>`${cases.unitPaths}[1]`,
    })
    .from(cases)
    .leftJoin(categories, eq(categories.code, sql`left(${cases.categoryCode}, 2)`))
    .where(and(eq(cases.region, region), inArray(cases.state, [...SETTLED]), isNotNull(cases.closedAt)))
    .orderBy(desc(cases.closedAt))
    .limit(opts.maxCases ?? MAX_TRAINING_CASES);
  const examples = rows.map((r) => ({
    title: r.title,
    body: r.content,
    category: r.category,
    unit: r.lead,
    id: r.id,
    features: featuresFor(ctx.segmenter, { title: r.title, content: r.content, placePath: r.place }),
  }));
  const categorised = examples.filter((e) => e.category).length;
  const model = buildRoutingModel(
    categorised >= MIN_CATEGORY_EXAMPLES ? examples : examples.map((e) => ({ ...e, category: null })),
    {
      source: 'trained',
      isHeldOut: (e) => isHeldOut((e as (typeof examples)[number]).id, 0.2),
      holdOutOnly: false,
      minExamples: MIN_UNIT_EXAMPLES,
      fallbackCategory: bundledRoutingModel().category,
      now: ctx.now(),
      split: 'held out: SHA-1 of the case id < 0.2 for the figures; the stored model is then trained on all',
    },
  );
  const id = crypto.randomUUID();
  await ctx.db.transaction(async (tx) => {
    await tx.update(routingModels).set({ active: false }).where(and(eq(routingModels.region, region), eq(routingModels.active, true)));
    await tx.insert(routingModels).values({
      region,
      id,
      source: 'trained',
      model: JSON.stringify(model),
      metrics: { ...model.metrics, cases: rows.length, categorised },
      active: true,
      createdAt: ctx.now(),
      createdBy: opts.actorId ?? null,
    });
    await writeAudit(ctx, { actorId: opts.actorId ?? null, action: 'routing.trained', targetType: 'routing_model', targetId: id, data: { cases: rows.length, categorised, metrics: model.metrics } }, tx);
  });
  forgetActiveRouter(ctx);
  return { id, cases: rows.length, categorised, metrics: model.metrics, keptBundledCategory: categorised < MIN_CATEGORY_EXAMPLES };
}
