import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { FSWatcher, mkdirSync, watch } from 'node:fs';
import { AppConfig } from '../../config/app-config';
import { CommandKeys } from '../command-keys';
import { CREDENTIALS_FILE, CredentialsDocument, StoredIdentity } from './credentials-file';
import { activeIdentity, CredentialsRegistry } from './credentials.registry';
import { verifyPassword } from './password-hash';

/** How often the file's mtime is compared when fs.watch misses a change (network file systems). */
const POLL_MS = 2000;
/** Verified (username, sha256(password)) pairs kept; cleared whenever the file changes. */
const CACHE_LIMIT = 20_000;

/**
 * The running backend's view of the credentials registry: verifies MQTT logins for the embedded
 * broker, serves the meters' command keys (CommandKeys), and reloads at once when the CLI (or the
 * REST API) changed the file, telling listeners so revoked or rotated identities are cut off.
 */
@Injectable()
export class CredentialsService implements CommandKeys, OnModuleDestroy {
  private readonly logger = new Logger(CredentialsService.name);
  readonly registry: CredentialsRegistry;
  private doc: CredentialsDocument;
  private mtimeMs: number;
  private readonly verified = new Map<string, string>();
  private readonly keys = new Map<string, Uint8Array>();
  private readonly listeners: ((doc: CredentialsDocument) => void)[] = [];
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;

  constructor(config: AppConfig) {
    this.registry = new CredentialsRegistry(config.DATA_DIR);
    this.mtimeMs = this.registry.file.mtimeMs();
    this.doc = this.registry.file.read();
  }

  /** Starts watching DATA_DIR (idempotent); the broker calls it when it starts. */
  watch(): void {
    if (this.poll) return;
    try {
      mkdirSync(this.registry.dataDir, { recursive: true, mode: 0o700 });
      this.watcher = watch(this.registry.dataDir, (_event, name) => {
        if (name === null || name === CREDENTIALS_FILE) this.reloadIfChanged();
      });
      this.watcher.on('error', (error) => this.logger.warn(`watching ${this.registry.dataDir}: ${error.message}`));
    } catch (error) {
      this.logger.warn(`cannot watch ${this.registry.dataDir} (${(error as Error).message}): checking every ${POLL_MS} ms`);
    }
    this.poll = setInterval(() => this.reloadIfChanged(), POLL_MS);
    this.poll.unref();
  }

  /** Called with the new document after every change of the file. */
  onChange(listener: (doc: CredentialsDocument) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the file if its mtime moved; a file that cannot be parsed keeps the last good view. */
  reloadIfChanged(): void {
    const mtimeMs = this.registry.file.mtimeMs();
    if (mtimeMs === this.mtimeMs) return;
    let doc: CredentialsDocument;
    try {
      doc = this.registry.file.read();
    } catch (error) {
      this.logger.error(`credentials not reloaded: ${(error as Error).message}`);
      return;
    }
    this.mtimeMs = mtimeMs;
    this.doc = doc;
    this.verified.clear();
    this.keys.clear();
    this.logger.log(`credentials reloaded: ${doc.identities.filter((i) => !i.revokedAt).length} active identities`);
    for (const listener of this.listeners) listener(doc);
  }

  /** The active identity of `username`, if any. */
  identity(username: string): StoredIdentity | undefined {
    return activeIdentity(this.doc, username);
  }

  /** True when `username` is a meter of the registry (active or revoked): its id is its own client id. */
  isMeter(username: string): boolean {
    return this.doc.identities.some((i) => i.username === username && i.kind === 'meter');
  }

  /** The identity when `password` is its current one, else undefined. Async scrypt, cached per pair. */
  async verify(username: string, password: Buffer): Promise<StoredIdentity | undefined> {
    this.reloadIfChanged();
    const entry = this.identity(username);
    if (!entry) return undefined;
    const key = `${username}\n${createHash('sha256').update(password).digest('base64')}`;
    if (this.verified.get(key) === entry.scrypt.hash) return entry;
    if (!(await verifyPassword(password.toString('utf8'), entry.scrypt))) return undefined;
    // The file may have changed during the check: only the still-current entry counts.
    const current = this.identity(username);
    if (current?.scrypt.hash !== entry.scrypt.hash) return undefined;
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(key, entry.scrypt.hash);
    return entry;
  }

  keyFor(deviceId: string): Uint8Array | undefined {
    const cached = this.keys.get(deviceId);
    if (cached) return cached;
    const hex = this.identity(deviceId)?.commandKey;
    if (!hex) return undefined;
    const key = new Uint8Array(Buffer.from(hex, 'hex'));
    this.keys.set(deviceId, key);
    return key;
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    this.poll = undefined;
  }
}
