/**
 * Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, POST requests with
 * an API key, token lookup, GET requests (a key reads only what it submitted) and GET one request —
 * each as .json or .xml. Errors keep the spec's shape (`[{code, description}]`, `<errors><error>`)
 * with its HTTP codes, plus our stable code as `xf_code`; hence this plugin's own error handler.
 * Every call is rate-limited per key (the key's rate; per client address without a key).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import '@fastify/rate-limit';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { open311Text } from '../../i18n/zh-CN.js';
import type { AppContext } from '../../services/context.js';
import { authenticateApiKey, type ApiKeyRow } from '../../services/api-keys.js';
import { resolvePublicBaseUrl } from '../../services/settings.js';
import { listServices, serviceDefinition } from '../../services/open311/services.js';
import { parseSubmission, type RawFields } from '../../services/open311/post-params.js';
import { submitRequest } from '../../services/open311/submit-request.js';
import { WINDOW_MS, getRequest, listRequests, resolveToken } from '../../services/open311/read-requests.js';
import { discoveryXml, errorsXml, serviceDefinitionXml, serviceRequestsXml, servicesXml } from '../../services/open311/xml.js';
import { mapError } from '../error-handler.js';

export const OPEN311_PREFIX = '/open311/v2';
/** When this API last changed (the discovery document's changeset). */
const CHANGESET = '2026-08-01T00:00:00+08:00';
const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** GET requests: page size when none is asked for, and the most one page may hold. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const FORM_BODY_LIMIT = 64 * 1024;
const MAX_FORM_FIELDS = 200;

declare module 'fastify' {
  interface FastifyRequest {
    /** the live API key the request carried (null: none, or not a live one) */
    open311Key: ApiKeyRow | null;
  }
}

type Format = 'json' | 'xml';
const FormatParam = z.object({ format: z.enum(['json', 'xml'], { message: open311Text.badFormat }) });
const KeyQuery = z.object({ api_key: z.string().max(200).optional(), jurisdiction_id: z.string().max(200).optional() });
const dateTime = z.iso.datetime({ offset: true, message: '应为带时区的 ISO 8601 日期时间，如 2026-03-01T00:00:00+08:00' });
const RequestsQuery = KeyQuery.extend({
  service_request_id: z.string().max(4000).regex(/^[^,]+(,[^,]+)*$/, '应为以逗号分隔的件号').optional(),
  service_code: z.string().max(40).optional(),
  start_date: dateTime.optional(),
  end_date: dateTime.optional(),
  status: z.string().regex(/^(open|closed)(,(open|closed))*$/, '应为 open、closed 或以逗号分隔的两者').optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});
const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(8).max(128).regex(/^[\x21-\x7e]+$/).optional() }).passthrough();

