import { OtaStatus } from '@dinmeter/shared';

/** One uploaded image (DATA_DIR/firmware/index.json); the bytes are DATA_DIR/firmware/<sha256>.bin. */
export interface FirmwareImage {
  version: string;
  sizeBytes: number;
  sha256: string;
  /** Ed25519 signature of the manifest (shared/src/firmware/firmware-manifest.ts), hex. */
  signature: string;
  uploadedAt: number;
}

/** A meter's firmware as its retained status tells it, and the last rollout to it. */
export interface DeviceFirmware {
  deviceId: string;
  /** `firmware` of the meter's status. */
  installed?: string;
  ota?: OtaStatus;
  /** The last rollout: the version sent and the command carrying it (GET /api/commands/:id). */
  rollout?: { version: string; commandId: string; at: number };
}

export interface FirmwareStore {
  list(): FirmwareImage[];
  add(image: FirmwareImage, bytes: Uint8Array): void;
  /** Absolute path of an image's bytes. */
  pathOf(sha256: string): string;
}
export const FIRMWARE_STORE = Symbol('FIRMWARE_STORE');
