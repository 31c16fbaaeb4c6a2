/**
 * Merges consecutive records into one coarser record (README.md "Merging"). Energy and the other
 * cumulative counters are taken from the last record, so totals stay exact; instantaneous values
 * become interval-weighted means, except those the metric table marks to be recomputed from the
 * merged powers (pf = mean P / mean S, the phase angle = atan2(mean Q, mean P)).
 */
import { CircuitReading, PROTOCOL_VERSION } from '@dinmeter/shared';
import { FIELD_COUNT, STORED_FIELDS, StoredRecord } from './record-codec';

const POWER = STORED_FIELDS.findIndex((f) => f.field === 'power_w');
const REACTIVE = STORED_FIELDS.findIndex((f) => f.field === 'reactive_var');
const APPARENT = STORED_FIELDS.findIndex((f) => f.field === 'apparent_va');

export class MergeAccumulator {
  count = 0;
  /** Bucket the records belong to (see bucketOf). */
  bucket = 0;
  private firstSeq = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private startMs = 0;
  /** Per circuit: summed weights (s); per circuit × field: weighted sums (means) or last value (counters). */
  private readonly weight: Float64Array;
  private readonly values: Float64Array;
  /** 1 where the circuit/field was seen. */
  private readonly seen: Uint8Array;
  private single: StoredRecord | undefined;

  constructor(readonly circuits: number) {
    this.weight = new Float64Array(circuits);
    this.values = new Float64Array(circuits * FIELD_COUNT);
    this.seen = new Uint8Array(circuits * FIELD_COUNT);
  }

  reset(): void {
    this.count = 0;
    this.weight.fill(0);
    this.values.fill(0);
    this.seen.fill(0);
    this.single = undefined;
  }

  copyFrom(other: MergeAccumulator): void {
    this.count = other.count;
    this.bucket = other.bucket;
    this.firstSeq = other.firstSeq;
    this.lastSeq = other.lastSeq;
    this.lastTs = other.lastTs;
    this.startMs = other.startMs;
    this.weight.set(other.weight);
    this.values.set(other.values);
    this.seen.set(other.seen);
    this.single = other.single;
  }

  add(record: StoredRecord, bucket: number): void {
    if (this.count === 0) {
      this.bucket = bucket;
      this.firstSeq = record.merged_from_seq ?? record.seq;
      this.startMs = record.ts - record.interval_s * 1000;
      this.single = record;
    } else {
      this.single = undefined;
    }
    this.count++;
    this.lastSeq = record.seq;
    this.lastTs = record.ts;
    // A zero-length interval still counts, a little, so its values are not ignored.
    const w = record.interval_s > 0 ? record.interval_s : 1e-3;
    for (const reading of record.circuits) {
      const c = reading.circuit - 1;
      this.weight[c] += w;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const value = reading[STORED_FIELDS[f].field];
        if (value === undefined) continue;
        const k = c * FIELD_COUNT + f;
        this.seen[k] = 1;
        if (STORED_FIELDS[f].mean) this.values[k] += value * w;
        else this.values[k] = value;
      }
    }
  }

  /** The merged record; a bucket of one record is that record unchanged. */
  result(): StoredRecord {
    if (this.count === 0) throw new Error('nothing to merge');
    if (this.single) return this.single;
    const circuits: CircuitReading[] = [];
    for (let c = 0; c < this.circuits; c++) {
      if (this.weight[c] === 0) continue;
      const reading: Record<string, number> = { circuit: c + 1 };
      const p = this.values[c * FIELD_COUNT + POWER];
      const q = this.values[c * FIELD_COUNT + REACTIVE];
      const s = this.values[c * FIELD_COUNT + APPARENT];
      for (let f = 0; f < FIELD_COUNT; f++) {
        const k = c * FIELD_COUNT + f;
        if (!this.seen[k]) continue;
        const { field, mean, merged } = STORED_FIELDS[f];
        reading[field] = mean ? this.values[k] / this.weight[c] : this.values[k];
        // Weighted sums of P and S: their ratio is the ratio of the means.
        if (merged === 'power-factor' && s > 0) reading[field] = Math.max(-1, Math.min(1, p / s));
        if (merged === 'phase-angle' && (p !== 0 || q !== 0)) reading[field] = (Math.atan2(q, p) * 180) / Math.PI;
      }
      circuits.push(reading as unknown as CircuitReading);
    }
    return {
      v: PROTOCOL_VERSION,
      seq: this.lastSeq,
      ts: this.lastTs,
      interval_s: Math.round(this.lastTs - this.startMs) / 1000,
      merged_from_seq: this.firstSeq,
      circuits,
    };
  }
}

/** Records whose interval ends in the same bucket merge; `ts` is the end of the interval. */
export function bucketOf(tsMs: number, bucketS: number): number {
  return Math.floor((tsMs - 1) / (bucketS * 1000));
}
