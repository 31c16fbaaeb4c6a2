/**
 * What the OTA agent needs from the platform (docs/ota.md): an HTTP client that can start a
 * download at a byte offset, and the two app slots. ESP32: Moddable's HTTP client and `ota`
 * module (platform/moddable); virtual meter: fetch and files (platform/host); unit tests: the
 * in-memory ones in testing.ts.
 */

export interface HttpRangeHandlers {
  onData(chunk: Uint8Array): void;
  /** The response ended; the agent compares the bytes it got with the size it expects. */
  onEnd(): void;
  /** Connection, HTTP status (anything but 200 from 0, 206 from an offset) or timeout. */
  onError(message: string): void;
}

export interface HttpRangePort {
  /**
   * GET `url` from byte `fromByte` on (`Range: bytes=<fromByte>-`, RFC 9110 §14.2, when above 0).
   * Handlers run later, never inside `get`, in order; exactly one of onEnd/onError ends it, and
   * none runs after `abort()`.
   */
  get(url: string, fromByte: number, handlers: HttpRangeHandlers): { abort(): void };
}

export interface RunningImage {
  version: string;
  /** `pending`: a new image on its first boots, not yet confirmed; it is rolled back unless confirmed. */
  state: 'confirmed' | 'pending';
  /** Boots of this image while pending, this one included. */
  bootAttempts: number;
}

/** The two OTA app slots (device/partitions.csv: ota_0, ota_1, otadata). */
export interface FirmwareSlots {
  running(): RunningImage;
  /**
   * Prepares the slot that is not running for an image of `sizeBytes`, to continue at `resumeAt`
   * (0: from the start). Returns where writing really continues: `resumeAt`, or 0 when the
   * platform cannot keep a partial image (the ESP32's `ota` module erases on open).
   */
  open(sizeBytes: number, resumeAt: number): number;
  write(chunk: Uint8Array): void;
  /** The complete image boots next, as `pending` with `version`. Does not restart. */
  activate(version: string): void;
  /** Drops the partial image. */
  abort(): void;
  /** The running pending image is kept for good. */
  confirm(): void;
  /** The previous image boots next. Does not restart. */
  rollBack(): void;
  /** Restarts the meter now. */
  restart(): void;
}
