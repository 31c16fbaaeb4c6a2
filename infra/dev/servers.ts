/**
 * Real servers for integration tests and `npm start`: Debian's influxd 1.6 and mosquitto 2.0, each on
 * 127.0.0.1 with its own data directory, config file and log file. Nothing here needs root except
 * ensureDebianPackages() when a package is missing.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

const INFLUX_TEMPLATE = join(__dirname, '..', 'influxdb', 'influxd-local.conf.template');
const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

// ---- binaries ------------------------------------------------------------------------------------

/** The absolute path of an executable found on PATH or in the system dirs (mosquitto lives in /usr/sbin). */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...SYSTEM_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const findInfluxd = (): string | undefined => findExecutable('influxd');
export const findMosquitto = (): string | undefined => findExecutable('mosquitto');

/** Debian package → the executable that proves it is installed. */
const PACKAGE_BINARIES: Record<string, string> = { influxdb: 'influxd', mosquitto: 'mosquitto', 'influxdb-client': 'influx' };

export interface InstallDeps {
  which(binary: string): string | undefined;
  isRoot(): boolean;
  /** Runs a command with inherited output; resolves with its exit code. */
  run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number>;
  log(line: string): void;
}

const defaultInstallDeps: InstallDeps = {
  which: (binary) => findExecutable(binary),
  isRoot: () => typeof process.getuid === 'function' && process.getuid() === 0,
  run: (command, args, env) =>
    new Promise((done, fail) => {
      const child = spawn(command, args, { stdio: 'inherit', env });
      child.once('error', fail);
      child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
    }),
  log: (line) => process.stdout.write(`${line}\n`),
};

/**
 * Installs the Debian packages whose binaries are missing, when running as root; otherwise throws an
 * error that says exactly what to run. Does nothing when everything is there.
 */
export async function ensureDebianPackages(packages: string[], deps: InstallDeps = defaultInstallDeps): Promise<void> {
  for (const pkg of packages) {
    if (!(pkg in PACKAGE_BINARIES)) throw new Error(`ensureDebianPackages: unknown package ${JSON.stringify(pkg)}`);
  }
  const missing = packages.filter((pkg) => deps.which(PACKAGE_BINARIES[pkg]) === undefined);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (!deps.isRoot()) {
    throw new Error(
      `missing Debian package(s): ${missing.join(', ')} (no ${missing.map((p) => PACKAGE_BINARIES[p]).join(', ')} found).\n` +
        `Install them with:\n  sudo ${command}`,
    );
  }
  deps.log(`> installing ${missing.join(', ')}: apt-get update && ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps: [string, string[]][] = [
    ['apt-get', ['update']],
    ['apt-get', ['install', '-y', ...missing]],
  ];
  for (const [cmd, args] of steps) {
    const code = await deps.run(cmd, args, env);
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${code}`);
  }
  const still = missing.filter((pkg) => deps.which(PACKAGE_BINARIES[pkg]) === undefined);
  if (still.length > 0) throw new Error(`installed ${still.join(', ')} but ${still.map((p) => PACKAGE_BINARIES[p]).join(', ')} is still missing`);
}

// ---- ports ---------------------------------------------------------------------------------------

/** A port that was free a moment ago: bind port 0 on 127.0.0.1 and release it. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

async function influxPings(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return response.status === 204;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// ---- processes -----------------------------------------------------------------------------------

/** Every server child still running: killed when this Node process exits, however it exits normally. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  return isRunning(child) ? new Promise((done) => child.once('exit', () => done())) : Promise.resolve();
}

/**
 * A previous run killed with SIGKILL (or a crashed `npm start`) can leave its server behind, holding
 * the port and the data dir's lock. The pid file lets the next start on the same dataDir end it.
 */
async function killLeftover(pidFile: string, configFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running (or not Linux)
  }
  if (!cmdline.includes(configFile)) return; // the pid was reused by something else
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
}

interface ServerSpec {
  name: string;
  port: number;
  binary: string;
  args: string[];
  configFile: string;
  logFile: string;
  pidFile: string;
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
}

