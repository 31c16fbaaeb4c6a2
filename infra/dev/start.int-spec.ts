/**
 * `npm start` and Ctrl-C, for real: npm, infra/dev/npm-start.js, start.ts, the backend and the
 * meters. A terminal's Ctrl-C sends SIGINT to the whole foreground process group; every process must
 * then stop by itself (the backend within its 5 s, no SIGKILL needed) and `npm start` exit 0.
 * InfluxDB is started here (INFLUX_URL points at it, so start.ts starts none).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStore } from '../../backend/src/security/tokens/token-store';
import { freePort, InfluxServer, startInflux } from './servers';

const root = join(__dirname, '..', '..');
jest.setTimeout(150_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-start-'));
  let influx: InfluxServer;

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influxdb') });
  });
  afterAll(async () => {
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should stop every process on Ctrl-C, each one by itself (no SIGKILL) with exit code 0', async () => {
    const httpPort = await freePort();
    const env = {
      ...process.env,
      INFLUX_URL: influx.url,
      HTTP_PORT: String(httpPort),
      HTTP_HOST: '127.0.0.1',
      MQTT_PORT: String(await freePort()),
      MQTT_HOST: '127.0.0.1',
    };
    // Its own process group, like a shell job: the group's id is the pid of npm.
    const npm = spawn('npm', ['start', '--', '--meters', '1', '--interval', '1', '--data-dir', join(dir, 'data')], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const group = npm.pid!;
    try {
      // Up and storing: the meter's telemetry reached the backend, read with the token of the banner.
      for (let waited = 0; ; waited += 250) {
        const token = /^ +export DINMETER_TOKEN=(\S+)$/m.exec(output)?.[1];
        const devices = !token
          ? []
          : await fetch(`http://127.0.0.1:${httpPort}/api/devices`, { headers: { authorization: `Bearer ${token}` } })
              .then((r) => r.json() as Promise<{ lastTelemetrySeq?: number }[]>)
              .catch(() => []);
        if (Array.isArray(devices) && devices.some((d) => (d.lastTelemetrySeq ?? 0) >= 2)) break;
        if (waited > 90_000) throw new Error(`npm start did not come up:\n${output.slice(-3000)}`);
        await sleep(250);
      }

      // The banner's token is the local user's admin token, kept for the next start; without it: 401.
      const token = /^ +export DINMETER_TOKEN=(\S+)$/m.exec(output)![1];
      expect(readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim()).toBe(token);
      expect(TokenStore.inDataDir(join(dir, 'data', 'backend')).verify(token)?.role).toBe('admin');
      expect((await fetch(`http://127.0.0.1:${httpPort}/api/devices`)).status).toBe(401);

      const signalledAt = Date.now();
      process.kill(-group, 'SIGINT');
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 20_000)))]);
      clearTimeout(timer);
      const stopMs = Date.now() - signalledAt;
      process.stdout.write(`npm start: Ctrl-C → ${JSON.stringify(exit)} after ${stopMs} ms\n${output.split('stopping…')[1] ?? ''}\n`);

      // npm waits for its script, then dies of the SIGINT it got itself, as a shell expects of Ctrl-C.
      expect([{ code: 0, signal: null }, { code: null, signal: 'SIGINT' }]).toContainEqual(exit);
      expect(output).toMatch(/\[backend\] dinmeter backend stopped in \d+ ms\n/);
      expect(output).toMatch(/\[backend\] stopped \(exit 0\)/);
      expect(output).toMatch(/\[meters\] stopped \(exit 0\)/);
      expect(output).toMatch(/^everything stopped$/m);
      expect(output).not.toMatch(/killed|npm error/);
      // Nothing of the job is left behind.
      await sleep(200);
      expect(() => process.kill(-group, 0)).toThrow(/ESRCH/);
    } finally {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
