/**
 * The citizen's side, without an account: submit (online or by a grid's QR code), track by number +
 * query code, rate, ask for review, withdraw. Rate-limited per client.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../../services/context.js';
import { registerCase } from '../../services/register-case.js';
import { runCaseCommand } from '../../services/run-case-command.js';
import { findCaseForPetitioner, presentPublicCase } from '../../services/case-queries.js';
import { PublicCaseSchema, PublicCommandSchema } from '../schemas.js';

const NumberParam = z.object({ number: z.string().regex(/^[A-Z]{2,8}-\d{4}-\d{6,}$/, '件号格式不正确') });
const CodeQuery = z.object({ code: z.string().regex(/^[A-Za-z0-9]{8}$/, '查询码为 8 位字母或数字') });

export const publicRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const limit = { rateLimit: { max: ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };

  app.post('/api/public/cases', {
    config: limit,
    schema: {
      tags: ['public'],
      summary: '群众网上提交信访事项（无需登录；带 Idempotency-Key 重试不会重复立案）',
      headers: z.object({ 'idempotency-key': z.string().min(8).max(128).regex(/^[\x21-\x7e]+$/).optional() }).passthrough(),
      body: PublicCaseSchema,
      response: { 201: z.object({ number: z.string(), queryCode: z.string() }), 200: z.object({ number: z.string(), queryCode: z.string() }) },
    },
  }, async (req, reply) => {
    const b = req.body;
    if (b.channel === 'qr' && !b.gridId) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'gridId', message: '码上办提交须带网格' }] });
    const created = await registerCase(
      ctx,
      null,
      {
        channel: b.channel,
        nature: b.nature,
        type12345: b.type12345 ?? null,
        categoryCode: b.category ?? null,
        title: b.title,
        content: b.content,
        petitioners: [b.petitioner],
        confidential: b.confidential,
        gridId: b.gridId ?? null,
        location: b.location ?? null,
        answers: b.answers ?? null,
      },
      { idempotencyKey: req.headers['idempotency-key'] ?? null },
    ).catch((err: unknown) => {
      // The service names the n-th petitioner `petitioners.n`; this form has one field, `petitioner`.
      if (err instanceof AppError && err.details.path === 'petitioners.0') throw new AppError(err.code, { ...err.details, path: 'petitioner' });
      throw err;
    });
    reply.status(created.replayed ? 200 : 201);
    return { number: created.number, queryCode: created.queryCode };
  });

  app.get('/api/public/cases/:number', {
    config: limit,
    schema: { tags: ['public'], summary: '凭件号和查询码查询办理进度、期限与答复', params: NumberParam, querystring: CodeQuery },
  }, async (req) => presentPublicCase(ctx, await findCaseForPetitioner(ctx, req.params.number, req.query.code)));

  app.post('/api/public/cases/:number/commands', {
    config: limit,
    schema: { tags: ['public'], summary: '群众评价、申请复查/复核、撤回', params: NumberParam, querystring: CodeQuery, body: PublicCommandSchema },
  }, async (req) => {
    const row = await findCaseForPetitioner(ctx, req.params.number, req.query.code);
    await runCaseCommand(ctx, { kind: 'petitioner', caseId: row.id }, row.id, req.body);
    return presentPublicCase(ctx, await findCaseForPetitioner(ctx, req.params.number, req.query.code));
  });
};
