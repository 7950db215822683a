/**
 * Staff case routes: intake, queues, one case, commands, the audited reveal of personal data.
 * Routes only translate HTTP to service calls; scope and state live below.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHANNELS, FLAGS } from '../../domain/case-fields.js';
import { CASE_STATES } from '../../domain/lifecycle/types.js';
import type { AppContext } from '../../services/context.js';
import { registerByStaff } from '../../services/staff-intake.js';
import { runCaseCommand } from '../../services/run-case-command.js';
import { QUEUES, countQueues, getCase, listCases, revealPersonalData } from '../../services/case-queries.js';
import { AppError } from '../../domain/errors.js';
import { findActiveUser } from '../../store/org-repository.js';
import { CASE_WORK_ROLES, actorOf } from '../auth-plugin.js';
import { CommandSchema, IntakeHintsSchema, StaffCaseSchema, text, uuid } from '../schemas.js';
import { intakeHints } from '../../services/intake-hints.js';

/** A case id in a path: anything that is not a uuid cannot name a case, so it is answered like a missing one. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const caseIdParam = (id: string) => {
  if (!UUID.test(id)) throw new AppError('CASE_NOT_FOUND');
  return id;
};

/** A clock skew tolerated between a registrar's machine and the server for "received at". */
const RECEIVED_AT_SKEW_MS = 5 * 60_000;
/** Case numbers carry a four-digit year; nothing this system handles was received before 2000. */
const RECEIVED_AT_EARLIEST = Date.parse('2000-01-01T00:00:00+08:00');

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

/** Who registers cases: the reception desk, and handlers and leaders for what reaches them directly. */
const INTAKE_ROLES = ['registrar', 'dispatcher', 'leader', 'handler', 'unit_head'] as const;

export const caseRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const staff = { auth: 'staff' as const, roles: CASE_WORK_ROLES };

  app.post('/api/cases', {
    config: { ...staff, roles: INTAKE_ROLES },
    schema: { tags: ['cases'], summary: '工作人员登记（来电、来信、来访、领导接访、网格上报、12345转办）', body: StaffCaseSchema },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    if (b.receivedAt) {
      const at = Date.parse(b.receivedAt);
      if (at > ctx.now().getTime() + RECEIVED_AT_SKEW_MS) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'receivedAt', message: '收到时间不能晚于当前时间' }] });
      if (at < RECEIVED_AT_EARLIEST) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'receivedAt', message: '收到时间不能早于2000年' }] });
    }
    if (b.ownerLeaderId) {
      // 领导包案: only an active leader can own a case; any other id would leave a dangling owner.
      const leader = await findActiveUser(ctx.db, b.ownerLeaderId);
      if (!leader || !leader.roles.includes('leader')) throw new AppError('USER_NOT_FOUND', { path: 'ownerLeaderId' });
    }
    const created = await registerByStaff(ctx, actor, {
      channel: b.channel,
      nature: b.nature,
      type12345: b.type12345 ?? null,
      categoryCode: b.category ?? null,
      title: b.title,
      content: b.content,
      urgency: b.urgency,
      petitioners: b.petitioners,
      confidential: b.confidential,
      gridId: b.gridId ?? null,
      location: b.location ?? null,
      accusedUnitIds: b.accusedUnitIds,
      ownerLeaderId: b.ownerLeaderId ?? (b.channel === 'leader_reception' && actor.roles.includes('leader') ? actor.userId : null),
      receivedAt: b.receivedAt ? new Date(b.receivedAt) : undefined,
      returnedFromHigherLevel: b.returnedFromHigherLevel,
      answers: b.answers ?? null,
    }, { acceptNow: b.acceptNow, answerNow: b.answerNow });
    reply.status(201);
    return { id: created.caseId, number: created.number, queryCode: created.queryCode, state: created.state };
  });

  app.post('/api/intake/hints', {
    config: { ...staff, roles: INTAKE_ROLES },
    schema: { tags: ['cases'], summary: '登记时提示：信访人以往案件（按证件号/电话盲索引）与可能重复的案件', body: IntakeHintsSchema },
  }, async (req) => {
    const b = req.body;
    return intakeHints(ctx, actorOf(req), { petitioners: b.petitioners, title: b.title, content: b.content });
  });

  app.get('/api/cases', {
    config: staff,
    schema: {
      tags: ['cases'],
      summary: '案件列表与工作队列（按权限范围过滤，超期置顶）',
      querystring: z.strictObject({
        queue: z.enum(QUEUES).optional(),
        state: csv(CASE_STATES),
        channel: csv(CHANNELS),
        category: text(1, 12).optional(),
        unitId: uuid.optional(),
        within: uuid.optional().describe('只看该单位及其下级经手（登记、主办、协办）的案件：驾驶舱该单位的收件与办理统计所计的案件；总数最多计到 1000（totalCapped）'),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        flag: z.enum(FLAGS).optional(),
        q: text(1, 100).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(20),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
    },
  }, async (req) => {
    const q = req.query;
    return listCases(ctx, actorOf(req), {
      queue: q.queue,
      state: q.state,
      channel: q.channel,
      categoryCode: q.category,
      unitId: q.unitId,
      withinUnitId: q.within,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      flag: q.flag,
      q: q.q,
      limit: q.limit,
      offset: q.offset,
    });
  });

  app.get('/api/queues', { config: staff, schema: { tags: ['cases'], summary: '各工作队列的件数' } }, async (req) => countQueues(ctx, actorOf(req)));

  app.get('/api/cases/:id', {
    config: staff,
    schema: { tags: ['cases'], summary: '案件详情、时间线与当前可进行的操作（个人信息脱敏）', params: z.object({ id: z.string().max(64) }) },
  }, async (req) => getCase(ctx, actorOf(req), caseIdParam(req.params.id)));

  app.post('/api/cases/:id/commands', {
    config: staff,
    schema: { tags: ['cases'], summary: '对案件执行一个流程操作（受理、交办、签收、答复、回访……）', params: z.object({ id: uuid }), body: CommandSchema },
  }, async (req) => runCaseCommand(ctx, actorOf(req), req.params.id, req.body));

  app.post('/api/cases/:id/reveal', {
    config: staff,
    schema: {
      tags: ['cases'],
      summary: '查看未脱敏的个人信息（每次查看都记入案件轨迹）',
      params: z.object({ id: z.string().max(64) }),
      body: z.strictObject({ reason: text(2, 500) }),
    },
  }, async (req) => revealPersonalData(ctx, actorOf(req), caseIdParam(req.params.id), req.body.reason));
};
