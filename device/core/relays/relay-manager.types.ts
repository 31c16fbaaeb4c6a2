import {
  CalibrationParams,
  CommandAckMessage,
  EventMessage,
  FailsafeMode,
  FirmwareOrder,
  PowerOnState,
  RelaysMessage,
} from '@dinmeter/shared';
import { Clock, RelayDriver, SettingsStore } from '../ports';

export interface RelayEmitter {
  /** Actual relay states: the app publishes them retained. Called on every change and once at start. */
  relays(message: RelaysMessage): void;
  /** Exactly one per command that carries a readable id. */
  ack(message: CommandAckMessage): void;
  event(message: EventMessage): void;
}

export interface RelayManagerOptions {
  /** Relays on this device, 1..CIRCUIT_COUNT (10 on the DIN-rail meter). */
  circuits: number;
  relays: RelayDriver;
  settings: SettingsStore;
  clock: Clock;
  emit: RelayEmitter;
  /** Applies a calibration to the metering chip of `circuit`; returns an error text or undefined. */
  onCalibrate?(circuit: number, params: CalibrationParams): string | undefined;
  /** Starts a firmware update (core/ota); without it `firmware` commands are unsupported. */
  onFirmware?(order: FirmwareOrder): { ok: true } | { ok: false; code: 'invalid' | 'unsupported'; error: string };
  /** Factory settings of an unconfigured circuit, over DEFAULT_CIRCUIT_CONFIG (e.g. powerOnState 'restore'). */
  factoryDefaults?: Partial<Pick<EffectiveCircuitConfig, 'powerOnState' | 'failsafe' | 'overcurrentDelayMs' | 'maxSwitchesPerHour'>>;
  /** What `restore` does when no state was ever saved (a meter just fitted): default 'off'. */
  restoreWithoutSavedState?: 'on' | 'off';
}

/** A circuit's configuration with every default filled in. `label`/`overcurrentA` stay optional: absent = none. */
export interface EffectiveCircuitConfig {
  label?: string;
  powerOnState: PowerOnState;
  failsafe: { mode: FailsafeMode; afterSeconds: number };
  /** No value: no local overcurrent protection on this circuit. */
  overcurrentA?: number;
  overcurrentDelayMs: number;
  minSwitchIntervalSeconds: number;
  maxSwitchesPerHour: number;
}

/** Counters for diagnostics: things refused or ignored without an ack. */
export interface RelayManagerStats {
  commandsApplied: number;
  commandsRefused: number;
  /** Retained commands: never applied, never acked (a retained command may be years old). */
  retainedIgnored: number;
  /** Commands without a readable id (garbage, too large): no ack is possible. */
  unreadable: number;
  /** Commands whose MAC did not verify (also counted in commandsRefused when they had an id to ack). */
  commandsUnauthenticated: number;
  /** Plans whose MAC did not verify. */
  plansUnauthenticated: number;
  plansAccepted: number;
  plansRefused: number;
  /** Valid plans older than the running one. */
  plansStale: number;
  heartbeatsInvalid: number;
  /** Events dropped from the queue kept while the wall clock is unknown. */
  eventsDropped: number;
}
