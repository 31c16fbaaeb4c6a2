/**
 * The HIL rig on a real bench: meters flashed with the ESP32 firmware, a running backend with its
 * InfluxDB and broker, reachable by URL, and a bench controller for supply, loads and network
 * (bench-controller.ts). Configured from the environment (docs/hil.md):
 *   HIL_REST_URL    backend REST base, e.g. http://10.0.0.2:3000/api
 *   HIL_MQTT_URL    broker the meters use, e.g. mqtt://10.0.0.2:1883
 *   HIL_INFLUX_URL  InfluxDB 1.x HTTP, e.g. http://10.0.0.2:8086   (HIL_INFLUX_DB, default dinmeter)
 *   HIL_DEVICE_IDS  comma-separated ids of the meters on the bench, e.g. dm-a4cf120b3c7d,dm-…
 *   HIL_BENCH_URL   the bench controller, tcp://host:port
 * What a bench cannot do (restart the backend, stop InfluxDB, run meters faster than real time,
 * stop a meter cleanly) throws BenchUnsupportedError: such scenarios run on the simulated rig.
 */
import { BenchController, LineBenchController, parseBenchUrl } from './bench-controller';
import { MeterSetup, Rig } from './rig';
import { influxRows, restCall } from './http';

export class BenchUnsupportedError extends Error {
  constructor(what: string, why: string) {
    super(`${what} is not supported on a bench rig: ${why} (run this scenario with HIL_RIG=sim)`);
  }
}

export interface BenchRigConfig {
  restUrl: string;
  mqttUrl: string;
  influxUrl: string;
  db: string;
  deviceIds: string[];
  controller: BenchController;
  /** How long startMeters waits for the meters to report online. */
  onlineTimeoutMs?: number;
  /** For tests of the rig itself. */
  fetchImpl?: typeof fetch;
}

/** Reads the bench configuration from the environment; names every missing variable at once. */
export function benchConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Omit<BenchRigConfig, 'controller'> & { benchUrl: string } {
  const required = [
    'HIL_REST_URL',
    'HIL_MQTT_URL',
    'HIL_INFLUX_URL',
    'HIL_DEVICE_IDS',
    'HIL_BENCH_URL',
  ] as const;
  const missing = required.filter((name) => !env[name]?.trim());
  if (missing.length > 0) throw new Error(`bench rig needs ${missing.join(', ')} (docs/hil.md)`);
  const deviceIds = env
    .HIL_DEVICE_IDS!.split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (deviceIds.length === 0) throw new Error('HIL_DEVICE_IDS lists no device');
  return {
    restUrl: env.HIL_REST_URL!.replace(/\/$/, ''),
    mqttUrl: env.HIL_MQTT_URL!,
    influxUrl: env.HIL_INFLUX_URL!.replace(/\/$/, ''),
    db: env.HIL_INFLUX_DB?.trim() || 'dinmeter',
    deviceIds,
    benchUrl: env.HIL_BENCH_URL!,
  };
}

export class BenchRig implements Rig {
  readonly restUrl: string;
  readonly mqttUrl: string;
  readonly influxUrl: string;
  readonly db: string;
  readonly deviceIds: readonly string[];
  readonly controller: BenchController;
  private readonly onlineTimeoutMs: number;
  private readonly fetch: typeof fetch;
  private activeIds: string[] = [];

  constructor(config: BenchRigConfig) {
    this.restUrl = config.restUrl;
    this.mqttUrl = config.mqttUrl;
    this.influxUrl = config.influxUrl;
    this.db = config.db;
    this.deviceIds = config.deviceIds;
    this.controller = config.controller;
    this.onlineTimeoutMs = config.onlineTimeoutMs ?? 120_000;
    this.fetch = config.fetchImpl ?? fetch;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): BenchRig {
    const { benchUrl, ...config } = benchConfigFromEnv(env);
    return new BenchRig({ ...config, controller: new LineBenchController(parseBenchUrl(benchUrl)) });
  }

