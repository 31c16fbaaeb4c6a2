/**
 * `npm start`: a local InfluxDB (Debian's influxdb, data under .data/influxdb), the backend with
 * its embedded broker, and 3 virtual meters in their own process. Ctrl-C stops everything.
 * Environment variables are the backend's (see README): with INFLUX_URL pointing elsewhere no local
 * InfluxDB is started; with MQTT_URL set the meters and backend use that broker. The demo serves the
 * LAN (HTTP_HOST 0.0.0.0 unless set) and prints an admin REST token for the local user.
 * Options: --meters N, --interval S, --data-dir DIR (default .data: influxdb/, backend/, meters/).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { BACKEND_NODE_FLAGS } from '../../backend/src/runtime-flags';
import { TokenStore } from '../../backend/src/security/tokens/token-store';
import { CliArgs, numberOption, runCli } from '../../shared/node/cli';
import { ensureDebianPackages, startInflux } from './servers';

const root = join(__dirname, '..', '..');
const DEFAULT_INFLUX = 'http://127.0.0.1:8086';

const children: { name: string; child: ChildProcess }[] = [];
let lastOutputAt = 0;
const stops: (() => Promise<void>)[] = [];
let stopping = false;

function runTs(name: string, file: string, args: string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '-r', '@swc-node/register', join(root, file), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = (line: string) => `[${name}] ${line}\n`;
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix(line));
      lastOutputAt = Date.now();
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stdout.write(prefix(`exited (${signal ?? code}); stopping everything`));
      void shutdown(1);
    }
  });
  children.push({ name, child });
  return child;
}

/** Resolves once the children have written nothing for quietMs (at most maxMs): the banner comes last. */
async function settle(quietMs: number, maxMs: number): Promise<void> {
  for (const until = Date.now() + maxMs; Date.now() < until && Date.now() - lastOutputAt < quietMs; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', () => reject(new Error('exited before it was ready')));
  });
}

async function answersPing(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return response.status === 204;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if it is still there after 8 s (the backend stops within 5 s); says which. */
async function stopChild(name: string, child: ChildProcess): Promise<boolean> {
  const exit = () => child.signalCode ?? `exit ${child.exitCode}`;
  // Ctrl-C signals the whole process group: a child may have stopped on its own already.
  if (child.exitCode !== null || child.signalCode !== null) {
    process.stdout.write(`[${name}] stopped (${exit()})\n`);
    return true;
  }
  const started = Date.now();
  child.kill('SIGTERM');
  const clean = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(false);
    }, 8000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const how = clean ? `stopped (${exit()}) after ${Date.now() - started} ms` : 'still running after 8 s: killed';
  process.stdout.write(`[${name}] ${how}\n`);
  return clean;
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  // The meters first (they keep unacknowledged records in flash), then the backend.
  let clean = true;
  for (const { name, child } of children.reverse()) clean = (await stopChild(name, child)) && clean;
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  if (clean) process.stdout.write('everything stopped\n');
  process.exit(clean ? code : 1);
}

/**
 * The admin token of the person who ran `npm start`, kept in DIR/admin.token (0600) and issued again
 * only when it no longer works (revoked, or a new DATA_DIR), so an exported DINMETER_TOKEN survives restarts.
 */
