/**
 * Where the backend finds each meter's command key, the HMAC-SHA256 key every `cmd` and `plan` it
 * publishes is signed with (docs/security.md). Issued with the meter's MQTT credential when it is
 * provisioned; the meter holds the same key and refuses anything not signed with it.
 */
export interface CommandKeys {
  /** The meter's current command key, or undefined when the meter is not provisioned (or revoked). */
  keyFor(deviceId: string): Uint8Array | undefined;
}

export const COMMAND_KEYS = Symbol('COMMAND_KEYS');
