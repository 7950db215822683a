/**
 * A flood of submissions from one client is rate-limited while other clients keep being served: the
 * flooder (from 127.0.0.2) sends far past the per-client limit at once and gets 429 with a
 * Retry-After; citizens on other addresses (127.0.0.3…) submit during the flood and all get their case
 * numbers. Nothing refused was stored.
 */
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg } from './support/factories.js';
import { startServer, type TestServer } from './support/server.js';

const LIMIT = 20;

/** Given the server, a local address to send from and a title, returns the status and body of one public submission. */
function submitFrom(server: TestServer, localAddress: string, title: string): Promise<{ status: number; body: any; retryAfter?: string }> {
  const url = new URL('/api/public/cases', server.base);
  const payload = JSON.stringify({ title, content: '小区旁工地夜间施工噪音很大，影响休息，请处理。', petitioner: { name: '赵六', phone: '13700137000' } });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null, retryAfter: res.headers['retry-after'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe.each(DB_KINDS)('a flood from one client (%s)', (kind) => {
  let t: TestContext;
  let server: TestServer;

  beforeAll(async () => {
    t = await makeTestContext(kind, { env: { PUBLIC_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
    await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx, { rateLimit: true });
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('is refused past its limit with a retry hint, while other clients keep being served', async () => {
    const flood = Array.from({ length: LIMIT * 3 }, (_, i) => submitFrom(server, '127.0.0.2', `洪水提交 ${i}`));
    const others = Array.from({ length: 5 }, (_, i) => submitFrom(server, `127.0.0.${3 + i}`, `正常提交 ${i}`));
    const [floodRes, otherRes] = await Promise.all([Promise.all(flood), Promise.all(others)]);

    const ok = floodRes.filter((r) => r.status === 201);
    const limited = floodRes.filter((r) => r.status === 429);
    expect(ok.length).toBe(LIMIT);
    expect(limited.length).toBe(LIMIT * 2);
    expect(limited[0]!.body.code).toBe('RATE_LIMITED');
    expect(limited[0]!.body.message).toMatch(/[\u4e00-\u9fff]/);
    expect(Number(limited[0]!.retryAfter)).toBeGreaterThan(0);
    expect(otherRes.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(otherRes.every((r) => /^YH-\d{4}-\d{6}$/.test(r.body.number))).toBe(true);

    const stored = ((await t.ctx.db.execute(sql`select count(*)::int as n from cases`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    expect(stored).toBe(LIMIT + 5);
  });
});
