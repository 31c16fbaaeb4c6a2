/**
 * Polls the ten ATM90E26 chips and keeps the per-circuit energy totals. Portable, driven by
 * `poll(nowMs)`. Energy is kept as exact integer counts of 0.1 pulse on top of a restored Wh
 * baseline, so no rounding accumulates; the caller persists `totals()` and hands them back
 * through `restoreTotals()` after a reboot (the chips' registers start from zero).
 *
 * A dead or faulty chip never stops the others: its driver turns faults into a state, and a
 * failed chip is re-initialised with exponential back-off (1 s … 60 s).
 */
import { CIRCUIT_METRICS, CalibrationParams, CircuitHealth, CircuitReading, isEnergyMetric, isRegisterMetric } from '@dinmeter/shared';
import { Atm90e26, Atm90e26Fault } from '../../drivers/atm90e26/atm90e26.driver';
import { Atm90e26Calibration } from '../../drivers/atm90e26/atm90e26.calibration';
import { whPerCount } from '../../drivers/atm90e26/atm90e26.energy';
import type { ChipSelect, SpiBus } from '../ports';

export interface EnergyTotals {
  circuit: number;
  importWh: number;
  exportWh: number;
  reactiveImportVarh: number;
  reactiveExportVarh: number;
}

export interface MeteringFault extends Atm90e26Fault {
  circuit: number;
}

export interface MeteringOptions {
  bus: SpiBus;
  /** Chip select of circuit k at index k − 1 (1..10 circuits). */
  selects: readonly ChipSelect[];
  /** The board's nominal calibration (device/board/front-end.ts BOARD_CALIBRATION). */
  calibration: Readonly<Atm90e26Calibration>;
  /** Per-circuit overrides (index k − 1), validated; undefined entries use `calibration`. */
  calibrations?: readonly (CalibrationParams | undefined)[];
  onFault?: (fault: MeteringFault) => void;
  /** Called when a circuit's health state changes (e.g. failed → ok: emit fault_cleared). */
  onHealthChange?: (health: CircuitHealth, previous: CircuitHealth['state']) => void;
  /** Blocking delay for the chip's soft-reset settle time (Moddable: Timer.delay). */
  delayMs?: (ms: number) => void;
}

export interface MeteringSnapshot {
  /** Circuits that delivered a fresh, healthy reading this poll, shaped like telemetry. */
  readings: CircuitReading[];
  health: CircuitHealth[];
}

const ENERGY_KEYS = ['activeImport', 'activeExport', 'reactiveImport', 'reactiveExport'] as const;

/**
 * How each telemetry field is filled (shared/src/protocol/metrics.ts): a measurement register, clamped
 * to the wire range (a chip glitch outside it would make the backend refuse the whole record), or
 * the running total of an energy register (index into ENERGY_KEYS).
 */
const FROM_REGISTERS = CIRCUIT_METRICS.filter(isRegisterMetric);
const FROM_ENERGY = CIRCUIT_METRICS.filter(isEnergyMetric).map(({ field, source }) => ({ field, total: ENERGY_KEYS.indexOf(source.energy) }));
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

interface Channel {
  circuit: number;
  chip: Atm90e26;
  /** Restored/folded totals: import Wh, export Wh, reactive import varh, reactive export varh. */
  base: Float64Array;
  /** Integer counts of 0.1 pulse since `base`, same order. */
  counts: Float64Array;
  retryAtMs: number;
  retryDelayMs: number;
  lastState: CircuitHealth['state'];
}

export class Metering {
  private readonly channels: Channel[];
  private readonly onHealthChange?: MeteringOptions['onHealthChange'];

  constructor(options: MeteringOptions) {
    const { selects } = options;
    if (!Array.isArray(selects) || selects.length < 1 || selects.length > 10) {
      throw new RangeError(`Metering needs 1..10 chip selects, got ${Array.isArray(selects) ? selects.length : String(selects)}`);
    }
    this.onHealthChange = options.onHealthChange;
    this.channels = selects.map((select, index) => {
      const circuit = index + 1;
      const chip = new Atm90e26({
        bus: options.bus,
        select,
        baseCalibration: options.calibration,
        calibration: options.calibrations?.[index],
        delayMs: options.delayMs,
        onFault: (fault) => options.onFault?.({ ...fault, circuit }),
      });
      return {
        circuit,
        chip,
        base: new Float64Array(4),
        counts: new Float64Array(4),
        retryAtMs: 0,
        retryDelayMs: RETRY_FIRST_MS,
        lastState: chip.state,
      };
    });
  }

  get circuitCount(): number {
    return this.channels.length;
  }

