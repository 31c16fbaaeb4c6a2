/**
 * The whole suite: type-check, lint, unit tests (Node; device/xs/vectors.spec.ts also runs every
 * portable vector inside the real XS engine), the firmware through the Moddable SDK's own build
 * (esp32 through TypeScript/xsc/xsl, and the lin image of the virtual board), integration tests
 * against real servers (influxd, mosquitto, the embedded broker, the virtual board) that the tests
 * start themselves on free ports, then the HIL scenarios again through the bench rig against an
 * emulated bench (docs/hil.md). Debian packages are installed first when missing (as root).
 *
 * The two firmware builds are CPU work that only the virtual-board step needs, and since each compiles
 * the firmware's TypeScript as one program they are short; the integration tests mostly wait on
 * servers and clocks. The builds run in the background at the lowest CPU priority (`nice -n 19`) from the start, one after
 * the other, the lin image first because the virtual-board step waits for it. That step comes after
 * the other integration files, so the build does not hold them up (docs/testing.md).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { locateSdk } from '../../device/tools/firmware/moddable-sdk';
import { runCli, UsageError } from '../../shared/node/cli';
import { ensureDebianPackages } from './servers';

interface Step {
  name: string;
  command: string;
  args: string[];
  /** A jest run: its test counts go into the closing line. */
  jest?: boolean;
  /** Why the step cannot run on this machine (it is then skipped with that note), or undefined. */
  skip?: () => string | undefined;
  env?: Record<string, string>;
  /**
   * Runs in the background lane (see above) instead of in order; `before`: the step that waits for
   * it (else the summary does). Its output goes to `<name>.log` beside the reports, printed when it ends.
   */
  background?: { before?: string };
}

interface StepResult {
  name: string;
  ok: boolean;
  seconds: number;
  passed: number;
  failed: number;
  skipped?: string;
}

const noSdk = (): string | undefined =>
  locateSdk() ? undefined : 'no Moddable SDK ($MODDABLE, or shared/moddable-sdk beside the clone): the firmware is not built';

const REPORTS = join(__dirname, '..', '..', '.tmp', 'test-reports');

