/**
 * The Fastify app, built apart from listening so tests use it on loopback or by inject.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppContext } from '../services/context.js';
import { AppError } from '../domain/errors.js';
import { frameworkErrorHandler, installErrorHandler } from './error-handler.js';
import { serializeRequest } from './log-serializers.js';
import { isClientRoute, registerWebApp, sendIndex } from './web-app.js';
import { authPlugin } from './auth-plugin.js';
import { caseRoutes } from './routes/case-routes.js';
import { publicRoutes } from './routes/public-routes.js';
import { authRoutes } from './routes/auth-routes.js';
import { metaRoutes } from './routes/meta-routes.js';
import { attachmentRoutes } from './routes/attachment-routes.js';
import { adminRoutes } from './routes/admin-routes.js';
import { posterRoutes } from './routes/poster-routes.js';
import { spotCheckRoutes } from './routes/spot-check-routes.js';
import { ledgerRoutes } from './routes/ledger-routes.js';
import { receptionRoutes } from './routes/reception-routes.js';
import { notificationRoutes } from './routes/notification-routes.js';
import { warningRoutes } from './routes/warning-routes.js';
import { hotIssueRoutes } from './routes/hot-issue-routes.js';
import { lexiconRoutes } from './routes/lexicon-routes.js';
import { orgShapeRoutes } from './routes/org-shape-routes.js';
import { cockpitRoutes } from './routes/cockpit-routes.js';
import { apiKeyRoutes } from './routes/api-key-routes.js';
import { open311Routes, OPEN311_PREFIX } from './routes/open311-routes.js';
import { bulkRoutes } from './routes/bulk-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { categoryQuestionRoutes } from './routes/category-question-routes.js';

export interface BuildAppOptions {
  /** disable per-client rate limits (load tests and benchmarks measure the app, not the limiter) */
  rateLimit?: boolean;
  logger?: boolean;
  /** serve the built web app (web/dist) when present; default true */
  web?: boolean;
}

/** Given a context, returns a ready (not listening) Fastify app with every route. */
export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // The request log's `req` without secrets in the URL (an Open311 client's ?api_key=…).
    loggerInstance: (opts.logger === false ? undefined : ctx.logger.child({}, { serializers: { req: serializeRequest } })) as FastifyBaseLogger | undefined,
    bodyLimit: ctx.config.BODY_LIMIT_BYTES,
    trustProxy: false,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  let webServed = false;
  installErrorHandler(app, (req, reply) => (webServed && isClientRoute(req) ? sendIndex(reply) : undefined));

  // The API speaks JSON (and multipart for uploads): Fastify's built-in text/plain parser would let a
  // text body reach a JSON schema as a string; without it such a request is 415.
  app.removeContentTypeParser('text/plain');
  // Deeply nested JSON is refused before it reaches a schema: nothing legitimate nests past 20.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ctx.config.BODY_LIMIT_BYTES }, (_req, body, done) => {
    const s = body as string;
    if (s.length === 0) return done(null, undefined);
    if (nestingDepth(s) > 20) return done(Object.assign(new Error('too deep'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    try {
      // As Fastify's own parser: a `__proto__` key (or constructor.prototype) would give an object
      // copied from the body a prototype whose fields code could read as if they were sent; such a
      // body is refused at the field (escaped spellings like "\u005f_proto__" included).
      done(null, secureJsonParse.parse(s, null, { protoAction: 'error', constructorAction: 'error' }));
    } catch {
      if (isJson(s)) {
        const path = /__proto__|\\u005f/i.test(s) ? '__proto__' : 'constructor.prototype';
        return done(new AppError('VALIDATION_FAILED', { in: 'body', fields: [{ path, message: '不允许的字段' }] }), undefined);
      }
      done(Object.assign(new Error('bad json'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' }), undefined);
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    max: 600,
    timeWindow: '1 minute',
    enableDraftSpec: true,
    errorResponseBuilder: () => Object.assign(new Error('rate limited'), { statusCode: 429, code: 'FST_ERR_RATE_LIMIT' }),
    ...(opts.rateLimit === false ? { allowList: () => true } : {}),
  });
  await app.register(multipart, { limits: { fileSize: ctx.config.UPLOAD_MAX_BYTES, files: 5, fields: 10, parts: 15 }, throwFileSizeLimit: true });
  await app.register(swagger, {
    openapi: {
      info: { title: 'xinfang 信访与诉求办理 API', version: '0.1.0', description: '信访事项从登记到终结的全流程接口。错误统一为 {code, message, details}。' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { ctx });
  // A route that declares a JSON body does not take a form upload (the multipart parser is global for
  // the upload routes): 415, not a confusing "expected object, received null". Runs after auth.
  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.schema?.body && req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: 'application/json' });
  });

  await app.register(metaRoutes, { ctx });
  await app.register(authRoutes, { ctx });
  await app.register(publicRoutes, { ctx });
  await app.register(caseRoutes, { ctx });
  await app.register(attachmentRoutes, { ctx });
  await app.register(adminRoutes, { ctx });
  await app.register(posterRoutes, { ctx });
  await app.register(spotCheckRoutes, { ctx });
  await app.register(ledgerRoutes, { ctx });
  await app.register(receptionRoutes, { ctx });
  await app.register(notificationRoutes, { ctx });
  await app.register(warningRoutes, { ctx });
  await app.register(hotIssueRoutes, { ctx });
  await app.register(lexiconRoutes, { ctx });
  await app.register(orgShapeRoutes, { ctx });
  await app.register(cockpitRoutes, { ctx });
  await app.register(apiKeyRoutes, { ctx });
  await app.register(open311Routes, { ctx, prefix: OPEN311_PREFIX });
  await app.register(bulkRoutes, { ctx });
  await app.register(webhookRoutes, { ctx });
  await app.register(categoryQuestionRoutes, { ctx });

  webServed = opts.web === false ? false : await registerWebApp(app);
  if (!webServed) app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  return app as unknown as FastifyInstance;
}

/** Given a request body, returns whether it is well-formed JSON (what tells a forbidden key from a syntax error). */
function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Given raw JSON text, returns its maximum nesting depth without parsing it. */
function nestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escapes the next char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}