  /** Configures every chip. A chip that fails is retried by later polls. */
  start(nowMs: number): CircuitHealth[] {
    for (const channel of this.channels) {
      if (!channel.chip.configure()) this.scheduleRetry(channel, nowMs);
      this.noteHealth(channel);
    }
    return this.health();
  }

  /** One poll of every chip: measurements, energy, health. */
  poll(nowMs: number): MeteringSnapshot {
    const readings: CircuitReading[] = [];
    for (const channel of this.channels) {
      const { chip } = channel;
      if (chip.state === 'failed') {
        if (nowMs >= channel.retryAtMs) {
          if (chip.configure()) channel.retryDelayMs = RETRY_FIRST_MS;
          else this.scheduleRetry(channel, nowMs);
        }
        this.noteHealth(channel);
        continue;
      }
      const result = chip.poll();
      if (result) {
        for (let k = 0; k < ENERGY_KEYS.length; k++) channel.counts[k] += result.energy[ENERGY_KEYS[k]];
        const factor = this.whPerCount(channel);
        const reading = { circuit: channel.circuit } as CircuitReading;
        for (const { field, min, max } of FROM_REGISTERS) reading[field] = Math.max(min, Math.min(max, result.reading[field]));
        for (const { field, total } of FROM_ENERGY) reading[field] = channel.base[total] + channel.counts[total] * factor;
        readings.push(reading);
      } else if (this.failed(chip)) {
        this.scheduleRetry(channel, nowMs);
      }
      this.noteHealth(channel);
    }
    return { readings, health: this.health() };
  }

  health(): CircuitHealth[] {
    return this.channels.map(({ circuit, chip }) => {
      const health: CircuitHealth = { circuit, state: chip.state };
      if (chip.fault !== undefined) health.fault = chip.fault.slice(0, 200);
      return health;
    });
  }

  /** Running totals of every circuit, for persisting. */
  totals(): EnergyTotals[] {
    return this.channels.map((channel) => this.totalsOf(channel));
  }

  /** Sets the baselines (e.g. from flash after a reboot). Circuits not listed keep theirs. */
  restoreTotals(totals: readonly EnergyTotals[]): void {
    for (const t of totals) {
      const channel = this.channel(t.circuit);
      const values = [t.importWh, t.exportWh, t.reactiveImportVarh, t.reactiveExportVarh];
      for (const value of values) {
        if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`energy totals of circuit ${t.circuit} must be finite and ≥ 0: ${value}`);
      }
      channel.base.set(values);
      channel.counts.fill(0);
    }
  }

  /** Validates (throws, changing nothing), folds the counts so far at the old constants, re-initialises. */
  setCalibration(circuit: number, params: CalibrationParams): boolean {
    const channel = this.channel(circuit);
    const before = this.totalsOf(channel);
    const ok = channel.chip.setCalibration(params);
    channel.base.set([before.importWh, before.exportWh, before.reactiveImportVarh, before.reactiveExportVarh]);
    channel.counts.fill(0);
    this.noteHealth(channel);
    return ok;
  }

  calibration(circuit: number): Readonly<Atm90e26Calibration> {
    return this.channel(circuit).chip.calibration;
  }

  stop(): void {
    for (const channel of this.channels) channel.chip.close();
  }

  private totalsOf(channel: Channel): EnergyTotals {
    const factor = this.whPerCount(channel);
    const { base, counts } = channel;
    return {
      circuit: channel.circuit,
      importWh: base[0] + counts[0] * factor,
      exportWh: base[1] + counts[1] * factor,
      reactiveImportVarh: base[2] + counts[2] * factor,
      reactiveExportVarh: base[3] + counts[3] * factor,
    };
  }

  private whPerCount(channel: Channel): number {
    const { meterConstant, ctRatio } = channel.chip.calibration;
    return whPerCount(meterConstant, ctRatio);
  }

  private channel(circuit: number): Channel {
    const channel = this.channels[circuit - 1];
    if (!Number.isInteger(circuit) || !channel) throw new RangeError(`no circuit ${circuit} (1..${this.channels.length})`);
    return channel;
  }

  /** Read afresh: a poll may have just changed the state that the narrowing above remembers. */
  private failed(chip: Atm90e26): boolean {
    return chip.state === 'failed';
  }

  private scheduleRetry(channel: Channel, nowMs: number): void {
    channel.retryAtMs = nowMs + channel.retryDelayMs;
    channel.retryDelayMs = Math.min(RETRY_MAX_MS, channel.retryDelayMs * 2);
  }

  private noteHealth(channel: Channel): void {
    const state = channel.chip.state;
    if (state === channel.lastState) return;
    const previous = channel.lastState;
    channel.lastState = state;
    const fault = channel.chip.fault;
    this.onHealthChange?.({ circuit: channel.circuit, state, ...(fault !== undefined ? { fault: fault.slice(0, 200) } : {}) }, previous);
  }
}
