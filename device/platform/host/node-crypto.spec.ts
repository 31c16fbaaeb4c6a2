import { randomBytes } from 'node:crypto';
import { hmacSha256 } from '../../core/security/sha256';
import { nodeCrypto } from './node-crypto';

describe('nodeCrypto', () => {
  describe('hmacSha256', () => {
    it('should agree with the portable HMAC-SHA256 for keys and messages around the block size', () => {
      for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
        for (const messageLength of [0, 1, 55, 56, 64, 65, 1000]) {
          const key = randomBytes(keyLength);
          const message = randomBytes(messageLength);
          expect(Buffer.from(nodeCrypto.hmacSha256(key, message)).toString('hex')).toBe(Buffer.from(hmacSha256(key, message)).toString('hex'));
        }
      }
    });
  });
});
