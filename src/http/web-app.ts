/**
 * Serving the built web app (web/dist) at the same address as the API: static assets, and the
 * SPA's index.html for any other GET that is not an API or docs path (client-side routes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Given the app, serves web/dist when it has been built; returns whether it did. */
export async function registerWebApp(app: FastifyInstance, dist = WEB_DIST): Promise<boolean> {
  if (!fs.existsSync(`${dist}/index.html`)) return false;
  // wildcard: false registers one route per built file at start: nothing outside dist can be asked for.
  // preCompressed: the build writes .br/.gz beside each file (web/precompress.ts); the client's
  // Accept-Encoding picks one. Hashed assets never change, so browsers keep them for a year; the
  // rest is revalidated.
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (res, file) => {
      // judged on the path inside dist, not the install path (which may itself contain /assets/)
      const inDist = path.relative(dist, file).split(path.sep);
      res.header('Cache-Control', inDist[0] === 'assets' && inDist.length > 1 ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return true;
}

/** Given a request the router did not match, returns whether the SPA should answer it. */
export function isClientRoute(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0] ?? '';
  return !path.startsWith('/api/') && !path.startsWith('/docs') && !path.startsWith('/open311/') && !/\.[a-z0-9]{1,5}$/i.test(path);
}

/** Given a client route, answers with the SPA's index.html (never cached: it names the current assets). */
export function sendIndex(reply: FastifyReply) {
  return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
}
