import { closeSync, openSync, rmSync, statSync } from 'node:fs';

const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

/**
 * Takes `<path>.lock` (created exclusively) so the CLI and a running backend can both rewrite a file
 * in DATA_DIR; returns the release. Synchronous: the critical sections are a read and a write.
 */
export function lockFile(path: string): () => void {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o600));
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A writer killed while holding the lock leaves the file behind: take over a stale one.
      let age = 0;
      try {
        age = Date.now() - statSync(lockPath).mtimeMs;
      } catch {
        continue;
      }
      if (age > LOCK_STALE_MS) rmSync(lockPath, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lockPath} is held by another writer`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
