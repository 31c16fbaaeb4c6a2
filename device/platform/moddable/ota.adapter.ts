/**
 * OTA seam: the core (or an HTTP download task) feeds an image in chunks; `complete()` ends the
 * image and selects the other app slot as boot partition (device/partitions.csv has ota_0/ota_1 +
 * otadata). It does NOT restart (Moddable build/devices/esp32/modules/ota/ota.c): flush the record
 * log, then restart with `System.restart()` from `embedded:io/system`. No rollback confirmation
 * exists in the Moddable module, so sdkconfig.defaults leaves app rollback off (docs/hardware.md).
 */
import OTA from 'ota';

export interface FirmwareUpdate {
  begin(byteLength: number): void;
  write(chunk: Uint8Array): void;
  complete(): void;
  cancel(): void;
}

export class ModdableOta implements FirmwareUpdate {
  private ota?: OTA;
  private expected = 0;
  private written = 0;

  begin(byteLength: number): void {
    if (this.ota) throw new Error('an update is already in progress');
    if (!Number.isInteger(byteLength) || byteLength <= 0) throw new RangeError(`image size must be a positive integer: ${byteLength}`);
    this.ota = new OTA({ byteLength });
    this.expected = byteLength;
    this.written = 0;
  }

  write(chunk: Uint8Array): void {
    const ota = this.active();
    if (this.written + chunk.byteLength > this.expected) throw new RangeError(`image longer than announced ${this.expected} bytes`);
    // Older ESP32 ports take only an ArrayBuffer (xsmcToArrayBuffer); hand over exactly the chunk.
    ota.write(chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? (chunk.buffer as ArrayBuffer) : chunk.slice().buffer);
    this.written += chunk.byteLength;
  }

  complete(): void {
    const ota = this.active();
    if (this.written !== this.expected) throw new Error(`image incomplete: ${this.written} of ${this.expected} bytes`);
    ota.complete();
    this.ota = undefined;
  }

  cancel(): void {
    this.ota?.cancel();
    this.ota = undefined;
  }

  private active(): OTA {
    if (!this.ota) throw new Error('no update in progress: call begin() first');
    return this.ota;
  }
}
