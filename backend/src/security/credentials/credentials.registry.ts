import { isValidDeviceId } from '@dinmeter/shared';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACKEND_USERNAME,
  CredentialsDocument,
  CredentialsFile,
  HOMEASSISTANT_USERNAME,
  IdentityKind,
  RESERVED_USERNAMES,
  StoredIdentity,
} from './credentials-file';
import { hashPassword, mosquittoHash, newCommandKey, newPassword, verifyPassword } from './password-hash';

/** A meter's credential as issued, the only time its password is seen in clear. */
export interface IssuedMeter {
  id: string;
  username: string;
  password: string;
  /** 32 bytes, hex. */
  commandKey: string;
}

/** What `device list` shows: no secrets. */
export interface IdentitySummary {
  username: string;
  kind: IdentityKind;
  createdAt: string;
  rotatedAt?: string;
  revokedAt?: string;
}

/** What a virtual meter kept from its last provisioning (its settings file). */
export interface SavedMeterCredential {
  password?: string;
  commandKey?: string;
}

/** The backend's own MQTT password, next to the registry (mode 0600). */
export const BACKEND_PASSWORD_FILE = 'mqtt-backend.password';

/** A refused request (unknown or already provisioned meter, bad id): the CLI exits 2 with it, REST answers 4xx. */
export class CredentialsError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'exists' | 'unknown',
  ) {
    super(message);
  }
}

/** The active (not revoked) identity of `username`, if any. */
export function activeIdentity(doc: CredentialsDocument, username: string): StoredIdentity | undefined {
  return doc.identities.find((i) => i.username === username && !i.revokedAt);
}

/**
 * Provisioning of every MQTT identity (docs/security.md, "Broker identity"): meters, the backend and
 * Home Assistant, all in the one file of credentials-file.ts. Used alike by the CLI, the REST
 * controller, the backend at start (its own identity) and the virtual meters (`npm run meters`).
 * Hashing runs before the file is locked; each operation is one write however many meters it covers.
 */
export class CredentialsRegistry {
  readonly file: CredentialsFile;

  constructor(readonly dataDir: string) {
    this.file = new CredentialsFile(dataDir);
  }

  list(): IdentitySummary[] {
    return this.file.read().identities.map(({ username, kind, createdAt, rotatedAt, revokedAt }) => ({
      username,
      kind,
      createdAt,
      ...(rotatedAt ? { rotatedAt } : {}),
      ...(revokedAt ? { revokedAt } : {}),
    }));
  }

  /** Provisions new meters (a revoked id may be provisioned again); refuses ids that are active. */
  async add(ids: readonly string[]): Promise<IssuedMeter[]> {
    for (const id of ids) assertMeterId(id);
    if (new Set(ids).size !== ids.length) throw new CredentialsError('the same device id twice', 'invalid');
    const doc = this.file.read();
    const active = ids.filter((id) => activeIdentity(doc, id));
    if (active.length) throw new CredentialsError(`already provisioned: ${active.join(', ')} (rotate to issue a new credential)`, 'exists');
    const issued = await Promise.all(ids.map((id) => issueMeter(id)));
    this.file.update((current) => {
      const raced = issued.filter((m) => activeIdentity(current, m.entry.username));
      if (raced.length) throw new CredentialsError(`already provisioned: ${raced.map((m) => m.entry.username).join(', ')}`, 'exists');
      for (const { entry } of issued) replace(current, entry);
    });
    return issued.map((m) => m.meter);
  }

  /** A new password and command key for an active meter; the old ones stop working at once. */
  async rotate(id: string): Promise<IssuedMeter> {
    assertMeterId(id);
    const existing = activeIdentity(this.file.read(), id);
    if (!existing) throw new CredentialsError(`no active meter ${JSON.stringify(id)}`, 'unknown');
    const { meter, entry } = await issueMeter(id, existing.createdAt);
    this.file.update((current) => {
      if (!activeIdentity(current, id)) throw new CredentialsError(`no active meter ${JSON.stringify(id)}`, 'unknown');
      replace(current, entry);
    });
    return meter;
  }