/** Passed/failed test counts of a jest step, from its --json report (absent if jest crashed). */
function jestCounts(name: string): { passed: number; failed: number } {
  try {
    const report = JSON.parse(readFileSync(join(REPORTS, `${name}.json`), 'utf8'));
    return { passed: report.numPassedTests, failed: report.numFailedTests + report.numRuntimeErrorTestSuites };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

/** The integration file that runs the firmware's lin image (its own step, after the firmware-lin build). */
const VIRTUAL_BOARD_SPEC = 'hil-tests/scenarios/virtual-board.int-spec.ts';

const steps: Step[] = [
  { name: 'typecheck', command: 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', command: 'npx', args: ['eslint', '.'] },
  // Two workers: the firmware builds beside them are short now (one TypeScript program per build).
  { name: 'unit', command: 'npx', args: ['jest', '--selectProjects', 'shared', 'device', 'schematics', 'backend', 'hil', 'infra', '--maxWorkers=2'], jest: true },
  { name: 'firmware', command: 'npm', args: ['run', '--silent', 'firmware', '--', 'check', '--quiet'], skip: noSdk, background: {} },
  // The virtual-board step runs this image (and would build it itself if it were missing).
  { name: 'firmware-lin', command: 'npm', args: ['run', '--silent', 'firmware', '--', 'lin', '--quiet'], skip: noSdk, background: { before: 'virtual-board' } },
  // HIL_QUICK: the accuracy and production suites' short runs (npm run hil runs them in full). Every
  // integration file but the virtual board's, so that the lin build does not hold them up.
  {
    name: 'integration',
    command: 'npx',
    args: ['jest', '--selectProjects', 'integration', '--runInBand', '--testPathIgnorePatterns', '/node_modules/', VIRTUAL_BOARD_SPEC],
    jest: true,
    env: { HIL_QUICK: '1' },
  },
  { name: 'virtual-board', command: 'npx', args: ['jest', '--selectProjects', 'integration', '--runInBand', VIRTUAL_BOARD_SPEC], jest: true, env: { HIL_QUICK: '1' } },
  // The bench path without hardware: HIL_RIG=bench against virtual meters behind emulated SCPI/Modbus instruments.
  {
    name: 'hil-bench',
    command: 'npm',
    args: ['run', '--silent', 'hil', '--', '--rig', 'bench', '--emulated', '--quick', '--scenarios', 'walking-skeleton,accuracy', '--report', join(REPORTS, 'hil-bench.json')],
    jest: true,
  },
];

/** Runs one step to its end; a background one at the lowest priority with its output in a log file. */
async function runStep(step: Step): Promise<StepResult> {
  const skipped = step.skip?.();
  if (skipped) return { name: step.name, ok: true, seconds: 0, passed: 0, failed: 0, skipped };
  const args = step.jest && step.command === 'npx' ? [...step.args, '--json', `--outputFile=${join(REPORTS, `${step.name}.json`)}`] : step.args;
  const log = step.background ? openSync(join(REPORTS, `${step.name}.log`), 'w') : undefined;
  const [command, commandArgs] = step.background ? ['nice', ['-n', '19', step.command, ...args]] : [step.command, args];
  const started = Date.now();
  const code = await new Promise<number>((done) => {
    const child = spawn(command, commandArgs, {
      stdio: log === undefined ? 'inherit' : ['ignore', log, log],
      env: { ...process.env, FORCE_COLOR: '0', ...step.env },
    });
    child.once('error', (error) => {
      process.stderr.write(`${step.name}: ${command}: ${error.message}\n`);
      done(1);
    });
    child.once('exit', (status, signal) => done(status ?? (signal ? 128 : 1)));
  });
  if (log !== undefined) closeSync(log);
  const ok = code === 0;
  // A non-jest step counts as one check.
  const counts = step.jest ? jestCounts(step.name) : { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };
  return { name: step.name, ok, seconds: (Date.now() - started) / 1000, ...counts };
}

function header(step: Step, note = ''): void {
  process.stdout.write(`\n=== ${step.name}${note}: ${step.command} ${step.args.join(' ')}\n`);
}

/** A background step's header comes when it has ended, with its log. */
function printResult(step: Step, result: StepResult): void {
  if (step.background) header(step, result.skipped ? ' (background)' : ` (background, ${result.seconds.toFixed(0)} s, ${result.ok ? 'ok' : 'FAILED'})`);
  if (result.skipped) process.stdout.write(`SKIPPED: ${result.skipped}\n`);
  else if (step.background) process.stdout.write(readFileSync(join(REPORTS, `${step.name}.log`), 'utf8'));
}

async function main(only: string[]): Promise<number> {
  const unknown = only.filter((name) => !steps.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`unknown step ${unknown.join(', ')} (steps: ${steps.map((s) => s.name).join(', ')})`);
  await ensureDebianPackages(['influxdb', 'mosquitto']);
  const suiteStarted = Date.now();
  rmSync(REPORTS, { recursive: true, force: true });
  mkdirSync(REPORTS, { recursive: true });
  const selected = steps.filter((s) => only.length === 0 || only.includes(s.name));
  // The background lane: one step at a time, those another step waits for first.
  const lane = selected.filter((s) => s.background).sort((a, b) => Number(!a.background!.before) - Number(!b.background!.before));
  const pending = new Map<string, Promise<StepResult>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (const step of lane) {
    const result = previous.then(() => runStep(step));
    pending.set(step.name, result);
    previous = result;
  }
  if (lane.length > 0) process.stdout.write(`\n=== in the background (nice -n 19), in this order: ${lane.map((s) => s.name).join(', ')}\n`);
  const results = new Map<string, StepResult>();
  const collect = async (step: Step): Promise<void> => {
    const result = await pending.get(step.name)!;
    if (!results.has(step.name)) printResult(step, result);
    results.set(step.name, result);
  };
  for (const step of selected.filter((s) => !s.background)) {
    for (const waited of lane.filter((s) => s.background!.before === step.name)) {
      process.stdout.write(`\n=== ${step.name} waits for ${waited.name}\n`);
      await collect(waited);
    }
    header(step);
    const result = await runStep(step);
    printResult(step, result);
    results.set(step.name, result);
  }
  for (const step of lane) await collect(step);
  const ordered = selected.map((s) => results.get(s.name)!);
  process.stdout.write('\n=== summary\n');
  for (const r of ordered) {
    if (r.skipped) process.stdout.write(`skip ${r.name}: ${r.skipped}\n`);
    else process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(0)} s, ${r.passed} passed, ${r.failed} failed)\n`);
  }
  const passed = ordered.reduce((sum, r) => sum + r.passed, 0);
  const failed = ordered.reduce((sum, r) => sum + r.failed, 0);
  const stepsFailed = ordered.filter((r) => !r.ok).length;
  process.stdout.write(`${passed} passed, ${failed + (failed === 0 ? stepsFailed : 0)} failed in ${((Date.now() - suiteStarted) / 1000).toFixed(0)} s\n`);
  return stepsFailed === 0 ? 0 : 1;
}

const usage = `usage: npm test [-- STEP …]
  Runs the whole suite, or only the named steps: ${steps.map((s) => s.name).join(', ')}.
  The firmware builds run in the background at the lowest CPU priority (docs/testing.md).
  Debian's influxdb and mosquitto are installed first when missing (as root).`;
void runCli({ name: 'npm test', usage, options: {}, positionals: [0, steps.length] }, ({ positionals }) => main(positionals));
