import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockFile } from '../../common/file-lock';
import type { ScryptHash } from './password-hash';

/** Who an MQTT identity is: a meter (username = device id), the backend, or Home Assistant. */
export type IdentityKind = 'meter' | 'backend' | 'homeassistant';

/** Reserved usernames of the two non-meter identities (also the users of infra/mosquitto/dinmeter.acl). */
export const BACKEND_USERNAME = 'dinmeter-backend';
export const HOMEASSISTANT_USERNAME = 'homeassistant';
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([BACKEND_USERNAME, HOMEASSISTANT_USERNAME]);

export interface StoredIdentity {
  username: string;
  kind: IdentityKind;
  /** The backend's check (scrypt). */
  scrypt: ScryptHash;
  /** The same password for Mosquitto's password file ($7$ PBKDF2-SHA512). */
  mosquitto: string;
  /** Meters only: the 32-byte command key, hex. In clear: the backend signs every cmd and plan with it. */
  commandKey?: string;
  createdAt: string;
  rotatedAt?: string;
  revokedAt?: string;
}

export interface CredentialsDocument {
  version: 1;
  identities: StoredIdentity[];
}

export const CREDENTIALS_FILE = 'credentials.json';

/**
 * The one file in DATA_DIR that holds every MQTT identity (mode 0600: it holds the command keys).
 * Written whole, atomically (temp file + rename), under a lock file, so the CLI and a running backend
 * can both change it; the backend watches the folder and reloads (credentials.service.ts).
 */
export class CredentialsFile {
  readonly path: string;

  constructor(readonly dataDir: string) {
    this.path = join(dataDir, CREDENTIALS_FILE);
  }

  /** The document, or an empty one when the file does not exist. Throws on a corrupt file. */
  read(): CredentialsDocument {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, identities: [] };
      throw error;
    }
    const doc = JSON.parse(text) as CredentialsDocument;
    if (doc?.version !== 1 || !Array.isArray(doc.identities)) throw new Error(`${this.path}: not a dinmeter credentials file (version 1)`);
    return doc;
  }

  /** Modification time in ms, or 0 when absent (the backend's fallback change check). */
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
  update<T>(change: (doc: CredentialsDocument) => T): T {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const release = lockFile(this.path);
    try {
      const doc = this.read();
      const result = change(doc);
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(doc, null, 1)}\n`, { mode: 0o600 });
      renameSync(tmp, this.path);
      return result;
    } finally {
      release();
    }
  }
}
