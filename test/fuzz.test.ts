/**
 * Fuzzing every documented endpoint (bench/fuzz-lib.ts), the CI share: 1,500 malformed requests per
 * database, spread over all routes, as a citizen, a registrar and an admin. No 5xx, the server still
 * answers, and no rejected request changed stored data. The full 10,000+ run is `npx tsx bench/fuzz.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { startServer, type TestServer } from './support/server.js';
import { runFuzz } from '../bench/fuzz-lib.js';

describe.each(DB_KINDS)('fuzzing every endpoint (%s)', (kind) => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;

  beforeAll(async () => {
    t = await makeTestContext(kind);
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('1,500 malformed requests: no 5xx, still healthy, nothing stored from a rejected request', async () => {
    const token = async (username: string) => {
      const res = await fetch(`${server.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
      return ((await res.json()) as { token: string }).token;
    };
    const report = await runFuzz(t.ctx, server.base, {
      count: 1500,
      seed: kind === 'pglite' ? 1 : 2,
      tokens: { citizen: null, registrar: await token(org.usernames.registrar!), admin: await token(org.usernames.admin!) },
    });
    expect(report.routes).toBeGreaterThan(50);
    expect(report.failures.map((f) => `${f.problem} — ${f.who} ${f.request.method} ${f.request.url.slice(0, 120)} (${f.request.what}) ${f.body ?? ''}`)).toEqual([]);
    expect(Object.keys(report.byStatus).some((s) => s.startsWith('4'))).toBe(true);
  }, 900_000);
});
