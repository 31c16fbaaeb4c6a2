/**
 * The HIL rig on a real bench (docs/hil.md): meters flashed with the ESP32 firmware and fed by a
 * programmable AC source, a deployed backend with its InfluxDB and broker, an electronic load and a
 * reference meter on the meter in the fixture. Configured by a JSON file (bench-config.ts).
 * What a bench cannot do is not among its capabilities; a scenario step that needs it anyway
 * throws BenchUnsupportedError.
 */
import { BenchConfig, benchRestToken, loadBenchConfig } from './bench-config';
import { BenchInstruments } from './bench-instruments';
import { influxRows, restCall } from './http';
import { MeterSetup, Rig, RigCapability } from './rig';

export class BenchUnsupportedError extends Error {
  constructor(what: string, why: string) {
    super(`${what} is not supported on a bench rig: ${why} (run this scenario with HIL_RIG=sim)`);
  }
}

export class BenchRig implements Rig {
  readonly kind = 'bench' as const;
  readonly capabilities: ReadonlySet<RigCapability> = new Set<RigCapability>(['power-cut', 'instruments']);
  readonly restUrl: string;
  /** The broker without a login: a test's client adds its own (a meter's, from deviceLogin). */
  readonly mqttUrl: string;
  /** The bench config's backend.mqttUrl, which carries the backend's login (mqtt://dinmeter-backend:…@host). */
  readonly backendUrl: string;
  readonly influxUrl: string;
  readonly db: string;
  readonly deviceIds: readonly string[];
  readonly instruments: BenchInstruments;
  readonly supply: { volts: number; hz: number };
  private readonly onlineTimeoutMs: number;
  private active: string[] = [];

  constructor(
    readonly config: BenchConfig,
    private readonly fetchImpl: typeof fetch = fetch,
    /** REST bearer token (benchRestToken). */
    private readonly token?: string,
  ) {
    this.restUrl = config.backend.restUrl.replace(/\/$/, '');
    this.backendUrl = config.backend.mqttUrl;
    // mqtt.js lets a login in the URL win over the connect options, so the plain URL has none.
    const plain = new URL(config.backend.mqttUrl);
    plain.username = '';
    plain.password = '';
    this.mqttUrl = plain.toString().replace(/\/$/, '');
    this.influxUrl = config.backend.influxUrl.replace(/\/$/, '');
    this.db = config.backend.influxDb ?? 'dinmeter';
    this.deviceIds = config.meters;
    this.supply = config.supply ?? { volts: 230, hz: 50 };
    this.onlineTimeoutMs = config.onlineTimeoutMs ?? 120_000;
    this.instruments = new BenchInstruments(config.instruments, config.dut ?? config.meters[0]);
  }

  static fromFile(path: string): BenchRig {
    const config = loadBenchConfig(path);
    return new BenchRig(config, fetch, benchRestToken(config, path));
  }

  get meterIds(): readonly string[] {
    return this.active;
  }

  /** Checks that the backend and every instrument answer, and sets the bench's mains on the source. */
  async start(): Promise<void> {
    const health = await this.rest('GET', '/health');
    if (health.status !== 200) throw new Error(`backend at ${this.restUrl} is not healthy: HTTP ${health.status}`);
    await this.instruments.identify();
    await this.instruments.setSupply(this.supply.volts, this.supply.hz);
    await this.instruments.loadOff();
  }

  /** Load off and instruments closed. The meters stay powered: they are the bench's, not the test's. */
  async stop(): Promise<void> {
    await this.instruments.close();
  }

  /** Powers the bench meters and waits until the backend lists the requested ones online. */
  async startMeters(setup: MeterSetup): Promise<void> {
    if (setup.speed !== undefined && setup.speed !== 1) throw new BenchUnsupportedError('speed', 'real meters run in real time');
    if (setup.startMs !== undefined) throw new BenchUnsupportedError('startMs', 'real meters take their time from SNTP');
    if (setup.extraArgs?.length) throw new BenchUnsupportedError('extraArgs', 'they are virtual-meter command-line options');
    if (setup.ids) throw new BenchUnsupportedError('ids', 'the bench meters have their own ids (config "meters")');
    if (setup.count > this.deviceIds.length) throw new Error(`scenario wants ${setup.count} meters, the bench has ${this.deviceIds.length} (config "meters")`);
    // The telemetry interval is provisioned on the meter (docs/hardware.md), not set per scenario.
    const dut = this.instruments.dut;
    this.active = [dut, ...this.deviceIds.filter((id) => id !== dut)].slice(0, setup.count);
    await this.instruments.setPower(true);
    await this.waitOnline(this.active, true);
  }

  /** A power cut: the source's output goes off. Waits for the broker's last will (1.5 × keep-alive). */
  async killMeters(): Promise<void> {
    await this.instruments.setPower(false);
    await this.waitOnline(this.active, false);
  }

  async stopMeters(): Promise<void> {
    throw new BenchUnsupportedError('stopMeters', 'a real meter has no clean stop; use killMeters (power cut)');
  }

  async startBackend(): Promise<void> {
    throw new BenchUnsupportedError('startBackend', 'the backend is an external service (config backend.restUrl)');
  }

  async killBackend(): Promise<void> {
    throw new BenchUnsupportedError('killBackend', 'the backend is an external service (config backend.restUrl)');
  }

  async stopInflux(): Promise<void> {
    throw new BenchUnsupportedError('stopInflux', 'InfluxDB is an external service (config backend.influxUrl)');
  }

  async startInflux(): Promise<void> {
    throw new BenchUnsupportedError('startInflux', 'InfluxDB is an external service (config backend.influxUrl)');
  }

  async influxQuery(q: string): Promise<Record<string, unknown>[]> {
    return influxRows(this.fetchImpl, this.influxUrl, this.db, q);
  }

  async rest<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return restCall<T>(this.fetchImpl, { url: this.restUrl, token: this.token }, method, path, body);
  }

  private async waitOnline(ids: readonly string[], online: boolean, timeoutMs = this.onlineTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
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
      if (Date.now() > deadline) throw new Error(`meters did not go ${online ? 'online' : 'offline'} within ${timeoutMs} ms (${last})`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Provisions (or rotates) meter `id` through the backend's REST API (docs/security.md). */
  async deviceLogin(id: string): Promise<{ username: string; password: string }> {
    let issued = await this.rest<{ username: string; password: string }>('POST', '/devices', { id });
    if (issued.status === 409) issued = await this.rest('POST', `/devices/${encodeURIComponent(id)}/credentials/rotate`);
    if (issued.status >= 300) throw new Error(`provisioning ${id}: HTTP ${issued.status}`);
    return issued.body;
  }
}
