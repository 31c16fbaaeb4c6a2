/**
 * Picks the store for the configured InfluxDB. With version 'auto' the choice waits for the first
 * call and follows /ping's X-Influxdb-Version header (1.x → /write; anything else → the v2 client),
 * so the backend starts even while InfluxDB is down.
 */
import { InfluxHttp } from './influx-http';
import { Influx1Store } from './influx1.store';
import { Influx2Store } from './influx2.store';
import { CircuitPoint, GenericPoint, InfluxStatementResult, InfluxWriteError, SeriesPoint, SeriesQuery, TelemetryStore } from './storage.types';

export interface TelemetryStoreConfig {
  url: string;
  /** 1.x database (and InfluxQL db on 2.x/3.x). */
  db: string;
  token?: string;
  org?: string;
  bucket?: string;
  version?: 'auto' | '1' | '2';
}

function create(config: TelemetryStoreConfig, major: '1' | '2'): TelemetryStore {
  if (major === '1') return new Influx1Store({ url: config.url, db: config.db, token: config.token });
  const { token, org, bucket } = config;
  if (!token || !org || !bucket) {
    throw new Error(`InfluxDB at ${config.url} is 2.x/3.x: it needs INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET`);
  }
  return new Influx2Store({ url: config.url, token, org, bucket, db: config.db });
}

/** '1' for a 1.x server; '2' for 2.x, 3.x, Cloud; no header: 2 when a token, org and bucket are configured. */
export function majorFromVersionHeader(version: string | undefined, config: TelemetryStoreConfig): '1' | '2' {
  if (version !== undefined) return /^v?1\./.test(version) ? '1' : '2';
  return config.token && config.org && config.bucket ? '2' : '1';
}

export function createTelemetryStore(config: TelemetryStoreConfig): TelemetryStore {
  const version = config.version ?? 'auto';
  return version === 'auto' ? new AutoTelemetryStore(config) : create(config, version);
}

/** Detects the version on first use; until detection succeeds every call fails like a down InfluxDB. */
export class AutoTelemetryStore implements TelemetryStore {
  private detected?: Promise<TelemetryStore>;
  private readonly http: InfluxHttp;

  constructor(private readonly config: TelemetryStoreConfig) {
    this.http = new InfluxHttp({ url: config.url, token: config.token, auth: config.org ? 'token' : 'basic' });
  }

  /** The detected store, once a call has found out. */
  resolve(): Promise<TelemetryStore> {
    this.detected ??= this.http.ping().then(({ ok, version }) => {
      if (!ok) throw new InfluxWriteError(`InfluxDB at ${this.config.url} does not answer /ping (version not detected yet)`, 'transient');
      return create(this.config, majorFromVersionHeader(version, this.config));
    });
    this.detected.catch(() => (this.detected = undefined));
    return this.detected;
  }

  async writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    return (await this.resolve()).writeCircuitPoints(points);
  }
  async writePoints(measurement: string, points: GenericPoint[], rp?: string): Promise<void> {
    return (await this.resolve()).writePoints(measurement, points, rp);
  }
  async querySeries(q: SeriesQuery): Promise<SeriesPoint[]> {
    return (await this.resolve()).querySeries(q);
  }
  async query(influxql: string): Promise<InfluxStatementResult[]> {
    return (await this.resolve()).query(influxql);
  }
  ping(): Promise<{ ok: boolean; version?: string }> {
    return this.http.ping();
  }
  async major(): Promise<'1' | '2'> {
    return (await this.resolve()).major();
  }
  async ensureDatabase(): Promise<void> {
    return (await this.resolve()).ensureDatabase();
  }
  async close(): Promise<void> {
    const store = await this.detected?.catch(() => undefined);
    await store?.close();
  }
}
