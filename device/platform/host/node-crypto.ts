/** The crypto port on the host (virtual meters): Node's crypto, OpenSSL underneath. */
import { createHmac } from 'node:crypto';
import type { CryptoPort } from '../../core/ports';

export const nodeCrypto: CryptoPort = {
  hmacSha256: (key, message) => new Uint8Array(createHmac('sha256', key).update(message).digest()),
};
