/**
 * Uploading and downloading attachments: staff on cases they can see; petitioners on their own case
 * with number + query code. Downloads are served as attachments with the sniffed type and nosniff.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../../services/context.js';
import { addAttachment, listAttachments, readAttachment } from '../../services/attachments.js';
import { getCase, findCaseForPetitioner } from '../../services/case-queries.js';
import { relationsOf } from '../../services/run-case-command.js';
import { findUnitsById } from '../../store/org-repository.js';
import { CASE_WORK_ROLES, actorOf } from '../auth-plugin.js';
import { uuid } from '../schemas.js';

async function readOneFile(req: FastifyRequest, max: number): Promise<{ filename: string; bytes: Buffer }> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: 'multipart/form-data' });
  try {
    const part = await req.file({ limits: { fileSize: max, files: 1 } });
    if (!part) throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'missing' });
    const bytes = await part.toBuffer();
    return { filename: part.filename, bytes };
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: unknown }).code;
    // the file is over UPLOAD_MAX_BYTES: say so in the attachment's own terms
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('ATTACHMENT_TOO_LARGE', { max });
    if (typeof code === 'string' && code.startsWith('FST_')) throw err; // parts/files limits etc.: mapped by the error handler
    // busboy's own errors (no boundary, truncated form, malformed headers) are the client's broken upload
    throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'malformed_multipart' });
  }
}

export const attachmentRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.post('/api/cases/:id/attachments', {
    config: { auth: 'staff', roles: CASE_WORK_ROLES },
    schema: { tags: ['cases'], summary: '上传附件（照片、PDF、录音；按内容识别类型）', params: z.object({ id: uuid }), consumes: ['multipart/form-data'] },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const file = await readOneFile(req, ctx.config.UPLOAD_MAX_BYTES);
    const saved = await addAttachment(ctx, actor, req.params.id, file, async (row, tx) => {
      const units = await findUnitsById(tx, [row.leadUnitId, ...row.assistUnitIds].filter((x): x is string => !!x));
      return relationsOf(actor, row, units).size > 0;
    });
    reply.status(201);
    return saved;
  });

  app.get('/api/cases/:id/attachments', { config: { auth: 'staff', roles: CASE_WORK_ROLES }, schema: { tags: ['cases'], summary: '附件列表', params: z.object({ id: uuid }) } }, async (req) => {
    await getCase(ctx, actorOf(req), req.params.id); // scope check: same answer as a missing case
    return listAttachments(ctx, req.params.id);
  });

  app.get('/api/cases/:id/attachments/:attachmentId', {
    config: { auth: 'staff', roles: CASE_WORK_ROLES },
    schema: { tags: ['cases'], summary: '下载附件', params: z.object({ id: uuid, attachmentId: uuid }) },
  }, async (req, reply) => {
    await getCase(ctx, actorOf(req), req.params.id);
    const { meta, bytes } = await readAttachment(ctx, req.params.id, req.params.attachmentId);
    reply
      .header('Content-Type', meta.mime)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta.filename)}`);
    return reply.send(bytes);
  });

  app.post('/api/public/cases/:number/attachments', {
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    schema: {
      tags: ['public'],
      summary: '群众为自己的信访件上传照片等附件（凭件号与查询码）',
      params: z.object({ number: z.string().regex(/^[A-Z]{2,8}-\d{4}-\d{6,}$/) }),
      querystring: z.object({ code: z.string().regex(/^[A-Za-z0-9]{8}$/) }),
      consumes: ['multipart/form-data'],
    },
  }, async (req, reply) => {
    const row = await findCaseForPetitioner(ctx, req.params.number, req.query.code);
    const file = await readOneFile(req, ctx.config.UPLOAD_MAX_BYTES);
    const saved = await addAttachment(ctx, { kind: 'petitioner', caseId: row.id }, row.id, file, async (locked) => locked.id === row.id);
    reply.status(201);
    return { id: saved.id, filename: saved.filename, mime: saved.mime, size: saved.size };
  });
};
