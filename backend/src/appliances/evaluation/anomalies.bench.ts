/**
 * `npm run bench:anomalies [-- --trials N] [--fixtures DIR]`: detection rate, false alarms per week on
 * clean days and delay to detection, over seeded surrogate weeks built from the real tracebase days
 * (evaluation/scenarios.ts). Prints one line per scenario, then the summary as JSON on the last line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliArgs, numberOption, runCli } from '../../../../shared/node/cli';
import { parsePowerTrace } from '../analysis/power-trace';
import { median } from '../analysis/robust';
import { ApplianceKind } from './surrogate-days';
import { FIXTURES_DIR, runTrial, SCENARIOS, TRACE_FILES, TrialResult } from './scenarios';


const SPEC = {
  name: 'bench:anomalies',
  usage: `usage: bench:anomalies [--trials N] [--fixtures DIR]
  --trials    seeded trials per case (default 10)
  --fixtures  folder of the tracebase days (default ../shared/fixtures/power-traces or POWER_TRACES_DIR)
  Prints one line per case, then the summary as JSON on the last line.`,
  options: { trials: { type: 'string' }, fixtures: { type: 'string' } },
} as const;

function main({ values }: CliArgs<typeof SPEC.options>): void {
  const trials = numberOption('trials', values.trials, { min: 1, max: 1000, integer: true }) ?? 10;
  const dir = values.fixtures ?? FIXTURES_DIR;
  if (!existsSync(join(dir, TRACE_FILES.fridge))) throw new Error(`the tracebase fixtures are not in ${dir} (pass --fixtures DIR)`);
  const real = Object.fromEntries(
    (Object.keys(TRACE_FILES) as ApplianceKind[]).map((k) => [k, parsePowerTrace(readFileSync(join(dir, TRACE_FILES[k]), 'utf8'))]),
  ) as Record<ApplianceKind, ReturnType<typeof parsePowerTrace>>;
  const perScenario: Record<string, unknown> = {};
  const all: TrialResult[] = [];
  const started = Date.now();
  for (const scenario of SCENARIOS) {
    const results = Array.from({ length: trials }, (_, seed) => runTrial(real[scenario.appliance], scenario, seed + 1));
    all.push(...results);
    const faults = scenario.fault !== undefined;
    const delays = results.flatMap((r) => (r.delayS !== undefined ? [r.delayS] : []));
    const weeks = results.reduce((s, r) => s + (faults ? 0 : r.testDays / 7), 0);
    const falseAlarms = results.reduce((s, r) => s + r.falseAlarms.length, 0);
    const row = faults
      ? { what: scenario.what, detectionRate: round(delays.length / trials), medianDelayH: delays.length ? round(median(delays) / 3600) : null, maxDelayH: delays.length ? round(Math.max(...delays) / 3600) : null }
      : { what: scenario.what, falseAlarmsPerWeek: round(falseAlarms / weeks), kinds: [...new Set(results.flatMap((r) => r.falseAlarms.map((a) => a.kind)))] };
    perScenario[scenario.name] = row;
    process.stdout.write(`${scenario.name.padEnd(24)} ${JSON.stringify(row)}\n`);
  }
  const faulty = all.filter((r) => r.injectedAt !== undefined);
  const clean = all.filter((r) => r.injectedAt === undefined);
  const delays = faulty.flatMap((r) => (r.delayS !== undefined ? [r.delayS] : []));
  const summary = {
    bench: 'anomalies',
    trialsPerScenario: trials,
    trainDays: 7,
    detectionRate: round(delays.length / faulty.length),
    falseAlarmsPerWeek: round(clean.reduce((s, r) => s + r.falseAlarms.length, 0) / clean.reduce((s, r) => s + r.testDays / 7, 0)),
    medianDelayH: delays.length ? round(median(delays) / 3600) : null,
    seconds: round((Date.now() - started) / 1000),
    scenarios: perScenario,
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

void runCli(SPEC, main);
