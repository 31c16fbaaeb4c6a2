/**
 * `import OTA from "ota"` (ESP32, build/devices/esp32/modules/ota/ota.js + ota.c): writes the next
 * OTA app partition. The SDK ships the module without typings; the manifest maps "ota" to this
 * file for tsc. Current SDKs ignore the constructor argument (sequential writes, size unknown);
 * older ones took `{byteLength}`. `complete()` ends the image and selects it as boot partition;
 * it does NOT restart.
 */
export default class OTA {
  constructor(options?: { byteLength?: number });
  write(buffer: ArrayBuffer | Uint8Array): void;
  complete(): void;
  cancel(): void;
}
