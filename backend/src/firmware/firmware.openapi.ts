import { otaStatusSchema } from '@dinmeter/shared';
import { array, epochMs, fromShared, int, object, str } from '../openapi/schema';

/** Response schemas of the firmware routes (the OpenAPI document, backend/src/openapi). */

export const FIRMWARE_IMAGE = object({
  version: str,
  sizeBytes: int,
  sha256: { ...str, description: 'SHA-256 of the image, lower-case hex' },
  signature: { ...str, description: 'Ed25519 signature of the manifest (docs/ota.md "Signed images"), hex' },
  uploadedAt: epochMs,
});

export const FIRMWARE_IMAGES = array(FIRMWARE_IMAGE);

export const DEVICE_FIRMWARE = object({
  deviceId: str,
  'installed?': { ...str, description: "the `firmware` of the meter's status" },
  'ota?': fromShared(otaStatusSchema),
  'rollout?': object({ version: str, commandId: { ...str, description: 'GET /api/commands/{commandId}' }, at: epochMs }),
});

/** The multipart upload (POST /api/firmware). */
export const FIRMWARE_UPLOAD = object({
  image: { type: 'string', format: 'binary', description: 'the image file' },
  version: str,
  signature: { ...str, description: '128 hex digits, from `dinmeter firmware sign`' },
});
