/**
 * What a firmware signature covers (docs/ota.md "Signed images"): not the image itself but a short
 * manifest naming its version, size and SHA-256,
 *
 *     dinmeter-firmware-v1\n<version>\n<size in bytes>\n<sha256, 64 lower-case hex>\n
 *
 * signed with Ed25519 (RFC 8032). The meter checks the signature before it downloads a byte, and
 * the image's SHA-256 while it streams into the other OTA slot: the signature then covers every
 * byte, and a relabelled image (another version or size) fails it. Portable.
 */
import { utf8Encode } from '../utf8';

export const FIRMWARE_MANIFEST_TAG = 'dinmeter-firmware-v1';
/** A version names an image in URLs, file names and Home Assistant: short, no spaces or slashes. */
export const FIRMWARE_VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;
export const SHA256_HEX_PATTERN = /^[0-9a-f]{64}$/;
/** Ed25519 signature: 64 bytes, 128 lower-case hex digits. */
export const FIRMWARE_SIGNATURE_HEX_PATTERN = /^[0-9a-f]{128}$/;
/** The ESP32's app slot (ota_0/ota_1 in device/partitions.csv): no image can be larger. */
export const FIRMWARE_MAX_BYTES = 0x150000;

export interface FirmwareManifest {
  version: string;
  sizeBytes: number;
  /** SHA-256 of the whole image, lower-case hex. */
  sha256: string;
}

/** The first problem with a manifest, or undefined when it is well-formed. */
export function firmwareManifestProblem(m: FirmwareManifest): string | undefined {
  if (typeof m.version !== 'string' || !FIRMWARE_VERSION_PATTERN.test(m.version)) return `version ${JSON.stringify(m.version)} must match ${FIRMWARE_VERSION_PATTERN}`;
  if (!Number.isInteger(m.sizeBytes) || m.sizeBytes < 1 || m.sizeBytes > FIRMWARE_MAX_BYTES) return `size ${m.sizeBytes} must be 1..${FIRMWARE_MAX_BYTES} bytes`;
  if (typeof m.sha256 !== 'string' || !SHA256_HEX_PATTERN.test(m.sha256)) return 'sha256 must be 64 lower-case hex digits';
  return undefined;
}

/** The exact bytes the Ed25519 signature is made over; throws on a malformed manifest. */
export function firmwareManifestBytes(m: FirmwareManifest): Uint8Array {
  const problem = firmwareManifestProblem(m);
  if (problem) throw new RangeError(`invalid firmware manifest: ${problem}`);
  return utf8Encode(`${FIRMWARE_MANIFEST_TAG}\n${m.version}\n${m.sizeBytes}\n${m.sha256}\n`);
}

/** Bytes from lower-case hex (a signature, a key, a digest); throws on odd length or other characters. */
export function fromHex(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new RangeError(`not lower-case hex of whole bytes: ${hex.slice(0, 20)}`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
