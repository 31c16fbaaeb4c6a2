/**
 * The dev/test server harness against the real Debian binaries, plus the decision logic of
 * ensureDebianPackages with injected functions (nothing is installed or removed here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ensureDebianPackages, InstallDeps, InfluxServer, MosquittoServer, renderInfluxConfig, startInflux, startMosquitto } from './servers';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

async function influxql(url: string, q: string): Promise<any> {
  const response = await fetch(`${url}/query?db=harness&epoch=ms`, { method: 'POST', body: new URLSearchParams({ q }) });
  return response.json();
}

describe('servers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-servers-'));
  let influx: InfluxServer;
  let mosquitto: MosquittoServer;

  beforeAll(async () => {
    [influx, mosquitto] = await Promise.all([startInflux({ dataDir: join(dir, 'influx') }), startMosquitto({ dataDir: join(dir, 'mosquitto') })]);
  });
  afterAll(async () => {
    await influx?.stop();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('startInflux', () => {
    it('should write a config that keeps every port on 127.0.0.1 and all files in the data dir', () => {
      const config = readFileSync(join(dir, 'influx', 'influxd.conf'), 'utf8');
      expect(config).toContain(`bind-address = "127.0.0.1:${influx.port}"`);
      expect(config).toMatch(/^bind-address = "127\.0\.0\.1:\d+"$/m);
      expect(config).not.toMatch(/bind-address = ".*:8088"/);
      expect(config).not.toContain('{{');
      expect(config).toContain(`dir = "${join(dir, 'influx', 'meta')}"`);
    });

    it('should store a point over HTTP and keep it across a restart', async () => {
      await influxql(influx.url, 'CREATE DATABASE harness');
      const write = await fetch(`${influx.url}/write?db=harness&precision=ms`, { method: 'POST', body: 'm,t=a v=1.5 1700000000000' });
      expect(write.status).toBe(204);
      const pidBefore = influx.pid;
      await influx.restart();
      expect(influx.pid).not.toBe(pidBefore);
      expect(alive(pidBefore)).toBe(false);
      const body = await influxql(influx.url, 'SELECT * FROM m');
      expect(body.results[0].series[0].values).toEqual([[1700000000000, 'a', 1.5]]);
    });

    it('should stop answering while paused and answer again after resume', async () => {
      influx.pause();
      const paused = await fetch(`${influx.url}/ping`, { signal: AbortSignal.timeout(500) }).then(
        () => 'answered',
        () => 'no answer',
      );
      influx.resume();
      expect(paused).toBe('no answer');
      expect((await fetch(`${influx.url}/ping`)).status).toBe(204);
    });

    it('should start with a larger cache snapshot for a fleet (bench:ingest --influx-snapshot-mb)', async () => {
      const big = await startInflux({ dataDir: join(dir, 'fleet'), cache: { snapshotMb: 512 } });
      try {
        const config = readFileSync(join(dir, 'fleet', 'influxd.conf'), 'utf8');
        expect(config).toMatch(/^\s*cache-snapshot-memory-size = "512m"$/m);
        expect(config).toMatch(/^\s*cache-max-memory-size = "2048m"$/m);
        expect((await fetch(`${big.url}/ping`)).status).toBe(204);
      } finally {
        await big.stop();
      }
    });

    it('should end a server left behind on the same data dir by a killed parent', async () => {
      const leftover = await startInflux({ dataDir: join(dir, 'leftover') });
      const again = await startInflux({ dataDir: join(dir, 'leftover'), port: leftover.port });
      expect(alive(leftover.pid)).toBe(false);
      expect((await fetch(`${again.url}/ping`)).status).toBe(204);
      await again.stop();
    });

    it('should kill its servers when the Node process that started them exits', async () => {
      const script = `require('./infra/dev/servers').startInflux({ dataDir: ${JSON.stringify(join(dir, 'orphan'))} })` +
        `.then((s) => { process.stdout.write(String(s.pid)); process.exit(0); })`;
      const result = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
      const pid = Number(result.stdout);
      expect(pid).toBeGreaterThan(0);
      expect(alive(pid)).toBe(false);
    });

    it('should refuse a port another process holds instead of trusting its /ping', async () => {
      await expect(startInflux({ dataDir: join(dir, 'clash'), port: influx.port })).rejects.toThrow(/is taken by another process/);
    });

    it('should fail with the log tail when influxd exits during start-up', async () => {
      const rpcHolder = await startMosquitto({ dataDir: join(dir, 'rpc-holder') });
      try {
        await expect(startInflux({ dataDir: join(dir, 'clash'), bindPort: rpcHolder.port, port: undefined })).rejects.toThrow(
          /influxd exited \(1\) before it was ready\. Log [\s\S]*address already in use/,
        );
      } finally {
        await rpcHolder.stop();
      }
    });
  });

  describe('startMosquitto', () => {
    it('should relay a message and come back after restart on the same port', async () => {
      for (const round of ['before', 'after']) {
        const client = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
        await client.subscribeAsync('harness/t', { qos: 1 });
        const received = new Promise<string>((done) => client.once('message', (_topic, payload) => done(payload.toString())));
        await client.publishAsync('harness/t', round, { qos: 1 });
        expect(await received).toBe(round);
        await client.endAsync();
        if (round === 'before') await mosquitto.restart();
      }
    });
  });

  describe('stop', () => {
    it('should leave no process behind', async () => {
      const pids = [influx.pid, mosquitto.pid];
      await Promise.all([influx.stop(), mosquitto.stop()]);
      expect(pids.map(alive)).toEqual([false, false]);
      expect(influx.running).toBe(false);
      await influx.stop(); // twice is fine
    });
  });
});

describe('renderInfluxConfig', () => {
  it('should escape a data dir with quotes for TOML', () => {
    expect(renderInfluxConfig('/tmp/a"b', 1, 2)).toContain('dir = "/tmp/a\\"b/meta"');
  });

  it('should keep the small default cache and refuse a snapshot size influxd cannot take', () => {
    expect(renderInfluxConfig('/tmp/x', 1, 2)).toContain('cache-max-memory-size = "256m"');
    expect(renderInfluxConfig('/tmp/x', 1, 2)).toContain('cache-snapshot-memory-size = "25m"');
    for (const snapshotMb of [0, 1.5, 9000]) expect(() => renderInfluxConfig('/tmp/x', 1, 2, { snapshotMb })).toThrow(/influx cache snapshot must be 1-8192 MB/);
  });
});

describe('ensureDebianPackages', () => {
  function deps(installed: string[], root: boolean, exitCode = 0) {
    const have = new Set(installed);
    const runs: string[] = [];
    const d: InstallDeps = {
      which: (binary) => (have.has(binary) ? `/usr/bin/${binary}` : undefined),
      isRoot: () => root,
      run: async (command, args, env) => {
        runs.push(`${env.DEBIAN_FRONTEND} ${command} ${args.join(' ')}`);
        if (args[0] === 'install' && exitCode === 0) for (const pkg of args.slice(2)) have.add(pkg === 'influxdb' ? 'influxd' : pkg);
        return exitCode;
      },
      log: () => undefined,
    };
    return { d, runs };
  }

  it('should do nothing when every binary is there', async () => {
    const { d, runs } = deps(['influxd', 'mosquitto'], false);
    await ensureDebianPackages(['influxdb', 'mosquitto'], d);
    expect(runs).toEqual([]);
  });

  it('should tell a non-root user the exact command, and install nothing', async () => {
    const { d, runs } = deps(['influxd'], false);
    await expect(ensureDebianPackages(['influxdb', 'mosquitto'], d)).rejects.toThrow(/sudo apt-get install -y mosquitto$/);
    expect(runs).toEqual([]);
  });

  it('should run apt-get update and a non-interactive install of only the missing packages as root', async () => {
    const { d, runs } = deps([], true);
    await ensureDebianPackages(['influxdb', 'mosquitto'], d);
    expect(runs).toEqual(['noninteractive apt-get update', 'noninteractive apt-get install -y influxdb mosquitto']);
  });

  it('should fail when apt-get fails', async () => {
    const { d } = deps([], true, 100);
    await expect(ensureDebianPackages(['mosquitto'], d)).rejects.toThrow(/apt-get update failed with exit code 100/);
  });

  it('should refuse a package it does not know how to check', async () => {
    await expect(ensureDebianPackages(['grafana'], deps([], true).d)).rejects.toThrow(/unknown package "grafana"/);
  });
});
