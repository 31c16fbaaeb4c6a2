/**
 * Candidate appliances: recurring runs of one circuit grouped by what they look like (power, duration,
 * power factor and current THD when the meter's step_change event gave them). Pure and deterministic.
 *
 * Grouping splits the runs where the sorted features leave a gap: power first (ln P, gap > 0.22, about
 * 25 %), then duration (ln t, gap > ln 3), then ΔQ/ΔP from the meter's step_change event (gap > 0.25),
 * then power factor (gap > 0.15). Appliances differ by far more
 * than that, while one appliance's runs vary by less (the measured fridge: 75–79 W; the kettle: 2.56–2.67 kW).
 */
import { median, quantile } from './robust';
import { Run } from './runs';

export interface Spread {
  median: number;
  p10: number;
  p90: number;
}

/** What a run of an appliance looks like: the centre a new run is compared to. */
export interface ApplianceSignature {
  powerW: number;
  durationS: number;
  pf?: number;
  thdI?: number;
  /** ΔQ/ΔP of its switching on (tan φ of the appliance alone, whatever else runs on the circuit). */
  reactiveRatio?: number;
}

export interface ApplianceCluster {
  id: string;
  runs: number;
  signature: ApplianceSignature;
  powerW: Spread;
  durationS: Spread;
  energyWh: Spread;
  runsPerDay: number;
  /** Switches on at a steady rhythm (fridge, freezer, circulation pump): its interval is a baseline too. */
  cyclic: boolean;
  /** Median time from one start to the next (s), when there are at least two runs. */
  intervalS?: number;
  /** Share of starts per hour of the day (the daily pattern), 24 entries summing to 1. */
  hourProfile: number[];
  firstSeen: number;
  lastSeen: number;
}

export interface ClusterOptions {
  /** Fewer runs than this are not (yet) an appliance. Default 3. */
  minRuns?: number;
  /** Hour of the day of an instant (the local clock). Default: UTC. */
  hourOf?: (ts: number) => number;
}

const POWER_GAP = 0.22;
const DURATION_GAP = Math.log(3);
const PF_GAP = 0.15;
/** tan φ: a heater 0, a fridge compressor about 0.75–1, a small motor more. */
const REACTIVE_GAP = 0.25;
/** How far a run may lie from a signature and still be that appliance (ln units; pf absolute). */
const MATCH_SCALE = { power: 0.35, duration: 1.2, pf: 0.2, reactiveRatio: 0.3 };

export const utcHour = (ts: number) => new Date(ts).getUTCHours();

/** Groups runs into candidate appliances, most frequent first (ids a1, a2, … in that order). */
export function clusterRuns(runs: readonly Run[], options: ClusterOptions = {}): { clusters: ApplianceCluster[]; members: Run[][]; unassigned: Run[] } {
  const minRuns = options.minRuns ?? 3;
  const usable = runs.filter((r) => r.powerW > 0 && r.durationS > 0);
  let groups: Run[][] = [usable];
  groups = groups.flatMap((g) => splitAtGaps(g, (r) => Math.log(r.powerW), POWER_GAP));
  groups = groups.flatMap((g) => splitAtGaps(g, (r) => Math.log(r.durationS), DURATION_GAP));
  groups = groups.flatMap((g) => (g.filter((r) => r.deltaVar !== undefined).length >= 0.8 * g.length ? splitAtGaps(g, reactiveRatio, REACTIVE_GAP) : [g]));
  groups = groups.flatMap((g) => (g.filter((r) => r.pf !== undefined).length >= 0.8 * g.length ? splitAtGaps(g, (r) => r.pf ?? 0, PF_GAP) : [g]));
  const kept = groups.filter((g) => g.length >= minRuns).sort((a, b) => b.length - a.length || median(a.map((r) => r.powerW)) - median(b.map((r) => r.powerW)));
  const unassigned = groups.filter((g) => g.length < minRuns).flat().sort((a, b) => a.start - b.start);
  const members = kept.map((g) => [...g].sort((a, b) => a.start - b.start));
  const clusters = members.map((g, k) => describeCluster(`a${k + 1}`, g, options.hourOf ?? utcHour));
  return { clusters, members, unassigned };
}

