/**
 * Many days from one real day: the tracebase fixtures hold one day per appliance, while a baseline
 * needs a week. A surrogate day re-plays the real day's own runs (their real power curves, sample by
 * sample) with the spread a real appliance has from day to day, and the anomalies of the benchmark are
 * injected into those real curves the way the physics would change them. Seeded and deterministic.
 *
 * Spread used (assumptions, stated in docs/anomalies.md): fridge compressor run and off times ×N(1, 4 %)
 * per cycle and ×N(1, 4 %) per day (room temperature); kettle boils kept with p = 0.85, moved by
 * N(0, 45 min), length ×N(1, 10 %) (water filled); the wash cycle on 45 % of days, moved by N(0, 2 h).
 */
import { PowerSample } from '../analysis/power-trace';
import { segmentTrace } from '../analysis/runs';
import { seededRandom } from '../../../../device/core/util/seeded-random';

export type ApplianceKind = 'fridge' | 'kettle' | 'washer';

export type Injection =
  | { kind: 'longer_runs'; factor: number }
  | { kind: 'more_power'; factor: number }
  | { kind: 'heater_stuck'; heaterW: number }
  | { kind: 'clogging'; finalFactor: number; rampDays: number }
  | { kind: 'stops'; }
  | { kind: 'standby_creep'; finalW: number; rampHours: number }
  | { kind: 'longer_heating'; factor: number };

export interface SurrogateOptions {
  appliance: ApplianceKind;
  days: number;
  seed: number;
  /** First midnight (ms). Default 2024-01-01 (a Monday). */
  from?: number;
  /** Change from this instant on. */
  inject?: { at: number; what: Injection };
  /** Days (0-based) that surely have the kettle's or washing machine's runs. */
  forcedDays?: number[];
  /** Grid of the output (s): what the meter's telemetry interval would be. Default 5. */
  stepS?: number;
}

interface Piece {
  /** Real samples of one run, times relative to its start (ms). */
  samples: { dt: number; powerW: number }[];
  /** Time of day the run started in the real trace (ms since midnight). */
  timeOfDay: number;
  /** Idle time after it in the real trace (ms), for rhythmic appliances. */
  offAfterMs: number;
}

interface Placement {
  start: number;
  stretch: number;
  piece: Piece;
  powerFactor: number;
}

const DAY_MS = 86_400_000;

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The runs of a real one-day trace, as pieces to re-play. */
export function piecesOf(samples: readonly PowerSample[]): Piece[] {
  const { runs } = segmentTrace(samples);
  const midnight = Math.floor(samples[0].ts / DAY_MS) * DAY_MS;
  return runs.map((run, k) => ({
    samples: samples.filter((s) => s.ts >= run.start && s.ts < run.end).map((s) => ({ dt: s.ts - run.start, powerW: s.powerW })),
    timeOfDay: run.start - midnight,
    offAfterMs: k + 1 < runs.length ? runs[k + 1].start - run.end : 0,
  }));
}

export function surrogateTrace(real: readonly PowerSample[], options: SurrogateOptions): PowerSample[] {
  const random = seededRandom(options.seed);
  const from = options.from ?? Date.UTC(2024, 0, 1);
  const to = from + options.days * DAY_MS;
  const pieces = piecesOf(real);
  if (pieces.length === 0) throw new Error('the real trace has no runs to re-play');
  const placements = options.appliance === 'fridge' ? placeCycles(pieces, from, to, random, options.inject) : placeDaily(pieces, options.appliance, from, options.days, random, options.forcedDays ?? []);
  if (options.inject) applyInjection(placements, options.inject, options.appliance);
  return render(placements, from, to, (options.stepS ?? 5) * 1000, options.inject);
}

/** A fridge: runs back to back with their off times, each the real run nearest in time of day. */
function placeCycles(pieces: Piece[], from: number, to: number, random: () => number, inject?: SurrogateOptions['inject']): Placement[] {
  // Compressor runs only (the door light's short 26 W runs are not part of the rhythm); off time to the next one.
  const compressor = pieces.filter((p) => p.samples.length > 0 && median(p.samples.map((s) => s.powerW)) > 50);
  const cycles = compressor.slice(0, -1).map((p, k) => ({ ...p, offAfterMs: compressor[k + 1].timeOfDay - p.timeOfDay - lastDt(p) }));
  const out: Placement[] = [];
  let t = from;
  let day = -1;
  let dayFactor = 1;
  while (t < to) {
    if (Math.floor((t - from) / DAY_MS) !== day) {
      day = Math.floor((t - from) / DAY_MS);
      dayFactor = 1 + 0.04 * gaussian(random);
    }
    const tod = (t - from) % DAY_MS;
    const piece = cycles.reduce((best, p) => (circularDistance(p.timeOfDay, tod) < circularDistance(best.timeOfDay, tod) ? p : best));
    const stretch = dayFactor * (1 + 0.04 * gaussian(random));
    const placement: Placement = { start: t, stretch, piece, powerFactor: 1 };
    if (inject && t >= inject.at && inject.what.kind === 'longer_runs') placement.stretch *= inject.what.factor;
    out.push(placement);
    const runMs = lastDt(piece) * placement.stretch;
    t += runMs + piece.offAfterMs * dayFactor * (1 + 0.04 * gaussian(random));
  }
  return out;
}

