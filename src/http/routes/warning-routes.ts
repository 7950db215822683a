/**
 * 预警 routes: the list, one warning with its events, the lifecycle steps (派单处置, 反馈, 评估, 撤销,
 * 备注) and the import of other departments' risk data. Scope, the transition table and Art. 30 live in
 * services/warnings and domain/warnings.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { ASSESS_OUTCOMES, WARNING_KINDS, WARNING_LEVELS, WARNING_STATES } from '../../domain/warnings/lifecycle.js';
import type { AppContext } from '../../services/context.js';
import { importWarnings, MAX_WARNING_IMPORT_ROWS } from '../../services/warnings/import-warnings.js';
import { runWarningCommand } from '../../services/warnings/warning-commands.js';
import { getWarning, listAssigneeCandidates, listWarnings } from '../../services/warnings/warning-queries.js';
import { actorOf, CASE_WORK_ROLES } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A warning id that is not a uuid names no warning: answered like a missing one. */
const warningIdParam = (id: string) => {
  if (!UUID.test(id)) throw new AppError('WARNING_NOT_FOUND');
  return id;
};

const ListQuery = z.strictObject({
  state: z.enum(WARNING_STATES).optional(),
  kind: z.enum(WARNING_KINDS).optional(),
  level: z.enum(WARNING_LEVELS).optional(),
  open: z.enum(['true', 'false']).optional().describe('true：待处置（已预警、已派单、已反馈）；false：已评估或已撤销'),
  page: z.coerce.number().int().min(1).max(10_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
});

export const WarningCommandBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('dispatch'),
    unitId: uuid.describe('处置单位（本人管辖范围内）'),
    assigneeId: uuid.describe('处置责任人（该单位或其下级单位的在职人员）'),
    dueAt: z.iso.datetime({ offset: true }).describe('反馈期限'),
    instructions: text(0, 2000).optional(),
  }),
  z.strictObject({ type: z.literal('feed_back'), text: text(1, 4000).describe('处置情况') }),
  z.strictObject({ type: z.literal('assess'), outcome: z.enum(ASSESS_OUTCOMES).describe('accept 通过；return 退回重办'), text: text(1, 4000).describe('评估意见或退回理由') }),
  z.strictObject({ type: z.literal('withdraw'), reason: text(1, 2000).describe('撤销理由（误报，或风险已化解）') }),
  z.strictObject({ type: z.literal('note'), text: text(1, 4000) }),
]);

export const warningRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const readers = { auth: 'staff' as const, roles: CASE_WORK_ROLES };
  const tags = ['warnings'];

  app.get('/api/warnings', {
    config: readers,
    schema: { tags, summary: '预警列表（本人管辖范围内、或指定本人处置的预警；待处置在前，紧急在前）', querystring: ListQuery },
  }, async (req) => {
    const { open, ...rest } = req.query;
    return listWarnings(ctx, actorOf(req), { ...rest, open: open === undefined ? undefined : open === 'true' });
  });

  app.get('/api/warnings/assignees', {
    config: { auth: 'staff', roles: ['supervisor', 'leader', 'dispatcher'] },
    schema: {
      tags,
      summary: '派单处置时可指定的责任人：某单位（本人管辖范围内）及其下级单位的在职人员；给出 warningId 时不含被检举控告单位的人员',
      querystring: z.strictObject({ unitId: uuid, warningId: uuid.optional() }),
    },
  }, async (req) => ({ items: await listAssigneeCandidates(ctx, actorOf(req), req.query.unitId, req.query.warningId) }));

  app.get('/api/warnings/:id', {
    config: readers,
    schema: { tags, summary: '预警详情：经过（每一步一个事件）、本人可见的关联案件、本人现在可做的操作', params: z.object({ id: z.string().max(64) }) },
  }, async (req) => getWarning(ctx, actorOf(req), warningIdParam(req.params.id)));

  app.post('/api/warnings/:id/commands', {
    config: readers,
    schema: {
      tags,
      summary: '预警处置的一步：dispatch 派单处置、feed_back 处置反馈、assess 反馈评估（通过或退回）、withdraw 撤销、note 备注',
      params: z.object({ id: z.string().max(64) }),
      body: WarningCommandBody,
    },
  }, async (req) => {
    const actor = actorOf(req);
    const id = warningIdParam(req.params.id);
    await runWarningCommand(ctx, actor, id, req.body);
    return getWarning(ctx, actor, id);
  });

  app.post('/api/warnings/import', {
    config: { auth: 'staff', roles: ['admin', 'supervisor'] },
    schema: {
      tags,
      summary: `导入其他部门的风险数据为预警（JSON 数组，至多 ${MAX_WARNING_IMPORT_ROWS} 条、1 MB；按 source + externalId 去重；任何一行有误则整批不导入，并列出有误的行）`,
      body: z.array(z.unknown()).min(1).max(MAX_WARNING_IMPORT_ROWS),
    },
  }, async (req, reply) => {
    const result = await importWarnings(ctx, actorOf(req), req.body);
    reply.status(result.created > 0 ? 201 : 200);
    return result;
  });
};
