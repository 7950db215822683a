/**
 * The one place errors become HTTP: a stable `code`, a zh-CN `message`, optional `details`
 * (field paths for forms), and the status chosen here. Anything unknown is a bare 500 with the
 * request id, logged with its stack — never database text.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../domain/errors.js';
import { errorMessages } from '../i18n/zh-CN.js';
import { isDbUnavailable, isQueryTimeout, isRetryableConflict, sqlState } from '../store/pg-errors.js';
import { DataDirLockedError } from '../store/data-dir-lock.js';
import { formatOf, isOpen311Url, open311ErrorList, sendOpen311Errors } from './open311-errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  BAD_JSON: 400,
  ID_NUMBER_INVALID: 400,
  PHONE_INVALID: 400,
  PETITIONER_REQUIRED: 400,
  REPRESENTATIVES_TOO_MANY: 400,
  CATEGORY_INVALID: 400,
  IMPORT_INVALID: 400,
  CASE_IMPORT_FILE_TYPE: 415,
  CASE_IMPORT_FILE_INVALID: 400,
  CASE_IMPORT_TOO_LARGE: 413,
  CASE_IMPORT_REJECTED: 422,
  CASE_IMPORT_FAILED: 503,
  CASE_EXPORT_BAD_PERIOD: 400,
  CASE_EXPORT_UNIT_NOT_FOUND: 404,
  CASE_EXPORT_TOO_MANY_ROWS: 422,
  DEADLINE_UNKNOWN_RULES: 400,
  DEADLINE_UNKNOWN_STEP: 400,
  ATTACHMENT_TYPE_REJECTED: 415,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  ATTACHMENT_TOO_LARGE: 413,
  AUTH_REQUIRED: 401,
  AUTH_FAILED: 401,
  SESSION_INVALID: 401,
  FORBIDDEN: 403,
  ROLE_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CASE_NOT_FOUND: 404,
  QUERY_CODE_MISMATCH: 404,
  UNIT_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  CATEGORY_NOT_FOUND: 404,
  SPOT_CHECK_NOT_FOUND: 404,
  WARNING_NOT_FOUND: 404,
  WARNING_ILLEGAL_TRANSITION: 409,
  SPOT_CHECK_ALREADY_JUDGED: 409,
  SPOT_CHECK_VISIT_REQUIRED: 409,
  LEDGER_CASE_NOT_LISTED: 409,
  HOT_ISSUE_NOT_FOUND: 404,
  MONTHLY_TOPIC_EXISTS: 409,
  MONTHLY_TOPIC_NOT_FOUND: 404,
  COCKPIT_UNIT_NOT_FOUND: 404,
  LEXICON_WORD_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  NOTIFICATION_CHANNEL_NOT_FOUND: 404,
  NOTIFICATION_TARGET_INVALID: 400,
  CASE_ILLEGAL_TRANSITION: 409,
  RECEPTION_SLOT_NOT_FOUND: 404,
  RECEPTION_BOOKING_NOT_FOUND: 404,
  RECEPTION_SLOT_CLOSED: 409,
  RECEPTION_SLOT_FULL: 409,
  RECEPTION_SLOT_HAS_BOOKINGS: 409,
  RECEPTION_LEADER_BUSY: 409,
  RECEPTION_ALREADY_BOOKED: 409,
  RECEPTION_BOOKING_STATE: 409,
  CASE_ALREADY_OWNED: 409,
  SUPERVISION_NOT_OPEN: 409,
  CASE_CONCURRENT_UPDATE: 409,
  DEADLINE_WINDOW_CLOSED: 409,
  DEADLINE_EXTENSION_USED: 409,
  DEADLINE_EXTENSION_TOO_LONG: 400,
  UNIT_INVALID_PARENT: 409,
  UNIT_HAS_ACTIVE_CHILDREN: 409,
  UNIT_HAS_OPEN_CASES: 409,
  USER_EXISTS: 409,
  ACCUSATION_CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 422,
  CATEGORY_QUESTION_NOT_FOUND: 404,
  CATEGORY_QUESTION_INVALID: 400,
  CATEGORY_QUESTION_CODE_TAKEN: 409,
  CATEGORY_QUESTION_OPTION_IN_USE: 409,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_URL_INVALID: 400,
  WEBHOOK_EVENT_TYPE_UNKNOWN: 400,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FAILED: 409,
  WEBHOOK_SECRET_UNREADABLE: 409,
  WEBHOOK_ADDRESS_BLOCKED: 400,
  API_KEY_NOT_FOUND: 404,
  OPEN311_API_KEY_INVALID: 403,
  OPEN311_SERVICE_NOT_FOUND: 404,
  OPEN311_REQUEST_NOT_FOUND: 404,
  OPEN311_TOKEN_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  DB_UNAVAILABLE: 503,
  TRY_AGAIN: 503,
  INTERNAL: 500,
};

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Given a code and details, returns the status and body the API answers with. */
export function errorResponse(code: ErrorCode, details?: Record<string, unknown>): { status: number; body: ErrorBody } {
  const body: ErrorBody = { code, message: errorMessages[code] };
  if (details && Object.keys(details).length) body.details = details;
  return { status: STATUS[code] ?? 400, body };
}

