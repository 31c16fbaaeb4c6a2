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
import { resolve } from 'node:path';
import { EmulatedBench } from './emulated/emulated-bench';
import { REPO_ROOT } from './rig/managed-process';

const USAGE = `usage: npm run hil -- [--rig sim|bench] [--config bench.config.json] [--emulated]
                    [--suite scenarios|production] [--scenarios walking-skeleton,accuracy] [--quick]
                    [--serial SERIAL] [--device DEVICE_ID] [--fail-fast]
  --rig sim            the simulated rig (default)
  --rig bench          a bench: --config FILE (docs/hil.md), or --emulated (virtual meters behind emulated instruments)
  --suite production   the production test of the meter in the fixture (bench only): --serial required
  --fail-fast          production: stop at the first failed check (the rest are reported as skipped)
  --quick              the short seeded runs CI uses (fewer accuracy points, shorter windows)
  --report FILE        jest's JSON report of the scenario run`;

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

export function parseHilArgs(argv: string[]): Options {
  const options: Options = { rig: 'sim', emulated: false, suite: 'scenarios', quick: false, failFast: false };
  const value = (i: number, name: string) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--rig': {
        const rig = value(i++, arg);
        if (rig !== 'sim' && rig !== 'bench') throw new Error(`--rig must be sim or bench, got "${rig}"`);
        options.rig = rig;
        break;
      }
      case '--config':
        options.config = resolve(value(i++, arg));
        break;
      case '--emulated':
        options.emulated = true;
        break;
      case '--suite': {
        const suite = value(i++, arg);
        if (suite !== 'scenarios' && suite !== 'production') throw new Error(`--suite must be scenarios or production, got "${suite}"`);
        options.suite = suite;
        break;
      }
      case '--scenarios':
        options.scenarios = value(i++, arg).split(',').map((s) => s.trim()).filter(Boolean);
        if (options.scenarios.some((s) => !/^[a-z0-9-]+$/.test(s))) throw new Error(`--scenarios takes scenario names such as walking-skeleton,accuracy`);
        break;
      case '--serial':
        options.serial = value(i++, arg);
        break;
      case '--device':
        options.device = value(i++, arg);
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--report':
        options.report = resolve(value(i++, arg));
        break;
      case '--fail-fast':
        options.failFast = true;
        break;
      default:
        throw new Error(`unknown argument "${arg}"`);
    }
  }
  if (options.rig === 'sim' && (options.config || options.emulated)) throw new Error('--config and --emulated are for --rig bench');
  if (options.rig === 'bench' && !options.config === !options.emulated) throw new Error('--rig bench needs either --config FILE or --emulated');
  if (options.suite === 'production') {
    if (options.rig !== 'bench') throw new Error('the production suite runs on a bench: --rig bench');
    if (!options.serial) throw new Error('the production suite needs --serial SERIAL');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(options.serial)) throw new Error(`--serial must be 1-64 of A-Z a-z 0-9 . _ -, got "${options.serial}"`);
  }
  if (options.suite === 'scenarios' && (options.serial || options.device || options.failFast)) throw new Error('--serial, --device and --fail-fast belong to --suite production');
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

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseHilArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`hil: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
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

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`hil: ${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
      process.exit(1);
    },
  );
}
