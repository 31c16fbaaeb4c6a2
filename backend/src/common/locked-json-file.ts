import { closeSync, existsSync, fchownSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { lockFile } from './file-lock';

export interface LockedJsonDocument<T> {
  /** What the document is, for errors: `a dinmeter claims file (version 1)`. */
  what: string;
  /** The document when the file does not exist yet. */
  empty(): T;
  /** Every problem of a parsed value, empty when it is such a document. */
  problems(value: unknown): string[];
}

/** The file exists but cannot be read, is not JSON or is not the document it should be. */
export class JsonFileError extends Error {}

/**
 * One JSON document in DATA_DIR that the CLI and a running backend both change (claims,
 * credentials, REST tokens): `read` reads the file whole every time (a caller that caches checks
 * the file's stat first), `update` is a read-modify-write under `<path>.lock` (file-lock.ts), so
 * neither process loses the other's change. Written to a temp file (mode 0600, fsync) and renamed
 * over the old one: a writer killed at any point leaves the old content or the new, never a torn file.
 */
export class LockedJsonFile<T> {
  constructor(
    readonly path: string,
    private readonly document: LockedJsonDocument<T>,
  ) {}

  /** The document, or an empty one when the file does not exist. Throws JsonFileError otherwise. */
  read(): T {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.document.empty();
      throw new JsonFileError(`cannot read ${this.path}: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new JsonFileError(`${this.path} is not JSON: ${(error as Error).message}`);
    }
    const problems = this.document.problems(value);
    if (problems.length > 0) throw new JsonFileError(`${this.path} is not ${this.document.what}: ${problems.join('; ')}`);
    return value as T;
  }

  /** Modification time in ms, or 0 when absent (a cheap change check before reading again). */
  mtimeMs(): number {
    try {
      return statSync(this.path).mtimeMs;
    } catch {
      return 0;
    }
  }

  /**
   * Read-modify-write under the lock: `change` gets the current document and returns its result;
   * the document is written once afterwards. If `change` throws, nothing is written.
   */
  update<R>(change: (doc: T) => R): R {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const release = lockFile(this.path);
    try {
      const doc = this.read();
      const result = change(doc);
      this.write(doc, dir);
      return result;
    } finally {
      release();
    }
  }

  private write(doc: T, dir: string): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    // Root running the CLI must not leave a file the backend's user cannot read: keep the owner.
    const owner = process.getuid?.() === 0 ? statSync(existsSync(this.path) ? this.path : dir) : undefined;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      if (owner) fchownSync(fd, owner.uid, owner.gid);
      writeFileSync(fd, `${JSON.stringify(doc, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}

/** The problems of a `{ version: 1, <key>: [...] }` document's frame (its entries are the caller's to check). */
export function versionOneList(value: unknown, key: string): string[] {
  const doc = value as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['not an object'];
  if (doc.version !== 1) return [`version must be 1, got ${JSON.stringify(doc.version)}`];
  if (!Array.isArray(doc[key])) return [`${key} must be an array`];
  return [];
}
