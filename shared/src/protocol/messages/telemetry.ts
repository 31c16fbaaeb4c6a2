/** `telemetry` records and their `telemetry/ack` (docs/protocol.md). */
import { CIRCUIT_COUNT, CIRCUIT_METRICS, OptionalMetricField, RequiredMetricField } from '../metrics';
import { arr, num, obj, optional, refine, Schema } from '../schema';
import { circuitNumber, issuedSeq, PROTOCOL_VERSION, repeatedCircuit, seq, timestampMs, version } from './fields';

/** One circuit's values of a record: a number per CIRCUIT_METRICS field (metrics.ts), optional ones may be absent. */
export interface CircuitReading extends Record<RequiredMetricField, number>, Partial<Record<OptionalMetricField, number>> {
  circuit: number;
}

const readingShape: Record<string, Schema<unknown>> = { circuit: circuitNumber };
for (const metric of CIRCUIT_METRICS) {
  const field = num({ min: metric.min, max: metric.max });
  readingShape[metric.field] = 'optional' in metric && metric.optional ? optional(field) : field;
}
export const circuitReadingSchema = obj(readingShape) as unknown as Schema<CircuitReading>;

export interface TelemetryMessage {
  v: typeof PROTOCOL_VERSION;
  /** Per-device record sequence number, increasing by one per record, never reused. */
  seq: number;
  /** The record's own time (ms). Replayed records keep it. */
  ts: number;
  interval_s: number;
  /** Highest seq the device has had acknowledged (0 before the first ack): the backend's baseline after its own restart. */
  acked_seq: number;
  /**
   * Present when the device merged records merged_from_seq..seq into this coarser one while its
   * flash filled up during an outage: energy counters are exact at `seq`, readings are means.
   */
  merged_from_seq?: number;
  circuits: CircuitReading[];
}

const recordFields = {
  v: version,
  seq: issuedSeq,
  ts: timestampMs,
  interval_s: num({ min: 0.1, max: 86400 * 31 }),
  merged_from_seq: optional(issuedSeq),
  circuits: arr(circuitReadingSchema, { minItems: 1, maxItems: CIRCUIT_COUNT }),
};

/** What a record must satisfy on its own, with or without acked_seq. */
function recordProblem(m: SequencedRecord): string | undefined {
  const repeated = repeatedCircuit(m.circuits);
  if (repeated) return repeated;
  if (m.merged_from_seq !== undefined && m.merged_from_seq > m.seq) return `merged_from_seq ${m.merged_from_seq} must not be above seq ${m.seq}`;
  return undefined;
}

export const telemetrySchema: Schema<TelemetryMessage> = refine(obj({ ...recordFields, acked_seq: seq }), (m) => {
  if (m.acked_seq >= m.seq) return `acked_seq ${m.acked_seq} must be below seq ${m.seq}`;
  return recordProblem(m);
}) as Schema<TelemetryMessage>;

/** A record as the device stores it, before delivery adds v, seq and acked_seq. */
export type TelemetryRecord = Omit<TelemetryMessage, 'v' | 'seq' | 'acked_seq'>;
/** A stored record with its seq, as the flash log returns it. */
export type SequencedRecord = Omit<TelemetryMessage, 'acked_seq'>;

export interface TelemetryAckMessage {
  v: typeof PROTOCOL_VERSION;
  /** Every record with seq <= upto_seq is durably stored: the device may drop it from flash. */
  upto_seq: number;
}
export const telemetryAckSchema: Schema<TelemetryAckMessage> = obj({ v: version, upto_seq: seq });

/** Records per `telemetry/batch` message, at most. */
export const TELEMETRY_BATCH_MAX_RECORDS = 16;

/**
 * Several stored records in one message (docs/protocol.md, "Batched replay"): the meter sends its
 * backlog this way after an outage, one MQTT message and one decode per batch instead of per record.
 * Live records still go to `telemetry` one by one.
 */
export interface TelemetryBatchMessage {
  v: typeof PROTOCOL_VERSION;
  /** As in a single record: the highest seq the device has had acknowledged. */
  acked_seq: number;
  /** Oldest first, seq strictly increasing, each above acked_seq. */
  records: SequencedRecord[];
}

const batchRecordSchema = refine(obj(recordFields), recordProblem) as Schema<SequencedRecord>;

export const telemetryBatchSchema: Schema<TelemetryBatchMessage> = refine(
  obj({ v: version, acked_seq: seq, records: arr(batchRecordSchema, { minItems: 1, maxItems: TELEMETRY_BATCH_MAX_RECORDS }) }),
  (m) => {
    if (m.acked_seq >= m.records[0].seq) return `acked_seq ${m.acked_seq} must be below the first seq ${m.records[0].seq}`;
    for (let i = 1; i < m.records.length; i++) {
      const before = m.records[i - 1].seq;
      const at = m.records[i];
      if (at.seq <= before) return `records[${i}].seq ${at.seq} must be above the seq before it (${before})`;
      if (at.merged_from_seq !== undefined && at.merged_from_seq <= before) return `records[${i}].merged_from_seq ${at.merged_from_seq} overlaps the record before it (seq ${before})`;
    }
    return undefined;
  },
) as Schema<TelemetryBatchMessage>;