export const open311Routes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  // The spec's POST encoding; JSON bodies go through the app's own parser.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
    const form = parseForm(body as string);
    if (!form) done(new AppError('VALIDATION_FAILED', { fields: [{ path: 'body', message: `表单字段过多（最多 ${MAX_FORM_FIELDS} 个）` }] }), undefined);
    else done(null, form);
  });

  app.decorateRequest('open311Key', null);
  // The key is read before the rate limit so the limit is the key's own; whether a route needs one is
  // the route's business (keyOf). A key that is not live counts as none here.
  app.addHook('preValidation', async (req) => {
    const given = keyParam(req);
    if (given) req.open311Key = await authenticateApiKey(ctx, given);
  });
  const limiter = app.rateLimit({
    timeWindow: '1 minute',
    max: (req: FastifyRequest) => req.open311Key?.ratePerMinute ?? ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE,
    keyGenerator: (req: FastifyRequest) => (req.open311Key ? `open311-key:${req.open311Key.id}` : `open311-ip:${req.ip}`),
  });
  app.addHook('preHandler', limiter);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, errors } = open311Errors(err, req);
    if (status >= 500 && status !== 503) req.log.error({ err, requestId: req.id }, 'unhandled error');
    else req.log.info({ code: errors[0]?.xf_code, status }, 'open311 request refused');
    if (status === 429 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '60');
    sendErrors(reply, formatOf(req), status, errors);
  });
  app.setNotFoundHandler((req, reply) => {
    sendErrors(reply, formatOf(req), 404, [{ code: 404, description: '没有这个 Open311 资源；可用：discovery、services、services/{service_code}、requests、requests/{id}、tokens/{token}，后缀 .json 或 .xml', xf_code: 'NOT_FOUND' }]);
  });

  const tags = ['open311'];

  app.get('/discovery.:format', {
    schema: { tags, summary: 'Open311 服务发现', params: FormatParam },
  }, async (req, reply) => {
    const { baseUrl } = await resolvePublicBaseUrl(ctx.db, `${req.protocol}://${req.host}`);
    const doc = {
      changeset: CHANGESET,
      contact: open311Text.discoveryContact,
      key_service: open311Text.keyService,
      endpoints: [{ specification: SPECIFICATION, url: `${baseUrl}${OPEN311_PREFIX}`, changeset: CHANGESET, type: 'production', formats: ['text/xml', 'application/json'] }],
    };
    return send(reply, req.params.format, doc, () => discoveryXml(doc));
  });

  app.get('/services.:format', {
    schema: { tags, summary: '诉求类别（service）列表：type 为 realtime 表示提交即得件号（带代办人的密钥），batch 表示先得令牌、受理后得件号', params: FormatParam, querystring: KeyQuery },
  }, async (req, reply) => {
    const services = await listServices(ctx, req.open311Key?.actingUserId ? 'realtime' : 'batch');
    return send(reply, req.params.format, services, () => servicesXml(services));
  });

  app.get('/services/:service_code.:format', {
    schema: { tags, summary: '类别定义：该类别及其上级类别的补充问题（attribute）', params: FormatParam.extend({ service_code: z.string().max(40) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const def = await serviceDefinition(ctx, req.params.service_code);
    return send(reply, req.params.format, def, () => serviceDefinitionXml(def));
  });

  app.post('/requests.:format', {
    schema: {
      tags,
      summary: '提交诉求（须 api_key；表单或 JSON；带 Idempotency-Key 重试不会重复立案）',
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      params: FormatParam,
      headers: IdempotencyHeaders,
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'service_code', message: '缺少参数' }] });
    const submission = parseSubmission(body as RawFields);
    const r = await submitRequest(ctx, key, submission, { idempotencyKey: req.headers['idempotency-key'] ?? null });
    const item = {
      ...(r.serviceRequestId ? { service_request_id: r.serviceRequestId } : { token: r.token! }),
      service_notice: r.serviceNotice,
      ...(r.accountId ? { account_id: r.accountId } : {}),
    };
    return send(reply, req.params.format, [item], () => serviceRequestsXml([item]));
  });

  app.get('/tokens/:token.:format', {
    schema: { tags, summary: '凭令牌查件号：受理或作出决定后才有件号', params: FormatParam.extend({ token: z.string().max(100) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const t = await resolveToken(ctx, req.params.token, req.open311Key);
    const item = t.serviceRequestId ? { service_request_id: t.serviceRequestId, token: t.token } : { token: t.token };
    return send(reply, req.params.format, [item], () => serviceRequestsXml([item]));
  });

  app.get('/requests.:format', {
    schema: {
      tags,
      summary: '查询本密钥提交的诉求（须 api_key；默认最近 90 天；page/page_size 分页）',
      params: FormatParam,
      querystring: RequestsQuery,
    },
  }, async (req, reply) => {
    const key = keyOf(req);
    const q = req.query;
    const { start, end } = window(ctx.now(), q.start_date, q.end_date);
    const list = await listRequests(ctx, key, {
      ids: q.service_request_id ? [...new Set(q.service_request_id.split(',').map((s) => s.trim()))].slice(0, MAX_PAGE_SIZE) : undefined,
      serviceCode: q.service_code,
      start,
      end,
      status: q.status ? [...new Set(q.status.split(',') as ('open' | 'closed')[])] : undefined,
      page: q.page,
      pageSize: q.page_size,
    });
    return send(reply, req.params.format, list, () => serviceRequestsXml(list));
  });

  app.get('/requests/:id.:format', {
    schema: { tags, summary: '查询一件本密钥提交的诉求（须 api_key）', params: FormatParam.extend({ id: z.string().max(40) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const one = await getRequest(ctx, keyOf(req), req.params.id);
    return send(reply, req.params.format, [one], () => serviceRequestsXml([one]));
  });
};

/** Given a request, returns the api_key it carries (query string, or the POST body as the spec puts it). */
function keyParam(req: FastifyRequest): string | null {
  const fromQuery = (req.query as Record<string, unknown> | undefined)?.api_key;
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body.api_key : undefined;
  const v = [fromQuery, fromBody].map((x) => (Array.isArray(x) ? x.at(-1) : x)).find((x) => typeof x === 'string' && x.length > 0);
  return typeof v === 'string' ? v.slice(0, 200) : null;
}

/** Given a request that needs a key, returns it; OPEN311_API_KEY_INVALID (403) when missing, unknown or revoked. */
function keyOf(req: FastifyRequest): ApiKeyRow {
  if (!req.open311Key) throw new AppError('OPEN311_API_KEY_INVALID');
  return req.open311Key;
}

/** Given the query's dates, returns the window searched: the spec's default is the last 90 days, and no window may span more. */
function window(now: Date, startIso?: string, endIso?: string): { start: Date; end: Date } {
  const start0 = startIso ? new Date(startIso) : null;
  const end0 = endIso ? new Date(endIso) : null;
  const end = end0 ?? (start0 ? new Date(Math.min(start0.getTime() + WINDOW_MS, now.getTime())) : now);
  const start = start0 ?? new Date(end.getTime() - WINDOW_MS);
  if (start > end) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'start_date', message: open311Text.dateOrder }] });
  if (end.getTime() - start.getTime() > WINDOW_MS) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'end_date', message: open311Text.dateSpan }] });
  return { start, end };
}

