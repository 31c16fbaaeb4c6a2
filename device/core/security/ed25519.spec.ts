import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { ed25519Verify } from './ed25519';

/** The raw 32-byte key of an Ed25519 SPKI public key (RFC 8410: a 12-byte prefix, then the key). */
const rawKey = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): Uint8Array => key.export({ format: 'der', type: 'spki' }).subarray(12);

describe('ed25519Verify', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');

  it('should accept what Node signs and refuse it under another key or message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (message) => {
        const signature = sign(null, message, privateKey);
        expect(ed25519Verify(rawKey(publicKey), message, signature)).toBe(true);
        expect(ed25519Verify(rawKey(other.publicKey), message, signature)).toBe(false);
        expect(ed25519Verify(rawKey(publicKey), Uint8Array.of(...message, 0), signature)).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});
