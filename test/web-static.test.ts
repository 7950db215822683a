/**
 * The built web app as the server sends it: compressed when the browser accepts it (Brotli or gzip,
 * prepared at build time), hashed assets cached for a year, the page itself always revalidated.
 * web/dist is built by the global setup when its sources changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestContext, type TestContext } from './support/context.js';
import { startServer, type TestServer } from './support/server.js';
import { WEB_DIST } from '../src/http/web-app.js';
import http from 'node:http';

/** GET without transparent decompression (fetch would undo the encoding we want to see). */
function rawGet(url: string, acceptEncoding: string): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('serving the built web app', () => {
  let t: TestContext;
  let server: TestServer;
  let script: string;
  beforeAll(async () => {
    t = await makeTestContext('pglite');
    server = await startServer(t.ctx);
    const html = fs.readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
    script = /<script[^>]+src="([^"]+\.js)"/.exec(html)![1]!;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('a hashed script goes out Brotli- or gzip-compressed as asked, cached for a year, and unpacks to the built file', async () => {
    const raw = fs.readFileSync(path.join(WEB_DIST, script));
    const br = await rawGet(server.base + script, 'br, gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.body.length).toBeLessThan(raw.length / 2);
    expect(zlib.brotliDecompressSync(br.body).equals(raw)).toBe(true);

    const gz = await rawGet(server.base + script, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(raw)).toBe(true);

    const plain = await rawGet(server.base + script, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(raw)).toBe(true);
  });

  it('the page and client routes are revalidated every time (they name the current assets)', async () => {
    for (const p of ['/', '/staff', '/m/submit']) {
      const res = await fetch(server.base + p, { headers: { 'accept-encoding': 'br' } });
      expect(res.status, p).toBe(200);
      expect(res.headers.get('cache-control'), p).toBe('no-cache');
      expect(await res.text(), p).toContain(script);
    }
  });
});
