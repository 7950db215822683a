/**
 * How long a case import at its row cap takes, and what the rest of the server does meanwhile: the
 * cap on PGlite (IMPORT_MAX_ROWS_PGLITE, default 500) and on PostgreSQL (IMPORT_MAX_ROWS, default
 * 5,000). Prints the import's time, the longest stall of the event loop, and (PostgreSQL) how long
 * an ordinary intake took while the import was writing.
 *
 *   npx tsx bench/import-size.ts [pglite=500] [postgres=5000]
 */
import os from 'node:os';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { importCases } from '../src/services/bulk/import-cases.js';
import { registerCase } from '../src/services/register-case.js';
import { openTestDatabase } from '../test/support/databases.js';
import { seedMiniOrg } from '../test/support/factories.js';
import { goodRows, toCsv } from '../test/bulk-sheets.js';

const sizes = { pglite: Number(process.argv[2] ?? 500), postgres: Number(process.argv[3] ?? 5000) };

for (const kind of ['pglite', 'postgres'] as const) {
  const n = sizes[kind];
  if (!n) continue;
  const tdb = await openTestDatabase(kind);
  const config = loadConfig({ DATA_DIR: os.tmpdir() + '/xf-bench', LOG_LEVEL: 'silent', ...(tdb.url ? { DATABASE_URL: tdb.url } : {}) });
  const ctx = await buildContext(config, { database: tdb.database, logger: pino({ level: 'silent' }), masterKey: Buffer.alloc(32, 1) });
  const org = await seedMiniOrg(ctx);
  const rows = goodRows(`B${kind}`, n).map((r, i) => ({ ...r, title: `${r.title}（${i}号楼）`, content: `${r.content} 具体位置：${i % 97}号楼${i % 13}单元，编号${i}。` }));
  const bytes = Buffer.from(toCsv(rows), 'utf8');

  let maxLag = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 50);
    last = now;
  }, 50);
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const t0 = performance.now();
  const importing = importCases(ctx, org.actors.registrar, bytes, { fileName: 'bench.csv', source: '12345', via: 'cli' });
  let intakeMs: number | null = null;
  if (kind === 'postgres') {
    await new Promise((r) => setTimeout(r, 5_000)); // the import is writing by now
    const t1 = performance.now();
    await registerCase(ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '导入期间的来电', content: '导入进行中登记的一件来电，检查是否需要等待。', petitioners: [{ name: '王五' }], gridId: org.units.gridA1 });
    intakeMs = performance.now() - t1;
  }
  const out = await importing;
  const ms = performance.now() - t0;
  clearInterval(probe);
  console.log(
    `${kind}: ${out.created.length} rows in ${(ms / 1000).toFixed(1)} s (${(ms / out.created.length).toFixed(0)} ms/row); longest event-loop stall ${maxLag.toFixed(0)} ms` +
      (intakeMs !== null ? `; an intake during the import took ${intakeMs.toFixed(0)} ms` : '') +
      `; load average at start ${load}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} cores`,
  );
  await tdb.drop();
}