  /** Revokes a meter: refused at its next connect, disconnected at once by a running backend. */
  revoke(id: string): IdentitySummary {
    assertMeterId(id);
    return this.file.update((current) => {
      const entry = activeIdentity(current, id);
      if (!entry) throw new CredentialsError(`no active meter ${JSON.stringify(id)}`, 'unknown');
      entry.revokedAt = new Date().toISOString();
      delete entry.commandKey;
      return { username: entry.username, kind: entry.kind, createdAt: entry.createdAt, revokedAt: entry.revokedAt };
    });
  }

  /**
   * The virtual meters' path: each keeps the credential it saved when it still works, the others are
   * provisioned (or re-issued) in one write. Returns every meter's credential, in `wanted`'s order.
   */
  async ensureMeters(wanted: readonly { id: string; saved?: SavedMeterCredential }[]): Promise<IssuedMeter[]> {
    for (const { id } of wanted) assertMeterId(id);
    const doc = this.file.read();
    const results = await Promise.all(
      wanted.map(async ({ id, saved }) => {
        const entry = activeIdentity(doc, id);
        const { password, commandKey } = saved ?? {};
        if (entry && password && commandKey && commandKey === entry.commandKey && (await verifyPassword(password, entry.scrypt))) {
          return { meter: { id, username: id, password, commandKey }, entry: undefined };
        }
        return issueMeter(id, entry?.createdAt);
      }),
    );
    const fresh = results.flatMap((r) => (r.entry ? [r.entry] : []));
    if (fresh.length) this.file.update((current) => fresh.forEach((entry) => replace(current, entry)));
    return results.map((r) => r.meter);
  }

  /**
   * The backend's own identity: its password lives in DATA_DIR/mqtt-backend.password (0600), created on
   * first start and re-issued when it no longer matches the registry.
   */
  async ensureBackend(): Promise<{ username: string; password: string }> {
    const passwordPath = join(this.dataDir, BACKEND_PASSWORD_FILE);
    let password: string | undefined;
    try {
      password = readFileSync(passwordPath, 'utf8').trim();
    } catch {
      password = undefined;
    }
    const entry = activeIdentity(this.file.read(), BACKEND_USERNAME);
    if (password && entry && (await verifyPassword(password, entry.scrypt))) return { username: BACKEND_USERNAME, password };
    const issued = await this.issueService('backend');
    writeFileSync(passwordPath, `${issued.password}\n`, { mode: 0o600 });
    return issued;
  }

  /** Creates or replaces the backend's or Home Assistant's identity; returns its new password. */
  async issueService(kind: 'backend' | 'homeassistant'): Promise<{ username: string; password: string }> {
    const username = kind === 'backend' ? BACKEND_USERNAME : HOMEASSISTANT_USERNAME;
    const password = newPassword();
    const scrypt = await hashPassword(password);
    const now = new Date().toISOString();
    this.file.update((current) => {
      const previous = activeIdentity(current, username);
      replace(current, {
        username,
        kind,
        scrypt,
        mosquitto: mosquittoHash(password),
        createdAt: previous?.createdAt ?? now,
        ...(previous ? { rotatedAt: now } : {}),
      });
    });
    return { username, password };
  }
}

function assertMeterId(id: string): void {
  if (!isValidDeviceId(id) || RESERVED_USERNAMES.has(id)) {
    throw new CredentialsError(`invalid device id ${JSON.stringify(id)}: letters, digits, _ . - (up to 64, not "backend", "${BACKEND_USERNAME}" or "${HOMEASSISTANT_USERNAME}")`, 'invalid');
  }
}

async function issueMeter(id: string, createdAt?: string): Promise<{ meter: IssuedMeter; entry: StoredIdentity }> {
  const password = newPassword();
  const commandKey = newCommandKey().toString('hex');
  const now = new Date().toISOString();
  const entry: StoredIdentity = {
    username: id,
    kind: 'meter',
    scrypt: await hashPassword(password),
    mosquitto: mosquittoHash(password),
    commandKey,
    createdAt: createdAt ?? now,
    ...(createdAt ? { rotatedAt: now } : {}),
  };
  return { meter: { id, username: id, password, commandKey }, entry };
}

/** Puts `entry` in place of every earlier entry of its username (a revoked one included). */
function replace(doc: CredentialsDocument, entry: StoredIdentity): void {
  doc.identities = doc.identities.filter((i) => i.username !== entry.username);
  doc.identities.push(entry);
}
