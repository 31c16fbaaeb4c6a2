import { sealSigned, SignedKind } from '@dinmeter/shared';
import { createHmac } from 'node:crypto';
import { CommandKeys } from './command-keys';

/**
 * The signed envelope of an encoded `cmd` or `plan` for one meter (docs/security.md "Signed
 * commands"): HMAC-SHA256 with that meter's command key. Throws when the meter has none.
 */
export function signForDevice(keys: CommandKeys, deviceId: string, kind: SignedKind, body: string): string {
  const key = keys.keyFor(deviceId);
  if (!key) throw new Error(`device ${deviceId} has no command key: the ${kind} cannot be signed`);
  return sealSigned(kind, body, (input) => new Uint8Array(createHmac('sha256', key).update(input).digest()));
}
