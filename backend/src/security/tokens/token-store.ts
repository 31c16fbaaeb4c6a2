import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LockedJsonFile, versionOneList } from '../../common/locked-json-file';
import { isRole, Role } from '../roles';

/** One REST bearer token as stored: never the token itself, only its SHA-256 (docs/security.md, "REST tokens"). */
export interface TokenRecord {
  id: string;
  role: Role;
  label: string;
  /** SHA-256 of the whole token, hex. */
  hash: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601, when revoked; a revoked token is kept so `token list` can show it. */
  revoked?: string;
}

interface TokenFile {
  version: 1;
  tokens: TokenRecord[];
}

/** Every token starts with it, so secret scanners and people can tell what a leaked string is. */
export const TOKEN_PREFIX = 'dmt_';
export const TOKENS_FILE = 'tokens.json';
const TOKEN_BYTES = 32;
const ID = /^[0-9a-f]{12}$/;
const HASH = /^[0-9a-f]{64}$/;
/** Longer than any token we issue: anything longer is refused before it is hashed. */
const MAX_TOKEN_LENGTH = 128;
const MAX_LABEL_LENGTH = 100;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The file exists but is not a token file: the CLI says so, the backend refuses every token until it is fixed. */
export { JsonFileError as TokenFileError } from '../../common/locked-json-file';

interface Snapshot {
  /** ino, size and mtime of the file read; 'absent' when there is none. */
  key: string;
  active: { record: TokenRecord; hash: Buffer }[];
  error?: string;
}

/**
 * REST bearer tokens in `<DATA_DIR>/tokens.json` (a LockedJsonFile: mode 0600, written atomically
 * under a lock file): the `dinmeter token` CLI and a running backend share it. `verify` stats the
 * file on every call and reads it again when it changed, so a token created or revoked by the CLI
 * counts at the next request.
 */
export class TokenStore {
  private snapshot?: Snapshot;
  private readonly file: LockedJsonFile<TokenFile>;

  constructor(
    readonly path: string,
    private readonly now: () => Date = () => new Date(),
    private readonly onFileError: (message: string) => void = () => undefined,
  ) {
    this.file = new LockedJsonFile(path, { what: 'a token file', empty: () => ({ version: 1, tokens: [] }), problems: checkTokenFile });
  }

  static inDataDir(dataDir: string, onFileError?: (message: string) => void): TokenStore {
    return new TokenStore(join(dataDir, TOKENS_FILE), undefined, onFileError);
  }

  /** Every token, revoked ones too. Throws TokenFileError when the file is not a token file. */
  list(): TokenRecord[] {
    return this.file.read().tokens;
  }

  /** Issues a token: the returned `token` is shown once and never stored. */
  async create(role: Role, label = ''): Promise<{ record: TokenRecord; token: string }> {
    if (!isRole(role)) throw new Error(`role must be one of read, control, admin, got ${JSON.stringify(role)}`);
    if (label.length > MAX_LABEL_LENGTH || [...label].some((c) => c < ' ' || c === '\u007f')) {
      throw new Error(`label must be at most ${MAX_LABEL_LENGTH} printable characters, got ${JSON.stringify(label)}`);
    }
    const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
    const record: TokenRecord = { id: '', role, label, hash: sha256(token).toString('hex'), created: this.now().toISOString() };
    this.file.update((file) => {
      const taken = new Set(file.tokens.map((t) => t.id));
      do record.id = randomBytes(6).toString('hex');
      while (taken.has(record.id));
      file.tokens.push(record);
    });
    return { record, token };
  }

  /** Revokes a token by id; revoking a revoked token changes nothing. Throws when the id is unknown. */
  async revoke(id: string): Promise<TokenRecord> {
    return this.file.update((file) => {
      const found = file.tokens.find((t) => t.id === id);
      if (!found) throw new Error(`no token with id ${JSON.stringify(id)} (dinmeter token list shows them)`);
      found.revoked ??= this.now().toISOString();
      return found;
    });
  }

  /**
   * The live token a presented string is, or undefined. Compares the SHA-256 of the candidate with
   * every live token's in constant time (no early exit), so the time taken says nothing about which
   * bytes matched. Fails closed: when the file cannot be read, no token is valid.
   */
  verify(candidate: string): TokenRecord | undefined {
    if (candidate.length === 0 || candidate.length > MAX_TOKEN_LENGTH) return undefined;
    const hash = sha256(candidate);
    let match: TokenRecord | undefined;
    for (const entry of this.current().active) {
      if (timingSafeEqual(hash, entry.hash)) match = entry.record;
    }
    return match;
  }

  private current(): Snapshot {
    const key = this.fileKey();
    if (this.snapshot?.key === key) return this.snapshot;
    try {
      const active = key === 'absent' ? [] : this.file.read().tokens.filter((t) => !t.revoked).map((record) => ({ record, hash: Buffer.from(record.hash, 'hex') }));
      this.snapshot = { key, active };
    } catch (error) {
      const message = `${(error as Error).message}: every REST token is refused until it is fixed`;
      if (this.snapshot?.error !== message) this.onFileError(message);
      this.snapshot = { key, active: [], error: message };
    }
    return this.snapshot;
  }

  private fileKey(): string {
    try {
      const s = statSync(this.path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      return `error:${(error as Error).message}`;
    }
  }

}

/** Every problem of a parsed token file, empty when it is one. */
function checkTokenFile(value: unknown): string[] {
  const frame = versionOneList(value, 'tokens');
  if (frame.length > 0) return frame;
  const file = value as TokenFile;
  const problems: string[] = [];
  const ids = new Set<string>();
  file.tokens.forEach((t: Partial<TokenRecord>, i) => {
    const at = `tokens[${i}]`;
    if (typeof t !== 'object' || t === null) return problems.push(`${at} is not an object`);
    if (typeof t.id !== 'string' || !ID.test(t.id)) problems.push(`${at}.id must be 12 hex digits`);
    else if (ids.has(t.id)) problems.push(`${at}.id ${t.id} appears twice`);
    else ids.add(t.id);
    if (!isRole(t.role)) problems.push(`${at}.role must be read, control or admin`);
    if (typeof t.label !== 'string') problems.push(`${at}.label must be a string`);
    if (typeof t.hash !== 'string' || !HASH.test(t.hash)) problems.push(`${at}.hash must be 64 hex digits`);
    if (typeof t.created !== 'string' || Number.isNaN(Date.parse(t.created))) problems.push(`${at}.created must be a date`);
    if (t.revoked !== undefined && (typeof t.revoked !== 'string' || Number.isNaN(Date.parse(t.revoked)))) problems.push(`${at}.revoked must be a date`);
    return undefined;
  });
  return problems;
}
