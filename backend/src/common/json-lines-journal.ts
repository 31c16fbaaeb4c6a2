import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Records keyed by id in an append-only JSON-lines file: a change appends one line (the record's
 * whole new state), the last line of an id wins on load, and the file is compacted (rewritten with one
 * line per id, atomically) once it holds more than twice as many lines as ids. `remove()` appends a
 * tombstone line `{"id", "removed": true}`: the id is gone on load, and compaction drops the line.
 * `save()` only marks the record dirty; the lines are appended and fsynced together at most every `delayMs`, so the cost of a
 * write is proportional to what changed, never to how many records there are.
 */
export class JsonLinesJournal<T extends { id: string }> {
  /** The last line written per id: what compaction writes, and how an unchanged record is skipped. */
  private readonly lines = new Map<string, string>();
  /** undefined: removed (a tombstone line). */
  private readonly dirty = new Map<string, T | undefined>();
  private fileLines = 0;
  private timer?: NodeJS.Timeout;
  /** Lines appended since start; the registry bench and tests read it. */
  appendedLines = 0;

  constructor(
    readonly path: string,
    private readonly delayMs = 1000,
    private readonly minCompactLines = 1000,
  ) {}

  /** Every record in the file. A torn last line (a crash mid-append) is dropped; damage elsewhere throws. */
  load(): T[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read ${this.path}: ${(error as Error).message}`);
    }
    const rows = text.split('\n');
    const records = new Map<string, T>();
    this.lines.clear();
    this.fileLines = 0;
    rows.forEach((line, i) => {
      if (line === '') return;
      let record: T;
      try {
        record = JSON.parse(line) as T;
        if (typeof record?.id !== 'string') throw new Error('no string "id"');
      } catch (error) {
        const torn = rows.slice(i + 1).every((rest) => rest === '');
        if (torn) return;
        throw new Error(`${this.path} line ${i + 1} is damaged: ${(error as Error).message}`);
      }
      this.fileLines++;
      if ((record as { removed?: unknown }).removed === true) {
        records.delete(record.id);
        this.lines.delete(record.id);
        return;
      }
      records.set(record.id, record);
      this.lines.set(record.id, line);
    });
    return [...records.values()];
  }

  /** Marks the record for the next append (no disk I/O here). */
  save(record: T): void {
    this.mark(record.id, record);
  }

  /** Forgets the record: a tombstone line at the next flush (no disk I/O here). */
  remove(id: string): void {
    this.mark(id, undefined);
  }

  private mark(id: string, record: T | undefined): void {
    this.dirty.set(id, record);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref?.();
  }

  /** Appends every dirty record that changed since it was last written, fsyncs, compacts when due. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    let chunk = '';
    let count = 0;
    for (const [id, record] of this.dirty) {
      if (record === undefined) {
        // A record never written needs no tombstone.
        if (!this.lines.delete(id)) continue;
        chunk += `${JSON.stringify({ id, removed: true })}\n`;
        count++;
        continue;
      }
      const line = JSON.stringify(record);
      if (this.lines.get(id) === line) continue;
      this.lines.set(id, line);
      chunk += `${line}\n`;
      count++;
    }
    this.dirty.clear();
    if (count === 0) return;
    if (this.fileLines + count > Math.max(this.minCompactLines, 2 * this.lines.size)) return this.compact();
    mkdirSync(dirname(this.path), { recursive: true });
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.fileLines += count;
    this.appendedLines += count;
  }

  /** Rewrites the file with one line per id (temp file, fsync, rename). */
  compact(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let chunk = '';
      for (const line of this.lines.values()) {
        chunk += `${line}\n`;
        if (chunk.length > 1 << 20) {
          writeFileSync(fd, chunk);
          chunk = '';
        }
      }
      writeFileSync(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.fileLines = this.lines.size;
  }

  exists(): boolean {
    return existsSync(this.path);
  }
}
