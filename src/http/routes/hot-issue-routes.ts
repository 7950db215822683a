/**
 * 热点与每月一题 routes: the ranked hot issues of the reader's scope, and the month's topics chosen
 * from them. Grouping, scope and the audit live in services/hot-issues.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../../services/context.js';
import { HOT_ISSUE_LEVELS, chooseMonthlyTopic, listHotIssues, listMonthlyTopics, removeMonthlyTopic } from '../../services/hot-issues.js';
import { actorOf } from '../auth-plugin.js';
import { text } from '../schemas.js';
import { monthSchema } from './spot-check-routes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const days = z.coerce
  .number()
  .int()
  .refine((d): d is 7 | 30 | 90 => d === 7 || d === 30 || d === 90, { message: '统计窗口只能是 7、30 或 90 天' })
  .transform((d) => d as 7 | 30 | 90);
const windowQuery = {
  days: days.default(30).describe('统计窗口（天）：7、30 或 90；与前一个同样长的窗口比较增长'),
  level: z.enum(HOT_ISSUE_LEVELS).default('community').describe('按社区（community）或街道（street）统计地点'),
};

const ChooseBody = z.strictObject({
  key: z.string().regex(UUID, '热点标识无效').describe('热点列表中的 key'),
  ...windowQuery,
  month: monthSchema.optional().describe('每月一题所属月份（中国时间），默认本月'),
  title: text(2, 50).optional().describe('题目；默认取热点的前三个关键词'),
  note: text(0, 500).optional().describe('选题说明'),
});

export const hotIssueRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const readers = { auth: 'staff' as const, roles: ['leader', 'supervisor', 'unit_head', 'dispatcher'] as const };
  const choosers = { auth: 'staff' as const, roles: ['leader', 'supervisor'] as const };
  const tags = ['hot-issues'];

  app.get('/api/hot-issues', {
    config: readers,
    schema: {
      tags,
      summary: '热点：本人管辖范围内统计窗口里的相似案件归组，按件数和增长排名（不含保密件和检举控告件），附各社区/街道件数和可查看的样例案件',
      querystring: z.object(windowQuery),
    },
  }, async (req) => listHotIssues(ctx, actorOf(req), req.query));

  app.get('/api/monthly-topics', {
    config: readers,
    schema: {
      tags,
      summary: '每月一题：某月（省略则近 12 个月）选定的题目，仅本人管辖范围内的',
      querystring: z.object({ month: monthSchema.optional() }),
    },
  }, async (req) => ({ items: await listMonthlyTopics(ctx, actorOf(req), req.query) }));

  app.post('/api/monthly-topics', {
    config: choosers,
    schema: { tags, summary: '把一个热点选为每月一题（领导、督查员；记入审计日志）；同月同名题目只能选一次', body: ChooseBody },
  }, async (req, reply) => {
    reply.status(201);
    return chooseMonthlyTopic(ctx, actorOf(req), req.body);
  });

  app.delete('/api/monthly-topics/:id', {
    config: choosers,
    schema: { tags, summary: '撤销一个每月一题（领导、督查员；记入审计日志）', params: z.object({ id: z.string().max(64) }) },
  }, async (req) => {
    if (!UUID.test(req.params.id)) throw new AppError('MONTHLY_TOPIC_NOT_FOUND');
    return removeMonthlyTopic(ctx, actorOf(req), req.params.id);
  });
};
