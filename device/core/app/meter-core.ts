/**
 * The composition root of the firmware, shared by the ESP32 entry (platform/moddable/main.ts) and
 * the virtual meter (platform/host): given the ports, it builds the event log and the outbox first, then metering,
 * the flash record log, energy counters, the relay manager, the command gate with its op handlers
 * and the app, and restores what survives a reboot. Wiring only. Portable.
 */
import { CIRCUIT_COUNT } from '@dinmeter/shared';
import { Atm90e26Calibration } from '../../drivers/atm90e26/atm90e26.calibration';
import type { WaveformKernels } from '../../dsp/waveform.kernels';
import { CommandGate } from '../commands/command-gate';
import { refusal } from '../commands/command-gate.types';
import { EventForwarder } from '../events/event-forwarder';
import { EventLog, EventLogOpenResult } from '../events/event-log';
import { CalibrationSettings } from '../metering/calibration-settings';
import { EnergyKeeper } from '../metering/energy-keeper';
import { Metering } from '../metering/metering';
import { WaveformPath } from '../metering/waveform-path';
import { Outbox } from '../outbox/outbox';
import { OtaAgent } from '../ota/ota-agent';
import { FirmwareSlots, HttpRangePort } from '../ota/ota.ports';
import {
  ChipSelect,
  Clock,
  CryptoPort,
  FlashPartition,
  MqttPort,
  RelayDriver,
  SettingsStore,
  SpiBus,
  WaveformSampler,
} from '../ports';
import { RelayManager } from '../relays/relay-manager';
import { RelayManagerOptions } from '../relays/relay-manager.types';
import { registerRelayOps } from '../relays/relay-ops';
import { SignedMessageVerifier } from '../security/signed-messages';
import { EnergyCounterStore } from '../storage/energy-counters';
import { RecordLog } from '../storage/record-log';
import { MeterApp, TelemetryDeliverySettings } from './meter-app';

export interface MeterCorePorts {
  bus: SpiBus;
  selects: readonly ChipSelect[];
  relays: RelayDriver;
  flash: FlashPartition;
  /**
   * The event log's own partition (`events` in device/partitions.csv): events wait there until the
   * backend acknowledges them. Without it events are published once and lost while offline.
   */
  eventFlash?: FlashPartition;
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
  /** Firmware updates (core/ota): the app slots and an HTTP client; without them `firmware` commands are unsupported. */
  ota?: { slots: FirmwareSlots; http: HttpRangePort };
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
  delivery?: TelemetryDeliverySettings;
  /** Event delivery (window default 8, ack timeout as telemetry's). */
  eventDelivery?: { window?: number; ackTimeoutMs?: number };
  relayDefaults?: Pick<RelayManagerOptions, 'factoryDefaults' | 'restoreWithoutSavedState'>;
  /** The Ed25519 key firmware images must be signed with (shared/src/firmware/firmware-public-key.ts). */
  firmwareKey?: Uint8Array;
  /** A new image must reach the backend within this much uptime, else it is rolled back (default 5 min). */
  otaConfirmDeadlineMs?: number;
}

/**
 * Factory relay behaviour of the product (README "Relay safety"): a meter fitted into a working
 * installation keeps its circuits powered, and after any later power cut each relay comes back as
 * it was. Heartbeat loss holds the current state. Each circuit can be configured otherwise.
 */
export const PRODUCT_RELAY_DEFAULTS: Required<
  Pick<RelayManagerOptions, 'factoryDefaults' | 'restoreWithoutSavedState'>
> = {
  factoryDefaults: { powerOnState: 'restore' },
  restoreWithoutSavedState: 'on',
};

export class MeterCore {
  readonly outbox: Outbox;
  readonly eventLog?: EventLog;
  readonly events?: EventForwarder;
  readonly metering: Metering;
  readonly log: RecordLog;
  readonly relays: RelayManager;
  readonly commands: CommandGate;
  readonly app: MeterApp;
  readonly energy = new EnergyCounterStore({ circuits: CIRCUIT_COUNT });
  readonly waveform?: WaveformPath;
  readonly ota?: OtaAgent;
  private readonly calibration: CalibrationSettings;
  private readonly energyKeeper: EnergyKeeper;
  private readonly waveformStepMs: number;
  private nextWaveformMs = 0;
  /** What boot found on flash (for diagnostics and tests). */
  bootReport?: {
    records: number;
    tornRecordsSkipped: number;
    energyFrom: string;
    ackedSeq: number;
    nextSeq: number;
    events?: EventLogOpenResult;
  };
  private readonly eventsOpened?: EventLogOpenResult;

