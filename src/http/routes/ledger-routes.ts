/**
 * The monthly 百案攻坚 ledger: JSON for the workbench, the rolling review line per case, and the
 * downloads (Excel ledger, Word supervision report) with Chinese file names.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { chinaMonthOf, monthLabelZh } from '../../domain/china-month.js';
import type { AppContext } from '../../services/context.js';
import { REVIEW_STATUSES, buildLedger, recordLedgerReview } from '../../services/ledger.js';
import { ledgerWorkbook } from '../../services/ledger-workbook.js';
import { ledgerReportDocx } from '../../services/ledger-report.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';
import { monthSchema } from './spot-check-routes.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Given a (Chinese) file name, returns an attachment Content-Disposition with an ASCII fallback (RFC 6266, RFC 5987). */
export function attachmentDisposition(fileName: string, asciiFallback: string): string {
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encoded}`;
}

const LedgerQuery = z.strictObject({
  month: monthSchema.optional().describe('月份（中国时间），默认本月'),
  leaderId: uuid.optional().describe('只看某位领导包案的案件'),
});

export const ledgerRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const readers = { auth: 'staff' as const, roles: ['leader', 'supervisor', 'unit_head', 'dispatcher'] as const };
  const tags = ['ledger'];
  const load = (req: { query: z.infer<typeof LedgerQuery> } & Parameters<typeof actorOf>[0]) =>
    buildLedger(ctx, actorOf(req), req.query.month ?? chinaMonthOf(ctx.now()), { leaderId: req.query.leaderId });

  app.get('/api/ledger', {
    config: readers,
    schema: {
      tags,
      summary: '百案攻坚月度台账：本人管辖范围内当月在账的领导包案与积案，含滚动审查、本月新增、销号、汇总与当月催办督办',
      querystring: LedgerQuery,
    },
  }, async (req) => load(req));

  app.post('/api/ledger/reviews', {
    config: { auth: 'staff', roles: ['leader', 'supervisor'] },
    schema: {
      tags,
      summary: '填写（或改写）某案当月的滚动审查：进展情况与状态（按计划推进 / 进度滞后 / 已销号），记入案件轨迹',
      body: z.strictObject({
        month: monthSchema,
        caseId: uuid,
        status: z.enum(REVIEW_STATUSES),
        progress: text(2, 2000),
      }),
    },
  }, async (req) => recordLedgerReview(ctx, actorOf(req), req.body));

  app.get('/api/ledger/export.xlsx', {
    config: readers,
    schema: { tags, summary: '导出月度台账（Excel：台账、月度汇总两个工作表）', querystring: LedgerQuery, produces: [XLSX] },
  }, async (req, reply) => {
    const ledger = await load(req);
    const body = await ledgerWorkbook(ledger);
    return reply
      .type(XLSX)
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', attachmentDisposition(`${ledger.scopeName}百案攻坚台账-${monthLabelZh(ledger.month)}.xlsx`, `ledger-${ledger.month}.xlsx`))
      .send(body);
  });

  app.get('/api/ledger/report.docx', {
    config: readers,
    schema: { tags, summary: '导出月度督查报告（Word）：总体情况、台账案件、当月催办督办、销号案件', querystring: LedgerQuery, produces: [DOCX] },
  }, async (req, reply) => {
    const ledger = await load(req);
    const body = await ledgerReportDocx(ledger);
    return reply
      .type(DOCX)
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', attachmentDisposition(`${ledger.scopeName}百案攻坚月度督查报告-${monthLabelZh(ledger.month)}.docx`, `ledger-report-${ledger.month}.docx`))
      .send(body);
  });
};
