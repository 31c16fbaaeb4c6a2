/**
 * Ambient declarations for the Moddable modules and globals this folder uses that
 * @moddable/typings 5.6.0 does not declare (or declares differently from the SDK sources).
 * Shapes checked against Moddable-OpenSource/moddable (2026 snapshot): build/devices/esp32/
 * modules/ota/ota.js + ota.c, modules/io/wifi/esp32/wifi-esp32.js, typings/embedded_network/
 * interface/wifi.d.ts, examples/io/tcp/mqttclient/config.js and mqttsclient/config.js.
 */

/**
 * `import OTA from "ota"` (ESP32): writes the next OTA app partition. Current SDKs ignore
 * constructor arguments (sequential writes, size unknown); older ones took `{byteLength}`.
 * `complete()` ends the image and selects it as boot partition; it does NOT restart.
 */
declare module 'ota' {
  export default class OTA {
    constructor(options?: { byteLength?: number });
    write(buffer: ArrayBuffer | Uint8Array): void;
    complete(): void;
    cancel(): void;
  }
}

/** `import WiFi from "embedded:network/interface/wifi"` — in the SDK typings, not in npm 5.6.0. */
declare module 'embedded:network/interface/wifi' {
  export type WiFiChangedProperty = 'connection' | 'address';
  export interface WiFiConnectOptions {
    SSID: string;
    password?: string;
  }
  export default class WiFi {
    constructor(options: { port?: number; onChanged?: (this: WiFi, property: WiFiChangedProperty) => void });
    close(): void;
    connect(options: WiFiConnectOptions): void;
    disconnect(): void;
    configure(options: { hostname?: string }): void;
    /** 200 disconnected, 300 connecting, 400 associated, 500 associated with an IP address (wifi-esp32.c). */
    readonly connection: number;
    readonly address: string | undefined;
    readonly MAC: string | undefined;
    readonly SSID: string | undefined;
    readonly RSSI: number | undefined;
  }
}

/** One MQTT transport of the ECMA-419 host provider, as set up by mqttclient/config.js. */
type MqttTransport = {
  readonly io: typeof import('embedded:network/mqtt/client').default;
  readonly dns: Record<string, any>;
  readonly socket: Record<string, any>;
};

/**
 * The ECMA-419 host provider global (`device`), the part this firmware needs. `mqtt` comes from
 * examples/io/tcp/mqttclient/manifest_mqttclient.json; `mqtts` only when the TLS manifest
 * (examples/io/tcp/mqttsclient/manifest_mqttsclient.json) is included.
 */
declare const device: {
  readonly network: {
    readonly mqtt?: MqttTransport;
    readonly mqtts?: MqttTransport;
  };
};
