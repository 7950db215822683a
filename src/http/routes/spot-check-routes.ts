/**
 * 抽查 routes: the sampling settings, drawing a month's round, the rounds and their checks, the
 * supervisor's return visit and verdict. Scope and the once-only rules live in services/spot-checks.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../../services/context.js';
import {
  VISIT_METHODS,
  drawSpotCheckRound,
  listRoundChecks,
  listRoundDraws,
  listSpotCheckRounds,
  readSpotCheckSettings,
  recordSpotCheckVerdict,
  recordSpotCheckVisit,
  updateSpotCheckSettings,
} from '../../services/spot-checks.js';
import { actorOf } from '../auth-plugin.js';
import { text } from '../schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A check id that is not a uuid names no check: answered like a missing one. */
const checkIdParam = (id: string) => {
  if (!UUID.test(id)) throw new AppError('SPOT_CHECK_NOT_FOUND');
  return id;
};
export const monthSchema = z.string().regex(/^20\d{2}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM（2000—2099 年）').describe('月份（中国时间），YYYY-MM');

const SettingsBody = z
  .strictObject({
    rate: z.number().gt(0).max(1).optional().describe('抽查比例，0–1（0.05 即 5%）'),
    pointsPerSloppy: z.number().min(0).max(100).optional().describe('每件草率办结扣分'),
  })
  .refine((b) => b.rate !== undefined || b.pointsPerSloppy !== undefined, { message: '至少修改一项' });

const DrawBody = z.strictObject({
  month: monthSchema,
  seed: z.number().int().min(0).max(4_294_967_295).optional().describe('随机种子；省略则随机生成。同一种子对同一批办结案件抽出同一样本'),
});

const VisitBody = z.strictObject({
  contacted: z.boolean().describe('是否联系上信访人'),
  solved: z.boolean().describe('问题是否解决'),
  satisfied: z.boolean().describe('是否满意'),
  method: z.enum(VISIT_METHODS).describe('回访方式：phone 电话、visit 上门、sms 短信、online 网上'),
  note: text(0, 2000).optional(),
});

const VerdictBody = z
  .strictObject({
    verdict: z.enum(['ok', 'sloppy']).describe('ok 办结规范；sloppy 草率办结（扣分）'),
    reason: text(0, 1000).optional().describe('认定理由；草率办结必填'),
  })
  .refine((b) => b.verdict !== 'sloppy' || !!b.reason, { message: '认定草率办结须写明理由', path: ['reason'] });

export const spotCheckRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const supervisor = { auth: 'staff' as const, roles: ['supervisor'] as const };
  const readers = { auth: 'staff' as const, roles: ['supervisor', 'leader', 'unit_head'] as const };
  const tags = ['spot-checks'];

  app.get('/api/spot-checks/settings', {
    config: { auth: 'staff', roles: ['supervisor', 'admin', 'leader'] },
    schema: { tags, summary: '抽查设置：抽查比例与每件草率办结扣分' },
  }, async () => readSpotCheckSettings(ctx.db));

  app.patch('/api/spot-checks/settings', {
    config: { auth: 'staff', roles: ['supervisor', 'admin'] },
    schema: { tags, summary: '修改抽查比例或扣分（记入审计日志）', body: SettingsBody },
  }, async (req) => updateSpotCheckSettings(ctx, actorOf(req), req.body));

  app.get('/api/spot-checks/rounds', {
    config: readers,
    schema: { tags, summary: '抽查轮次（按月），含待查、规范、草率件数与扣分合计（仅本人管辖范围内的案件）' },
  }, async (req) => ({ items: await listSpotCheckRounds(ctx, actorOf(req)) }));

  app.post('/api/spot-checks/rounds', {
    config: supervisor,
    schema: {
      tags,
      summary: '抽取某月的抽查样本：本人管辖范围内当月办结的案件，按主办单位分层，每单位抽 ⌈比例×办结数⌉ 件（至少 1 件）；再次抽取只补足新增办结',
      body: DrawBody,
    },
  }, async (req, reply) => {
    reply.status(201);
    return drawSpotCheckRound(ctx, actorOf(req), req.body);
  });

  app.get('/api/spot-checks/rounds/:month', {
    config: readers,
    schema: { tags, summary: '某月抽查轮次：各次抽取（种子、比例、总体）与抽中的案件', params: z.object({ month: monthSchema }) },
  }, async (req) => {
    const actor = actorOf(req);
    return { round: req.params.month, draws: await listRoundDraws(ctx, actor, req.params.month), checks: await listRoundChecks(ctx, actor, req.params.month) };
  });

  app.post('/api/spot-checks/:id/visit', {
    config: supervisor,
    schema: { tags, summary: '记录抽查回访（联系上？解决？满意？）；认定前可重新记录，每次记入案件轨迹', params: z.object({ id: z.string().max(64) }), body: VisitBody },
  }, async (req) => recordSpotCheckVisit(ctx, actorOf(req), checkIdParam(req.params.id), req.body));

  app.post('/api/spot-checks/:id/verdict', {
    config: supervisor,
    schema: { tags, summary: '作出抽查认定（只能一次）；草率办结按设置扣主办单位的分', params: z.object({ id: z.string().max(64) }), body: VerdictBody },
  }, async (req) => recordSpotCheckVerdict(ctx, actorOf(req), checkIdParam(req.params.id), req.body));
};
