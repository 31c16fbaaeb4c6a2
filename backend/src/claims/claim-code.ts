import { createHash, randomBytes } from 'node:crypto';

/**
 * Claim codes are typed by hand on a phone in a fuse-box corner: 8 characters of Crockford's base32
 * (no I, L, O, U: nothing to confuse), shown as ABCD-EFGH. 40 bits; with the expiry, single use and the
 * per-client failure limit (claims.service.ts) guessing one is hopeless.
 */
export const CLAIM_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CLAIM_CODE_LENGTH = 8;

/** A new random code, formatted ABCD-EFGH. */
export function newClaimCode(random: (n: number) => Uint8Array = randomBytes): string {
  // 256 is a multiple of 32: the low 5 bits of a random byte are uniform.
  const chars = Array.from(random(CLAIM_CODE_LENGTH), (byte) => CLAIM_CODE_ALPHABET[byte & 31]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/**
 * The canonical form of what someone typed: case, spaces and dashes ignored, O read as 0 and I, L as 1
 * (Crockford's decoding rules). Undefined when it cannot be a code.
 */
export function normalizeClaimCode(typed: string): string | undefined {
  const canonical = typed
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (canonical.length !== CLAIM_CODE_LENGTH) return undefined;
  for (const char of canonical) if (!CLAIM_CODE_ALPHABET.includes(char)) return undefined;
  return canonical;
}

/** Only this is stored: the code itself is shown once, when it is created. */
export function claimCodeHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}