/** One server process: spawn with output to a log file, wait until ready, stop with SIGTERM → SIGKILL. */
class ServerProcess {
  private child?: ChildProcess;

  constructor(private readonly spec: ServerSpec) {}

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== undefined && isRunning(this.child);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.spec.name} is already running (pid ${this.pid})`);
    const { name, binary, args, configFile, logFile, pidFile, ready, readyTimeoutMs } = this.spec;
    await killLeftover(pidFile, configFile);
    // Without this check the readiness probe could be answered by whoever already holds the port.
    if (await tcpAccepts(this.spec.port)) {
      throw new Error(`${name}: 127.0.0.1:${this.spec.port} is taken by another process (address already in use)`);
    }
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(binary, args, { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    track(child);
    const spawnError = new Promise<Error>((done) => child.once('error', done));
    if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
      if (failed) throw new Error(`${name}: could not run ${binary}: ${failed.message}`);
      if (!isRunning(child)) {
        throw new Error(`${name} exited (${child.signalCode ?? child.exitCode}) before it was ready. Log ${logFile}:\n${tail(logFile)}`);
      }
      if ((await ready()) && isRunning(child)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`${name} was not ready after ${readyTimeoutMs} ms. Log ${logFile}:\n${tail(logFile)}`);
      }
      await sleep(100);
    }
  }

  async stop(timeoutMs = 10000): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (isRunning(child)) {
      child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(this.spec.pidFile, { force: true });
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (!this.child || !this.running) throw new Error(`${this.spec.name} is not running`);
    this.child.kill(signal);
  }
}

export interface ServerHandle {
  readonly url: string;
  readonly port: number;
  /** The current process id (changes with restart()). */
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after timeoutMs. Safe to call twice. */
  stop(timeoutMs?: number): Promise<void>;
  /** Stops if running, then starts again on the same port and data directory. */
  restart(): Promise<void>;
  /** SIGSTOP: the port stays open but nothing answers (a hung server). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

function handle(server: ServerProcess, info: { url: string; port: number; dataDir: string; logFile: string }): ServerHandle {
  return {
    ...info,
    get pid() {
      return server.pid;
    },
    get running() {
      return server.running;
    },
    stop: (timeoutMs?: number) => server.stop(timeoutMs),
    restart: async () => {
      await server.stop();
      await server.start();
    },
    pause: () => server.signal('SIGSTOP'),
    resume: () => server.signal('SIGCONT'),
  };
}

/** Starts with ports picked by freePort(); a port taken between pick and bind gets one more try. */
async function startWithPorts<T>(pick: () => Promise<T>, start: (ports: T) => Promise<ServerHandle>, fixed: boolean): Promise<ServerHandle> {
  for (let attempt = 1; ; attempt++) {
    const ports = await pick();
    try {
      return await start(ports);
    } catch (error) {
      if (fixed || attempt >= 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

// ---- influxd -------------------------------------------------------------------------------------

export interface InfluxOptions {
  /** Holds meta/, data/, wal/, the config file and influxd.log. Created if missing. */
  dataDir: string;
  /** HTTP port (default: a free one). */
  port?: number;
  /** RPC (backup/restore) port; influxd would take 8088 otherwise (default: a free one). */
  bindPort?: number;
  readyTimeoutMs?: number;
  cache?: InfluxCacheOptions;
}

export type InfluxServer = ServerHandle;

/** influxd's in-memory cache: small by default; `snapshotMb` for a fleet (docs/scaling.md "InfluxDB's cache snapshot"). */
export interface InfluxCacheOptions {
  /** cache-snapshot-memory-size, MB (influxd's default: 25). */
  snapshotMb?: number;
}

/** cache-max-memory-size: 256 MB, or four snapshots' worth when a larger snapshot is asked for. */
function influxCacheValues(cache: InfluxCacheOptions = {}): { cacheMaxMemory: string; cacheSnapshotMemory: string } {
  const snapshotMb = cache.snapshotMb ?? 25;
  if (!Number.isInteger(snapshotMb) || snapshotMb < 1 || snapshotMb > 8192) throw new Error(`influx cache snapshot must be 1-8192 MB, not ${snapshotMb}`);
  return { cacheMaxMemory: `${Math.max(256, snapshotMb * 4)}m`, cacheSnapshotMemory: `${snapshotMb}m` };
}

/** The config file for influxd 1.6, from infra/influxdb/influxd-local.conf.template. */
export function renderInfluxConfig(dataDir: string, httpPort: number, rpcPort: number, cache: InfluxCacheOptions = {}): string {
  const tomlDir = dataDir.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const values: Record<string, string> = { dataDir: tomlDir, httpPort: String(httpPort), rpcPort: String(rpcPort), ...influxCacheValues(cache) };
  return readFileSync(INFLUX_TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`influx config template: unknown placeholder {{${key}}}`);
    return values[key];
  });
}

/** Starts Debian's influxd on 127.0.0.1; resolves once GET /ping answers 204. */
export async function startInflux(options: InfluxOptions): Promise<InfluxServer> {
  const binary = findInfluxd();
  if (!binary) throw new Error('influxd not found: install it with `sudo apt-get install -y influxdb`');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const pick = async () => ({ http: options.port ?? (await freePort()), rpc: options.bindPort ?? (await freePort()) });
  const fixed = options.port !== undefined && options.bindPort !== undefined;
  return startWithPorts(
    pick,
    async ({ http, rpc }) => {
      const configFile = join(dataDir, 'influxd.conf');
      const logFile = join(dataDir, 'influxd.log');
      writeFileSync(configFile, renderInfluxConfig(dataDir, http, rpc, options.cache));
      const url = `http://127.0.0.1:${http}`;
      const server = new ServerProcess({
        name: 'influxd',
        port: http,
        binary,
        args: ['run', '-config', configFile],
        configFile,
        logFile,
        pidFile: join(dataDir, 'influxd.pid'),
        ready: () => influxPings(url),
        readyTimeoutMs: options.readyTimeoutMs ?? 30000,
      });
      await server.start();
      return handle(server, { url, port: http, dataDir, logFile });
    },
    fixed,
  );
}

