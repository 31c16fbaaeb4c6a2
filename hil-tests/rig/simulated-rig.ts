import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startInflux, startMosquitto } from '../../infra/dev/servers';
import { BACKEND_PASSWORD_FILE, CredentialsRegistry, IssuedMeter } from '../../backend/src/security/credentials/credentials.registry';
import { BACKEND_USERNAME } from '../../backend/src/security/credentials/credentials-file';

export { freePort };
import { parseCommandKeyHex } from '@dinmeter/shared';
import { FileSettingsStore } from '../../device/platform/host/file-settings';
import { CREDENTIAL_SETTINGS, provisionVirtualMeters, settingsPath } from '../../device/platform/host/meter-provisioning';
import type { SimMeterState } from '../../device/platform/host/sim-control';
import { BACKEND_NODE_FLAGS } from '../../backend/src/runtime-flags';
import { ManagedProcess } from './managed-process';
import { MeterSetup, Rig, RigCapability } from './rig';
import { influxRows, restCall } from './http';
import { SimInstruments } from './sim-instruments';
import { TOKENS_FILE, TokenStore } from '../../backend/src/security/tokens/token-store';

type Server = Awaited<ReturnType<typeof startInflux>>;

/** Username and password for mqtt.connect. */
export interface MqttLogin {
  username: string;
  password: string;
}

export interface SimulatedRigOptions {
  /** Use Debian's mosquitto as an external broker instead of the backend's embedded aedes. */
  externalBroker?: boolean;
  backendEnv?: Record<string, string>;
  keepDir?: boolean;
  /** influxd's cache snapshot size, MB (default: the local template's 25; docs/scaling.md). */
  influxSnapshotMb?: number;
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
  readonly backend = new ManagedProcess('backend', 'backend/src/main.ts', join(this.dir, 'backend.log'), BACKEND_NODE_FLAGS);
  readonly meters = new ManagedProcess(
    'meters',
    'device/platform/host/meters.ts',
    join(this.dir, 'meters.log'),
  );
  /** An optional second backend instance (scale-out): same influx and broker, own HTTP port and DATA_DIR. */
  readonly backend2 = new ManagedProcess('backend-2', 'backend/src/main.ts', join(this.dir, 'backend-2.log'), BACKEND_NODE_FLAGS);
  private httpPort2 = 0;
  private mqttPort = 0;
  private httpPort = 0;
  private influxPort = 0;
  private controlPort = 0;
  private lastMeterSetup?: MeterSetup;
  private simInstruments?: SimInstruments;
  private haLogin?: MqttLogin;
  /** An admin REST token the rig issued itself in the backend's DATA_DIR (docs/security.md); rest() sends it. */
  adminToken = '';
  private readonly deviceLogins = new Map<string, IssuedMeter>();

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
  /** Process ids of the rig's influxd and (externalBroker) mosquitto, for benchmarks that read their CPU time. */
  get serverPids(): { influxd?: number; mosquitto?: number } {
    return { influxd: this.influx?.pid, mosquitto: this.mosquitto?.pid };
  }

  get influxUrl(): string {
    return `http://127.0.0.1:${this.influxPort}`;
  }
  /**
   * The backend's DATA_DIR (credentials registry, tokens.json, the device registry, …): the `dinmeter`
   * CLI's --data-dir (docs/security.md).
   */
  get backendDataDir(): string {
    return join(this.dir, 'backend-data');
  }

  /**
   * A login for a test's own MQTT client: the backend's identity (may do anything: observers, forged
   * commands; created by the backend's first start) or Home Assistant's (issued on first use).
   */
  async mqttLogin(identity: 'backend' | 'homeassistant'): Promise<MqttLogin> {
    if (identity === 'backend') return this.backendLogin();
    this.haLogin ??= await new CredentialsRegistry(this.backendDataDir).issueService('homeassistant');
    return this.haLogin;
  }

