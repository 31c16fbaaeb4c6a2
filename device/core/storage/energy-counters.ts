/**
 * Cumulative energy counters per circuit that survive reboots and power cuts without double counting
 * and without writing flash every second (README.md "Energy counters").
 *
 * The record log is the durable truth: every record carries the cumulative counters (exact mWh), so at
 * boot the totals are those of the newest record on flash. Energy measured after that record (less than
 * one interval) is lost at a power cut, never counted twice. A checkpoint in the settings store (NVS)
 * covers the case where the log no longer holds any record (everything acked, erased, partition lost);
 * it is written at most every `checkpointIntervalMs` (default 15 min: ~100 NVS writes a day, decades of
 * NVS page wear). Checkpoint the totals of a record that append() has returned, with its seq.
 */
import { TelemetryMessage } from '@dinmeter/shared';
import { SettingsStore } from '../ports';

export interface EnergyTotals {
  importWh: number;
  exportWh: number;
  importVarh: number;
  exportVarh: number;
}

/** What restore needs from the record log. */
export interface LatestRecordSource {
  latest(): Omit<TelemetryMessage, 'acked_seq'> | undefined;
}

export interface EnergyCounterStoreOptions {
  circuits: number;
  checkpointIntervalMs?: number;
  /** Settings key (NVS keys are at most 15 characters). */
  key?: string;
}

interface Checkpoint {
  seq: number;
  /** Per circuit, mWh/mvarh integers; undefined where the circuit was not known. */
  totals: (number[] | undefined)[];
}

const FORMAT = 'e1';

function toMilli(value: number | undefined): number {
  return value === undefined ? 0 : Math.round(value * 1000);
}

export class EnergyCounterStore {
  private readonly circuits: number;
  private readonly intervalMs: number;
  private readonly key: string;
  private lastCheckpointMs: number | undefined;
  /** Where the last restore found the totals. */
  restoredFrom: 'log' | 'checkpoint' | 'none' = 'none';
  restoredSeq = 0;

  constructor(options: EnergyCounterStoreOptions) {
    if (!(Number.isInteger(options.circuits) && options.circuits >= 1)) throw new RangeError(`circuits ${options.circuits}`);
    this.circuits = options.circuits;
    this.intervalMs = options.checkpointIntervalMs ?? 15 * 60_000;
    this.key = options.key ?? 'energy';
    if (this.key.length > 15) throw new RangeError(`settings key "${this.key}" is longer than 15 characters`);
  }

  /** Totals per circuit (index 0 = circuit 1) from the newest of: last record on flash, checkpoint. */
  restore(log: LatestRecordSource, settings: SettingsStore): EnergyTotals[] {
    const record = log.latest();
    const checkpoint = this.readCheckpoint(settings);
    const fromRecord: Checkpoint | undefined = record && {
      seq: record.seq,
      totals: Array.from({ length: this.circuits }, (_, i) => {
        const c = record.circuits.find((reading) => reading.circuit === i + 1);
        return c && [c.energy_import_wh, c.energy_export_wh, c.reactive_import_varh, c.reactive_export_varh].map(toMilli);
      }),
    };
    // Newest first; a circuit missing from it (chip failed then) falls back to the older source.
    const sources = [fromRecord, checkpoint].filter((s): s is Checkpoint => s !== undefined).sort((a, b) => b.seq - a.seq);
    this.restoredFrom = sources.length === 0 ? 'none' : sources[0] === fromRecord ? 'log' : 'checkpoint';
    this.restoredSeq = sources[0]?.seq ?? 0;
    const totals: EnergyTotals[] = [];
    for (let i = 0; i < this.circuits; i++) {
      const milli = sources.map((s) => s.totals[i]).find((t) => t !== undefined) ?? [0, 0, 0, 0];
      totals.push({ importWh: milli[0] / 1000, exportWh: milli[1] / 1000, importVarh: milli[2] / 1000, exportVarh: milli[3] / 1000 });
    }
    return totals;
  }

  /**
   * Stores `totals`, which must be exactly the counters of record `seq` (already appended), if the
   * checkpoint interval has passed since the last one (the first call after boot only starts the clock,
   * so a boot loop cannot wear NVS) or `force` is set. Returns whether it wrote.
   */
  checkpoint(settings: SettingsStore, seq: number, totals: readonly EnergyTotals[], nowMs: number, force = false): boolean {
    if (totals.length !== this.circuits) throw new RangeError(`expected ${this.circuits} circuit totals, got ${totals.length}`);
    if (!Number.isInteger(seq) || seq < 0) throw new RangeError(`seq ${seq}`);
    if (this.lastCheckpointMs === undefined && !force) {
      this.lastCheckpointMs = nowMs;
      return false;
    }
    if (!force && nowMs - this.lastCheckpointMs! < this.intervalMs) return false;
    const parts = totals.map((t) => [t.importWh, t.exportWh, t.importVarh, t.exportVarh].map(toMilli).join(','));
    settings.set(this.key, `${FORMAT};${seq};${parts.join(';')}`);
    this.lastCheckpointMs = nowMs;
    return true;
  }

  /** A malformed checkpoint is a device fault: it is ignored, not thrown. */
  private readCheckpoint(settings: SettingsStore): Checkpoint | undefined {
    const text = settings.get(this.key);
    if (!text) return undefined;
    const [format, seqText, ...circuits] = text.split(';');
    const seq = Number(seqText);
    if (format !== FORMAT || !Number.isInteger(seq) || seq < 0) return undefined;
    const totals: (number[] | undefined)[] = [];
    for (let i = 0; i < this.circuits; i++) {
      const values = circuits[i]?.split(',').map(Number);
      totals.push(values && values.length === 4 && values.every(Number.isFinite) ? values : undefined);
    }
    return { seq, totals };
  }
}
