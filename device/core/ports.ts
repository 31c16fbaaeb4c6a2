/**
 * The device core's view of the outside world. Each port has one implementation per platform
 * (platform/moddable on the ESP32, platform/host for the virtual meter) and an in-memory one
 * for unit tests. The core never imports a platform module, a pin number, or a Node API.
 */

/** The buses the drivers use live below both (device/drivers/bus.ts). */
export type { ChipSelect, DigitalInput, SpiBus } from '../drivers/bus';

/**
 * A raw flash data partition with ESP32 NOR semantics: erase sets a whole sector to 0xFF,
 * a write can only clear bits (1 → 0), reads are free. Offsets are partition-relative.
 */
export interface FlashPartition {
  readonly byteLength: number;
  /** Erase unit, 4096 bytes on the ESP32. */
  readonly sectorSize: number;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  eraseSector(sector: number): void;
}

/** Small persistent key/value settings (NVS "preference" on the ESP32). Rarely written. */
export interface SettingsStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Time. `wallMs` is undefined until the clock is set (SNTP); `monotonicMs` never goes backwards. */
export interface Clock {
  wallMs(): number | undefined;
  monotonicMs(): number;
}

/**
 * The waveform path: a burst of simultaneous v/i samples of one circuit at the sampler's own rate
 * (the ATM90E26 has no waveform readout; on the board two ADS131M08 on the hot side sample the
 * line voltage and every CT, and the samples cross the isolation barrier as SPI data). Fills both
 * arrays completely, in volts and amps. Returns false when the circuit cannot be sampled now.
 */
export interface WaveformSampler {
  /** Samples per second per channel. */
  readonly rateHz: number;
  sample(circuit: number, voltageV: Float32Array, currentA: Float32Array): boolean;
}

/** One relay output per circuit (1-based). */
export interface RelayDriver {
  set(circuit: number, on: boolean): void;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

/**
 * An MQTT session as the core sees it. The transport sends QoS 1 on the wire but never
 * retransmits by itself (the Moddable client does not): the core tracks and resends.
 */
export interface MqttPort {
  readonly connected: boolean;
  /** Returns false if the message could not be handed to the network (not connected, buffer full). */
  publish(topic: string, payload: string, options: PublishOptions): boolean;
  subscribe(topic: string, qos: 0 | 1): void;
}

/** Callbacks the platform calls into the core. */
export interface MqttEvents {
  onConnect(): void;
  onDisconnect(): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
}

/**
 * The platform's message authentication (docs/security.md "Signed commands"): Node's crypto on
 * the host, the Moddable SDK's `crypt` digest on the ESP32 and the virtual board. Synchronous.
 */
export interface CryptoPort {
  /** HMAC-SHA256 (RFC 2104) of `message` with `key`: 32 bytes. */
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
}
