import { CircuitConfig, circuitConfigSchema, PlanMessage, validate, validateMessage } from '@dinmeter/shared';
import { SettingsStore } from '../ports';

/**
 * Keys in the SettingsStore (NVS on the ESP32: keys are at most 15 characters).
 * Flash wear: every value is written only when it changed, never per tick. The busiest key is
 * `rl.state`: at most once per manager call that switched relays, and switchings are capped by
 * maxSwitchesPerHour. NVS appends entries and spreads page erases over its partition, so even 60
 * switchings an hour on every circuit stay far inside the 10^5 erase cycles of the flash over the
 * product's life.
 */
const KEY = {
  config: (circuit: number) => `rl.cfg.${circuit}`,
  states: 'rl.state',
  trips: 'rl.trip',
  plan: 'rl.plan',
} as const;
const BITS = /^[01]*$/;

export interface StoredRelayState {
  /** Index 0 is circuit 1. */
  configs: CircuitConfig[];
  /** Last actual state per circuit (true = on); undefined when never saved. */
  states: (boolean | undefined)[];
  tripped: boolean[];
  plan: PlanMessage | undefined;
  /** What was unreadable and what the store assumed instead: the manager reports these as faults. */
  problems: string[];
}

/** Persistence of the relay manager: small values, each written only when it changed. (`rl.seq` is the command gate's: core/commands/command-seq.ts.) */
export class RelayStore {
  private readonly written = new Map<string, string>();

  /** `onWriteError`: a failed write (flash full, value too large for NVS) is a device fault, not a crash. */
  constructor(
    private readonly settings: SettingsStore,
    private readonly circuits: number,
    private readonly onWriteError: (key: string, message: string) => void,
  ) {}

  load(): StoredRelayState {
    const problems: string[] = [];
    const configs: CircuitConfig[] = [];
    for (let c = 1; c <= this.circuits; c++) {
      const text = this.read(KEY.config(c));
      const parsed = text === undefined ? undefined : validate(circuitConfigSchema, parseJson(text));
      if (parsed !== undefined && !parsed.ok)
        problems.push(`config of circuit ${c} unreadable, using defaults`);
      configs.push(parsed?.ok ? parsed.value : {});
    }
    const stateText = this.read(KEY.states) ?? '';
    const statesReadable = BITS.test(stateText);
    if (!statesReadable) problems.push('saved relay states unreadable, restore falls back to off');
    // Lost is not "never saved": a product whose restore brings a fresh meter up on
    // (RelayManagerOptions.restoreWithoutSavedState) must not switch a load on from a state it cannot read.
    const states = statesReadable
      ? this.bits(stateText).map((bit) => (bit === '' ? undefined : bit === '1'))
      : this.bits('').map(() => false);
    // An unreadable trip latch counts as tripped: the safe reading of a lost protection state.
    const tripText = this.read(KEY.trips) ?? '';
    if (!BITS.test(tripText))
      problems.push('saved trip latches unreadable, treating those circuits as tripped');
    const tripped = this.bits(tripText).map((bit) => bit !== '0' && bit !== '');

    let plan: PlanMessage | undefined;
    const planText = this.read(KEY.plan);
    if (planText !== undefined) {
      const parsed = validateMessage('plan', parseJson(planText));
      if (parsed.ok) plan = parsed.value;
      else problems.push('saved plan unreadable, discarded');
    }
    return { configs, states, tripped, plan, problems };
  }

  saveConfig(circuit: number, config: CircuitConfig): void {
    this.write(KEY.config(circuit), JSON.stringify(config));
  }

  saveStates(on: readonly boolean[]): void {
    this.write(KEY.states, on.map((b) => (b ? '1' : '0')).join(''));
  }

  saveTrips(tripped: readonly boolean[]): void {
    this.write(KEY.trips, tripped.map((b) => (b ? '1' : '0')).join(''));
  }

  savePlan(plan: PlanMessage): void {
    this.write(KEY.plan, JSON.stringify(plan));
  }

  /** One character per circuit; '' where the text is shorter (the device gained circuits). */
  private bits(text: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.circuits; i++) out.push(text.charAt(i));
    return out;
  }

  private read(key: string): string | undefined {
    const value = this.settings.get(key);
    if (value !== undefined) this.written.set(key, value);
    return value;
  }

  private write(key: string, value: string): void {
    if (this.written.get(key) === value) return;
    try {
      this.settings.set(key, value);
      this.written.set(key, value);
    } catch (error) {
      this.onWriteError(key, error instanceof Error ? error.message : String(error));
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
