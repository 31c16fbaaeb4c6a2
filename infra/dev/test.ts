/**
 * The whole suite, in order of cost: type-check, lint, unit tests (Node; device/xs/vectors.spec.ts
 * also runs every portable vector inside the real XS engine), the firmware through the Moddable
 * SDK's own build (esp32 through TypeScript/xsc/xsl, and the lin image of the virtual board),
 * integration tests against real servers (influxd, mosquitto, the embedded broker, the virtual
 * board) that the tests start themselves on free ports, then the HIL scenarios again through the
 * bench rig against an emulated bench (docs/hil.md). Debian packages are installed first when
 * missing (as root).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
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

const steps: Step[] = [
  { name: 'typecheck', command: 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', command: 'npx', args: ['eslint', '.'] },
  { name: 'unit', command: 'npx', args: ['jest', '--selectProjects', 'shared', 'device', 'schematics', 'backend', 'hil', 'infra'], jest: true },
  { name: 'firmware', command: 'npm', args: ['run', '--silent', 'firmware', '--', 'check', '--quiet'], skip: noSdk },
  { name: 'firmware-lin', command: 'npm', args: ['run', '--silent', 'firmware', '--', 'lin', '--quiet'], skip: noSdk },
  // HIL_QUICK: the accuracy and production suites' short runs (npm run hil runs them in full).
  { name: 'integration', command: 'npx', args: ['jest', '--selectProjects', 'integration', '--runInBand'], jest: true, env: { HIL_QUICK: '1' } },
  // The bench path without hardware: HIL_RIG=bench against virtual meters behind emulated SCPI/Modbus instruments.
  {
    name: 'hil-bench',
    command: 'npm',
    args: ['run', '--silent', 'hil', '--', '--rig', 'bench', '--emulated', '--quick', '--scenarios', 'walking-skeleton,accuracy', '--report', join(REPORTS, 'hil-bench.json')],
    jest: true,
  },
];

async function main(only: string[]): Promise<number> {
  const unknown = only.filter((name) => !steps.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`unknown step ${unknown.join(', ')} (steps: ${steps.map((s) => s.name).join(', ')})`);
  await ensureDebianPackages(['influxdb', 'mosquitto']);
  const results: { name: string; ok: boolean; seconds: number; passed: number; failed: number; skipped?: string }[] = [];
  rmSync(REPORTS, { recursive: true, force: true });
  mkdirSync(REPORTS, { recursive: true });
  for (const step of steps.filter((s) => only.length === 0 || only.includes(s.name))) {
    const args = step.jest && step.command === 'npx' ? [...step.args, '--json', `--outputFile=${join(REPORTS, `${step.name}.json`)}`] : step.args;
    process.stdout.write(`\n=== ${step.name}: ${step.command} ${step.args.join(' ')}\n`);
    const skipped = step.skip?.();
    if (skipped) {
      process.stdout.write(`SKIPPED: ${skipped}\n`);
      results.push({ name: step.name, ok: true, seconds: 0, passed: 0, failed: 0, skipped });
      continue;
    }
    const started = Date.now();
    const result = spawnSync(step.command, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...step.env } });
    const ok = result.status === 0;
    // A non-jest step counts as one check.
    const counts = step.jest ? jestCounts(step.name) : { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };
    results.push({ name: step.name, ok, seconds: (Date.now() - started) / 1000, ...counts });
  }
  process.stdout.write('\n=== summary\n');
  for (const r of results) {
    if (r.skipped) process.stdout.write(`skip ${r.name}: ${r.skipped}\n`);
    else process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(0)} s, ${r.passed} passed, ${r.failed} failed)\n`);
  }
  const passed = results.reduce((sum, r) => sum + r.passed, 0);
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  const stepsFailed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${passed} passed, ${failed + (failed === 0 ? stepsFailed : 0)} failed\n`);
  return stepsFailed === 0 ? 0 : 1;
}

const usage = `usage: npm test [-- STEP …]
  Runs the whole suite in order, or only the named steps: ${steps.map((s) => s.name).join(', ')}.
  Debian's influxdb and mosquitto are installed first when missing (as root).`;
void runCli({ name: 'npm test', usage, options: {}, positionals: [0, steps.length] }, ({ positionals }) => main(positionals));
