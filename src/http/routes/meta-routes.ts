/**
 * Health and reference data: the vocabularies, the lifecycle table, the deadline rule sets.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { CHANNEL_LABELS, FLAG_LABELS, NATURE_LABELS, TYPE_12345_LABELS, URGENCY_LABELS } from '../../domain/case-fields.js';
import { STATE_LABELS_ZH, TRANSITIONS } from '../../domain/lifecycle/transitions.js';
import { computeDue, isValidChinaDate, atChinaTime, resolveRuleSet, resolveStep } from '../../domain/deadlines/index.js';
import type { AppContext } from '../../services/context.js';
import { AppError } from '../../domain/errors.js';

export const metaRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/api/health', { schema: { tags: ['meta'], summary: '健康检查' } }, async (_req, reply) => {
    try {
      await ctx.db.execute(sql`select 1`);
      return { status: 'ok', db: ctx.database.kind };
    } catch {
      reply.status(503).header('Retry-After', '5');
      return { status: 'unavailable', db: ctx.database.kind };
    }
  });

  app.get('/api/meta', { schema: { tags: ['meta'], summary: '字典：渠道、性质、类型、紧急程度、标记、状态' } }, async () => ({
    channels: CHANNEL_LABELS,
    natures: NATURE_LABELS,
    types12345: TYPE_12345_LABELS,
    urgencies: URGENCY_LABELS,
    flags: FLAG_LABELS,
    states: STATE_LABELS_ZH,
    transitions: TRANSITIONS.map((t) => ({ command: t.command, from: t.from, to: t.to, roles: t.roles, label: t.labelZh })),
  }));

  app.get('/api/rules', { schema: { tags: ['meta'], summary: '期限规则集与各环节时限' } }, async () => ({
    default: ctx.config.DEFAULT_RULE_SET,
    ruleSets: [...ctx.statute.ruleSets.values()],
    calendarYears: [...ctx.statute.calendar.years].sort(),
  }));

  app.get('/api/rules/due', {
    schema: {
      tags: ['meta'],
      summary: '计算某环节的到期日',
      querystring: z.object({ rules: z.string().max(40), step: z.string().max(40), from: z.string().max(10) }),
    },
  }, async (req) => {
    const { rules, step, from } = req.query;
    if (!isValidChinaDate(from)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'from', message: '日期格式应为 YYYY-MM-DD' }] });
    const rule = resolveStep(resolveRuleSet(ctx.statute.ruleSets, rules), step);
    const due = computeDue({ rule, start: atChinaTime(from, 9), calendar: ctx.statute.calendar });
    return { rules, step, from, dueAt: due.dueAt.toISOString(), provisional: due.provisional, rule };
  });
};
