import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database.js';
import { DataDirLockedError, acquireDataDirLock } from '../src/store/data-dir-lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the embedded data directory is used by one process at a time', () => {
  it('a second open of the same directory is refused while the first holds it, and allowed after close', async () => {
    const first = await openDatabase({ pgliteDir: path.join(dir, 'pglite'), lockFile: path.join(dir, 'xinfang.lock') });
    await expect(openDatabase({ pgliteDir: path.join(dir, 'pglite'), lockFile: path.join(dir, 'xinfang.lock') })).rejects.toBeInstanceOf(DataDirLockedError);
    await first.close();
    const again = await openDatabase({ pgliteDir: path.join(dir, 'pglite'), lockFile: path.join(dir, 'xinfang.lock') });
    await again.close();
  }, 60_000);

  it('another process refuses to start on a directory this process holds', () => {
    const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-lock2-'));
    const lock = acquireDataDirLock(path.join(lockDir, 'xinfang.lock'));
    try {
      const res = spawnSync(process.execPath, ['bin/xinfang.js', 'migrate'], { env: { ...process.env, DATA_DIR: lockDir, DATABASE_URL: '' }, encoding: 'utf8', timeout: 60_000 });
      expect(res.status).not.toBe(0);
      expect(res.stderr).toContain('数据目录已被进程');
    } finally {
      lock.release();
      fs.rmSync(lockDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a lock left by a dead process is taken over', () => {
    const file = path.join(dir, 'stale.lock');
    fs.writeFileSync(file, '999999999');
    const lock = acquireDataDirLock(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });
});
