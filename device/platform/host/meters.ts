/**
 * `npm run meters -- --count N --interval S --data-dir DIR [--mqtt-url URL] [--ids a,b] [--speed X] [--start ISO] [--control-port N]`
 * Runs N virtual meters (ids vm-1 … vm-N) in this process. Each keeps its flash image and settings
 * under DIR/<id>, so a restarted meter continues where it stopped (seq, energy counters, relays).
 * `--control-port` serves the simulation control channel on 127.0.0.1 (sim-control.ts; 0 = any free port).
 * `--front-end-tolerance F` gives each meter's chips a seeded gain scatter of ±F (uncalibrated parts,
 * for the HIL production test, which calibrates them against a reference meter).
 */
import { appendFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isValidDeviceId } from '@dinmeter/shared';
import { loadFixtureTraces } from '../../sim/fixture-traces';
import { ApplianceTraces } from '../../sim/power-trace';
import { seededRandom } from '../../core/storage/power-cut';
import { HostClock } from './host-clock';
import { SimControlServer } from './sim-control';
import { VirtualMeter } from './virtual-meter';

interface Args {
  count: number;
  intervalS: number;
  dataDir: string;
  mqttUrl: string;
  ids?: string[];
  speed: number;
  startMs?: number;
  controlPort?: number;
  /** Appends `<id> <seq> <ts>` for every record a meter created (test truth). */
  journal?: string;
  /** Fault injection: every flash write/erase is cut at a random byte with this probability. */
  powerCut?: { seed: number; probability: number };
  frontEndTolerance: number;
}

const USAGE =
  'usage: npm run meters -- --count N --interval SECONDS --data-dir DIR [--mqtt-url mqtt://127.0.0.1:1883] [--ids a,b,c] [--speed X] [--start ISO-8601] [--control-port N]\n' +
  '       [--journal FILE] (appends "<id> <seq> <ts>" per record created) [--power-cut SEED:PROBABILITY] (tests: random power cuts in flash writes)\n' +
  '       [--front-end-tolerance F] (each chip\'s gain off by up to ±F, seeded: uncalibrated parts)';

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--') || argv[i + 1] === undefined) throw new Error(`unexpected argument ${JSON.stringify(key)}`);
    values.set(key.slice(2), argv[++i]);
  }
  const known = new Set(['count', 'interval', 'data-dir', 'mqtt-url', 'ids', 'speed', 'start', 'control-port', 'journal', 'power-cut', 'front-end-tolerance']);
  for (const key of values.keys()) if (!known.has(key)) throw new Error(`unknown option --${key}`);
  const number = (name: string, fallback: number, min: number, max: number) => {
    const text = values.get(name);
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}, got ${text}`);
    return value;
  };
  const ids = values.get('ids')?.split(',').map((s) => s.trim());
  for (const id of ids ?? []) if (!isValidDeviceId(id)) throw new Error(`invalid device id ${JSON.stringify(id)}`);
  const count = ids ? ids.length : number('count', 3, 1, 1000);
  if (!Number.isInteger(count)) throw new Error('--count must be a whole number');
  const start = values.get('start');
  const startMs = start === undefined ? undefined : Date.parse(start);
  if (startMs !== undefined && Number.isNaN(startMs)) throw new Error(`--start must be an ISO 8601 instant, got ${start}`);
  const cut = values.get('power-cut');
  const cutMatch = cut === undefined ? undefined : /^(\d+):(0?\.\d+|[01])$/.exec(cut);
  if (cut !== undefined && !cutMatch) throw new Error(`--power-cut must be SEED:PROBABILITY (e.g. 7:0.05), got ${cut}`);
  const dataDir = values.get('data-dir');
  if (!dataDir) throw new Error('--data-dir is required');
  return {
    count,
    intervalS: number('interval', 10, 0.1, 3600),
    dataDir: resolve(dataDir),
    mqttUrl: values.get('mqtt-url') ?? 'mqtt://127.0.0.1:1883',
    ids,
    speed: number('speed', 1, 0.01, 10000),
    startMs,
    controlPort: values.has('control-port') ? number('control-port', 0, 0, 65535) : undefined,
    journal: values.get('journal') ? resolve(values.get('journal')!) : undefined,
    powerCut: cutMatch ? { seed: Number(cutMatch[1]), probability: Number(cutMatch[2]) } : undefined,
    frontEndTolerance: number('front-end-tolerance', 0, 0, 0.2),
  };
}

function loadTraces(): ApplianceTraces | undefined {
  try {
    return loadFixtureTraces();
  } catch {
    return undefined; // not shipped with the repo: synthetic fridge/kettle/washer stand-ins
  }
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`meters: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const clock = new HostClock(args.speed, args.startMs);
  const traces = loadTraces();
  const ids = args.ids ?? Array.from({ length: args.count }, (_, k) => `vm-${k + 1}`);
  const meters = ids.map(
    (id, k) =>
      new VirtualMeter({
        deviceId: id,
        dataDir: join(args.dataDir, id),
        mqttUrl: args.mqttUrl,
        intervalS: args.intervalS,
        clock,
        seed: k + 1,
        traces,
        frontEndTolerance: args.frontEndTolerance,
        // appendFileSync: the line is written before anything else runs, so a kill cannot lose it
        // once the record is on flash and about to be published.
        onRecordCreated: args.journal ? (seq, ts) => appendFileSync(args.journal!, `${id} ${seq} ${ts}\n`) : undefined,
      }),
  );
  for (const meter of meters) {
    meter.start();
    const boot = meter.core.bootReport;
    process.stdout.write(`meter ${meter.deviceId} booted: ${JSON.stringify(boot)}\n`);
  }
  const control = args.controlPort === undefined ? undefined : new SimControlServer(meters, clock);
  if (control) process.stdout.write(`sim control: http://127.0.0.1:${await control.start(args.controlPort as number)}\n`);
  if (args.powerCut) {
    const { seed, probability } = args.powerCut;
    meters.forEach((meter, k) =>
      meter.flash.injectRandomPowerCuts(seededRandom(seed * 1000 + k), probability, (what) => {
        // Like pulling the plug: no cleanup, no goodbye, nothing after this write.
        writeSync(1, `meter ${meter.deviceId} power cut: ${what}\n`);
        process.kill(process.pid, 'SIGKILL');
      }),
    );
  }
  process.stdout.write(
    `meters running: ${ids.join(', ')} → ${args.mqttUrl}, record every ${args.intervalS} s, speed ×${args.speed}, appliance traces: ${traces ? 'tracebase (real)' : 'synthetic'}\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await control?.stop();
    await Promise.all(
      meters.map(async (meter) => {
        await meter.stop();
        process.stdout.write(`meter ${meter.deviceId} stopped: ${JSON.stringify(meter.summary())}\n`);
      }),
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
