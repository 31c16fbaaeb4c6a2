import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startInflux, startMosquitto } from '../../infra/dev/servers';

export { freePort };
import { provisionCommandKeys, readCommandKey } from '../../device/platform/host/command-key-file';
import type { SimMeterState } from '../../device/platform/host/sim-control';
import { ManagedProcess } from './managed-process';
import { MeterSetup, Rig, RigCapability } from './rig';
import { influxRows, restCall } from './http';
import { SimInstruments } from './sim-instruments';

type Server = Awaited<ReturnType<typeof startInflux>>;

export interface SimulatedRigOptions {
  /** Use Debian's mosquitto as an external broker instead of the backend's embedded aedes. */
  externalBroker?: boolean;
  backendEnv?: Record<string, string>;
  keepDir?: boolean;
}

/**
 * Everything real but the electricity: influxd (Debian 1.6) and optionally mosquitto on free ports in
 * a temp dir, the backend as its own process (embedded broker on a fixed free port, so a restarted
 * backend is found again), and a meters process with simulated loads.
 */
export class SimulatedRig implements Rig {
  readonly kind = 'sim' as const;
  readonly capabilities: ReadonlySet<RigCapability>;
  readonly dir = mkdtempSync(join(tmpdir(), 'dinmeter-rig-'));
  readonly db = 'dinmeter';
  private influx?: Server;
  private mosquitto?: Awaited<ReturnType<typeof startMosquitto>>;
  readonly backend = new ManagedProcess('backend', 'backend/src/main.ts', join(this.dir, 'backend.log'));
  readonly meters = new ManagedProcess(
    'meters',
    'device/platform/host/meters.ts',
    join(this.dir, 'meters.log'),
  );
  /** An optional second backend instance (scale-out): same influx and broker, own HTTP port and DATA_DIR. */
  readonly backend2 = new ManagedProcess('backend-2', 'backend/src/main.ts', join(this.dir, 'backend-2.log'));
  private httpPort2 = 0;
  private mqttPort = 0;
  private httpPort = 0;
  private influxPort = 0;
  private controlPort = 0;
  private lastMeterSetup?: MeterSetup;
  private simInstruments?: SimInstruments;

  constructor(private readonly options: SimulatedRigOptions = {}) {
    const capabilities: RigCapability[] = [
      'power-cut',
      'clean-stop',
      'backend-restart',
      'backend-config',
      'influx-restart',
      'time-warp',
      'meter-journal',
      'flash-power-cut',
      'sim-inspect',
      'named-meters',
      'instruments',
    ];
    if (options.externalBroker) capabilities.push('broker-restart', 'second-backend');
    this.capabilities = new Set(capabilities);
  }

  get meterIds(): readonly string[] {
    const setup = this.lastMeterSetup;
    if (!setup) return [];
    return setup.ids ?? Array.from({ length: setup.count }, (_, k) => `vm-${k + 1}`);
  }

  /** Source, load and reference on the first meter, done on the simulated circuits (sim-instruments.ts). */
  get instruments(): SimInstruments {
    this.simInstruments ??= new SimInstruments(
      {
        meterState: (id) => this.meterState(id),
        forceCurrent: (id, circuit, amps, pf, lagging) => this.forceCurrent(id, circuit, amps, pf, lagging),
        setSupply: (volts, hz) => this.control('POST', '/supply', { volts, hz }),
      },
      this.meterIds[0] ?? 'vm-1',
    );
    return this.simInstruments;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/api`;
  }
  get mqttUrl(): string {
    return this.mosquitto ? this.mosquitto.url : `mqtt://127.0.0.1:${this.mqttPort}`;
  }
  get influxUrl(): string {
    return `http://127.0.0.1:${this.influxPort}`;
  }
  /** The virtual meters' simulation control channel (device/platform/host/sim-control.ts). */
  get controlUrl(): string {
    return `http://127.0.0.1:${this.controlPort}`;
  }

  async start(): Promise<void> {
    this.httpPort = await freePort();
    this.mqttPort = await freePort();
    this.influxPort = await freePort();
    this.controlPort = await freePort();
    await this.startInflux();
    if (this.options.externalBroker)
      this.mosquitto = await startMosquitto({ dataDir: join(this.dir, 'mosquitto') });
    await this.startBackend();
  }

  async startInflux(): Promise<void> {
    this.influx = await startInflux({ dataDir: join(this.dir, 'influxdb'), port: this.influxPort });
  }

  async stopInflux(): Promise<void> {
    await this.influx?.stop();
  }

  async restartBroker(): Promise<void> {
    if (!this.mosquitto) throw new Error('restartBroker needs externalBroker: true');
    await this.mosquitto.restart();
  }

  /** Broker outage (external mosquitto only): every client loses its connection until startBroker(). */
  async stopBroker(): Promise<void> {
    if (!this.mosquitto) throw new Error('stopBroker needs externalBroker: true');
    await this.mosquitto.stop();
  }

  /** Same port and config again; mosquitto runs without persistence, so retained messages are gone. */
  async startBroker(): Promise<void> {
    if (!this.mosquitto) throw new Error('startBroker needs externalBroker: true');
    await this.mosquitto.restart();
  }

