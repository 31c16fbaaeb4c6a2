/** Firmware updates (docs/ota.md): the `firmware` command's order and the OTA state in `status`. */
import { FIRMWARE_MAX_BYTES, FIRMWARE_SIGNATURE_HEX_PATTERN, FIRMWARE_VERSION_PATTERN, SHA256_HEX_PATTERN } from '../../firmware/firmware-manifest';
import { int, literal, obj, optional, Schema, str } from '../schema';
import { shortText } from './fields';

/**
 * OTA states (docs/ota.md): `downloading` → `rebooting` → (new image) `pending` → `confirmed`,
 * or `failed` (refused or broken off: the old image keeps running) or `rolled_back` (the new image
 * did not reach the backend in time and the previous one booted again).
 */
export const OTA_STATES = ['downloading', 'rebooting', 'pending', 'confirmed', 'failed', 'rolled_back'] as const;
export type OtaState = (typeof OTA_STATES)[number];
export interface OtaStatus {
  state: OtaState;
  /** The version being installed, installed or refused. */
  version: string;
  /** Bytes of the image in the slot so far, and its size. */
  bytes?: number;
  size?: number;
  error?: string;
}
const firmwareVersion = str({ pattern: FIRMWARE_VERSION_PATTERN });
const firmwareSize = int({ min: 1, max: FIRMWARE_MAX_BYTES });
export const otaStatusSchema: Schema<OtaStatus> = obj({
  state: literal(...OTA_STATES),
  version: firmwareVersion,
  bytes: optional(int({ min: 0, max: FIRMWARE_MAX_BYTES })),
  size: optional(firmwareSize),
  error: optional(shortText),
});

/** A `firmware` command's order (docs/ota.md): where the image is and what it must be. */
export interface FirmwareOrder {
  version: string;
  /** http(s) URL of the image; the meter fetches it with Range requests, so a broken download resumes. */
  url: string;
  size: number;
  /** SHA-256 of the image, lower-case hex. */
  sha256: string;
  /** Ed25519 signature (lower-case hex) of the manifest over version, size and sha256 (shared/src/firmware). */
  signature: string;
}
/** The fields of a `firmware` command that carry its FirmwareOrder. */
export const firmwareOrderShape = {
  version: firmwareVersion,
  url: str({ maxLength: 512, pattern: /^https?:\/\/[^\s]+$/ }),
  size: firmwareSize,
  sha256: str({ pattern: SHA256_HEX_PATTERN }),
  signature: str({ pattern: FIRMWARE_SIGNATURE_HEX_PATTERN }),
};