export function describeCluster(id: string, runs: readonly Run[], hourOf: (ts: number) => number): ApplianceCluster {
  const spread = (values: number[]): Spread => ({ median: median(values), p10: quantile(values, 0.1), p90: quantile(values, 0.9) });
  const powerW = spread(runs.map((r) => r.powerW));
  const durationS = spread(runs.map((r) => r.durationS));
  const intervals = runs.slice(1).map((r, k) => (r.start - runs[k].start) / 1000);
  const spanDays = Math.max(1, (runs[runs.length - 1].end - runs[0].start) / 86_400_000);
  const runsPerDay = runs.length / spanDays;
  const intervalS = intervals.length > 0 ? median(intervals) : undefined;
  // A rhythm: several runs a day, and intervals within a factor of about two of each other.
  const cyclic = runsPerDay >= 6 && intervals.length >= 5 && quantile(intervals, 0.9) / quantile(intervals, 0.1) < 2.5;
  const hourProfile = new Array<number>(24).fill(0);
  for (const r of runs) hourProfile[hourOf(r.start)] += 1 / runs.length;
  const pfs = runs.map((r) => r.pf).filter((v): v is number => v !== undefined);
  const thds = runs.map((r) => r.thdI).filter((v): v is number => v !== undefined);
  const ratios = runs.filter((r) => r.deltaVar !== undefined).map(reactiveRatio);
  return {
    id,
    runs: runs.length,
    signature: {
      powerW: powerW.median,
      durationS: durationS.median,
      ...(pfs.length >= runs.length / 2 ? { pf: median(pfs) } : {}),
      ...(thds.length >= runs.length / 2 ? { thdI: median(thds) } : {}),
      ...(ratios.length >= runs.length / 2 ? { reactiveRatio: median(ratios) } : {}),
    },
    powerW,
    durationS,
    energyWh: spread(runs.map((r) => r.energyWh)),
    runsPerDay,
    cyclic,
    ...(intervalS !== undefined ? { intervalS } : {}),
    hourProfile,
    firstSeen: runs[0].start,
    lastSeen: runs[runs.length - 1].start,
  };
}

/**
 * How far a run (or a run in progress: no duration) lies from a signature; below 1 it is that appliance.
 * Power weighs most: an appliance's duration varies with use (water in a kettle), its power hardly.
 */
export function signatureDistance(signature: ApplianceSignature, run: { powerW: number; durationS?: number; pf?: number; deltaVar?: number }): number {
  if (!(run.powerW > 0)) return Number.POSITIVE_INFINITY;
  let sum = (Math.log(run.powerW / signature.powerW) / MATCH_SCALE.power) ** 2;
  if (run.durationS !== undefined && run.durationS > 0) sum += (Math.log(run.durationS / signature.durationS) / MATCH_SCALE.duration) ** 2;
  if (run.pf !== undefined && signature.pf !== undefined) sum += ((run.pf - signature.pf) / MATCH_SCALE.pf) ** 2;
  if (run.deltaVar !== undefined && signature.reactiveRatio !== undefined) sum += ((reactiveRatio(run) - signature.reactiveRatio) / MATCH_SCALE.reactiveRatio) ** 2;
  return Math.sqrt(sum);
}

/** Index of the nearest signature within reach, or -1. */
export function matchSignature(signatures: readonly ApplianceSignature[], run: { powerW: number; durationS?: number; pf?: number; deltaVar?: number }): number {
  let best = -1;
  let bestDistance = 1;
  signatures.forEach((s, k) => {
    const d = signatureDistance(s, run);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  });
  return best;
}

function reactiveRatio(run: { powerW: number; deltaVar?: number }): number {
  return (run.deltaVar ?? 0) / Math.max(run.powerW, 1);
}

function splitAtGaps(runs: Run[], key: (r: Run) => number, gap: number): Run[][] {
  if (runs.length === 0) return [];
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  const out: Run[][] = [[sorted[0]]];
  for (let k = 1; k < sorted.length; k++) {
    if (key(sorted[k]) - key(sorted[k - 1]) > gap) out.push([]);
    out[out.length - 1].push(sorted[k]);
  }
  return out;
}