  async startBackend(env: Record<string, string> = {}): Promise<void> {
    await this.backend.start(
      [],
      {
        HTTP_PORT: String(this.httpPort),
        HTTP_HOST: '127.0.0.1',
        MQTT_PORT: String(this.mqttPort),
        MQTT_HOST: '127.0.0.1',
        ...(this.mosquitto ? { MQTT_URL: this.mosquitto.url } : {}),
        INFLUX_URL: this.influxUrl,
        INFLUX_DB: this.db,
        DATA_DIR: join(this.dir, 'backend-data'),
        HEARTBEAT_INTERVAL_S: '1',
        COMMAND_RETRY_S: '2',
        LOG_LEVEL: 'log',
        ...this.options.backendEnv,
        ...env,
      },
      /dinmeter backend ready/,
    );
  }

  /** Starts a second backend process (use with externalBroker: true; the embedded broker cannot be shared). */
  async startSecondBackend(env: Record<string, string> = {}): Promise<void> {
    if (!this.mosquitto) throw new Error('startSecondBackend needs externalBroker: true');
    if (!this.httpPort2) this.httpPort2 = await freePort();
    await this.backend2.start(
      [],
      {
        HTTP_PORT: String(this.httpPort2),
        HTTP_HOST: '127.0.0.1',
        MQTT_URL: this.mosquitto.url,
        INFLUX_URL: this.influxUrl,
        INFLUX_DB: this.db,
        DATA_DIR: join(this.dir, 'backend-2-data'),
        HEARTBEAT_INTERVAL_S: '1',
        COMMAND_RETRY_S: '2',
        LOG_LEVEL: 'log',
        ...this.options.backendEnv,
        ...env,
      },
      /dinmeter backend ready/,
    );
  }

  async killSecondBackend(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.backend2.kill(signal);
  }

  get secondRestUrl(): string {
    return `http://127.0.0.1:${this.httpPort2}/api`;
  }

  /** REST call to the second backend instance. */
  async restSecond<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return restCall<T>(fetch, this.secondRestUrl, method, path, body);
  }

  async killBackend(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.backend.kill(signal);
  }

  async startMeters(setup: MeterSetup): Promise<void> {
    this.lastMeterSetup = setup;
    const args = [
      '--count',
      String(setup.count),
      '--interval',
      String(setup.intervalS),
      '--data-dir',
      join(this.dir, 'meters'),
      '--mqtt-url',
      this.mqttUrl,
      ...(setup.speed ? ['--speed', String(setup.speed)] : []),
      ...(setup.startMs ? ['--start', new Date(setup.startMs).toISOString()] : []),
      ...(setup.ids ? ['--ids', setup.ids.join(',')] : []),
      '--control-port',
      String(this.controlPort),
      '--command-keys',
      this.commandKeyFile,
      ...(setup.extraArgs ?? []),
    ];
    await this.meters.start(args, {}, /meters running/);
  }

  async restartMeters(): Promise<void> {
    if (!this.lastMeterSetup) throw new Error('no meters were started');
    await this.startMeters(this.lastMeterSetup);
  }

  async killMeters(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.meters.kill(signal);
  }

  async stopMeters(): Promise<void> {
    await this.meters.stop();
  }

  /**
   * The meters' command keys, in the backend's DATA_DIR where it reads them (docs/security.md
   * "Signed commands"); startMeters creates the missing ones.
   */
  get commandKeyFile(): string {
    return join(this.dir, 'backend-data', 'command-keys.json');
  }

  /**
   * A meter's command key, for tests that publish signed commands themselves (as a backend would);
   * created now when the meter has none yet (the meters started later take it from the file).
   */
  commandKey(id: string): Uint8Array {
    provisionCommandKeys(this.commandKeyFile, [id]);
    return readCommandKey(this.commandKeyFile, id) as Uint8Array;
  }

  /** What the simulated board and the relay manager of one virtual meter say now (control channel). */
  async meterState(id: string): Promise<SimMeterState> {
    return this.control<SimMeterState>('GET', `/meters/${encodeURIComponent(id)}`);
  }

  /** Forces a current through a simulated circuit (overcurrent tests); null hands it back to the appliance. */
  async forceCurrent(id: string, circuit: number, amps: number | null, pf = 1, lagging = true): Promise<void> {
    await this.control('POST', `/meters/${encodeURIComponent(id)}/circuits/${circuit}/current`, { amps, pf, lagging });
  }

  /** A chip fault on one circuit (sim-control.ts): 'dead', 'miso-low', 'reset', 'corrupt-calibration', 'none'. */
  async chipFault(id: string, circuit: number, fault: string): Promise<void> {
    await this.control('POST', `/meters/${encodeURIComponent(id)}/circuits/${circuit}/fault`, { fault });
  }

  async control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await response.json()) as T & { message?: string };
    if (!response.ok)
      throw new Error(`sim control ${method} ${path}: ${response.status} ${parsed.message ?? ''}`);
    return parsed;
  }

  async influxQuery(q: string): Promise<Record<string, unknown>[]> {
    return influxRows(fetch, this.influxUrl, this.db, q);
  }

  async rest<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return restCall<T>(fetch, this.restUrl, method, path, body);
  }

  async stop(): Promise<void> {
    this.simInstruments = undefined;
    await this.meters.stop();
    await this.backend.stop();
    await this.backend2.stop();
    await this.mosquitto?.stop();
    await this.influx?.stop();
    if (!this.options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns a truthy value or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
