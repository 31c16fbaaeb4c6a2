/**
 * The composition root of the firmware, shared by the ESP32 entry (platform/moddable/main.ts) and
 * the virtual meter (platform/host): given the ports, it builds metering, the flash record log,
 * energy counters, the relay manager and the app, and restores what survives a reboot. Portable.
 */
import { CalibrationParams, calibrationSchema, CIRCUIT_COUNT, PROTOCOL_VERSION, TelemetryMessage, validate } from '@dinmeter/shared';
import { Atm90e26Calibration } from '../../drivers/atm90e26/atm90e26.calibration';
import { EnergyTotals as MeteringTotals, Metering } from '../metering/metering';
import { ChipSelect, Clock, CryptoPort, FlashPartition, MqttPort, RelayDriver, SettingsStore, SpiBus, WaveformSampler } from '../ports';
import { WaveformPath } from '../metering/waveform-path';
import type { WaveformKernels } from '../../dsp/waveform.kernels';
import { RelayManager } from '../relays/relay-manager';
import { RelayManagerOptions } from '../relays/relay-manager.types';
import { SignedMessageVerifier } from '../security/signed-messages';
import { EnergyCounterStore } from '../storage/energy-counters';
import { RecordLog } from '../storage/record-log';
import { MeterApp } from './meter-app';

export interface MeterCorePorts {
  bus: SpiBus;
  selects: readonly ChipSelect[];
  relays: RelayDriver;
  flash: FlashPartition;
  settings: SettingsStore;
  clock: Clock;
  mqtt: MqttPort;
  /** HMAC-SHA256 for the signed commands and plans. */
  crypto: CryptoPort;
  /** Blocking delay for chip soft-reset settling (ESP32: Timer.delay); none in simulation. */
  delayMs?: (ms: number) => void;
  /** The waveform sampler (16 kSPS ADS131M08 on the board); without it no step-change events are produced. */
  waveform?: WaveformSampler;
  /** The DSP's per-sample loops (default: the portable TypeScript; the firmware passes the native C ones). */
  dspKernels?: WaveformKernels;
}

export interface MeterCoreConfig {
  deviceId: string;
  firmware: string;
  bootId: string;
  intervalS: number;
  /**
   * This meter's command key (docs/security.md "Signed commands"): every command and plan must
   * carry an HMAC-SHA256 with it. Without one the meter refuses them all.
   */
  commandKey?: Uint8Array;
  /** The board's nominal ATM90E26 calibration (device/board/front-end.ts). */
  calibration: Readonly<Atm90e26Calibration>;
  pollMs?: number;
  /** One circuit's waveform burst every this many ms (default 500: each circuit every 5 s). */
  waveformStepMs?: number;
  delivery?: { window?: number; ackTimeoutMs?: number };
  relayDefaults?: Pick<RelayManagerOptions, 'factoryDefaults' | 'restoreWithoutSavedState'>;
}

/**
 * Factory relay behaviour of the product (README "Relay safety"): a meter fitted into a working
 * installation keeps its circuits powered, and after any later power cut each relay comes back as
 * it was. Heartbeat loss holds the current state. Each circuit can be configured otherwise.
 */
export const PRODUCT_RELAY_DEFAULTS: Required<Pick<RelayManagerOptions, 'factoryDefaults' | 'restoreWithoutSavedState'>> = {
  factoryDefaults: { powerOnState: 'restore' },
  restoreWithoutSavedState: 'on',
};

/** Settings key of a circuit's saved calibration (also written by the commissioning portal). */
export const CAL_KEY = (circuit: number) => `cal.${circuit}`;

export class MeterCore {
  readonly metering: Metering;
  readonly log: RecordLog;
  readonly relays: RelayManager;
  readonly app: MeterApp;
  readonly energy = new EnergyCounterStore({ circuits: CIRCUIT_COUNT });
  readonly waveform?: WaveformPath;
  private readonly waveformStepMs: number;
  private nextWaveformMs = 0;
  /** What boot found on flash (for diagnostics and tests). */
  bootReport?: { records: number; tornRecordsSkipped: number; energyFrom: string; ackedSeq: number; nextSeq: number };

