/**
 * What is normal for each appliance and for the circuit's standby, learnt from their own history.
 * Pure; the result is plain JSON (the backend stores it, the CLI keeps it in memory).
 *
 * Each feature (run duration, power, energy, interval between starts) is kept as logarithms, so a
 * change reads as a ratio. Its centre is the median per time-of-day block (6 h), split by weekday and
 * weekend when that block has enough runs; a fridge runs longer in the warm evening than at night.
 * Its spread is the robust sigma (MAD × 1.4826) of the residuals, floored and widened for small samples.
 */
import { median, robustSigma } from './robust';
import { ApplianceCluster, ApplianceSignature, utcHour } from './signatures';
import { IdleWindow, Run } from './runs';

export type FeatureName = 'durationS' | 'powerW' | 'energyWh' | 'intervalS';

export interface FeatureBaseline {
  /** Median of ln(value) per block key ('all', 'b0'…'b3', 'wd0'…'we3') with its count. */
  centres: Record<string, { lnMedian: number; n: number }>;
  /** Robust sigma of ln residuals, floored and widened (see SIGMA_FLOOR). */
  sigma: number;
  n: number;
  min: number;
  max: number;
}

export interface ApplianceBaseline {
  id: string;
  name?: string;
  signature: ApplianceSignature;
  cyclic: boolean;
  features: Partial<Record<FeatureName, FeatureBaseline>>;
  /** Most starts seen in one day of the history (non-cyclic appliances). */
  maxRunsPerDay: number;
  /** Start of its last run seen. */
  lastStart?: number;
}

export interface StandbyBaseline {
  medianW: number;
  sigmaW: number;
  n: number;
}

export interface Baseline {
  version: 1;
  from: number;
  to: number;
  appliances: ApplianceBaseline[];
  /** The longest run of anything on the circuit: a run far beyond it is stuck. */
  circuitMaxRunS: number;
  standby?: StandbyBaseline;
}

export interface Calendar {
  hourOf(ts: number): number;
  isWeekend(ts: number): boolean;
}
export const UTC_CALENDAR: Calendar = { hourOf: utcHour, isWeekend: (ts) => [0, 6].includes(new Date(ts).getUTCDay()) };

/** A block needs this many runs before it gets its own centre. */
export const MIN_BLOCK_RUNS = 5;
/** Sigma never below these (ln units ≈ relative): measurement noise, and a few runs look alike by chance. */
const SIGMA_FLOOR: Record<FeatureName, number> = { durationS: 0.06, powerW: 0.03, energyWh: 0.06, intervalS: 0.08 };
const MIN_STANDBY_SIGMA_W = 0.5;

export function blockKeys(ts: number, calendar: Calendar): string[] {
  const block = Math.floor(calendar.hourOf(ts) / 6);
  return [`${calendar.isWeekend(ts) ? 'we' : 'wd'}${block}`, `b${block}`, 'all'];
}

/** ln of the typical value at this time (the finest block with enough history). */
export function centreAt(feature: FeatureBaseline, ts: number, calendar: Calendar): number {
  for (const key of blockKeys(ts, calendar)) {
    const c = feature.centres[key];
    if (c && (c.n >= MIN_BLOCK_RUNS || key === 'all')) return c.lnMedian;
  }
  return feature.centres.all.lnMedian;
}

export function learnFeature(name: FeatureName, samples: { ts: number; value: number }[], calendar: Calendar): FeatureBaseline | undefined {
  const usable = samples.filter((s) => s.value > 0);
  if (usable.length < 3) return undefined;
  const byKey = new Map<string, number[]>();
  for (const s of usable) {
    for (const key of blockKeys(s.ts, calendar)) byKey.set(key, [...(byKey.get(key) ?? []), Math.log(s.value)]);
  }
  const centres: FeatureBaseline['centres'] = {};
  for (const [key, values] of byKey) centres[key] = { lnMedian: median(values), n: values.length };
  const partial: FeatureBaseline = { centres, sigma: 0, n: usable.length, min: 0, max: 0 };
  const residuals = usable.map((s) => Math.log(s.value) - centreAt(partial, s.ts, calendar));
  // Few samples: the MAD is itself uncertain, so widen it (×1.33 at 3 samples, ×1.03 at 30).
  const sigma = Math.max(robustSigma(residuals), SIGMA_FLOOR[name]) * (1 + 1 / usable.length);
  const values = usable.map((s) => s.value);
  return { centres, sigma, n: usable.length, min: Math.min(...values), max: Math.max(...values) };
}

/** Baselines of the given appliances (their training runs) and of the circuit's standby. */
export function learnBaseline(
  appliances: { cluster: Pick<ApplianceCluster, 'id' | 'signature' | 'cyclic' | 'intervalS'>; name?: string; runs: readonly Run[] }[],
  allRuns: readonly Run[],
  idle: readonly IdleWindow[],
  calendar: Calendar = UTC_CALENDAR,
): Baseline {
  const from = Math.min(...allRuns.map((r) => r.start), ...idle.map((w) => w.start));
  const to = Math.max(...allRuns.map((r) => r.end), ...idle.map((w) => w.end));
  const out: Baseline = {
    version: 1,
    from: Number.isFinite(from) ? from : 0,
    to: Number.isFinite(to) ? to : 0,
    appliances: [],
    circuitMaxRunS: Math.max(0, ...allRuns.map((r) => r.durationS)),
  };
  for (const { cluster, name, runs } of appliances) {
    const sorted = [...runs].sort((a, b) => a.start - b.start);
    const features: ApplianceBaseline['features'] = {};
    for (const f of ['durationS', 'powerW', 'energyWh'] as const) {
      const fb = learnFeature(f, sorted.map((r) => ({ ts: r.start, value: r[f] })), calendar);
      if (fb) features[f] = fb;
    }
    // Intervals across a gap in the history (an outage, a holiday) are not the rhythm.
    const intervals = sorted.slice(1).map((r, k) => ({ ts: r.start, value: (r.start - sorted[k].start) / 1000 }));
    const typical = median(intervals.map((i) => i.value));
    const fi = learnFeature('intervalS', intervals.filter((i) => i.value < 3 * typical), calendar);
    if (fi) features.intervalS = fi;
    const perDay = new Map<number, number>();
    for (const r of sorted) perDay.set(Math.floor(r.start / 86_400_000), (perDay.get(Math.floor(r.start / 86_400_000)) ?? 0) + 1);
    out.appliances.push({
      id: cluster.id,
      ...(name ? { name } : {}),
      signature: cluster.signature,
      cyclic: cluster.cyclic,
      features,
      maxRunsPerDay: Math.max(0, ...perDay.values()),
      ...(sorted.length > 0 ? { lastStart: sorted[sorted.length - 1].start } : {}),
    });
  }
  const windows = idle.filter((w) => w.samples >= MIN_IDLE_SAMPLES).map((w) => w.meanW);
  if (windows.length >= 6) {
    out.standby = { medianW: median(windows), sigmaW: Math.max(robustSigma(windows), MIN_STANDBY_SIGMA_W) * (1 + 1 / windows.length), n: windows.length };
  }
  return out;
}

/** An idle window needs this many readings to say something about standby. */
export const MIN_IDLE_SAMPLES = 10;
