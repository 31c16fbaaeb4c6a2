/**
 * Every command-line tool in the repository, spawned as a user runs it: `--help` prints the usage,
 * exits 0 and touches nothing (no process, no TCP connection, no file written: touch-guard.js, and a
 * port we listen on that the tool is pointed at); an unknown flag or a bad value exits 2 with a
 * clear message and no stack trace, also touching nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const GUARD = join(__dirname, 'touch-guard.js');

interface Cli {
  file: string;
  /** Arguments that would make the tool reach the trap (URLs, data dirs) if it ran. */
  args?: (trap: Trap) => string[];
  /** A bad value and the message it must give. */
  bad?: { args: (trap: Trap) => string[]; message: RegExp };
}

interface Trap {
  url: string;
  mqttUrl: string;
  dir: string;
}

const CLIS: Cli[] = [
  {
    file: 'backend/src/storage/retention.cli.ts',
    args: (t) => ['--url', t.url],
    bad: { args: (t) => ['--url', t.url, '--raw-keep', '30 days'], message: /retention "30 days" is not a duration/ },
  },
  { file: 'backend/src/openapi/openapi.cli.ts', bad: { args: () => ['--chek'], message: /unknown option --chek \(did you mean --check\?\)/ } },
  { file: 'backend/src/storage/storage.bench.ts', args: (t) => ['--url', t.url], bad: { args: (t) => ['--url', t.url, '--records', 'many'], message: /--records must be a whole number/ } },
  { file: 'backend/src/prices/prices.cli.ts', args: (t) => ['parse', join(t.dir, 'prices.xml')], bad: { args: () => ['parse', '-', '--format', 'xls'], message: /--format must be one of entsoe, esios/ } },
  { file: 'backend/src/appliances/anomalies.cli.ts', args: (t) => [join(t.dir, 'trace.csv')], bad: { args: (t) => [join(t.dir, 'trace.csv'), '--train-days', '0'], message: /--train-days must be a positive integer, got "0"/ } },
  { file: 'backend/src/appliances/appliances.cli.ts', args: (t) => [join(t.dir, 'trace.csv')], bad: { args: () => ['a.csv', 'b.csv'], message: /too many arguments/ } },
  { file: 'backend/src/appliances/evaluation/anomalies.bench.ts', bad: { args: () => ['--trials', 'many'], message: /--trials must be a whole number from 1 to 1000, got "many"/ } },
  { file: 'backend/src/automation/plan.cli.ts', args: (t) => ['--prices', join(t.dir, 'p.json')], bad: { args: () => ['--prices', '-', '--duration', '0', '--power', '1'], message: /--duration must be a positive number, got "0"/ } },
  {
    file: 'device/platform/host/meters.ts',
    args: (t) => ['--data-dir', join(t.dir, 'meters'), '--mqtt-url', t.mqttUrl, '--control-port', '0'],
    bad: { args: (t) => ['--data-dir', join(t.dir, 'meters'), '--mqtt-url', t.mqttUrl, '--count', 'three'], message: /--count must be a whole number from 1 to 1000, got "three"/ },
  },
  {
    file: 'device/platform/host/portal-meter.ts',
    args: (t) => ['--data-dir', join(t.dir, 'meter'), '--port', '0'],
    bad: { args: (t) => ['--data-dir', join(t.dir, 'meter'), '--port', 'eighty'], message: /--port must be a whole number from 0 to 65535, got "eighty"/ },
  },
  {
    file: 'backend/src/security/dinmeter.cli.ts',
    args: (t) => ['device', 'list', '--data-dir', join(t.dir, 'data')],
    bad: { args: () => ['gadget', 'list'], message: /unknown area "gadget"/ },
  },
  { file: 'device/tools/analyze.ts', args: (t) => [join(t.dir, 'w.csv'), '--rate', '10000'], bad: { args: (t) => [join(t.dir, 'w.csv'), '--rate', 'fast'], message: /--rate must be the sample rate in Hz/ } },
  { file: 'device/xs/run-xs-tests.ts', args: () => ['--json'] },
  { file: 'device/bench/device-bench.ts' },
  { file: 'device/tools/firmware/firmware.cli.ts', args: () => ['check'], bad: { args: () => ['flash', '--quiet'], message: /flash needs --port <tty>/ } },
  { file: 'schematics/cost.ts' },
  { file: 'schematics/generate.ts', bad: { args: () => ['--force'], message: /unknown option --force/ } },
  { file: 'hil-tests/bench/replay-bench.ts' },
  { file: 'hil-tests/fuzz/fuzz.ts', bad: { args: () => ['--runs', 'many'], message: /--runs must be a whole number from 1 to 10000000, got "many"/ } },
  { file: 'hil-tests/bench/ingest-bench.ts', bad: { args: () => ['--meters', 'many'], message: /--meters must be a whole number from 1 to 100000, got "many"/ } },
  { file: 'backend/src/devices/registry.bench.ts', bad: { args: () => ['--meters', '0'], message: /--meters must be a whole number from 1 to 1000000, got "0"/ } },
  {
    file: 'hil-tests/hil.ts',
    args: (t) => ['--rig', 'bench', '--config', join(t.dir, 'bench.json')],
    bad: { args: () => ['--rig', 'bench', '--emulated', '--suite', 'production', '--serial', '../x'], message: /--serial must be 1-64 of A-Z a-z 0-9 \. _ -, got "\.\.\/x"/ },
  },
  { file: 'infra/dev/start.ts', args: () => ['--meters', '2'], bad: { args: () => ['--interval=-5'], message: /--interval must be a number from 0.1 to 3600, got "-5"/ } },
  { file: 'infra/dev/test.ts', args: () => ['unit'], bad: { args: () => ['units'], message: /unknown step units \(steps: typecheck, lint, unit, firmware, firmware-lin, integration, virtual-board, hil-bench\)/ } },
];

