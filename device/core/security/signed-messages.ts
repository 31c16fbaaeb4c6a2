/**
 * The meter's check of signed commands and plans (docs/security.md "Signed commands"): the MAC is
 * verified over the exact bytes received, before the message is parsed, with this meter's own
 * command key. Without a key nothing verifies: a meter never provisioned with one refuses every
 * command and plan (secure by default).
 */
import { macInput, MAC_BYTES, openSigned, SignedKind } from '@dinmeter/shared';
import { CryptoPort } from '../ports';

export type VerifiedMessage = { ok: true; body: Uint8Array } | { ok: false; error: string };

/** Compares two MACs in time independent of where they differ (no early exit). */
export function macsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

export class SignedMessageVerifier {
  constructor(
    private readonly crypto: CryptoPort,
    /** This meter's command key; undefined when none was provisioned. */
    private readonly key: Uint8Array | undefined,
  ) {}

  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /** The message bytes if `payload` is a `kind` envelope with a valid MAC; otherwise why not. */
  verify(kind: SignedKind, payload: Uint8Array): VerifiedMessage {
    if (this.key === undefined) return { ok: false, error: `this meter has no command key: every ${kind} is refused until one is provisioned` };
    const opened = openSigned(kind, payload);
    if (!opened.ok) return opened;
    const expected = this.crypto.hmacSha256(this.key, macInput(kind, opened.body));
    if (expected.length !== MAC_BYTES || !macsEqual(expected, opened.mac)) {
      return { ok: false, error: `the ${kind}'s MAC does not verify with this meter's command key` };
    }
    return { ok: true, body: opened.body };
  }
}
