/**
 * Rig selection for scenarios: `HIL_RIG=sim` (default) boots the simulated rig (real influxd,
 * backend, broker; virtual meters), `HIL_RIG=bench` drives a bench described by the JSON file in
 * `HIL_BENCH_CONFIG` (bench-config.ts, docs/hil.md). `npm run hil` sets both.
 */
import { BenchRig } from './bench-rig';
import { Rig } from './rig';
import { SimulatedRig, SimulatedRigOptions } from './simulated-rig';

export type RigKind = 'sim' | 'bench';

/**
 * HIL_QUICK=1 (`npm test`, `npm run hil -- --quick`): the short versions of the long scenarios;
 * without it they run in full (docs/hil.md).
 */
export const QUICK = process.env.HIL_QUICK === '1';

export function rigKind(env: NodeJS.ProcessEnv = process.env): RigKind {
  const kind = (env.HIL_RIG ?? 'sim').trim().toLowerCase();
  if (kind === 'sim' || kind === 'bench') return kind;
  throw new Error(`HIL_RIG must be "sim" or "bench", got "${env.HIL_RIG}"`);
}

/** The rig a scenario runs on; `options` shape the simulated rig and are ignored by a bench. */
export function createRig(options: SimulatedRigOptions = {}, env: NodeJS.ProcessEnv = process.env): Rig {
  if (rigKind(env) === 'sim') return new SimulatedRig(options);
  const path = env.HIL_BENCH_CONFIG?.trim();
  if (!path) throw new Error('HIL_RIG=bench needs HIL_BENCH_CONFIG=<bench config file> (docs/hil.md; npm run hil -- --rig bench --config <file>)');
  return BenchRig.fromFile(path);
}

/** The simulated rig behind `rig`, for steps guarded by a sim-only capability. */
export function simulated(rig: Rig): SimulatedRig {
  if (!(rig instanceof SimulatedRig)) throw new Error(`this step needs the simulated rig, not the ${rig.kind} rig`);
  return rig;
}

export { BenchRig, BenchUnsupportedError } from './bench-rig';
export { SimulatedRig, eventually } from './simulated-rig';
export { describeWith, itWith, skipReason } from './capabilities';
export type { LoadPoint, MeterSetup, Rig, RigCapability, RigInstruments } from './rig';