/** Given a url-encoded body, returns its fields (a repeated name becomes a list), or null past MAX_FORM_FIELDS. */
export function parseForm(body: string): Record<string, string | string[]> | null {
  const out: Record<string, string | string[]> = Object.create(null);
  let n = 0;
  for (const [k, v] of new URLSearchParams(body)) {
    if (++n > MAX_FORM_FIELDS) return null;
    const prior = out[k];
    out[k] = prior === undefined ? (k.endsWith('[]') ? [v] : v) : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  return { ...out };
}

function formatOf(req: FastifyRequest): Format {
  return /\.xml(\?|$)/.test(req.url) ? 'xml' : 'json';
}

function send(reply: FastifyReply, format: Format, json: unknown, xml: () => string) {
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(xml());
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(json));
}

interface Open311Error {
  code: number;
  description: string;
  /** our stable machine code (errors.ts), beside the spec's numeric one */
  xf_code: string;
}

function sendErrors(reply: FastifyReply, format: Format, status: number, errors: Open311Error[]) {
  reply.status(status);
  return send(reply, format, errors, () => errorsXml(errors));
}

/** Our parameter paths as a client wrote them: answers.<code> is attribute[<code>]. */
const paramName = (path: string) => path.replace(/^answers\.(.+)$/, 'attribute[$1]');

/**
 * Given an error, returns the spec's status and error list: 400 bad parameters, 403 bad key, 404
 * unknown service/request/token, 429 over the key's rate; our other refusals fold into these.
 */
function open311Errors(err: FastifyError, req: FastifyRequest): { status: number; errors: Open311Error[] } {
  const { status: ours, body } = mapError(err, req);
  const status = ours === 401 ? 403 : ours === 409 || ours === 413 || ours === 415 || ours === 422 ? 400 : ours;
  const fields = (body.details?.fields as { path: string; message: string }[] | undefined) ?? [];
  if (fields.length) {
    return { status, errors: fields.map((f) => ({ code: status, description: `${paramName(f.path) || '参数'}：${f.message}`, xf_code: body.code })) };
  }
  const path = typeof body.details?.path === 'string' ? body.details.path : null;
  return { status, errors: [{ code: status, description: path ? `${paramName(path)}：${body.message}` : body.message, xf_code: body.code }] };
}

