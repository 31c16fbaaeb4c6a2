/**
 * The signed production test record: what was tested on which meter, by which station, with what
 * result and which calibration was written. Signed with the station's Ed25519 key (Node crypto)
 * over the canonical JSON (keys sorted, no whitespace), so anyone with the station's public key can
 * check that a record was issued by that station and not changed since.
 */
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** Skipped after an earlier failure (fail-fast). */
  skipped?: boolean;
  message: string;
  durationMs: number;
  data?: Record<string, unknown>;
}

export interface TestRecord {
  v: 1;
  serial: string;
  deviceId: string;
  result: 'pass' | 'fail';
  startedAt: string;
  finishedAt: string;
  station: { id: string; bench?: string };
  firmware?: string;
  instruments: Record<string, string>;
  calibration: Record<string, { ugain: number; igainL: number; lgain: number }>;
  checks: CheckResult[];
}

export interface RecordSignature {
  algorithm: 'Ed25519';
  /** SubjectPublicKeyInfo, DER, base64. */
  publicKey: string;
  signature: string;
}

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function loadStationKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the station key ${path}: ${(error as Error).message}\n` +
        '  create one with: openssl genpkey -algorithm ed25519 -out station.key (keep it on the station, chmod 600)',
    );
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`station key ${path} is ${key.asymmetricKeyType}, not an Ed25519 key`);
  return key;
}

export function signRecord(record: TestRecord, privateKey: KeyObject): RecordSignature {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  const signature = sign(null, Buffer.from(canonicalJson(record), 'utf8'), privateKey).toString('base64');
  return { algorithm: 'Ed25519', publicKey, signature };
}

/** True when `signature` was made over `record` by the holder of `publicKey` (SPKI DER base64 or a KeyObject). */
export function verifyRecord(record: TestRecord, signature: RecordSignature, publicKey?: KeyObject | string): boolean {
  if (signature.algorithm !== 'Ed25519') return false;
  const key =
    publicKey instanceof KeyObject
      ? publicKey
      : createPublicKey({ key: Buffer.from(publicKey ?? signature.publicKey, 'base64'), format: 'der', type: 'spki' });
  return verify(null, Buffer.from(canonicalJson(record), 'utf8'), key, Buffer.from(signature.signature, 'base64'));
}
