/**
 * The short CI run of the crash faults (bench/faults-lib.ts; the full run is `npx tsx bench/faults.ts`):
 * the real server is killed with SIGKILL twice while citizens submit cases; afterwards every number a
 * citizen was given exists, each idempotency key has exactly one case, and verify-audit passes.
 */
import { describe, expect, it } from 'vitest';
import { DB_KINDS, openTestDatabase } from './support/databases.js';
import { runFaults } from '../bench/faults-lib.js';

describe.each(DB_KINDS)('SIGKILL during public submissions (%s)', (kind) => {
  it('loses nothing acknowledged, makes no case twice for one key, and the audit chain verifies', async () => {
    let url: string | undefined;
    let drop: (() => Promise<void>) | null = null;
    if (kind === 'postgres') {
      const tdb = await openTestDatabase('postgres');
      url = tdb.url!;
      await tdb.database.close();
      drop = tdb.drop;
    }
    try {
      const r = await runFaults({ databaseUrl: url, kills: 2, clients: 4, upMs: [1000, 2500] });
      expect(r.acknowledged).toBeGreaterThan(0);
      expect(r.lost).toEqual([]);
      expect(r.wrongTitle).toEqual([]);
      expect(r.unexpectedStatus).toEqual({});
      expect(r.casesWithoutKey).toBe(0);
      expect(r.casesInDb).toBe(r.acknowledged); // every committed case reached its client, by reply or by replay
      expect(r.keysInDb).toBe(r.casesInDb);
      expect(r.verifyAuditOutput).toContain('审计链完整');
      expect(r.verifyAuditCode).toBe(0);
    } finally {
      await drop?.().catch(() => undefined);
    }
  }, 600_000);
});
