/**
 * What the backend needs from InfluxDB, whatever its version. Schema (fixed by the product): database
 * `dinmeter`, measurement `circuit`, tags `device` and `circuit`, one float field per CIRCUIT_METRICS
 * entry plus the integer `seq`, timestamp = the record's own ts in ms.
 */
export const CIRCUIT_MEASUREMENT = 'circuit';

export interface CircuitPoint {
  device: string;
  circuit: number;
  /** The record's own time (ms since the epoch). */
  ts: number;
  /** Metric fields are written as floats; `seq` as an integer. */
  fields: Record<string, number>;
}

/** A field value: number → float, bigint → integer, string, boolean. */
export type FieldValue = number | bigint | string | boolean;

export interface GenericPoint {
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  ts: number;
}

export type SeriesFn = 'mean' | 'last' | 'max' | 'min' | 'sum';

export interface SeriesQuery {
  device: string;
  /** Omitted: every circuit of the device, combined by `fn` per interval. */
  circuit?: number;
  field: string;
  /** Half-open range [from, to) in ms. */
  from: number;
  to: number;
  /** InfluxQL duration such as '10s', '1m', '15m'. Omitted: the raw points (fn is ignored). */
  every?: string;
  fn?: SeriesFn;
  /** Retention policy to read, e.g. a downsampled one ('rp_1m'); default: the database's default. */
  rp?: string;
}

export interface SeriesPoint {
  ts: number;
  value: number | null;
}

/** One statement's answer from /query (times in ms because every query asks for epoch=ms). */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
export interface InfluxStatementResult {
  statement_id: number;
  series: InfluxSeries[];
}

export interface TelemetryStore {
  /** Resolves only when InfluxDB accepted every point (HTTP 2xx); rejects otherwise (the caller then does NOT ack). */
  writeCircuitPoints(points: CircuitPoint[]): Promise<void>;
  /** `rp`: the retention policy to write into (1.x; 2.x/3.x write everything to the bucket). */
  writePoints(measurement: string, points: GenericPoint[], rp?: string): Promise<void>;
  querySeries(q: SeriesQuery): Promise<SeriesPoint[]>;
  /** Raw InfluxQL (tests, the CLI, retention setup). Throws InfluxQueryError if any statement failed. */
  query(influxql: string): Promise<InfluxStatementResult[]>;
  ping(): Promise<{ ok: boolean; version?: string }>;
  /** '1' for InfluxDB 1.x (retention policies, continuous queries), '2' for 2.x/3.x/Cloud. */
  major(): Promise<'1' | '2'>;
  /** Creates the database if it does not exist (1.x); checks reachability on 2.x/3.x. */
  ensureDatabase(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How a failed write should be handled:
 * - transient: network error, timeout, 5xx, 429 → retry later, the points are fine;
 * - rejected: 400/413/422 → InfluxDB refuses these points (bad line, field type conflict, beyond
 *   retention); retrying the same points cannot succeed;
 * - config: 401/403/404 → wrong URL, database, token: no retry helps until someone fixes it.
 */
export type WriteFailureKind = 'transient' | 'rejected' | 'config';

export class InfluxWriteError extends Error {
  override readonly name = 'InfluxWriteError';
  constructor(
    message: string,
    readonly kind: WriteFailureKind,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
  /** The same points will never be accepted: retrying or replaying them is pointless. */
  get permanent(): boolean {
    return this.kind === 'rejected';
  }
}

export function classifyStatus(status: number): WriteFailureKind {
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status === 401 || status === 403 || status === 404) return 'config';
  return 'rejected';
}

export class InfluxQueryError extends Error {
  override readonly name = 'InfluxQueryError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The writer's buffer is full: the caller must not ack; the device keeps the record and replays it. */
export class BackpressureError extends Error {
  override readonly name = 'BackpressureError';
  constructor(
    readonly pendingPoints: number,
    readonly maxPendingPoints: number,
  ) {
    super(`storage backlog full (${pendingPoints} of ${maxPendingPoints} points pending): not accepting more until InfluxDB catches up`);
  }
}