  constructor(
    private readonly ports: MeterCorePorts,
    config: MeterCoreConfig,
  ) {
    if (ports.eventFlash) {
      // Opened here, not in start(): parts built below may report events from their constructors.
      this.eventLog = new EventLog(ports.eventFlash);
      this.eventsOpened = this.eventLog.open();
      this.events = new EventForwarder({
        deviceId: config.deviceId,
        log: this.eventLog,
        mqtt: ports.mqtt,
        clock: ports.clock,
        window: config.eventDelivery?.window,
        ackTimeoutMs: config.eventDelivery?.ackTimeoutMs ?? config.delivery?.ackTimeoutMs,
      });
    }
    const outbox = new Outbox({ deviceId: config.deviceId, mqtt: ports.mqtt, clock: ports.clock, events: this.events });
    this.outbox = outbox;
    this.metering = new Metering({
      bus: ports.bus,
      selects: ports.selects,
      calibration: config.calibration,
      delayMs: ports.delayMs,
      onFault: (fault) =>
        outbox.event({
          type: 'fault',
          circuit: fault.circuit,
          message: `${fault.code}: ${fault.message}`.slice(0, 200),
        }),
      onHealthChange: (health, previous) => {
        if (health.state === 'ok' && previous === 'failed')
          outbox.event({ type: 'fault_cleared', circuit: health.circuit });
      },
    });
    this.calibration = new CalibrationSettings(this.metering, ports.settings);
    this.log = new RecordLog({ flash: ports.flash, circuits: CIRCUIT_COUNT });
    this.energyKeeper = new EnergyKeeper({
      registers: this.metering,
      store: this.energy,
      settings: ports.settings,
      log: this.log,
    });
    this.relays = new RelayManager({
      circuits: CIRCUIT_COUNT,
      relays: ports.relays,
      settings: ports.settings,
      clock: ports.clock,
      publisher: outbox,
      ...PRODUCT_RELAY_DEFAULTS,
      ...config.relayDefaults,
    });
    this.commands = new CommandGate({
      publisher: outbox,
      clock: ports.clock,
      verifier: new SignedMessageVerifier(ports.crypto, config.commandKey),
      settings: ports.settings,
      circuits: this.relays,
      plans: this.relays,
    });
    registerRelayOps(this.commands, this.relays);
    this.commands.register('calibrate', (command) =>
      refusal('calibration_failed', this.calibration.apply(command.circuit, command.calibration)),
    );
    if (ports.ota) {
      const ota = new OtaAgent({
        ...ports.ota,
        settings: ports.settings,
        clock: ports.clock,
        publicKey: config.firmwareKey,
        confirmDeadlineMs: config.otaConfirmDeadlineMs,
        onStatus: () => this.app?.statusChanged(),
      });
      this.ota = ota;
      this.commands.register('firmware', ({ op: _op, v: _v, id: _id, seq: _seq, expires: _expires, ...order }) => {
        const result = ota.handleOrder(order);
        return result.ok ? undefined : { code: result.code, error: result.error };
      });
    }
    this.waveformStepMs = config.waveformStepMs ?? 500;
    if (ports.waveform) {
      this.waveform = new WaveformPath({
        sampler: ports.waveform,
        circuits: CIRCUIT_COUNT,
        kernels: ports.dspKernels,
        emit: (event) => outbox.send('events', event),
      });
    }
    this.app = new MeterApp({
      deviceId: config.deviceId,
      firmware: config.firmware,
      bootId: config.bootId,
      clock: ports.clock,
      mqtt: ports.mqtt,
      outbox,
      metering: this.metering,
      relays: this.relays,
      commands: this.commands,
      log: this.log,
      events: this.events,
      intervalS: config.intervalS,
      pollMs: config.pollMs,
      delivery: config.delivery,
      onRecord: (record, nowMs) => this.energyKeeper.checkpoint(record, nowMs),
      ota: this.ota,
    });
  }

  /** Boot: recover the flash log, restore energy totals and calibration, apply relay power-on states. */
  start(): void {
    const opened = this.log.open();
    this.energyKeeper.restore();
    for (const circuit of this.calibration.restore(CIRCUIT_COUNT)) {
      this.outbox.event({
        type: 'fault',
        circuit,
        message: 'stored calibration unreadable: using the board default',
      });
    }
    this.metering.start(this.ports.clock.monotonicMs());
    this.ota?.start();
    this.app.start();
    this.bootReport = {
      records: opened.records,
      tornRecordsSkipped: opened.tornRecordsSkipped,
      energyFrom: this.energy.restoredFrom,
      ackedSeq: this.log.ackedSeq,
      nextSeq: this.log.nextSeq,
      events: this.eventsOpened,
    };
  }

  tick(): void {
    this.app.tick();
    this.ota?.tick();
    const now = this.ports.clock.monotonicMs();
    const wall = this.ports.clock.wallMs();
    if (this.waveform && wall !== undefined && now >= this.nextWaveformMs) {
      this.nextWaveformMs = now + this.waveformStepMs;
      this.waveform.step(wall);
    }
  }
}