  private backendLogin(): MqttLogin {
    const password = readFileSync(join(this.backendDataDir, BACKEND_PASSWORD_FILE), 'utf8').trim();
    return { username: BACKEND_USERNAME, password };
  }

  /** A meter's login (provisioned on first use, the same afterwards within this rig): a test playing a meter. */
  async deviceLogin(id: string): Promise<IssuedMeter & MqttLogin> {
    return (await this.deviceLoginsFor([id])).get(id)!;
  }

  /** deviceLogin for many meters in one registry write (load generators). */
  async deviceLoginsFor(ids: readonly string[]): Promise<Map<string, IssuedMeter>> {
    const issued = await new CredentialsRegistry(this.backendDataDir).ensureMeters(ids.map((id) => ({ id, saved: this.deviceLogins.get(id) })));
    for (const meter of issued) this.deviceLogins.set(meter.id, meter);
    return new Map(issued.map((m) => [m.id, m]));
  }

  /** The broker URL with a login in it (mqtt.js takes mqtt://user:password@host:port). */
  urlWith(login: MqttLogin): string {
    const url = new URL(this.mqttUrl);
    url.username = login.username;
    url.password = login.password;
    return url.toString().replace(/\/$/, '');
  }

  /**
   * The broker URL logged in as the backend, for observers and helpers that take a URL. The rig's
   * Mosquitto takes anyone (an open broker: the compromised-broker case), so there it is the plain URL.
   */
  get backendUrl(): string {
    return this.mosquitto ? this.mqttUrl : this.urlWith(this.backendLogin());
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
    this.influx = await startInflux({ dataDir: join(this.dir, 'influxdb'), port: this.influxPort, cache: { snapshotMb: this.options.influxSnapshotMb } });
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

  /** Issues adminToken once, and lets it into another DATA_DIR a backend is started with (a fresh one, a second instance). */
  private async admitRig(dataDir: string): Promise<void> {
    if (!this.adminToken) this.adminToken = (await TokenStore.inDataDir(this.backendDataDir).create('admin', 'HIL rig')).token;
    if (dataDir === this.backendDataDir || existsSync(join(dataDir, TOKENS_FILE))) return;
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(join(this.backendDataDir, TOKENS_FILE), join(dataDir, TOKENS_FILE));
  }

  async startBackend(env: Record<string, string> = {}): Promise<void> {
    await this.admitRig(env.DATA_DIR ?? this.options.backendEnv?.DATA_DIR ?? this.backendDataDir);
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
        DATA_DIR: this.backendDataDir,
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
    await this.admitRig(env.DATA_DIR ?? join(this.dir, 'backend-2-data'));
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
    return restCall<T>(fetch, { url: this.secondRestUrl, token: this.adminToken }, method, path, body);
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
      '--backend-data-dir',
      this.backendDataDir,
      ...(setup.speed ? ['--speed', String(setup.speed)] : []),
      ...(setup.startMs ? ['--start', new Date(setup.startMs).toISOString()] : []),
      ...(setup.ids ? ['--ids', setup.ids.join(',')] : []),
      '--control-port',
      String(this.controlPort),
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
   * A virtual meter's command key, for tests that publish signed commands themselves as a backend
   * would (docs/security.md "Signed commands"): the one in the meter's settings, or provisioned now
   * through the same code path as `npm run meters` (the meters started later boot with it).
   */
  async commandKey(id: string): Promise<Uint8Array> {
    const dir = join(this.dir, 'meters', id);
    const saved = new FileSettingsStore(settingsPath(dir)).get(CREDENTIAL_SETTINGS.commandKey);
    if (saved !== undefined) return parseCommandKeyHex(saved);
    const issued = await provisionVirtualMeters(this.backendDataDir, [{ id, dir }]);
    return parseCommandKeyHex(issued.get(id)!.commandKey);
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
    return restCall<T>(fetch, { url: this.restUrl, token: this.adminToken }, method, path, body);
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
