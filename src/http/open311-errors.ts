/**
 * Open311 answers and errors in the spec's shape: a JSON list or XML by the URL's suffix (`.xml`,
 * JSON otherwise), errors as `[{code, description, xf_code}]` / `<errors><error>`. Shared by the
 * Open311 routes and the app's handler of errors Fastify raises before any route runs (a bad
 * percent-escape, an over-long parameter), so those keep the spec's format under /open311/v2 too.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorsXml } from '../services/open311/xml.js';

export const OPEN311_PREFIX = '/open311/v2';

export type Open311Format = 'json' | 'xml';

export interface Open311Error {
  code: number;
  description: string;
  /** our stable machine code (errors.ts), beside the spec's numeric one */
  xf_code: string;
}

/** Given a request, returns whether it is addressed to the Open311 API. */
export const isOpen311Url = (url: string) => url === OPEN311_PREFIX || url.startsWith(`${OPEN311_PREFIX}/`);

/** Given a request, returns the format its URL asks for: `.xml` before the query string, else JSON. */
export function formatOf(req: FastifyRequest): Open311Format {
  return /\.xml(\?|$)/.test(req.url) ? 'xml' : 'json';
}

/** Given a format, the JSON answer and how to build the XML one, sends the one asked for. */
export function sendOpen311(reply: FastifyReply, format: Open311Format, json: unknown, xml: () => string) {
  if (format === 'xml') return reply.type('text/xml; charset=utf-8').send(xml());
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(json));
}

/** Given a status and errors, sends them in the format asked for. */
export function sendOpen311Errors(reply: FastifyReply, format: Open311Format, status: number, errors: Open311Error[]) {
  reply.status(status);
  return sendOpen311(reply, format, errors, () => errorsXml(errors));
}

/** Our parameter paths as a client wrote them: answers.<code> is attribute[<code>]. */
const paramName = (path: string) => path.replace(/^answers\.(.+)$/, 'attribute[$1]');

/**
 * Given the app's status and `{code, message, details}` body, returns the spec's status and error
 * list: 400 bad parameters, 403 bad key, 404 unknown service/request/token, 429 over the key's rate;
 * our other refusals fold into these. Each bad field is its own error, named by its parameter.
 */
export function open311ErrorList(ours: number, body: { code: string; message: string; details?: Record<string, unknown> }): { status: number; errors: Open311Error[] } {
  const status = ours === 401 ? 403 : ours === 409 || ours === 413 || ours === 415 || ours === 422 ? 400 : ours;
  const fields = (body.details?.fields as { path: string; message: string }[] | undefined) ?? [];
  if (fields.length) {
    return { status, errors: fields.map((f) => ({ code: status, description: `${paramName(f.path) || '参数'}：${f.message}`, xf_code: body.code })) };
  }
  const path = typeof body.details?.path === 'string' ? body.details.path : null;
  return { status, errors: [{ code: status, description: path ? `${paramName(path)}：${body.message}` : body.message, xf_code: body.code }] };
}
