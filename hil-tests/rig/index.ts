/**
 * Rig selection for scenarios: `HIL_RIG=sim` (default) boots the simulated rig (real influxd,
 * backend, broker; virtual meters), `HIL_RIG=bench` drives a real bench from the HIL_* variables
 * (bench-rig.ts, docs/hil.md). A scenario written against `Rig` adopts it with
 * `const rig = createRig();` and skips bench-unsupported steps via `rigKind()`.
 */
import { BenchRig } from './bench-rig';
import { Rig } from './rig';
import { SimulatedRig, SimulatedRigOptions } from './simulated-rig';

export type RigKind = 'sim' | 'bench';

export function rigKind(env: NodeJS.ProcessEnv = process.env): RigKind {
  const kind = (env.HIL_RIG ?? 'sim').trim().toLowerCase();
  if (kind === 'sim' || kind === 'bench') return kind;
  throw new Error(`HIL_RIG must be "sim" or "bench", got "${env.HIL_RIG}"`);
}

export function createRig(options: SimulatedRigOptions = {}, env: NodeJS.ProcessEnv = process.env): Rig {
  return rigKind(env) === 'bench' ? BenchRig.fromEnv(env) : new SimulatedRig(options);
}

export { BenchRig, BenchUnsupportedError } from './bench-rig';
export { SimulatedRig, eventually } from './simulated-rig';
export type { MeterSetup, Rig } from './rig';