  constructor(
    private readonly ports: MeterCorePorts,
    config: MeterCoreConfig,
  ) {
    this.metering = new Metering({
      bus: ports.bus,
      selects: ports.selects,
      calibration: config.calibration,
      delayMs: ports.delayMs,
      onFault: (fault) =>
        this.app?.relayEmitter.event({
          v: PROTOCOL_VERSION,
          ts: this.eventTs(),
          type: 'fault',
          circuit: fault.circuit,
          message: `${fault.code}: ${fault.message}`.slice(0, 200),
        }),
      onHealthChange: (health, previous) => {
        if (health.state === 'ok' && previous === 'failed') {
          this.app?.relayEmitter.event({ v: PROTOCOL_VERSION, ts: this.eventTs(), type: 'fault_cleared', circuit: health.circuit });
        }
      },
    });
    this.log = new RecordLog({ flash: ports.flash, circuits: CIRCUIT_COUNT });
    // The relay manager and the app call each other through the app's emitter.
    const emit = {
      relays: (m: Parameters<MeterApp['relayEmitter']['relays']>[0]) => this.app.relayEmitter.relays(m),
      ack: (m: Parameters<MeterApp['relayEmitter']['ack']>[0]) => this.app.relayEmitter.ack(m),
      event: (m: Parameters<MeterApp['relayEmitter']['event']>[0]) => this.app.relayEmitter.event(m),
    };
    this.relays = new RelayManager({
      circuits: CIRCUIT_COUNT,
      relays: ports.relays,
      settings: ports.settings,
      clock: ports.clock,
      emit,
      onCalibrate: (circuit, params) => this.calibrate(circuit, params),
      ...PRODUCT_RELAY_DEFAULTS,
      ...config.relayDefaults,
    });
    this.waveformStepMs = config.waveformStepMs ?? 500;
    if (ports.waveform) {
      this.waveform = new WaveformPath({
        sampler: ports.waveform,
        circuits: CIRCUIT_COUNT,
        kernels: ports.dspKernels,
        emit: (event) => this.app.relayEmitter.event(event),
      });
    }
    this.app = new MeterApp({
      deviceId: config.deviceId,
      firmware: config.firmware,
      bootId: config.bootId,
      clock: ports.clock,
      mqtt: ports.mqtt,
      metering: this.metering,
      relays: this.relays,
      verifier: new SignedMessageVerifier(ports.crypto, config.commandKey),
      log: this.log,
      intervalS: config.intervalS,
      pollMs: config.pollMs,
      delivery: config.delivery,
      onRecord: (record, nowMs) => this.checkpointEnergy(record, nowMs),
    });
  }

  /** Boot: recover the flash log, restore energy totals and calibration, apply relay power-on states. */
  start(): void {
    const opened = this.log.open();
    const totals = this.energy.restore(this.log, this.ports.settings);
    this.metering.restoreTotals(
      totals.map((t, k): MeteringTotals => ({
        circuit: k + 1,
        importWh: t.importWh,
        exportWh: t.exportWh,
        reactiveImportVarh: t.importVarh,
        reactiveExportVarh: t.exportVarh,
      })),
    );
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      const saved = this.ports.settings.get(CAL_KEY(circuit));
      if (saved !== undefined) this.restoreCalibration(circuit, saved);
    }
    this.metering.start(this.ports.clock.monotonicMs());
    this.app.start();
    this.bootReport = {
      records: opened.records,
      tornRecordsSkipped: opened.tornRecordsSkipped,
      energyFrom: this.energy.restoredFrom,
      ackedSeq: this.log.ackedSeq,
      nextSeq: this.log.nextSeq,
    };
  }

  tick(): void {
    this.app.tick();
    const now = this.ports.clock.monotonicMs();
    const wall = this.ports.clock.wallMs();
    if (this.waveform && wall !== undefined && now >= this.nextWaveformMs) {
      this.nextWaveformMs = now + this.waveformStepMs;
      this.waveform.step(wall);
    }
  }

  private calibrate(circuit: number, params: CalibrationParams): string | undefined {
    const checked = validate(calibrationSchema, params);
    if (!checked.ok) return checked.errors.join('; ');
    try {
      if (!this.metering.setCalibration(circuit, checked.value)) return `circuit ${circuit}: the chip did not accept the calibration`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const merged = { ...this.savedCalibration(circuit), ...checked.value };
    this.ports.settings.set(CAL_KEY(circuit), JSON.stringify(merged));
    return undefined;
  }

  private savedCalibration(circuit: number): CalibrationParams {
    try {
      return JSON.parse(this.ports.settings.get(CAL_KEY(circuit)) ?? '{}') as CalibrationParams;
    } catch {
      return {};
    }
  }

  private restoreCalibration(circuit: number, saved: string): void {
    let params: unknown;
    try {
      params = JSON.parse(saved);
    } catch {
      params = undefined;
    }
    const checked = validate(calibrationSchema, params);
    try {
      if (checked.ok && this.metering.setCalibration(circuit, checked.value)) return;
    } catch {
      // reported below
    }
    this.app.relayEmitter.event({
      v: PROTOCOL_VERSION,
      ts: this.eventTs(),
      type: 'fault',
      circuit,
      message: 'stored calibration unreadable: using the board default',
    });
  }

  private checkpointEnergy(record: TelemetryMessage, nowMs: number): void {
    const fallback = this.metering.totals();
    const totals = fallback.map((t) => {
      const reading = record.circuits.find((c) => c.circuit === t.circuit);
      return {
        importWh: reading?.energy_import_wh ?? t.importWh,
        exportWh: reading?.energy_export_wh ?? t.exportWh,
        importVarh: reading?.reactive_import_varh ?? t.reactiveImportVarh,
        exportVarh: reading?.reactive_export_varh ?? t.reactiveExportVarh,
      };
    });
    this.energy.checkpoint(this.ports.settings, record.seq, totals, nowMs);
  }

  private eventTs(): number {
    const wall = this.ports.clock.wallMs();
    return wall === undefined ? 946684800000 : Math.round(wall);
  }
}
