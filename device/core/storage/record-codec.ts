/**
 * Compact binary encoding of one telemetry record (not JSON). Every per-circuit value is a scaled
 * integer, stored as a zigzag varint of its difference to the same value in the previous record of
 * the same flash sector (the first record of a sector is a keyframe: differences to zero). Steady
 * readings therefore cost about one byte per value; energy counters stay integer mWh, so they are exact.
 */
import { CIRCUIT_METRICS, CircuitMetricField, CircuitReading, MetricDef, PROTOCOL_VERSION, TelemetryMessage } from '@dinmeter/shared';
import { ByteReader, ByteWriter, CorruptDataError } from './byte-io';

/**
 * A record as the log stores it: the telemetry payload without `acked_seq` (that is the state at send
 * time, not part of the record); a merged record carries the first seq it swallowed.
 */
export interface StoredRecord extends Omit<TelemetryMessage, 'acked_seq'> {
  /** Present on merged records: the record replaces seqs merged_from_seq..seq (see README.md). */
  merged_from_seq?: number;
}

/**
 * Resolution and merge rule of each stored value, in the metric table's order, which is the order on
 * flash (shared/src/protocol/metrics.ts). Range is limited only by exact float64 integers (±2^52
 * units): e.g. energy up to 4.5e12 Wh.
 */
export interface StoredField {
  field: CircuitMetricField;
  scale: number;
  optional: boolean;
  /** Readings merge as interval-weighted means (or as `merged` says), counters keep their last value. */
  mean: boolean;
  merged?: MetricDef['flash']['merged'];
}
export const STORED_FIELDS: readonly StoredField[] = CIRCUIT_METRICS.map((m) => ({
  field: m.field,
  scale: m.flash.scale,
  optional: 'optional' in m && m.optional,
  mean: m.kind === 'reading',
  merged: 'merged' in m.flash ? m.flash.merged : undefined,
}));
export const FIELD_COUNT = STORED_FIELDS.length;
const OPTIONAL_FIELDS = STORED_FIELDS.map((f, i) => (f.optional ? i : -1)).filter((i) => i >= 0);
export const OPTIONAL_FIELD_COUNT = OPTIONAL_FIELDS.length;
/**
 * Records written before FLAG_MASK_COUNT existed carry a presence mask for the first two optional
 * fields (the reactive energy counters) only; the optional fields added since are absent from them.
 */
const LEGACY_OPTIONAL_MASKS = 2;
const MAX_UNITS = 2 ** 52;
const FLAG_MERGED = 1;
/** The record states how many optional-field presence masks follow (all records written since the metric table). */
const FLAG_MASK_COUNT = 2;
/** Circuits are a bitmask in one varint. */
export const MAX_CIRCUITS = 16;

/** The previous record's scaled values in this sector, per circuit and field: the base of the differences. */
export class CodecState {
  readonly previous: Float64Array;

  constructor(readonly circuits: number) {
    if (!(Number.isInteger(circuits) && circuits >= 1 && circuits <= MAX_CIRCUITS)) {
      throw new RangeError(`circuits must be 1..${MAX_CIRCUITS}, got ${circuits}`);
    }
    this.previous = new Float64Array(circuits * FIELD_COUNT);
  }

  /** Keyframe: the next record is stored against zero. */
  reset(): void {
    this.previous.fill(0);
  }

  copyFrom(other: CodecState): void {
    this.previous.set(other.previous);
  }
}

