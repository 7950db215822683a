/**
 * Fuzzing every documented endpoint, the full run (bench/fuzz-lib.ts says what is sent and checked):
 *
 *   npx tsx bench/fuzz.ts [--count 10000] [--seed 1] [--db pglite|postgres|both]
 *
 * Prints the answers by status and every failure; exit code 1 when there is one.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { openTestDatabase } from '../test/support/databases.js';
import { PASSWORD, seedMiniOrg } from '../test/support/factories.js';
import { startServer } from '../test/support/server.js';
import { runFuzz } from './fuzz-lib.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, db: { type: 'string', default: 'both' } } });
const kinds = values.db === 'both' ? (['pglite', 'postgres'] as const) : ([values.db] as ('pglite' | 'postgres')[]);

let failed = false;
for (const kind of kinds) {
  const tdb = await openTestDatabase(kind);
  const config = loadConfig({ DATA_DIR: `/tmp/xf-fuzz-${process.pid}`, LOG_LEVEL: 'silent', ...(tdb.url ? { DATABASE_URL: tdb.url } : {}) });
  const ctx = await buildContext(config, { database: tdb.database, logger: pino({ level: 'silent' }), masterKey: Buffer.alloc(32, 7) });
  const org = await seedMiniOrg(ctx);
  const server = await startServer(ctx, { rateLimit: false });
  const token = async (username: string) =>
    ((await (await fetch(`${server.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) })).json()) as { token: string }).token;
  const report = await runFuzz(ctx, server.base, {
    count: Number(values.count),
    seed: Number(values.seed),
    tokens: { citizen: null, registrar: await token(org.usernames.registrar!), admin: await token(org.usernames.admin!) },
  });
  await server.close();
  await tdb.drop();
  console.log(`[${kind}] ${report.requests} requests over ${report.routes} routes in ${report.seconds} s; by status: ${JSON.stringify(report.byStatus)}`);
  for (const f of report.failures) console.log(`[${kind}] FAIL ${f.problem} — ${f.who} ${f.request.method} ${f.request.url.slice(0, 160)} (${f.request.what}) ${f.body ?? ''}`);
  console.log(`[${kind}] ${report.failures.length === 0 ? 'OK: no 5xx, healthy after, nothing stored from a rejected request' : `${report.failures.length} failure(s)`}`);
  failed ||= report.failures.length > 0;
}
process.exitCode = failed ? 1 : 0;
