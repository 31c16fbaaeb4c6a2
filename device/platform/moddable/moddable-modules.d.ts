/**
 * Ambient declarations for the Moddable modules and globals this folder uses that
 * @moddable/typings 5.6.0 does not declare. Shapes from the Moddable SDK 8.x sources and docs
 * (modules/network/mqtt, modules/base/ota, the ECMA-419 host provider).
 */

/** `import OTA from "ota"` (ESP32): writes the next OTA app partition. */
declare module 'ota' {
  export default class OTA {
    constructor(options?: { byteLength?: number });
    write(buffer: ArrayBuffer | Uint8Array): void;
    /** Marks the new image bootable; the device runs it after the next restart. */
    complete(): void;
    cancel(): void;
  }
}

/** The ECMA-419 host provider global (`device`), the part this firmware needs. */
declare const device: {
  readonly network: {
    readonly mqtt: {
      readonly io: typeof import('embedded:network/mqtt/client').default;
      readonly dns: Record<string, any>;
      readonly socket: Record<string, any>;
    };
  };
};