/** Programs with a main that are not tools a person runs, and why. */
const NOT_CLIS: Record<string, string> = {
  'device/tools/firmware/tsc-once.ts': "the tsc that mcconfig's makefile runs (through the shim typescriptBin() writes): tsc's own arguments",
};

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-r', GUARD, join(ROOT, file), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Files that run as programs: a `require.main` check, a top-level main()/runCli call, or process.argv. */
function findClis(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findClis(path, out);
    else if (/\.ts$/.test(name) && !/\.(spec|int-spec|xs-test)\.ts$/.test(name) && !path.includes(join('shared', 'node'))) {
      const text = readFileSync(path, 'utf8');
      if (/require\.main === module|process\.argv|^(void )?(main|runCli)\(/m.test(text)) out.push(relative(ROOT, path));
    }
  }
  return out;
}

describe('command-line tools', () => {
  jest.setTimeout(300_000);
  let trapServer: Server;
  const connections: string[] = [];
  let trap: Trap;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    trapServer = createServer((socket) => {
      connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
    });
    await new Promise<void>((resolve) => trapServer.listen(0, '127.0.0.1', resolve));
    const port = (trapServer.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'dinmeter-clis-'));
    trap = { url: `http://127.0.0.1:${port}`, mqttUrl: `mqtt://127.0.0.1:${port}`, dir };
    // Tools that read their targets from the environment point at the trap too.
    env = { ...process.env, INFLUX_URL: trap.url, MQTT_URL: trap.mqttUrl, HTTP_PORT: String(port), DATA_DIR: join(dir, 'backend'), FORCE_COLOR: '0' };
  });

  afterAll(async () => {
    await new Promise((resolve) => trapServer.close(resolve));
    rmSync(trap.dir, { recursive: true, force: true });
  });

  it('should know every command-line tool in the repository', () => {
    expect(findClis(ROOT).filter((file) => !(file in NOT_CLIS)).sort()).toEqual(CLIS.map((c) => c.file).sort());
    expect(Object.keys(NOT_CLIS).filter((file) => !findClis(ROOT).includes(file))).toEqual([]);
  });

  /** Runs jobs two at a time: a 2-core machine shared with other work. */
  async function each<T>(items: T[], job: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    await Promise.all([0, 1].map(async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
    }));
  }

  it('should catch a tool that does touch something (the guard works)', async () => {
    const r = await run('backend/src/storage/retention.cli.ts', ['--url', trap.url], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^TOUCHED net\./m);
  });

  it('should print the usage for --help, exit 0 and touch nothing', async () => {
    const failures: string[] = [];
    await each(CLIS, async (cli) => {
      const r = await run(cli.file, [...(cli.args?.(trap) ?? []), '--help'], env);
      const ok = r.status === 0 && /^usage: /.test(r.stdout) && r.stderr === '';
      if (!ok) failures.push(`${cli.file}: exit ${r.status}\nstdout: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr.slice(0, 600)}`);
    });
    expect(failures).toEqual([]);
    expect(connections).toEqual([]);
    expect(readdirSync(trap.dir)).toEqual([]);
  });

  it('should refuse an unknown flag with exit 2, the flag named and no stack trace, touching nothing', async () => {
    const failures: string[] = [];
    await each(CLIS, async (cli) => {
      const r = await run(cli.file, [...(cli.args?.(trap) ?? []), '--no-such-flag'], env);
      const ok = r.status === 2 && r.stdout === '' && /: unknown option --no-such-flag[\n ]/.test(r.stderr) && /^usage: /m.test(r.stderr) && !/TOUCHED|\n\s+at /.test(r.stderr);
      if (!ok) failures.push(`${cli.file}: exit ${r.status}\nstderr: ${r.stderr.slice(0, 600)}`);
    });
    expect(failures).toEqual([]);
    expect(connections).toEqual([]);
    expect(readdirSync(trap.dir)).toEqual([]);
  });

  it('should refuse a bad value with exit 2 and a message naming it, touching nothing', async () => {
    const failures: string[] = [];
    await each(CLIS.filter((c) => c.bad), async (cli) => {
      const r = await run(cli.file, cli.bad!.args(trap), env);
      const ok = r.status === 2 && cli.bad!.message.test(r.stderr) && !/TOUCHED|\n\s+at /.test(r.stderr);
      if (!ok) failures.push(`${cli.file}: exit ${r.status}\nstderr: ${r.stderr.slice(0, 600)}`);
    });
    expect(failures).toEqual([]);
    expect(connections).toEqual([]);
    expect(existsSync(join(trap.dir, 'meters'))).toBe(false);
  });
});
