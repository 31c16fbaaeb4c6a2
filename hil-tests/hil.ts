/**
 * `npm run hil -- [--rig sim|bench] [--config FILE] [--emulated] [--suite scenarios|production]
 *                 [--scenarios a,b] [--serial ID] [--device ID] [--fail-fast] [--quick]`
 *
 * Runs the HIL scenarios (hil-tests/scenarios) on the chosen rig: the simulated rig (default), a
 * bench described by a config file (docs/hil.md), or — with --emulated — a bench of virtual meters
 * and emulated instruments started here, reached through the same config file and protocols.
 * `--suite production --serial ID` runs the production test of the meter in the fixture instead.
 */
import { spawn } from 'node:child_process';
import { CliArgs, parseCli, runCli, UsageError } from '../shared/node/cli';
import { resolve } from 'node:path';
import { EmulatedBench } from './emulated/emulated-bench';
import { REPO_ROOT } from './rig/managed-process';

const SPEC = {
  name: 'hil',
  usage: `usage: npm run hil -- [--rig sim|bench] [--config bench.config.json] [--emulated]
                    [--suite scenarios|production] [--scenarios walking-skeleton,accuracy] [--quick]
                    [--serial SERIAL] [--device DEVICE_ID] [--fail-fast] [--report FILE]
  --rig sim            the simulated rig (default)
  --rig bench          a bench: --config FILE (docs/hil.md), or --emulated (virtual meters behind emulated instruments)
  --scenarios a,b      only these scenarios (hil-tests/scenarios/<name>.int-spec.ts)
  --suite production   the production test of the meter in the fixture (bench only): --serial required
  --device ID          production: the meter in the fixture, if not the config's "dut"
  --fail-fast          production: stop at the first failed check (the rest are reported as skipped)
  --quick              the short seeded runs CI uses (fewer accuracy points, shorter windows)
  --report FILE        jest's JSON report of the scenario run`,
  options: {
    rig: { type: 'string' },
    config: { type: 'string' },
    emulated: { type: 'boolean' },
    suite: { type: 'string' },
    scenarios: { type: 'string' },
    serial: { type: 'string' },
    device: { type: 'string' },
    'fail-fast': { type: 'boolean' },
    quick: { type: 'boolean' },
    report: { type: 'string' },
  },
} as const;

interface Options {
  rig: 'sim' | 'bench';
  config?: string;
  emulated: boolean;
  suite: 'scenarios' | 'production';
  scenarios?: string[];
  serial?: string;
  device?: string;
  quick: boolean;
  failFast: boolean;
  /** Jest's --json report of the scenario run (npm test's summary). */
  report?: string;
}

export function parseHilArgs(argv: readonly string[]): Options {
  return toOptions(parseCli(SPEC, argv));
}

function toOptions({ values }: CliArgs<typeof SPEC.options>): Options {
  const rig = values.rig ?? 'sim';
  if (rig !== 'sim' && rig !== 'bench') throw new UsageError(`--rig must be sim or bench, got "${rig}"`);
  const suite = values.suite ?? 'scenarios';
  if (suite !== 'scenarios' && suite !== 'production') throw new UsageError(`--suite must be scenarios or production, got "${suite}"`);
  const scenarios = values.scenarios?.split(',').map((s) => s.trim()).filter(Boolean);
  if (scenarios?.some((s) => !/^[a-z0-9-]+$/.test(s))) throw new UsageError('--scenarios takes scenario names such as walking-skeleton,accuracy');
  const options: Options = {
    rig,
    config: values.config === undefined ? undefined : resolve(values.config),
    emulated: values.emulated ?? false,
    suite,
    scenarios,
    serial: values.serial,
    device: values.device,
    quick: values.quick ?? false,
    failFast: values['fail-fast'] ?? false,
    report: values.report === undefined ? undefined : resolve(values.report),
  };
  if (rig === 'sim' && (options.config || options.emulated)) throw new UsageError('--config and --emulated are for --rig bench');
  if (rig === 'bench' && !options.config === !options.emulated) throw new UsageError('--rig bench needs either --config FILE or --emulated');
  if (suite === 'production') {
    if (rig !== 'bench') throw new UsageError('the production suite runs on a bench: --rig bench');
    if (!options.serial) throw new UsageError('the production suite needs --serial SERIAL');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.serial)) throw new UsageError(`--serial must be 1-64 of A-Z a-z 0-9 . _ -, got "${options.serial}"`);
  }
  if (suite === 'scenarios' && (options.serial || options.device || options.failFast)) throw new UsageError('--serial, --device and --fail-fast belong to --suite production');
  for (const key of Object.keys(options) as (keyof Options)[]) if (options[key] === undefined) delete options[key];
  return options;
}

/** Jest in a child process; asynchronous, so an emulated bench in this process keeps answering. */
function runScenarios(options: Options, configPath?: string): Promise<number> {
  const files = (options.scenarios ?? []).map((name) => `hil-tests/scenarios/${name}.int-spec.ts`);
  const args = [
    'jest',
    '--selectProjects',
    'integration',
    '--runInBand',
    '--verbose',
    ...(options.report ? ['--json', `--outputFile=${options.report}`] : []),
    ...(files.length ? files : ['hil-tests/scenarios/']),
  ];
  process.stdout.write(`> HIL_RIG=${options.rig}${configPath ? ` HIL_BENCH_CONFIG=${configPath}` : ''} npx ${args.join(' ')}\n`);
  const child = spawn('npx', args, {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, HIL_RIG: options.rig, ...(configPath ? { HIL_BENCH_CONFIG: configPath } : {}), ...(options.quick ? { HIL_QUICK: '1' } : {}) },
  });
  return new Promise((done) => {
    child.once('error', () => done(1));
    child.once('exit', (code) => done(code ?? 1));
  });
}

async function main(options: Options): Promise<number> {
  let bench: EmulatedBench | undefined;
  let configPath = options.config;
  try {
    if (options.emulated) {
      bench = new EmulatedBench({ frontEndTolerance: options.suite === 'production' ? 0.02 : 0 });
      await bench.start();
      configPath = bench.configPath;
      process.stdout.write(`emulated bench up: ${bench.meters.join(', ')}; config ${configPath}\n`);
    }
    if (options.suite === 'production') {
      const { runProductionTest } = await import('./production/production-run');
      const outcome = await runProductionTest({ configPath: configPath!, serial: options.serial!, device: options.device, quick: options.quick, failFast: options.failFast, log: (line) => process.stdout.write(`${line}\n`) });
      process.stdout.write(`production test ${options.serial}: ${outcome.result.toUpperCase()}\n  ${outcome.files.join('\n  ')}\n`);
      return outcome.result === 'pass' ? 0 : 1;
    }
    return await runScenarios(options, configPath);
  } finally {
    await bench?.stop();
  }
}

if (require.main === module) void runCli(SPEC, (args) => main(toOptions(args)));