  /** Checks that backend and controller answer; leaves the meters' supply as it is. */
  async start(): Promise<void> {
    const health = await this.rest('GET', '/health');
    if (health.status !== 200)
      throw new Error(`backend at ${this.restUrl} is not healthy: HTTP ${health.status}`);
    await this.controller.identify();
  }

  /** Loads off, controller closed. The meters stay powered: they are the bench's, not the test's. */
  async stop(): Promise<void> {
    try {
      for (let circuit = 1; circuit <= 10; circuit++) await this.controller.setLoad(circuit, 0);
    } finally {
      await this.controller.close();
    }
  }

  /** Powers the bench meters and waits until the backend lists the requested ones online. */
  async startMeters(setup: MeterSetup): Promise<void> {
    if (setup.speed !== undefined && setup.speed !== 1)
      throw new BenchUnsupportedError('speed', 'real meters run in real time');
    if (setup.startMs !== undefined)
      throw new BenchUnsupportedError('startMs', 'real meters take their time from SNTP');
    if (setup.extraArgs?.length)
      throw new BenchUnsupportedError('extraArgs', 'they are virtual-meter command-line options');
    const ids = setup.ids ?? this.deviceIds.slice(0, setup.count);
    const unknown = ids.filter((id) => !this.deviceIds.includes(id));
    if (unknown.length > 0) throw new Error(`not on this bench (HIL_DEVICE_IDS): ${unknown.join(', ')}`);
    if (ids.length < setup.count)
      throw new Error(`scenario wants ${setup.count} meters, the bench has ${this.deviceIds.length}`);
    // The telemetry interval is provisioned on the meter (docs/hardware.md), not set per scenario.
    this.activeIds = ids;
    await this.controller.setPower(true);
    await this.waitOnline(ids, true);
  }

  /** A power cut: the meters' supply goes off (SIGKILL-like; the signal has no meaning here). */
  async killMeters(): Promise<void> {
    await this.controller.setPower(false);
    // The broker publishes the last will after 1.5 × keep-alive (30 s on the firmware).
    await this.waitOnline(this.activeIds, false);
  }

  async stopMeters(): Promise<void> {
    throw new BenchUnsupportedError(
      'stopMeters',
      'a real meter has no clean stop; use killMeters (power cut)',
    );
  }

  async startBackend(): Promise<void> {
    throw new BenchUnsupportedError('startBackend', 'the backend is an external service at HIL_REST_URL');
  }

  async killBackend(): Promise<void> {
    throw new BenchUnsupportedError('killBackend', 'the backend is an external service at HIL_REST_URL');
  }

  async stopInflux(): Promise<void> {
    throw new BenchUnsupportedError('stopInflux', 'InfluxDB is an external service at HIL_INFLUX_URL');
  }

  async startInflux(): Promise<void> {
    throw new BenchUnsupportedError('startInflux', 'InfluxDB is an external service at HIL_INFLUX_URL');
  }

  /** Bench-only: a network outage of the meters (store-and-forward scenarios). */
  async cutNetwork(seconds: number): Promise<void> {
    await this.controller.cutNetwork(seconds);
  }

  async influxQuery(q: string): Promise<Record<string, unknown>[]> {
    return influxRows(this.fetch, this.influxUrl, this.db, q);
  }

  async rest<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return restCall<T>(this.fetch, this.restUrl, method, path, body);
  }

  private async waitOnline(ids: readonly string[], online: boolean): Promise<void> {
    const deadline = Date.now() + this.onlineTimeoutMs;
    let last = '';
    for (;;) {
      try {
        const { body } = await this.rest<{ id: string; online: boolean }[]>('GET', '/devices');
        const states = new Map(body.map((d) => [d.id, d.online]));
        const pending = ids.filter((id) => (states.get(id) ?? false) !== online);
        if (pending.length === 0) return;
        last = `still ${online ? 'offline' : 'online'}: ${pending.join(', ')}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline)
        throw new Error(
          `meters did not go ${online ? 'online' : 'offline'} within ${this.onlineTimeoutMs} ms (${last})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