async function localAdminToken(dataDir: string, backendDataDir: string): Promise<string> {
  const file = join(dataDir, 'admin.token');
  const store = TokenStore.inDataDir(backendDataDir);
  const kept = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (kept && store.verify(kept)?.role === 'admin') return kept;
  const { token } = await store.create('admin', 'npm start (local user)');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

const SPEC = {
  name: 'npm start',
  usage: `usage: npm start [-- --meters N --interval SECONDS --data-dir DIR]
  Starts InfluxDB (unless INFLUX_URL points elsewhere), the backend and N virtual meters (default 3,
  a record every 5 s), keeping their data under DIR (default .data). The backend's environment
  variables apply (README, "Configuration").`,
  options: { meters: { type: 'string' }, interval: { type: 'string' }, 'data-dir': { type: 'string' } },
} as const;

async function main(meters: string, interval: string, dataDir: string): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  const env = { ...process.env };
  const httpPort = env.HTTP_PORT ?? '3000';
  const mqttPort = env.MQTT_PORT ?? '1883';
  const influxUrl = env.INFLUX_URL ?? DEFAULT_INFLUX;
  const db = env.INFLUX_DB ?? 'dinmeter';

  if (influxUrl === DEFAULT_INFLUX) {
    if (await answersPing(influxUrl)) {
      process.stdout.write(`InfluxDB already running at ${influxUrl}: using it\n`);
    } else {
      await ensureDebianPackages(['influxdb']);
      const influx = await startInflux({ dataDir: join(dataDir, 'influxdb'), port: 8086 });
      stops.push(() => influx.stop());
      process.stdout.write(`InfluxDB ${influx.url} (data in ${join(dataDir, 'influxdb')})\n`);
    }
  }

  const backendDataDir = resolvePath(env.DATA_DIR ?? join(dataDir, 'backend'));
  const token = await localAdminToken(dataDir, backendDataDir);
  const backend = runTs('backend', 'backend/src/main.ts', [], {
    // Its stdout is our pipe, which would mean JSON lines: text reads better here.
    LOG_FORMAT: 'pretty',
    // The demo is for the phone on the sofa too; every REST call needs a token (docs/security.md).
    HTTP_HOST: '0.0.0.0',
    ...env,
    HTTP_PORT: httpPort,
    MQTT_PORT: mqttPort,
    INFLUX_URL: influxUrl,
    DATA_DIR: backendDataDir,
  }, BACKEND_NODE_FLAGS);
  const ready = await waitForLine(backend, /dinmeter backend ready: http=(\S+) mqtt=(\S+)/, 60000);
  const [, restUrl, mqttUrl] = ready;

  const metersProcess = runTs('meters', 'device/platform/host/meters.ts', [
    '--count', meters,
    '--interval', interval,
    '--data-dir', join(dataDir, 'meters'),
    // Each meter's login comes from the backend's credentials registry (docs/security.md).
    '--backend-data-dir', backendDataDir,
    '--mqtt-url', env.MQTT_URL ?? mqttUrl,
  ], env);
  await waitForLine(metersProcess, /meters running: /, 60000);
  // The route table, the meters' boot lines and their first connection logs go first.
  await settle(1000, 5000);

  const query = `SELECT mean("power_w") FROM "circuit" WHERE time > now() - 5m GROUP BY time(30s), "device", "circuit"`;
  process.stdout.write(
    [
      '',
      '──────────────────────────────────────────────────────────────────────────',
      ` dinmeter is running with ${meters} virtual meters (vm-1 … vm-${meters}), telemetry every ${interval} s`,
      '',
      ` REST API      ${restUrl}   with an admin token for you (kept in ${join(dataDir, 'admin.token')}):`,
      `               export DINMETER_TOKEN=${token}`,
      `               curl -H "authorization: Bearer $DINMETER_TOKEN" ${restUrl}/devices/vm-1/circuits`,
      `               curl -X POST -H "authorization: Bearer $DINMETER_TOKEN" ${restUrl}/devices/vm-1/circuits/3/relay -H 'content-type: application/json' -d '{"state":"off"}'`,
      '               more tokens: npm run --silent dinmeter -- token create --role read|control|admin',
      ` Web app       ${new URL(restUrl).origin}/   commissioning: meters, claim codes, live view (log in with the token)`,
      ` MQTT broker   ${env.MQTT_URL ?? mqttUrl}`,
      `               mosquitto_sub -h 127.0.0.1 -p ${mqttPort} -u dinmeter-backend -P "$(cat ${join(backendDataDir, 'mqtt-backend.password')})" -t 'dinmeter/#' -v`,
      '               every client logs in: npm run --silent dinmeter -- device add <id> (docs/security.md)',
      '               topics: dinmeter/<id>/status (retained) · telemetry · telemetry/ack · events ·',
      '                       cmd · cmd/ack · relays (retained) · plan (retained) · dinmeter/backend/heartbeat',
      ` InfluxDB      ${influxUrl}  database "${db}", measurement "circuit"`,
      `               influx -host 127.0.0.1 -database ${db} -execute '${query}'`,
      '',
      ' Ctrl-C stops everything.',
      '──────────────────────────────────────────────────────────────────────────',
      '',
    ].join('\n'),
  );
}

void runCli(SPEC, ({ values }: CliArgs<typeof SPEC.options>) => {
  const meters = String(numberOption('meters', values.meters, { min: 1, max: 1000, integer: true }) ?? 3);
  const interval = String(numberOption('interval', values.interval, { min: 0.1, max: 3600 }) ?? 5);
  const dataDir = resolvePath(values['data-dir'] ?? join(root, '.data'));
  main(meters, interval, dataDir).catch((error) => {
    process.stderr.write(`npm start: ${error instanceof Error ? error.message : error}\n`);
    void shutdown(1);
  });
});
