import { sealSigned, SignedKind } from '@dinmeter/shared';
import { createHmac } from 'node:crypto';

/** `body` in its signed envelope, as a backend publishes it (docs/security.md "Signed commands"). */
export function signed(key: Uint8Array, kind: SignedKind, body: string): string {
  return sealSigned(kind, body, (input) => new Uint8Array(createHmac('sha256', key).update(input).digest()));
}
