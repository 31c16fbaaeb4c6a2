import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FIRMWARE_PUBLIC_KEY_HEX, fromHex, parseCommandKeyHex, TELEMETRY_BATCH_MAX_RECORDS } from '@dinmeter/shared';
import { BOARD_CALIBRATION } from '../../board/front-end';
import { createBoardWaveformSampler } from '../../board/waveform-sampler';
import { MeterCore } from '../../core/app/meter-core';
import type { AdcWaveformSampler } from '../../core/metering/adc-waveform-sampler';
import type { WaveformSampler } from '../../core/ports';
import type { HttpRangePort } from '../../core/ota/ota.ports';
import { createSimulatedBoard, SimulatedBoard } from '../../sim/simulated-board';
import { ApplianceSpec } from '../../sim/appliances';
import { ApplianceTraces } from '../../sim/power-trace';
import { FileFlash } from './file-flash';
import { FileSlots } from './file-slots';
import { hostImageBehaviour } from './host-image';
import { nodeHttpRange } from './node-http-range';
import { FileSettingsStore } from './file-settings';
import { HostClock } from './host-clock';
import { HostMqttPort } from './host-mqtt';
import { nodeCrypto } from './node-crypto';

export const FIRMWARE_VERSION = 'dinmeter-vm 0.1.0';
/** The record-log partition of the ESP32 build (device/partitions.csv: records, 1 MiB). */
export const FLASH_BYTES = 1024 * 1024;
/** The event log's partition (`events` in device/partitions.csv). */
export const EVENT_FLASH_BYTES = 56 * 1024;
/** Real time between two waveform bursts of one virtual meter, whatever the clock speed. */
const WAVEFORM_MIN_REAL_MS = 400;

export interface VirtualMeterOptions {
  deviceId: string;
  /** This meter's persistent state: flash image and settings, so a restarted meter continues. */
  dataDir: string;
  mqttUrl: string;
  /** The meter's broker login (meter-provisioning.ts); none: anonymous, which a dinmeter broker refuses. */
  mqttLogin?: { username: string; password: string };
  /** The meter's 32-byte command key, hex: what the cmd and plan MACs are checked with (docs/security.md). */
  commandKey?: string;
  intervalS: number;
  clock: HostClock;
  seed: number;
  traces?: ApplianceTraces;
  circuits?: readonly ApplianceSpec[];
  /** Seeded per-chip gain scatter (±fraction): uncalibrated parts. Default 0. */
  frontEndTolerance?: number;
  /** Real milliseconds between ticks of the core. */
  tickMs?: number;
  /** The firmware signing key (raw Ed25519, 32 bytes); default: the one built into the firmware. */
  firmwareKey?: Uint8Array;
  /** A new firmware image must reach the backend within this much time (default 5 min). */
  otaConfirmDeadlineMs?: number;
  /** The firmware download's HTTP client (default: Node's http/https); a test may cut it off. */
  otaHttp?: HttpRangePort;
  /** The meter restarted itself (a firmware update, a rollback): build it again on the same dataDir. */
  onRestart?: () => void;
  /**
   * Called with each record's seq and ts right after `append()` returned it (the record is on flash):
   * the truth integration tests compare InfluxDB against (`meters --journal`).
   */
  onRecordCreated?: (seq: number, ts: number) => void;
}

/**
 * One virtual meter: the firmware core (MeterCore, unchanged from the ESP32 build) on host ports —
 * a simulated board (ten ATM90E26 models behind a simulated SPI bus, relays that cut the simulated
 * loads), a file-backed flash partition, a JSON settings file and mqtt.js.
 */
