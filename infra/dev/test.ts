/**
 * The whole suite, in order of cost: type-check, lint, unit tests (Node; device/xs/vectors.spec.ts
 * also runs every portable vector inside the real XS engine), integration tests against real servers (influxd, mosquitto, the embedded broker) that the tests
 * start themselves on free ports. Debian packages are installed first when missing (as root).
 */
import { spawnSync } from 'node:child_process';
import { ensureDebianPackages } from './servers';

interface Step {
  name: string;
  command: string;
  args: string[];
}

const steps: Step[] = [
  { name: 'typecheck', command: 'npm', args: ['run', '--silent', 'typecheck'] },
  { name: 'lint', command: 'npx', args: ['eslint', '.'] },
  { name: 'unit', command: 'npx', args: ['jest', '--selectProjects', 'shared', 'device', 'backend', 'hil'] },
  { name: 'integration', command: 'npx', args: ['jest', '--selectProjects', 'integration', '--runInBand'] },
];

async function main(): Promise<void> {
  await ensureDebianPackages(['influxdb', 'mosquitto']);
  const only = process.argv.slice(2);
  const results: { name: string; ok: boolean; seconds: number }[] = [];
  for (const step of steps.filter((s) => only.length === 0 || only.includes(s.name))) {
    process.stdout.write(`\n=== ${step.name}: ${step.command} ${step.args.join(' ')}\n`);
    const started = Date.now();
    const result = spawnSync(step.command, step.args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
    results.push({ name: step.name, ok: result.status === 0, seconds: (Date.now() - started) / 1000 });
  }
  process.stdout.write('\n=== summary\n');
  for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(0)} s)\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`steps: ${results.length - failed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
