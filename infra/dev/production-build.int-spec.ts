/**
 * The production path of the README: `npm run build`, then a copy with production dependencies only
 * (`npm ci --omit=dev`, no TypeScript, no swc) runs `node backend/dist/main.js` against a real influxd,
 * answers /api/health without a token and the rest with one, and with stdout on a pipe it logs JSON
 * lines without colour codes.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStore } from '../../backend/src/security/tokens/token-store';
import { freePort, InfluxServer, startInflux } from './servers';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const WORKSPACES: string[] = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).workspaces;

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before it was ready:\n${seen}`)));
  });
}

describe('production build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-prod-'));
  const app = join(dir, 'app');
  let influx: InfluxServer;
  let backend: ChildProcess | undefined;

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influx') });
    run('npm', ['run', 'build'], ROOT);
    // What a deployment copies: the manifests, the lockfile and the build output; no sources.
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(app, file));
    for (const ws of WORKSPACES) {
      mkdirSync(join(app, ws), { recursive: true });
      cpSync(join(ROOT, ws, 'package.json'), join(app, ws, 'package.json'));
    }
    for (const ws of ['shared', 'backend']) cpSync(join(ROOT, ws, 'dist'), join(app, ws, 'dist'), { recursive: true });
    // The commissioning web app: static files, no build step (backend/src/webapp).
    cpSync(join(ROOT, 'backend', 'web'), join(app, 'backend', 'web'), { recursive: true });
    run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], app);
  });

  afterAll(async () => {
    if (backend && backend.exitCode === null) backend.kill('SIGKILL');
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should install no development dependency', () => {
    for (const dev of ['typescript', '@swc-node/register', '@swc/core', 'jest']) expect(existsSync(join(app, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '@nestjs', 'core'))).toBe(true);
  });

  it('should run the built backend with plain node and answer /api/health, then stop on SIGTERM', async () => {
    backend = spawn(process.execPath, ['backend/dist/main.js'], {
      cwd: app,
      env: { PATH: process.env.PATH, HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', MQTT_PORT: String(await freePort()), MQTT_HOST: '127.0.0.1', INFLUX_URL: influx.url, DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    backend.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [, api] = await waitForLine(backend, /dinmeter backend ready: http=(\S+) mqtt=\S+/, 60000);
    // The backend's own MQTT client may connect to its broker a moment after the ready line.
    let health: unknown;
    for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      const response = await fetch(`${api}/health`);
      expect(response.status).toBe(200);
      health = await response.json();
      if ((health as { status: string }).status === 'ok') break;
    }
    expect(health).toMatchObject({ status: 'ok', mqtt: { connected: true, broker: 'embedded' }, influx: { ok: true } });
    // The rest of the API wants a token from DATA_DIR/tokens.json (docs/security.md).
    expect((await fetch(`${api}/devices`)).status).toBe(401);
    const { token } = await TokenStore.inDataDir(join(dir, 'data')).create('read');
    expect((await fetch(`${api}/devices`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The API description, without a token: the committed docs/openapi.json, and its UI.
    const origin = new URL(api).origin;
    const served = await fetch(`${origin}/api-json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')));
    expect((await fetch(`${origin}/api/docs`)).headers.get('content-type')).toMatch(/^text\/html/);
    // The commissioning web app at /, without a token (its API calls carry one).
    const page = await fetch(`${origin}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    // The ordered shutdown (backend/src/lifecycle) exits 0 once its steps ran.
    const exited = new Promise<string>((resolve) => backend!.once('exit', (code, signal) => resolve(signal ?? String(code))));
    backend.kill('SIGTERM');
    expect(await exited).toBe('0');

    // stdout is a pipe, LOG_FORMAT unset: JSON lines without colour codes; the ready and stopped lines stay plain text
    // (scripts wait for them).
    expect(stdout).not.toContain('\x1b[');
    expect(stdout).toMatch(/^dinmeter backend stopped in \d+ ms/m);
    const lines = stdout.split('\n').filter((line) => line && !/^dinmeter backend (ready|stopped)/.test(line));
    expect(lines.length).toBeGreaterThan(5);
    const records = lines.map((line) => JSON.parse(line));
    expect(records).toContainEqual(expect.objectContaining({ level: 'log', context: 'RoutesResolver', pid: backend.pid }));
    for (const record of records) expect(record).toEqual(expect.objectContaining({ level: expect.any(String), timestamp: expect.any(Number), message: expect.anything() }));
  });
});