export class VirtualMeter {
  readonly board: SimulatedBoard;
  readonly core: MeterCore;
  readonly flash: FileFlash;
  readonly eventFlash: FileFlash;
  readonly waveform: AdcWaveformSampler;
  /** The OTA app slots (files in dataDir/ota); what runs is the boot slot's version. */
  readonly slots: FileSlots;
  private readonly mqtt: HostMqttPort;
  private readonly network: boolean;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: VirtualMeterOptions) {
    mkdirSync(o.dataDir, { recursive: true });
    const speed = o.clock.speed;
    this.board = createSimulatedBoard({
      startMs: o.clock.wallMs(),
      seed: o.seed,
      traces: o.traces,
      circuits: o.circuits,
      utcOffsetMinutes: 120,
      frontEndTolerance: o.frontEndTolerance,
      // One mains cycle per step in real time; coarser when accelerated (loads change slowly).
      stepMs: Math.min(1000, Math.max(20, Math.round(20 * speed))),
    });
    this.waveform = createBoardWaveformSampler({ bus: this.board.adcBus, selects: this.board.adcSelects, dataReady: this.board.adcDataReady });
    this.waveform.start();
    this.flash = new FileFlash({ path: join(o.dataDir, 'flash.bin'), byteLength: FLASH_BYTES });
    this.eventFlash = new FileFlash({ path: join(o.dataDir, 'events.bin'), byteLength: EVENT_FLASH_BYTES });
    this.mqtt = new HostMqttPort(o.mqttUrl, o.deviceId, o.mqttLogin);
    this.slots = new FileSlots(join(o.dataDir, 'ota'), FIRMWARE_VERSION, () => this.restart());
    this.network = hostImageBehaviour(this.slots.runningImageBytes()).network;
    this.core = new MeterCore(
      {
        bus: this.board.bus,
        selects: this.board.selects,
        relays: this.board.relays,
        flash: this.flash,
        eventFlash: this.eventFlash,
        settings: new FileSettingsStore(join(o.dataDir, 'settings.json')),
        clock: o.clock,
        mqtt: this.mqtt,
        crypto: nodeCrypto,
        // The waveform path runs through the ADS131M08 driver and the chip models on the board's ADC bus.
        waveform: this.throttledWaveform(),
        ota: { slots: this.slots, http: o.otaHttp ?? nodeHttpRange },
      },
      {
        deviceId: o.deviceId,
        firmware: this.slots.running().version,
        bootId: randomBytes(4).toString('hex'),
        intervalS: o.intervalS,
        commandKey: o.commandKey === undefined ? undefined : parseCommandKeyHex(o.commandKey),
        calibration: BOARD_CALIBRATION,
        firmwareKey: o.firmwareKey ?? (FIRMWARE_PUBLIC_KEY_HEX === undefined ? undefined : fromHex(FIRMWARE_PUBLIC_KEY_HEX)),
        otaConfirmDeadlineMs: o.otaConfirmDeadlineMs,
        // Acks come back within milliseconds on a LAN; a simulated second passes faster when accelerated.
        // Window 128 (ESP32 default 16): a 24 h replay drains at ~1400 records/s instead of ~500 with 32
        // (npm run bench:replay; one backend ack per InfluxDB batch, ~50 ms apart).
        // The go-back wait backs off like the firmware's (×2 per go-back without an ack), here to 20 s at most.
        // The replay goes in the largest batches (ESP32: DEFAULT_REPLAY_BATCH_RECORDS): RAM is no concern here.
        delivery: {
          window: 128,
          ackTimeoutMs: Math.max(5000, 5000 * speed),
          maxAckTimeoutMs: Math.max(20_000, 20_000 * speed),
          batchRecords: TELEMETRY_BATCH_MAX_RECORDS,
        },
        eventDelivery: { window: 16 },
      },
    );
    const created = o.onRecordCreated;
    if (created) {
      // The app appends through this same RecordLog instance.
      const log = this.core.log;
      const append = log.append.bind(log);
      log.append = (record) => {
        const seq = append(record);
        created(seq, record.ts);
        return seq;
      };
    }
  }

  /**
   * At most one burst per WAVEFORM_MIN_REAL_MS of real time: a simulated burst costs ~15 ms of
   * host CPU (two ADC models, SPI frames, the driver), and an accelerated clock would otherwise ask
   * for one every tick. A refused burst is what the core already handles ("cannot sample now").
   * The first burst also waits that long, so start-up (MQTT connect, retained status) goes first.
   */
  private throttledWaveform(): WaveformSampler {
    const sampler = this.waveform;
    let lastMs = performance.now();
    return {
      rateHz: sampler.rateHz,
      sample(circuit, voltageV, currentA) {
        const now = performance.now();
        if (now - lastMs < WAVEFORM_MIN_REAL_MS) return false;
        lastMs = now;
        return sampler.sample(circuit, voltageV, currentA);
      },
    };
  }

  get deviceId(): string {
    return this.o.deviceId;
  }

  get commandKey(): string | undefined {
    return this.o.commandKey;
  }

  start(): void {
    this.core.start();
    // An image that never reaches the backend (host-image.ts) boots, ticks and rolls itself back.
    if (this.network) this.mqtt.start(this.core.app);
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 50);
  }

  private tick(): void {
    this.board.advanceTo(this.o.clock.wallMs());
    this.core.tick();
  }

  summary() {
    const log = this.core.log;
    return { lastSeq: log.nextSeq - 1, ackedSeq: log.ackedSeq, backlog: log.pendingCount, delivery: this.core.app.deliveryStats };
  }

  /** The power goes: no drain, no goodbye; what is on flash and in the slot files stays. */
  powerCut(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.mqtt.kill();
    this.slots.close();
    this.flash.close();
  }

  /** The meter restarts itself (OTA): like a power cut, then the owner boots it again. */
  private restart(): void {
    this.powerCut();
    this.o.onRestart?.();
  }

  /** Clean stop: give the backlog up to `drainMs` to be acknowledged, then say goodbye on MQTT. */
  async stop(drainMs = 5000): Promise<void> {
    const deadline = Date.now() + drainMs;
    const pending = () => this.core.log.pendingCount + (this.core.eventLog?.pendingCount ?? 0);
    while (pending() > 0 && this.mqtt.connected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.mqtt.stop();
    this.slots.close();
    this.flash.close();
    this.eventFlash.close();
  }
}
