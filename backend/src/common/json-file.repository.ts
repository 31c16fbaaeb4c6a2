import { mkdirSync, readFileSync, renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A declarative JSON file written atomically (write a temp file, fsync, rename), like zigbee2mqtt's
 * configuration: one node needs no second database server for its registry and settings.
 * Writes are coalesced: `save()` marks dirty, the file is written at most every `delayMs`.
 */
export class JsonFileRepository<T> {
  private timer?: NodeJS.Timeout;
  private pending?: T;

  constructor(
    readonly path: string,
    private readonly delayMs = 200,
  ) {}

  load(fallback: T): T {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
      throw new Error(`cannot read ${this.path}: ${(error as Error).message}`);
    }
  }

  save(data: T): void {
    this.pending = data;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref?.();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === undefined) return;
    const data = this.pending;
    this.pending = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, JSON.stringify(data, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
