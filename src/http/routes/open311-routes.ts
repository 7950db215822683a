/**
 * Open311 GeoReport v2 at /open311/v2/: discovery, services, service definitions, POST requests with
 * an API key, token lookup, GET requests (a key reads only what it submitted) and GET one request —
 * each as .json or .xml. Errors keep the spec's shape (`[{code, description}]`, `<errors><error>`)
 * with its HTTP codes, plus our stable code as `xf_code`; hence this plugin's own error handler.
 * Every call is rate-limited per key before any other work (the key's rate; per client address
 * without a key): see open311-rate-limit.ts.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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
import { discoveryXml, serviceDefinitionXml, serviceRequestsXml, servicesXml } from '../../services/open311/xml.js';
import { mapError } from '../error-handler.js';
import { OPEN311_PREFIX, formatOf, open311ErrorList, sendOpen311, sendOpen311Errors, type Open311Error } from '../open311-errors.js';
import { keyBucket, keyRateCache, open311Limiter } from '../open311-rate-limit.js';

export { OPEN311_PREFIX };

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
  // Counted first (onRequest: before validation, routing's 404 and any query), authenticated after;
  // see open311-rate-limit.ts. Whether a route needs a key is the route's business (keyOf); a key that
  // is not live counts as none.
  const rates = keyRateCache(ctx.now);
  const limit = open311Limiter(app, ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE, rates);
  // A POST carries its key in the body (the spec's place): counted once the body is read.
  const keyInBody = (req: FastifyRequest) => req.method === 'POST' && !queryKey(req);
  app.addHook('onRequest', async (req, reply) => {
    if (!keyInBody(req)) await limit(req, reply, queryKey(req));
  });
  app.addHook('preValidation', async (req, reply) => {
    const given = keyParam(req);
    if (keyInBody(req)) await limit(req, reply, given);
    if (!given) return;
    req.open311Key = await authenticateApiKey(ctx, given);
    if (req.open311Key) rates.remember(keyBucket(given), req.open311Key.ratePerMinute);
    else rates.forget(keyBucket(given));
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, errors } = open311Errors(err, req);
    if (status >= 500 && status !== 503) req.log.error({ err, requestId: req.id }, 'unhandled error');
    else req.log.info({ code: errors[0]?.xf_code, status }, 'open311 request refused');
    if (status === 429 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '60');
    sendOpen311Errors(reply, formatOf(req), status, errors);
  });
  app.setNotFoundHandler((req, reply) => {
    sendOpen311Errors(reply, formatOf(req), 404, [{ code: 404, description: '没有这个 Open311 资源；可用：discovery、services、services/{service_code}、requests、requests/{id}、tokens/{token}，后缀 .json 或 .xml', xf_code: 'NOT_FOUND' }]);
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
    return sendOpen311(reply, req.params.format, doc, () => discoveryXml(doc));
  });

  app.get('/services.:format', {
    schema: { tags, summary: '诉求类别（service）列表：type 为 realtime 表示提交即得件号（带代办人的密钥），batch 表示先得令牌、受理后得件号', params: FormatParam, querystring: KeyQuery },
  }, async (req, reply) => {
    const services = await listServices(ctx, req.open311Key?.actingUserId ? 'realtime' : 'batch');
    return sendOpen311(reply, req.params.format, services, () => servicesXml(services));
  });

  app.get('/services/:service_code.:format', {
    schema: { tags, summary: '类别定义：该类别及其上级类别的补充问题（attribute）', params: FormatParam.extend({ service_code: z.string().max(40) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const def = await serviceDefinition(ctx, req.params.service_code);
    return sendOpen311(reply, req.params.format, def, () => serviceDefinitionXml(def));
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
    return sendOpen311(reply, req.params.format, [item], () => serviceRequestsXml([item]));
  });

  app.get('/tokens/:token.:format', {
    schema: { tags, summary: '凭令牌查件号：受理或作出决定后才有件号', params: FormatParam.extend({ token: z.string().max(100) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const t = await resolveToken(ctx, req.params.token, req.open311Key);
    const item = t.serviceRequestId ? { service_request_id: t.serviceRequestId, token: t.token } : { token: t.token };
    return sendOpen311(reply, req.params.format, [item], () => serviceRequestsXml([item]));
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
    const ids = q.service_request_id ? [...new Set(q.service_request_id.split(',').map((s) => s.trim()))] : undefined;
    if (ids && ids.length > MAX_PAGE_SIZE) {
      throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'service_request_id', message: open311Text.tooManyIds.replace('{max}', String(MAX_PAGE_SIZE)) }] });
    }
    const list = await listRequests(ctx, key, {
      ids,
      serviceCode: q.service_code,
      start,
      end,
      status: q.status ? [...new Set(q.status.split(',') as ('open' | 'closed')[])] : undefined,
      page: q.page,
      pageSize: q.page_size,
    });
    return sendOpen311(reply, req.params.format, list, () => serviceRequestsXml(list));
  });

  app.get('/requests/:id.:format', {
    schema: { tags, summary: '查询一件本密钥提交的诉求（须 api_key）', params: FormatParam.extend({ id: z.string().max(40) }), querystring: KeyQuery },
  }, async (req, reply) => {
    const one = await getRequest(ctx, keyOf(req), req.params.id);
    return sendOpen311(reply, req.params.format, [one], () => serviceRequestsXml([one]));
  });
};

/** Given a request, returns the api_key of its query string (null: none). */
function queryKey(req: FastifyRequest): string | null {
  return pickKey((req.query as Record<string, unknown> | undefined)?.api_key);
}

/** Given a request, returns the api_key it carries (query string, or the POST body as the spec puts it). */
function keyParam(req: FastifyRequest): string | null {
  const body = req.body as Record<string, unknown> | undefined;
  return queryKey(req) ?? pickKey(body && typeof body === 'object' ? body.api_key : undefined);
}

function pickKey(x: unknown): string | null {
  const v = Array.isArray(x) ? x.at(-1) : x;
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : null;
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
  // Without an end date the window ends now: a start after now names no end the client sent.
  if (start0 && !end0 && start0 > now) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'start_date', message: open311Text.startInFuture }] });
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

/** Given an error, returns the spec's status and error list (open311-errors.ts) for the app's answer to it. */
function open311Errors(err: FastifyError, req: FastifyRequest): { status: number; errors: Open311Error[] } {
  const { status, body } = mapError(err, req);
  return open311ErrorList(status, body);
}
