/**
 * Crash faults under load, as anyone can run them (bench/faults-lib.ts says what is checked):
 *
 *   npx tsx bench/faults.ts [--kills 20] [--clients 8] [--db pglite|postgres|both]
 *
 * PostgreSQL: a throwaway database on XINFANG_TEST_PG_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test) is created and dropped. Exit code 1 when anything
 * acknowledged was lost, doubled or the audit chain does not verify.
 */
import { parseArgs } from 'node:util';
import { openTestDatabase } from '../test/support/databases.js';
import { healthy, runFaults } from './faults-lib.js';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '20' }, clients: { type: 'string', default: '8' }, db: { type: 'string', default: 'both' } } });
const kinds = values.db === 'both' ? (['pglite', 'postgres'] as const) : ([values.db] as ('pglite' | 'postgres')[]);

let ok = true;
for (const kind of kinds) {
  let url: string | undefined;
  let drop: (() => Promise<void>) | null = null;
  if (kind === 'postgres') {
    const tdb = await openTestDatabase('postgres');
    url = tdb.url!;
    await tdb.database.close();
    drop = tdb.drop;
  }
  const r = await runFaults({ databaseUrl: url, kills: Number(values.kills), clients: Number(values.clients), upMs: [1500, 4000], log: (l) => console.log(`[${kind}] ${l}`) });
  await drop?.().catch(() => undefined);
  console.log(`[${kind}] ${JSON.stringify(r)}`);
  console.log(
    `[${kind}] ${r.kills} SIGKILLs in ${r.seconds} s: ${r.acknowledged} cases acknowledged (${r.replays} by replay of a key), ${r.casesInDb} in the database, ` +
      `${r.lost.length} lost, ${r.casesWithoutKey} without their key, verify-audit exit ${r.verifyAuditCode} — ${healthy(r) ? 'OK' : 'FAILED'}`,
  );
  ok &&= healthy(r);
}
process.exitCode = ok ? 0 : 1;
