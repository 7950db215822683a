/**
 * An exclusive lock file for the embedded data directory: PGlite has no lock of its own, and two
 * processes on one directory lose rows without a word. The file holds the owner's pid; a file
 * whose process is gone is stale and taken over.
 */
import fs from 'node:fs';

export interface DataDirLock {
  release(): void;
}

export class DataDirLockedError extends Error {
  constructor(readonly lockFile: string, readonly pid: number) {
    super(`数据目录已被进程 ${pid} 占用 (data directory locked by pid ${pid}: ${lockFile})`);
    this.name = 'DataDirLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Given a lock file path, returns a held lock or throws DataDirLockedError when a live process holds it. */
export function acquireDataDirLock(lockFile: string): DataDirLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockFile);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8').trim(), 10);
      if (Number.isFinite(pid) && (pid === process.pid || isAlive(pid))) throw new DataDirLockedError(lockFile, pid);
      fs.rmSync(lockFile, { force: true }); // stale: its owner is dead
    }
  }
  throw new DataDirLockedError(lockFile, -1);
}
