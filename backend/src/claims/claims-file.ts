import { join } from 'node:path';
import { LockedJsonFile, versionOneList } from '../common/locked-json-file';

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
 * DATA_DIR/claims.json: every claim code's hash and state. Changed under a lock (the CLI creates
 * codes while the backend redeems them) and read on every use, so neither caches a stale view.
 */
export class ClaimsFile extends LockedJsonFile<ClaimsDocument> {
  constructor(readonly dataDir: string) {
    super(join(dataDir, CLAIMS_FILE), {
      what: 'a dinmeter claims file (version 1)',
      empty: () => ({ version: 1, claims: [] }),
      problems: (value) => versionOneList(value, 'claims'),
    });
  }
}