function scaled(value: unknown, scale: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${String(value)}`);
  const units = Math.round(value * scale);
  if (Math.abs(units) > MAX_UNITS) throw new RangeError(`${what} ${value} is out of the storable range`);
  return units;
}

/**
 * Payload: seq u32 | flags u8 | [seq − merged_from_seq, varint] | ts − baseTs (ms, svarint) | interval (ms, varint)
 * | circuit mask | count of optional fields | one presence mask per optional field | per circuit, per
 * field present: svarint(value − previous).
 * Updates `state`. Programmer errors (bad values) throw RangeError with the value; a full `out` sets out.overflowed.
 */
export function encodeRecord(out: ByteWriter, record: StoredRecord, state: CodecState, baseTsMs: number): void {
  const { circuits } = state;
  if (!(Number.isInteger(record.seq) && record.seq >= 1 && record.seq <= 0xffffffff)) throw new RangeError(`seq ${record.seq}`);
  const merged = record.merged_from_seq !== undefined && record.merged_from_seq !== record.seq;
  out.u32(record.seq);
  out.u8((merged ? FLAG_MERGED : 0) | FLAG_MASK_COUNT);
  if (merged) {
    const from = record.merged_from_seq!;
    if (!(Number.isInteger(from) && from >= 1 && from < record.seq)) throw new RangeError(`merged_from_seq ${from} for seq ${record.seq}`);
    out.varint(record.seq - from);
  }
  out.svarint(scaled(record.ts, 1, 'ts') - baseTsMs);
  const intervalMs = scaled(record.interval_s, 1000, 'interval_s');
  if (intervalMs < 0) throw new RangeError(`interval_s ${record.interval_s}`);
  out.varint(intervalMs);

  const byCircuit: (CircuitReading | undefined)[] = new Array(circuits);
  let mask = 0;
  for (const reading of record.circuits) {
    const c = reading.circuit;
    if (!(Number.isInteger(c) && c >= 1 && c <= circuits)) throw new RangeError(`circuit ${c} is not 1..${circuits}`);
    if (byCircuit[c - 1]) throw new RangeError(`circuit ${c} appears twice in record ${record.seq}`);
    byCircuit[c - 1] = reading;
    mask += 2 ** (c - 1);
  }
  out.varint(mask);
  out.varint(OPTIONAL_FIELDS.length);
  for (const f of OPTIONAL_FIELDS) {
    let optionalMask = 0;
    for (let c = 0; c < circuits; c++) {
      if (byCircuit[c]?.[STORED_FIELDS[f].field] !== undefined) optionalMask += 2 ** c;
    }
    out.varint(optionalMask);
  }
  for (let c = 0; c < circuits; c++) {
    const reading = byCircuit[c];
    if (!reading) continue;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const { field, scale } = STORED_FIELDS[f];
      const value = reading[field];
      if (value === undefined && STORED_FIELDS[f].optional) continue;
      const units = scaled(value, scale, `circuit ${c + 1} ${field}`);
      const k = c * FIELD_COUNT + f;
      out.svarint(units - state.previous[k]);
      state.previous[k] = units;
    }
  }
}

/** The seq of a record payload without decoding it. */
export function peekRecordSeq(bytes: Uint8Array, payloadOffset: number): number {
  return new ByteReader(bytes, payloadOffset, payloadOffset + 4).u32();
}

/** Inverse of encodeRecord; throws CorruptDataError on malformed input. Updates `state`. */
export function decodeRecord(bytes: Uint8Array, offset: number, end: number, state: CodecState, baseTsMs: number): StoredRecord {
  const { circuits } = state;
  const reader = new ByteReader(bytes, offset, end);
  const seq = reader.u32();
  const flags = reader.u8();
  const mergedFrom = flags & FLAG_MERGED ? seq - reader.varint() : undefined;
  const ts = baseTsMs + reader.svarint();
  const intervalS = reader.varint() / 1000;
  const mask = reader.varint();
  const maskCount = flags & FLAG_MASK_COUNT ? reader.varint() : LEGACY_OPTIONAL_MASKS;
  // More optional fields than this firmware knows: written by a newer one, their order is unknown here.
  if (maskCount > OPTIONAL_FIELDS.length) throw new CorruptDataError(`record ${seq} has ${maskCount} optional fields, this firmware knows ${OPTIONAL_FIELDS.length}`);
  const optionalMasks = OPTIONAL_FIELDS.map((_, k) => (k < maskCount ? reader.varint() : 0));
  if (mask >= 2 ** circuits) throw new CorruptDataError(`circuit mask ${mask} in record ${seq}`);
  const readings: CircuitReading[] = [];
  for (let c = 0; c < circuits; c++) {
    if (Math.floor(mask / 2 ** c) % 2 === 0) continue;
    const reading: Record<string, number> = { circuit: c + 1 };
    for (let f = 0; f < FIELD_COUNT; f++) {
      const { field, scale, optional } = STORED_FIELDS[f];
      if (optional && Math.floor(optionalMasks[OPTIONAL_FIELDS.indexOf(f)] / 2 ** c) % 2 === 0) continue;
      const k = c * FIELD_COUNT + f;
      const units = state.previous[k] + reader.svarint();
      state.previous[k] = units;
      reading[field] = units / scale;
    }
    readings.push(reading as unknown as CircuitReading);
  }
  const merged = mergedFrom === undefined ? {} : { merged_from_seq: mergedFrom };
  return { v: PROTOCOL_VERSION, seq, ...merged, ts, interval_s: intervalS, circuits: readings };
}
