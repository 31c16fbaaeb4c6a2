/**
 * `npm run fuzz` — the full fuzz: the backend's MQTT inputs, the meter's command and plan topics (each
 * `--runs` inputs, default 100,000) and the REST routes (a tenth of that, default 10,000), seeded.
 *   node --expose-gc -r @swc-node/register hil-tests/fuzz/fuzz.ts [--seed N] [--runs N]
 * Prints one line per surface, then one JSON line: counts, failures, seed, heap growth (bounded). Exit 1 on a failure.
 */
import { numberOption, runCli, UsageError } from '../../shared/node/cli';
import { startBackend } from './backend-harness';
import { heapUsedAfterGc, SurfaceResult } from './fuzz-run';
import { startMeter } from './meter-harness';
import { fuzzBackendMqtt } from './mqtt-backend.fuzz';
import { fuzzMeterMqtt } from './mqtt-meter.fuzz';
import { fuzzRest } from './rest.fuzz';

const SURFACES = ['mqtt_backend', 'rest', 'mqtt_meter'] as const;
type Surface = (typeof SURFACES)[number];

const USAGE = `usage: npm run fuzz -- [--seed N] [--runs N] [--only ${SURFACES.join(',')}]
  --seed N   fast-check seed (default: a random one, printed)
  --runs N   inputs per MQTT surface (default 100000); REST gets a tenth
  --only S   these surfaces only (comma-separated), e.g. to replay a failure`;

/**
 * heapUsed after GC may grow by this much over the whole run: the registry and command history are
 * bounded by the few device ids the fuzz uses, so growth beyond it is a leak per input.
 */
const HEAP_GROWTH_BOUND_MB = 128;

async function main(seed: number, runs: number, only: ReadonlySet<Surface>): Promise<number> {
  const line = (text: string) => process.stdout.write(`${text}\n`);
  const results: Record<string, SurfaceResult> = {};
  const backend = await startBackend();
  const heapStart = heapUsedAfterGc();
  const timed = async (name: string, run: () => Promise<SurfaceResult>) => {
    const started = performance.now();
    results[name] = await run();
    const seconds = (performance.now() - started) / 1000;
    line(`${name}: ${results[name].runs} inputs in ${seconds.toFixed(1)} s, ${results[name].failures} failures`);
    if (results[name].failure) line(results[name].failure!);
  };
  try {
    if (only.has('mqtt_backend')) await timed('mqtt_backend', () => fuzzBackendMqtt(backend, { seed, runs }));
    if (only.has('rest')) await timed('rest', () => fuzzRest(backend, { seed, runs: Math.max(1, Math.round(runs / 10)) }));
    if (only.has('mqtt_meter')) await timed('mqtt_meter', () => fuzzMeterMqtt(startMeter(seed), { seed, runs }));
  } finally {
    await backend.close();
  }
  const heapGrowthMb = (heapUsedAfterGc() - heapStart) / 2 ** 20;
  if (heapGrowthMb > HEAP_GROWTH_BOUND_MB) line(`heap grew by ${heapGrowthMb.toFixed(1)} MB, more than ${HEAP_GROWTH_BOUND_MB} MB`);
  const failures = Object.values(results).reduce((n, r) => n + r.failures, 0) + (heapGrowthMb > HEAP_GROWTH_BOUND_MB ? 1 : 0);
  const counts = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r.runs]));
  line(JSON.stringify({ ...counts, failures, seed, heap_growth_mb: Math.round(heapGrowthMb * 10) / 10 }));
  return failures === 0 ? 0 : 1;
}

void runCli({ name: 'fuzz', usage: USAGE, options: { seed: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } } }, ({ values }) => {
  const seed = numberOption('seed', values.seed, { min: 0, max: 2 ** 31 - 1, integer: true }) ?? Math.floor(Math.random() * 2 ** 31);
  const runs = numberOption('runs', values.runs, { min: 1, max: 10_000_000, integer: true }) ?? 100_000;
  const only = (values.only ?? SURFACES.join(',')).split(',');
  const unknown = only.filter((name) => !(SURFACES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--only takes ${SURFACES.join(', ')}, got ${JSON.stringify(unknown.join(','))}`);
  return main(seed, runs, new Set(only as Surface[]));
});
