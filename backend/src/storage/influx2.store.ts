/**
 * InfluxDB 2.x, 3.x and Cloud. Writes go through @influxdata/influxdb-client (POST /api/v2/write);
 * queries use InfluxQL on the v1-compatible /query endpoint with the token, because 3.x has no Flux
 * and InfluxQL works on both (2.x needs a DBRP mapping from `db` to the bucket: see infra/influxdb/README.md).
 */
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import { InfluxHttp } from './influx-http';
import { seriesQuery, toSeriesPoints } from './influxql';
import { circuitPointToLine, genericPointsToLines } from './line-protocol';
import {
  CircuitPoint,
  classifyStatus,
  GenericPoint,
  InfluxStatementResult,
  InfluxWriteError,
  SeriesPoint,
  SeriesQuery,
  TelemetryStore,
} from './storage.types';

export interface Influx2StoreOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Database name for InfluxQL (/query?db=): the DBRP mapping on 2.x, the database itself on 3.x. Default: bucket. */
  db?: string;
  writeTimeoutMs?: number;
  queryTimeoutMs?: number;
}

function toWriteError(error: unknown): InfluxWriteError {
  if (error instanceof InfluxWriteError) return error;
  if (error instanceof HttpError) {
    const detail = (error.json as { message?: string } | undefined)?.message ?? error.body ?? error.message;
    return new InfluxWriteError(`InfluxDB write answered ${error.statusCode}: ${String(detail).slice(0, 500)}`, classifyStatus(error.statusCode), error.statusCode, error.body);
  }
  return new InfluxWriteError(`InfluxDB write failed: ${(error as Error)?.message ?? String(error)}`, 'transient');
}

export class Influx2Store implements TelemetryStore {
  private readonly client: InfluxDB;
  private readonly http: InfluxHttp;

  constructor(private readonly options: Influx2StoreOptions) {
    this.client = new InfluxDB({ url: options.url, token: options.token, timeout: options.writeTimeoutMs ?? 15000 });
    this.http = new InfluxHttp({ url: options.url, token: options.token, auth: 'token', queryTimeoutMs: options.queryTimeoutMs });
  }

  writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    return this.writeLines(points.map(circuitPointToLine));
  }

  /** One bucket holds everything: `rp` (a 1.x retention policy) does not apply. */
  writePoints(measurement: string, points: GenericPoint[]): Promise<void> {
    return this.writeLines(genericPointsToLines(measurement, points));
  }

  /**
   * One WriteApi per call, closed before returning: its buffer is shared by whoever writes to it, so a
   * shared instance could flush one caller's lines with another's and resolve a caller whose lines
   * failed. No client-side retries: BatchingWriter retries, and a failure must reach the caller.
   */
  async writeLines(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    let failure: InfluxWriteError | undefined;
    const api = this.client.getWriteApi(this.options.org, this.options.bucket, 'ms', {
      batchSize: lines.length + 1,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: lines.length + 1,
      writeFailed: (error) => {
        failure = toWriteError(error);
        return Promise.reject(failure);
      },
    });
    api.writeRecords(lines);
    try {
      await api.close();
    } catch (error) {
      throw failure ?? toWriteError(error);
    }
    if (failure) throw failure;
  }

  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    const [result] = await this.query(seriesQuery(q));
    return toSeriesPoints(result);
  }

  query(influxql: string): Promise<InfluxStatementResult[]> {
    return this.http.query(influxql, this.options.db ?? this.options.bucket);
  }

  ping(): Promise<{ ok: boolean; version?: string }> {
    return this.http.ping();
  }

  async major(): Promise<'2'> {
    return '2';
  }

  /** Buckets are created by the operator (2.x) or on first write (3.x); this only checks reachability. */
  async ensureDatabase(): Promise<void> {
    const { ok } = await this.ping();
    if (!ok) throw new InfluxWriteError(`InfluxDB at ${this.options.url} does not answer /ping`, 'transient');
  }

  async close(): Promise<void> {
    // Every WriteApi is closed by the call that opened it.
  }
}
