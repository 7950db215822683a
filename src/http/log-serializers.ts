/**
 * What the request log records of a request: Fastify's own fields, with secrets a client may put in a
 * URL taken out. Open311 clients send their key as `?api_key=…` (the spec's place); an access log is
 * read by more people than the key store, so the value never reaches it. Bodies are not logged at all
 * (a POST's `api_key` form field included).
 */
import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are secrets. */
const SECRET_PARAMS = /([?&](?:api_key|apikey|access_token|token)=)[^&#]*/gi;

/** Given a URL as requested, returns it with the values of secret query parameters replaced by `***`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q) + url.slice(q).replace(SECRET_PARAMS, '$1***');
}

/** Given a request, returns what the log records of it (Fastify's default fields, the URL redacted). */
export function serializeRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}
