/**
 * `npm run meters -- --data-dir DIR [--count N] [--interval S] …` (--help lists every option).
 * Runs N virtual meters (ids vm-1 … vm-N) in this process. Each keeps its flash image and settings
 * under DIR/<id>, so a restarted meter continues where it stopped (seq, energy counters, relays).
 * `--control-port` serves the simulation control channel on 127.0.0.1 (sim-control.ts; 0 = any free port).
 * Each meter logs in with its own credential from the backend's registry (`--backend-data-dir`,
 * meter-provisioning.ts): issued on first start, kept in DIR/<id>/settings.json and reused after.
 * `--front-end-tolerance F` gives each meter's chips a seeded gain scatter of ±F (uncalibrated parts,
 * for the HIL production test, which calibrates them against a reference meter).
 */
import { appendFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isValidDeviceId } from '@dinmeter/shared';
import { CliArgs, numberOption, required, runCli, UsageError } from '../../../shared/node/cli';
import { loadFixtureTraces } from '../../sim/fixture-traces';
import { ApplianceTraces } from '../../sim/power-trace';
import { seededRandom } from '../../core/storage/power-cut';
import { HostClock } from './host-clock';
import { backendDataDir, provisionVirtualMeters } from './meter-provisioning';
import { SimControlServer } from './sim-control';
import { VirtualMeter } from './virtual-meter';

interface Args {
  count: number;
  intervalS: number;
  dataDir: string;
  backendDataDir: string;
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

const SPEC = {
  name: 'meters',
  usage: `usage: npm run meters -- --data-dir DIR [--count N] [--interval SECONDS] [--mqtt-url mqtt://127.0.0.1:1883] [--ids a,b,c] [--speed X] [--start ISO-8601] [--control-port N]
  --data-dir      where each meter keeps its flash image and settings (DIR/<id>)
  --backend-data-dir  the backend's DATA_DIR, whose credentials registry issues each meter's login
                  (default: DATA_DIR from the environment or .env, else .data/backend)
  --count         how many meters, vm-1 … vm-N (default 3; --ids names them instead)
  --interval      seconds between records (default 10)
  --speed         simulated time runs X times faster (default 1); --start sets the simulated wall clock
  --control-port  serve the simulation control channel on 127.0.0.1 (0 = any free port)
  --journal FILE  append "<id> <seq> <ts>" per record created (test truth)
  --power-cut SEED:PROBABILITY  tests: random power cuts in flash writes
  --front-end-tolerance F  each chip's gains off by up to ±F, seeded per meter: uncalibrated parts (default 0)`,
  options: {
    count: { type: 'string' },
    interval: { type: 'string' },
    'data-dir': { type: 'string' },
    'backend-data-dir': { type: 'string' },
    'mqtt-url': { type: 'string' },
    ids: { type: 'string' },
    speed: { type: 'string' },
    start: { type: 'string' },
    'control-port': { type: 'string' },
    journal: { type: 'string' },
    'power-cut': { type: 'string' },
    'front-end-tolerance': { type: 'string' },
  },
} as const;

function toArgs({ values }: CliArgs<typeof SPEC.options>): Args {
  const ids = values.ids?.split(',').map((s) => s.trim());
  for (const id of ids ?? []) if (!isValidDeviceId(id)) throw new UsageError(`invalid device id ${JSON.stringify(id)}`);
  const count = ids ? ids.length : (numberOption('count', values.count, { min: 1, max: 1000, integer: true }) ?? 3);
  const startMs = values.start === undefined ? undefined : Date.parse(values.start);
  if (startMs !== undefined && Number.isNaN(startMs)) throw new UsageError(`--start must be an ISO 8601 instant, got ${values.start}`);
  const cut = values['power-cut'];
  const cutMatch = cut === undefined ? undefined : /^(\d+):(0?\.\d+|[01])$/.exec(cut);
  if (cut !== undefined && !cutMatch) throw new UsageError(`--power-cut must be SEED:PROBABILITY (e.g. 7:0.05), got ${cut}`);
  return {
    count,
    intervalS: numberOption('interval', values.interval, { min: 0.1, max: 3600 }) ?? 10,
    dataDir: resolve(required('data-dir', values['data-dir'] || undefined)),
    backendDataDir: resolve(values['backend-data-dir'] || backendDataDir()),
    mqttUrl: values['mqtt-url'] ?? 'mqtt://127.0.0.1:1883',
    ids,
    speed: numberOption('speed', values.speed, { min: 0.01, max: 10000 }) ?? 1,
    startMs,
    controlPort: numberOption('control-port', values['control-port'], { min: 0, max: 65535, integer: true }),
    journal: values.journal ? resolve(values.journal) : undefined,
    powerCut: cutMatch ? { seed: Number(cutMatch[1]), probability: Number(cutMatch[2]) } : undefined,
    frontEndTolerance: numberOption('front-end-tolerance', values['front-end-tolerance'], { min: 0, max: 0.2 }) ?? 0,
  };
}

function loadTraces(): ApplianceTraces | undefined {
  try {
    return loadFixtureTraces();
  } catch {
    return undefined; // not shipped with the repo: synthetic fridge/kettle/washer stand-ins
  }
}

async function main(args: Args): Promise<void> {
  const clock = new HostClock(args.speed, args.startMs);
  const traces = loadTraces();
  const ids = args.ids ?? Array.from({ length: args.count }, (_, k) => `vm-${k + 1}`);
  const credentials = await provisionVirtualMeters(
    args.backendDataDir,
    ids.map((id) => ({ id, dir: join(args.dataDir, id) })),
  );
  const build = (id: string, k: number): VirtualMeter =>
    new VirtualMeter({
      deviceId: id,
      dataDir: join(args.dataDir, id),
      mqttUrl: args.mqttUrl,
      mqttLogin: { username: credentials.get(id)!.username, password: credentials.get(id)!.password },
      commandKey: credentials.get(id)!.commandKey,
      intervalS: args.intervalS,
      clock,
      seed: k + 1,
      traces,
      frontEndTolerance: args.frontEndTolerance,
      // appendFileSync: the line is written before anything else runs, so a kill cannot lose it
      // once the record is on flash and about to be published.
      onRecordCreated: args.journal ? (seq, ts) => appendFileSync(args.journal!, `${id} ${seq} ${ts}\n`) : undefined,
      // A firmware update or rollback restarts the meter (docs/ota.md): boot it again in place.
      onRestart: () =>
        setImmediate(() => {
          meters[k] = build(id, k);
          meters[k].start();
          process.stdout.write(`meter ${id} restarted: firmware ${meters[k].slots.running().version}\n`);
        }),
    });
  const meters = ids.map(build);
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

void runCli(SPEC, (parsed) => main(toArgs(parsed)));