/**
 * Given a Fastify instance, installs the error and not-found handlers; `spa` answers unmatched
 * client routes of the web app instead of a 404.
 */
export function installErrorHandler(app: FastifyInstance, spa?: (req: FastifyRequest, reply: FastifyReply) => unknown): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = mapError(err, req);
    if (status >= 500 && status !== 503) req.log.error({ err, requestId: req.id }, 'unhandled error');
    else req.log.info({ code: body.code, status }, 'request refused');
    if (status === 503) reply.header('Retry-After', '5');
    if (status === 429 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '60');
    reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const handled = spa?.(req, reply);
    if (handled) return handled;
    const { status, body } = errorResponse('NOT_FOUND');
    reply.status(status).send(body);
  });
}

/**
 * Errors Fastify raises before any route runs (a malformed percent-escape, an over-long path
 * parameter): answered in the same `{code, message}` shape instead of Fastify's own body, or under
 * /open311/v2 as the spec's error list.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } =
    err.code === 'FST_ERR_BAD_URL'
      ? errorResponse('VALIDATION_FAILED', { in: 'url' })
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? errorResponse('NOT_FOUND')
        : { status: 500, body: { ...errorResponse('INTERNAL').body, requestId: req.id } };
  if (status >= 500) req.log.error({ err, requestId: req.id }, 'framework error');
  // Open311 clients parse the spec's error list in the format their URL asks for, not our body.
  if (isOpen311Url(req.url)) {
    const o = open311ErrorList(status, body);
    sendOpen311Errors(reply, formatOf(req), o.status, o.errors);
    return;
  }
  reply.status(status).send(body);
}


/** Given any error a route raised, returns the status and `{code, message, details}` body (Open311 re-shapes the same answer). */
export function mapError(err: FastifyError, req: FastifyRequest): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    if (err.code === 'INTERNAL') return { status: 500, body: { ...errorResponse('INTERNAL').body, requestId: req.id } };
    return errorResponse(err.code, err.details);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields = err.validation.map((v) => ({
      path: [v.instancePath.replace(/^\//, '').replace(/\//g, '.')].filter(Boolean).join('.') || (v.params as { issue?: { path?: unknown[] } })?.issue?.path?.join('.') || '',
      message: v.message,
    }));
    return errorResponse('VALIDATION_FAILED', { in: err.validationContext, fields });
  }
  if (err.validation) return errorResponse('VALIDATION_FAILED', { in: err.validationContext });
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errorResponse('BAD_JSON');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return errorResponse('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errorResponse('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_INVALID_TYPE':
      return errorResponse('UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_RATE_LIMIT':
      return errorResponse('RATE_LIMITED');
    default:
      break;
  }
  if (err.statusCode === 429) return errorResponse('RATE_LIMITED');
  if (err instanceof SyntaxError && err.statusCode === 400) return errorResponse('BAD_JSON');
  if (isDbUnavailable(err) || err instanceof DataDirLockedError) return errorResponse('DB_UNAVAILABLE');
  // A deadlock or serialization failure rolled the whole transaction back: nothing was written, and
  // the same request will most likely pass a moment later.
  if (isRetryableConflict(err)) {
    req.log.warn({ err, requestId: req.id }, 'transaction conflict; client told to retry');
    return errorResponse('TRY_AGAIN', { reason: 'conflict' });
  }
  // A query that ran out of time wrote nothing; logged loudly, as it names a query to make faster.
  if (isQueryTimeout(err)) {
    req.log.error({ err, requestId: req.id }, 'query timed out; client told to retry');
    return errorResponse('TRY_AGAIN', { reason: 'timeout' });
  }
  // SQLSTATE class 22 (data exception: invalid text for a uuid, a NUL byte, a bad escape in jsonb …)
  // means input the edge should have refused got through; it is still the client's bad input, not a
  // server fault. Logged loudly so the missing check gets added where it belongs.
  if (sqlState(err)?.startsWith('22')) {
    req.log.warn({ err, requestId: req.id }, 'data exception reached the database');
    return errorResponse('VALIDATION_FAILED', { reason: 'invalid_data' });
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    if (err.statusCode === 413) return errorResponse('PAYLOAD_TOO_LARGE');
    if (err.statusCode === 415) return errorResponse('UNSUPPORTED_MEDIA_TYPE');
    if (err.statusCode === 404) return errorResponse('NOT_FOUND');
    return errorResponse('VALIDATION_FAILED', { reason: err.code });
  }
  return { status: 500, body: { ...errorResponse('INTERNAL').body, requestId: req.id } };
}