/** Kettle and washing machine: the real day's runs, on some days, moved around their real time. */
function placeDaily(pieces: Piece[], appliance: ApplianceKind, from: number, days: number, random: () => number, forcedDays: number[]): Placement[] {
  const out: Placement[] = [];
  for (let d = 0; d < days; d++) {
    if (appliance === 'washer') {
      if (random() >= 0.45 && !forcedDays.includes(d)) continue;
      const shift = 2 * 3_600_000 * gaussian(random);
      for (const piece of pieces) out.push({ start: from + d * DAY_MS + piece.timeOfDay + shift, stretch: 1 + 0.02 * gaussian(random), piece, powerFactor: 1 });
      continue;
    }
    for (const piece of pieces) {
      if (random() >= 0.85 && !forcedDays.includes(d)) continue;
      const start = from + d * DAY_MS + piece.timeOfDay + 45 * 60_000 * gaussian(random);
      out.push({ start, stretch: Math.max(0.5, 1 + 0.1 * gaussian(random)), piece, powerFactor: 1 });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

function applyInjection(placements: Placement[], inject: NonNullable<SurrogateOptions['inject']>, appliance: ApplianceKind): void {
  const what = inject.what;
  for (const p of placements) {
    if (p.start < inject.at) continue;
    // placeCycles already stretched the fridge's runs, so that its off times follow the longer runs.
    if (what.kind === 'longer_runs' && appliance !== 'fridge') p.stretch *= what.factor;
    if (what.kind === 'more_power') p.powerFactor *= what.factor;
    if (what.kind === 'longer_heating') p.piece = longerHeating(p.piece, what.factor);
    if (what.kind === 'clogging') p.powerFactor *= 1 + (what.finalFactor - 1) * Math.min(1, (p.start - inject.at) / (what.rampDays * DAY_MS));
  }
  if (what.kind === 'stops') placements.splice(0, placements.length, ...placements.filter((p) => p.start < inject.at));
}

function render(placements: Placement[], from: number, to: number, stepMs: number, inject?: SurrogateOptions['inject']): PowerSample[] {
  const out: PowerSample[] = [];
  let k = 0;
  const sorted = [...placements].sort((a, b) => a.start - b.start);
  for (let t = from; t < to; t += stepMs) {
    while (k < sorted.length && sorted[k].start + lastDt(sorted[k].piece) * sorted[k].stretch < t) k++;
    let powerW = 0;
    for (let j = k; j < sorted.length && sorted[j].start <= t; j++) {
      const p = sorted[j];
      powerW += p.powerFactor * powerAt(p.piece, (t - p.start) / p.stretch);
    }
    if (inject && t >= inject.at) {
      const what = inject.what;
      if (what.kind === 'heater_stuck') powerW += what.heaterW;
      if (what.kind === 'standby_creep') powerW += what.finalW * Math.min(1, (t - inject.at) / (what.rampHours * 3_600_000));
    }
    out.push({ ts: t, powerW: Math.round(powerW * 10) / 10 });
  }
  return out;
}

/** Power of a piece at a time into it (the real sample in force then). */
function powerAt(piece: Piece, dt: number): number {
  const s = piece.samples;
  if (dt < 0 || dt > lastDt(piece)) return 0;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid].dt <= dt) lo = mid;
    else hi = mid - 1;
  }
  return s[lo].powerW;
}

/** The same run with its heating phase (> 1.5 kW) lasting `factor` times as long: a scaled element heats slower. */
function longerHeating(piece: Piece, factor: number): Piece {
  const samples: Piece['samples'] = [];
  let shift = 0;
  piece.samples.forEach((sample, k) => {
    samples.push({ dt: sample.dt + shift, powerW: sample.powerW });
    const next = piece.samples[k + 1];
    if (next && sample.powerW > 1500) shift += (next.dt - sample.dt) * (factor - 1);
  });
  return { ...piece, samples };
}

function lastDt(piece: Piece): number {
  return piece.samples.length > 0 ? piece.samples[piece.samples.length - 1].dt + 5000 : 0;
}

function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % DAY_MS;
  return Math.min(d, DAY_MS - d);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}