// ---- mosquitto -----------------------------------------------------------------------------------

export interface MosquittoOptions {
  /** Holds mosquitto.conf and mosquitto.log. Created if missing. */
  dataDir: string;
  port?: number;
  readyTimeoutMs?: number;
}

export type MosquittoServer = ServerHandle;

export function renderMosquittoConfig(port: number): string {
  return [
    '# mosquitto 2.0 for local development and tests (infra/dev/servers.ts)',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // The product's end-to-end ack (docs/invariants.md invariant 1) carries delivery, not broker persistence.
    'persistence false',
    // As infra/mosquitto/mosquitto.conf: the default 1,000 queued messages per client drops telemetry
    // on its way to the backend as soon as more than 1,000 records are in flight (bench:ingest, 1,000 meters × 8).
    'max_queued_messages 20000',
    'max_inflight_messages 50',
    // As infra/mosquitto/mosquitto.conf: small packets (a command, an ack) leave at once, no Nagle wait.
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    '',
  ].join('\n');
}

/** Starts Debian's mosquitto on 127.0.0.1; resolves once the port accepts connections. */
export async function startMosquitto(options: MosquittoOptions): Promise<MosquittoServer> {
  const binary = findMosquitto();
  if (!binary) throw new Error('mosquitto not found: install it with `sudo apt-get install -y mosquitto`');
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  return startWithPorts(
    async () => options.port ?? (await freePort()),
    async (port) => {
      const configFile = join(dataDir, 'mosquitto.conf');
      const logFile = join(dataDir, 'mosquitto.log');
      writeFileSync(configFile, renderMosquittoConfig(port));
      const server = new ServerProcess({
        name: 'mosquitto',
        port,
        binary,
        args: ['-c', configFile],
        configFile,
        logFile,
        pidFile: join(dataDir, 'mosquitto.pid'),
        ready: () => tcpAccepts(port),
        readyTimeoutMs: options.readyTimeoutMs ?? 15000,
      });
      await server.start();
      return handle(server, { url: `mqtt://127.0.0.1:${port}`, port, dataDir, logFile });
    },
    options.port !== undefined,
  );
}
