import { join } from 'node:path';
import { LockedJsonFile, versionOneList } from '../../common/locked-json-file';
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
 * Changed under a lock file, written atomically, so the CLI and a running backend can both change
 * it; the backend watches the folder and reloads (credentials.service.ts).
 */
export class CredentialsFile extends LockedJsonFile<CredentialsDocument> {
  constructor(readonly dataDir: string) {
    super(join(dataDir, CREDENTIALS_FILE), {
      what: 'a dinmeter credentials file (version 1)',
      empty: () => ({ version: 1, identities: [] }),
      problems: (value) => versionOneList(value, 'identities'),
    });
  }
}
