import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockFile } from '../common/file-lock';

/** What a meter (or the portal on its behalf) told about itself when it redeemed a code. */
export type HardwareInfo = Record<string, string>;

export interface StoredClaim {
  /** Public handle for list and revoke (never the code). */
  id: string;
  /** SHA-256 of the canonical code (claim-code.ts): the code itself is not kept. */
  codeHash: string;
  label?: string;
  /** The device id the meter gets; chosen at redemption when absent. */
  deviceId?: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  redeemedAt?: string;
  redeemedBy?: { deviceId: string; hardware: HardwareInfo; address?: string };
}

export interface ClaimsDocument {
  version: 1;
  claims: StoredClaim[];
}

export const CLAIMS_FILE = 'claims.json';

/**
 * DATA_DIR/claims.json: every claim code's hash and state. Rewritten whole under a lock (the CLI
 * creates codes while the backend redeems them) and read on every use, so neither caches a stale view.
 */
export class ClaimsFile {
  readonly path: string;

  constructor(readonly dataDir: string) {
    this.path = join(dataDir, CLAIMS_FILE);
  }

  read(): ClaimsDocument {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, claims: [] };
      throw error;
    }
    const doc = JSON.parse(text) as ClaimsDocument;
    if (doc?.version !== 1 || !Array.isArray(doc.claims)) throw new Error(`${this.path}: not a dinmeter claims file (version 1)`);
    return doc;
  }

  /** Read-modify-write under the lock; if `change` throws, nothing is written. */
  update<T>(change: (doc: ClaimsDocument) => T): T {
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
