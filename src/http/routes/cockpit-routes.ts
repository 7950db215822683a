/**
 * 驾驶舱 routes: a scope's figures and map for a period, the monthly assessment (also as Excel), the
 * annual report of Art. 41 (Word), and the weights of the index and the assessment. Reading is for
 * leaders, supervisors and unit heads over their own scope; the weights are set by admins.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { monthLabelZh } from '../../domain/china-month.js';
import { isValidChinaDate } from '../../domain/deadlines/china-date.js';
import { AppError } from '../../domain/errors.js';
import { validateAssessmentWeights } from '../../domain/cockpit/assessment-score.js';
import { validateIndexWeights } from '../../domain/cockpit/figures.js';
import type { AppContext } from '../../services/context.js';
import { FIRST_DAY, INDEX_WEIGHTS_KEY, LAST_DAY, cockpitFigures, cockpitMap, readIndexWeights } from '../../services/cockpit.js';
import { ASSESSED_KINDS, ASSESSMENT_WEIGHTS_KEY, annualReport, monthlyAssessment, readAssessmentWeights } from '../../services/assessment.js';
import { assessmentWorkbook } from '../../services/assessment-workbook.js';
import { annualReportDocx } from '../../services/annual-report.js';
import { writeAudit } from '../../services/audit-log.js';
import { writeSetting } from '../../services/settings.js';
import { actorOf } from '../auth-plugin.js';
import { attachmentDisposition } from './ledger-routes.js';
import { monthSchema } from './spot-check-routes.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, '单位标识无效');
const date = z
  .string()
  .refine(isValidChinaDate, '日期格式应为 YYYY-MM-DD')
  .refine((d) => d >= FIRST_DAY && d <= LAST_DAY, `日期应在 ${FIRST_DAY} 至 ${LAST_DAY} 之间`);

const FiguresQuery = z.strictObject({
  unitId: uuid.optional().describe('单位（默认本人管辖范围的单位）；须在本人管辖范围内'),
  from: date.optional().describe('开始日期（含），默认结束日期前 29 天'),
  to: date.optional().describe('结束日期（含），默认今天（中国时间）'),
});
const AssessmentQuery = z.strictObject({
  month: monthSchema,
  kind: z.enum(ASSESSED_KINDS).default('street').describe('考核对象：department 部门 / street 街道 / community 社区'),
  unitId: uuid.optional().describe('范围（默认本人管辖范围）'),
});
const ReportQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100),
  unitId: uuid.optional(),
});
const weight = z.number().finite().min(0).max(1000);
const WeightsBody = z.strictObject({
  index: z.strictObject({ volume: weight, overdue: weight, dissatisfaction: weight, warnings: weight }).optional(),
  assessment: z.record(z.string(), weight).optional(),
});

const KIND_ZH = { department: '部门', street: '街道', community: '社区' } as const;

export const cockpitRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const readers = { auth: 'staff' as const, roles: ['leader', 'supervisor', 'unit_head'] as const };
  const admins = { auth: 'staff' as const, roles: ['admin'] as const };
  const tags = ['cockpit'];

  app.get('/api/cockpit', {
    config: readers,
    schema: { tags, summary: '驾驶舱：本人管辖范围内某单位在统计期间的诉求量、九项指标、化解层级、领域、热词、预警与超期件（来自事件流维护的汇总表）', querystring: FiguresQuery },
  }, async (req) => cockpitFigures(ctx, actorOf(req), req.query));

  app.get('/api/cockpit/map', {
    config: readers,
    schema: { tags, summary: '一图一指数：某单位下级区域的轮廓与指数（诉求量、超期、不满意、预警加权），可逐级下钻', querystring: FiguresQuery },
  }, async (req) => cockpitMap(ctx, actorOf(req), req.query));

  app.get('/api/cockpit/assessment', {
    config: readers,
    schema: { tags, summary: '月度考核：本人管辖范围内某类单位的得分与排名（指标加权减去抽查等扣分）', querystring: AssessmentQuery },
  }, async (req) => monthlyAssessment(ctx, actorOf(req), req.query));

  app.get('/api/cockpit/assessment.xlsx', {
    config: readers,
    schema: { tags, summary: '导出月度考核（Excel：考核排名、计分说明）', querystring: AssessmentQuery, produces: [XLSX] },
  }, async (req, reply) => {
    const a = await monthlyAssessment(ctx, actorOf(req), req.query);
    const body = await assessmentWorkbook(a);
    return reply
      .type(XLSX)
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', attachmentDisposition(`${a.scope.name}${KIND_ZH[a.kind]}考核-${monthLabelZh(a.month)}.xlsx`, `assessment-${a.kind}-${a.month}.xlsx`))
      .send(body);
  });

  app.get('/api/cockpit/annual-report.docx', {
    config: readers,
    schema: { tags, summary: '导出《信访工作条例》第四十一条年度信访工作情况报告（Word）', querystring: ReportQuery, produces: [DOCX] },
  }, async (req, reply) => {
    const r = await annualReport(ctx, actorOf(req), req.query);
    const body = await annualReportDocx(r);
    return reply
      .type(DOCX)
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', attachmentDisposition(`${r.scope.name}${r.year}年度信访工作情况报告.docx`, `annual-report-${r.year}.docx`))
      .send(body);
  });

  app.get('/api/cockpit/weights', {
    config: { auth: 'staff' as const, roles: ['leader', 'supervisor', 'unit_head', 'admin'] as const },
    schema: { tags, summary: '一图一指数与考核的权重（现行）' },
  }, async () => ({ index: await readIndexWeights(ctx), assessment: await readAssessmentWeights(ctx) }));

  app.put('/api/cockpit/weights', {
    config: admins,
    schema: { tags, summary: '设置一图一指数与考核的权重（管理员；记入审计日志）', body: WeightsBody },
  }, async (req) => {
    const actor = actorOf(req);
    let index;
    let assessment;
    try {
      index = req.body.index ? validateIndexWeights(req.body.index) : undefined;
      assessment = req.body.assessment ? validateAssessmentWeights(req.body.assessment) : undefined;
    } catch (err) {
      throw new AppError('COCKPIT_BAD_WEIGHTS', { reason: (err as Error).message });
    }
    await ctx.db.transaction(async (tx) => {
      if (index) await writeSetting(tx, INDEX_WEIGHTS_KEY, index);
      if (assessment) await writeSetting(tx, ASSESSMENT_WEIGHTS_KEY, assessment);
      await writeAudit(ctx, { action: 'cockpit.weights_set', actorId: actor.userId, targetType: 'settings', targetId: 'cockpit', data: { index: index ?? null, assessment: assessment ?? null } }, tx);
    });
    return { index: await readIndexWeights(ctx), assessment: await readAssessmentWeights(ctx) };
  });
};
