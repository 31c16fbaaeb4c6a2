/**
 * InfluxDB 1.x (Debian's 1.6.7 in tests and `npm start`): POST /write?db=&precision=ms with line
 * protocol, InfluxQL on /query. 1.6/1.7 have no /api/v2/write, so this is the only write path there.
 */
import { InfluxHttp } from './influx-http';
import { quoteIdent, seriesQuery, toSeriesPoints } from './influxql';
import { circuitPointToLine, genericPointsToLines } from './line-protocol';
import { CircuitPoint, GenericPoint, InfluxStatementResult, InfluxWriteError, SeriesPoint, SeriesQuery, TelemetryStore } from './storage.types';

export interface Influx1StoreOptions {
  url: string;
  db: string;
  /** Retention policy to write into; default: the database's default policy. */
  rp?: string;
  /** "user:password" when auth is enabled. */
  token?: string;
  writeTimeoutMs?: number;
  queryTimeoutMs?: number;
}

export class Influx1Store implements TelemetryStore {
  readonly http: InfluxHttp;

  constructor(private readonly options: Influx1StoreOptions) {
    this.http = new InfluxHttp({ ...options, auth: 'basic' });
  }

  get db(): string {
    return this.options.db;
  }

  writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    return this.writeLines(points.map(circuitPointToLine));
  }

  writePoints(measurement: string, points: GenericPoint[], rp?: string): Promise<void> {
    return this.writeLines(genericPointsToLines(measurement, points), rp);
  }

  async writeLines(lines: string[], rp = this.options.rp): Promise<void> {
    if (lines.length === 0) return;
    const params: Record<string, string> = { db: this.options.db, precision: 'ms' };
    if (rp) params.rp = rp;
    try {
      await this.http.write('/write', params, lines);
    } catch (error) {
      // A wiped or fresh server answers 404 "database not found": create it once and write again.
      if (!(error instanceof InfluxWriteError && error.status === 404 && /database not found/i.test(error.message))) throw error;
      await this.ensureDatabase();
      await this.http.write('/write', params, lines);
    }
  }

  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    const [result] = await this.query(seriesQuery(q));
    return toSeriesPoints(result);
  }

  query(influxql: string): Promise<InfluxStatementResult[]> {
    return this.http.query(influxql, this.options.db);
  }

  ping(): Promise<{ ok: boolean; version?: string }> {
    return this.http.ping();
  }

  async major(): Promise<'1'> {
    return '1';
  }

  /** CREATE DATABASE is idempotent in 1.x (no error when it exists with the same settings). */
  async ensureDatabase(): Promise<void> {
    await this.http.query(`CREATE DATABASE ${quoteIdent(this.options.db)}`);
  }

  async close(): Promise<void> {
    // fetch keeps no state to release.
  }
}
