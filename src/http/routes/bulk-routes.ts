/**
 * Bulk import and export of cases: the upload of a 12345 / legacy sheet (dry run first, then all or
 * nothing), its template and its report of rejected rows; the streamed export of cases or events for
 * a unit and period. Routes only translate HTTP: checks, scope and masking live in services/bulk.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AppContext } from '../../services/context.js';
import { IMPORT_ROLES, checkCaseFile, importCases } from '../../services/bulk/import-cases.js';
import { MAX_IMPORT_BYTES } from '../../services/bulk/read-import-file.js';
import { reportCsv, reportWorkbook, templateCsv, templateWorkbook } from '../../services/bulk/import-sheets.js';
import { EXPORT_FORMATS, EXPORT_ROLES, prepareExport, type ExportKind } from '../../services/bulk/export-cases.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';
import { attachmentDisposition } from './ledger-routes.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV = 'text/csv; charset=utf-8';

const SourceSchema = text(1, 32);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

interface Upload {
  fileName: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

/** Given a multipart request, returns its one file and its text fields (in any order). */
async function readUpload(req: FastifyRequest): Promise<Upload> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: 'multipart/form-data' });
  let file: { fileName: string; bytes: Buffer } | null = null;
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts({ limits: { fileSize: MAX_IMPORT_BYTES, files: 1 } })) {
      if (part.type === 'file') file = { fileName: part.filename || 'import', bytes: await part.toBuffer() };
      else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('CASE_IMPORT_TOO_LARGE', { maxBytes: MAX_IMPORT_BYTES });
    if (typeof code === 'string' && code.startsWith('FST_')) throw err;
    throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'malformed_multipart' });
  }
  if (!file) throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'missing' });
  return { ...file, fields };
}

/** Given the form's and the query's options, returns them checked (a form field wins over the query). */
function importOptions(fields: Record<string, string>, query: { source?: string; dryRun?: boolean }) {
  const source = fields.source !== undefined && fields.source.trim() !== '' ? SourceSchema.safeParse(fields.source) : null;
  if (source && !source.success) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'source', message: '来源系统应为 1–32 个字' }] });
  const dry = fields.dryRun !== undefined ? flag.safeParse(fields.dryRun) : null;
  if (dry && !dry.success) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'dryRun', message: '应为 true 或 false' }] });
  return { source: source?.data ?? query.source ?? null, dryRun: dry?.data ?? query.dryRun ?? false };
}

const ExportQuery = z.strictObject({
  format: z.enum(EXPORT_FORMATS).default('csv'),
  unitId: uuid.optional().describe('单位（默认本人管辖范围）：导出该单位及下级登记、主办、协办的案件'),
  from: z.iso.date().describe('收到日期起（含），YYYY-MM-DD'),
  to: z.iso.date().describe('收到日期止（含），YYYY-MM-DD，最长 366 天'),
});

export const bulkRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const importers = { auth: 'staff' as const, roles: IMPORT_ROLES };
  const tags = ['bulk'];

  app.post('/api/imports/cases', {
    config: importers,
    schema: {
      tags,
      summary: '批量导入信访件（12345 转办、旧系统导出的 CSV 或 Excel）：逐行校验，任何一行不合格则整个文件不导入并返回报告（422）；dryRun 只校验不写入',
      consumes: ['multipart/form-data'],
      querystring: z.strictObject({ source: SourceSchema.optional(), dryRun: flag.optional() }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const upload = await readUpload(req);
    const opts = importOptions(upload.fields, req.query);
    const out = await importCases(ctx, actor, upload.bytes, { fileName: upload.fileName, source: opts.source, dryRun: opts.dryRun, via: 'api' });
    reply.status(out.dryRun ? 200 : 201);
    return {
      dryRun: out.dryRun,
      fileName: upload.fileName,
      format: out.format,
      encoding: out.encoding,
      sha256: out.sha256,
      rowCount: out.rowCount,
      accepted: out.accepted,
      created: out.created.map((c) => ({ row: c.row, id: c.caseId, number: c.number })),
    };
  });

  app.post('/api/imports/cases/report', {
    config: importers,
    schema: {
      tags,
      summary: '下载导入文件的校验报告（不合格的行、列与原因；Excel 或 CSV），不写入任何数据',
      consumes: ['multipart/form-data'],
      querystring: z.strictObject({ format: z.enum(['xlsx', 'csv']).default('xlsx'), source: SourceSchema.optional() }),
      produces: [XLSX, CSV],
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const upload = await readUpload(req);
    const opts = importOptions(upload.fields, { source: req.query.source });
    const checked = await checkCaseFile(ctx, actor, upload.bytes, opts.source);
    const base = upload.fileName.replace(/\.[^.]*$/, '');
    const ext = req.query.format;
    const body = ext === 'xlsx' ? await reportWorkbook(upload.fileName, checked.problems) : reportCsv(checked.problems);
    return reply
      .type(ext === 'xlsx' ? XLSX : CSV)
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', attachmentDisposition(`${base}-校验报告.${ext}`, `import-report.${ext}`))
      .send(body);
  });

  app.get('/api/imports/cases/template.xlsx', {
    config: importers,
    schema: { tags, summary: '下载导入模板（Excel：表头、一行示例与填写说明）', produces: [XLSX] },
  }, async (_req, reply) =>
    reply.type(XLSX).header('Content-Disposition', attachmentDisposition('信访件导入模板.xlsx', 'case-import-template.xlsx')).send(await templateWorkbook()));

  app.get('/api/imports/cases/template.csv', {
    config: importers,
    schema: { tags, summary: '下载导入模板（CSV，UTF-8 带 BOM）', produces: [CSV] },
  }, async (_req, reply) =>
    reply.type(CSV).header('Content-Disposition', attachmentDisposition('信访件导入模板.csv', 'case-import-template.csv')).send(templateCsv()));

  const exportRoute = (kind: ExportKind) => async (req: FastifyRequest<{ Querystring: z.infer<typeof ExportQuery> }>, reply: import('fastify').FastifyReply) => {
    const q = req.query;
    const prepared = await prepareExport(ctx, actorOf(req), { unitId: q.unitId ?? null, from: q.from, to: q.to, format: q.format, kind, via: 'api' });
    const body = new PassThrough();
    body.on('error', () => {}); // a reader who goes away ends the export; the audit records what was read
    // a failure mid-stream destroys the body, and Fastify then destroys the connection without the
    // final chunk: the browser reports a failed download, never a silently short file
    prepared.write(body).catch((err: unknown) => {
      req.log.warn({ err }, 'export stopped');
      body.destroy(err instanceof Error ? err : new Error(String(err)));
    });
    return reply
      .type(prepared.contentType)
      .header('Cache-Control', 'private, no-store')
      .header('X-Total-Rows', String(prepared.totalRows))
      .header('Content-Disposition', attachmentDisposition(prepared.fileName, prepared.asciiFileName))
      .send(body);
  };

  app.get('/api/exports/cases', {
    config: { auth: 'staff', roles: EXPORT_ROLES },
    schema: { tags, summary: '导出本人管辖范围内某单位某期间收到的信访件（CSV / Excel / JSONL，个人信息脱敏，记入审计）；X-Total-Rows 为文件应有的行数，Excel 超过 1,048,575 行时拒绝（422）', querystring: ExportQuery },
  }, exportRoute('cases'));

  app.get('/api/exports/events', {
    config: { auth: 'staff', roles: EXPORT_ROLES },
    schema: { tags, summary: '导出这些信访件的办理轨迹（事件类型、序号、时间、操作人角色、去除个人信息的数据）', querystring: ExportQuery },
  }, exportRoute('events'));
};
