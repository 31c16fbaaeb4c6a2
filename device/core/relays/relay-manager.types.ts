import { FailsafeMode, PowerOnState } from '@dinmeter/shared';
import { Publisher } from '../outbox/outbox';
import { Clock, RelayDriver, SettingsStore } from '../ports';

export interface RelayManagerOptions {
  /** Relays on this device, 1..CIRCUIT_COUNT (10 on the DIN-rail meter). */
  circuits: number;
  relays: RelayDriver;
  settings: SettingsStore;
  clock: Clock;
  /** The actual relay states (retained, on every change and once at start) and the relay events go out here. */
  publisher: Publisher;
  /** Factory settings of an unconfigured circuit, over DEFAULT_CIRCUIT_CONFIG (e.g. powerOnState 'restore'). */
  factoryDefaults?: Partial<
    Pick<EffectiveCircuitConfig, 'powerOnState' | 'failsafe' | 'overcurrentDelayMs' | 'maxSwitchesPerHour'>
  >;
  /** What `restore` does when no state was ever saved (a meter just fitted): default 'off'. */
  restoreWithoutSavedState?: 'on' | 'off';
}

/** A circuit's configuration with every default filled in. `label`/`overcurrentA` stay optional: absent = none. */
export interface EffectiveCircuitConfig {
  label?: string;
  /** False: no relay on this circuit; relay commands are refused (`no_relay`), plans and failsafe skip it. */
  relayFitted: boolean;
  powerOnState: PowerOnState;
  failsafe: { mode: FailsafeMode; afterSeconds: number };
  /** No value: no local overcurrent protection on this circuit. */
  overcurrentA?: number;
  overcurrentDelayMs: number;
  minSwitchIntervalSeconds: number;
  maxSwitchesPerHour: number;
}

/** Counters for diagnostics (the command counters are the command gate's: core/commands). */
export interface RelayManagerStats {
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
