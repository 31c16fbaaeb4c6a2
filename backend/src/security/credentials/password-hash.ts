import { pbkdf2Sync, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/**
 * How an MQTT password is kept on the backend: scrypt (RFC 7914) with a per-entry salt and its
 * parameters stored next to the hash, so entries made with other parameters still verify.
 *
 * Every password here is issued by the registry: 32 random bytes (`newPassword`), never chosen by a
 * person. A slow, memory-hard setting (the scrypt paper's interactive N = 2^14, r = 8: 16 MiB and tens of
 * ms per check) protects guessable passwords; a 256-bit random one cannot be guessed at any speed, so
 * the hash only has to be one-way. Slow checks cost real capacity instead: 10,000 meters connecting to a
 * freshly started backend meant 10,000 × 16 MiB scrypt runs, and anyone on the network could make the
 * broker run one per CONNECT with a wrong password. Hence N = 2^4, r = 8 (16 KiB, microseconds).
 * Entries hashed with the old setting keep verifying with their stored parameters until rotated.
 */
export interface ScryptHash {
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64, 32 bytes */
  hash: string;
}

export const SCRYPT_ISSUED_SECRET = { N: 1 << 4, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // Never scryptSync: the check runs on libuv's thread pool, not on the event loop.
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { ...options, maxmem: 256 * (options.N ?? 1) * (options.r ?? 8) }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_ISSUED_SECRET): Promise<ScryptHash> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params);
  return { ...params, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** True when `password` is the one `stored` was made from (constant-time compare). */
export async function verifyPassword(password: string, stored: ScryptHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), { N: stored.N, r: stored.r, p: stored.p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Mosquitto 2's password-file hash `$7$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA512, 12-byte salt,
 * 64-byte hash, both base64 (mosquitto's src/password_mosq.c, the format `mosquitto_passwd` writes).
 * Mosquitto checks it on its own thread at every connect, so the count stays moderate; the passwords
 * this registry issues are 256-bit random, which no iteration count needs to slow down.
 */
export const MOSQUITTO_PBKDF2_ITERATIONS = 1000;

export function mosquittoHash(password: string, iterations = MOSQUITTO_PBKDF2_ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A fresh password: 32 random bytes as base64url (43 characters, MQTT- and shell-safe). */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** A fresh 32-byte command key (HMAC-SHA256 key of the meter's cmd and plan: docs/security.md). */
export function newCommandKey(): Buffer {
  return randomBytes(32);
}
