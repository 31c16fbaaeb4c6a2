/**
 * Flags what departs from the baseline, fed in time order with completed runs, idle windows and
 * periodic ticks (with the run in progress). Pure: the same code runs behind the offline command and
 * in the backend. An alert is raised once and stays quiet until its condition has cleared.
 *
 * Thresholds (docs/anomalies.md): a score is a robust z-score of the mean of the last k runs
 * (k = 3 for cyclic appliances, 1 otherwise) against the baseline at that time of day; an alert needs
 * both score ≥ `scoreThreshold` (statistically unusual) and a change of at least `minChange` (large
 * enough to matter), so neither a tiny change in a very steady appliance nor a noisy one raises it.
 */
import type { AlertKindName } from '@dinmeter/shared';
import {
  ApplianceBaseline,
  Baseline,
  Calendar,
  centreAt,
  FeatureName,
  MIN_IDLE_SAMPLES,
  UTC_CALENDAR,
} from './baseline';
import { IdleWindow, OngoingRun, Run } from './runs';
import { matchSignature } from './signatures';

/** The kinds are part of the wire protocol (shared/: alerts topic). */
export type AlertKind = AlertKindName;

export interface AlertEvidence {
  /** What was compared: duration_s, power_w, energy_wh, interval_s, runs_per_day, standby_w, elapsed_s, absent_s. */
  metric: string;
  baseline: number;
  now: number;
  /** The value beyond which it was flagged. */
  limit: number;
}

export interface Anomaly {
  kind: AlertKind;
  /** The time range the evidence covers (ms). */
  start: number;
  end: number;
  /** ≥ scoreThreshold when raised; larger is further from normal. */
  score: number;
  message: string;
  /** Appliance id, absent for circuit-wide alerts. */
  appliance?: string;
  evidence: AlertEvidence;
}

export interface AnomalySettings {
  /** Robust z-score an alert needs (default 4: about 1 in 16 000 for normal data; see docs/anomalies.md). */
  scoreThreshold: number;
  /** Smallest relative change worth an alert, per feature (0.2 = 20 %). */
  minChange: Record<FeatureName, number>;
  /** Standby must rise at least this much (W) … */
  standbyMinDeltaW: number;
  /** … and by this share of its baseline. */
  standbyMinChange: number;
  /** A run is stuck beyond this many times the longest one in the baseline. */
  neverStopsFactor: number;
  /** A rhythmic appliance is missing after this many of its typical intervals (and twice its longest). */
  missingFactor: number;
}

export const DEFAULT_ANOMALY_SETTINGS: AnomalySettings = {
  scoreThreshold: 4,
  minChange: { durationS: 0.2, powerW: 0.1, energyWh: 0.2, intervalS: 0.4 },
  standbyMinDeltaW: 3,
  standbyMinChange: 0.2,
  neverStopsFactor: 2,
  missingFactor: 3,
};

const RUN_FEATURES: { feature: 'durationS' | 'powerW' | 'energyWh'; kind: AlertKind; metric: string; unit: string }[] = [
  { feature: 'durationS', kind: 'long_runs', metric: 'duration_s', unit: 's' },
  { feature: 'powerW', kind: 'high_power', metric: 'power_w', unit: 'W' },
  { feature: 'energyWh', kind: 'high_energy', metric: 'energy_wh', unit: 'Wh' },
];
const STANDBY_WINDOWS = 6;
const DAY_MS = 86_400_000;

interface Residual {
  r: number;
  start: number;
  end: number;
  value: number;
}

interface ApplianceState {
  base: ApplianceBaseline;
  recent: Partial<Record<FeatureName, Residual[]>>;
  lastStart?: number;
  starts: number[];
  active: Set<AlertKind>;
}

export class AnomalyDetector {
  private readonly settings: AnomalySettings;
  private readonly states: ApplianceState[];
  private readonly standbyWindows: IdleWindow[] = [];
  private standbyActive = false;
  private stuckRunStart?: number;

  constructor(
    private readonly baseline: Baseline,
    settings: Partial<AnomalySettings> = {},
    private readonly calendar: Calendar = UTC_CALENDAR,
  ) {
    this.settings = { ...DEFAULT_ANOMALY_SETTINGS, ...settings, minChange: { ...DEFAULT_ANOMALY_SETTINGS.minChange, ...settings.minChange } };
    this.states = baseline.appliances.map((base) => ({ base, recent: {}, lastStart: base.lastStart, starts: [], active: new Set() }));
  }

  /** The appliance a run belongs to (index into the baseline's appliances), or -1. */
  match(run: { powerW: number; durationS?: number; pf?: number }): number {
    return matchSignature(
      this.states.map((s) => s.base.signature),
      run,
    );
  }

  onRun(run: Run): Anomaly[] {
    const index = this.match(run);
    if (index < 0) return [];
    const state = this.states[index];
    const out: Anomaly[] = [];
    const k = state.base.cyclic ? 3 : 1;
    let explained = false;
    for (const { feature, kind, metric, unit } of RUN_FEATURES) {
      if (feature === 'energyWh' && explained) continue; // longer or stronger runs use more energy: one alert
      const raised = this.checkFeature(state, feature, kind, metric, unit, { r: 0, start: run.start, end: run.end, value: run[feature] }, k, +1);
      if (raised) out.push(raised);
      if (state.active.has(kind)) explained = true;
    }
    if (state.lastStart !== undefined && run.start > state.lastStart && state.base.cyclic) {
      const interval = (run.start - state.lastStart) / 1000;
      const raised = this.checkFeature(state, 'intervalS', 'frequent_runs', 'interval_s', 's', { r: 0, start: state.lastStart, end: run.end, value: interval }, k, -1);
      if (raised) out.push(raised);
    }
    if (!state.base.cyclic) {
      const raised = this.checkDailyCount(state, run);
      if (raised) out.push(raised);
    }
    state.lastStart = Math.max(state.lastStart ?? 0, run.start);
    state.active.delete('missing');
    state.active.delete('never_stops');
    return out;
  }

  onIdle(window: IdleWindow): Anomaly[] {
    const standby = this.baseline.standby;
    if (!standby || window.samples < MIN_IDLE_SAMPLES) return [];
    this.standbyWindows.push(window);
    if (this.standbyWindows.length > STANDBY_WINDOWS) this.standbyWindows.shift();
    if (this.standbyWindows.length < STANDBY_WINDOWS) return [];
    const meanW = this.standbyWindows.reduce((s, w) => s + w.meanW, 0) / STANDBY_WINDOWS;
    const deltaW = meanW - standby.medianW;
    const score = deltaW / (standby.sigmaW / Math.sqrt(STANDBY_WINDOWS));
    const limit = standby.medianW + Math.max(this.settings.standbyMinDeltaW, this.settings.standbyMinChange * standby.medianW, (this.settings.scoreThreshold * standby.sigmaW) / Math.sqrt(STANDBY_WINDOWS));
    if (meanW < standby.medianW + (limit - standby.medianW) / 2) this.standbyActive = false;
    if (this.standbyActive || meanW < limit) return [];
    this.standbyActive = true;
    return [
      {
        kind: 'standby_creep',
        start: this.standbyWindows[0].start,
        end: window.end,
        score: round(score),
        message: `standby ${fmt(meanW)} W over the last ${STANDBY_WINDOWS} idle hours, baseline ${fmt(standby.medianW)} W (+${fmt(deltaW)} W)`,
        evidence: { metric: 'standby_w', baseline: round(standby.medianW), now: round(meanW), limit: round(limit) },
      },
    ];
  }

  /** Checks what needs no completed run: a run that never stops, an appliance that stopped appearing. */
  tick(now: number, ongoing?: OngoingRun): Anomaly[] {
    const out: Anomaly[] = [];
    if (ongoing) {
      const stuck = this.checkStuck(ongoing);
      if (stuck) out.push(stuck);
    }
    for (const state of this.states) {
      const missing = this.checkMissing(state, now, ongoing);
      if (missing) out.push(missing);
    }
    return out;
  }

  private checkFeature(state: ApplianceState, feature: FeatureName, kind: AlertKind, metric: string, unit: string, sample: Residual, k: number, sign: 1 | -1): Anomaly | undefined {
    const fb = state.base.features[feature];
    if (!fb || !(sample.value > 0)) return undefined;
    sample.r = sign * (Math.log(sample.value) - centreAt(fb, sample.start, this.calendar));
    const recent = (state.recent[feature] ??= []);
    recent.push(sample);
    if (recent.length > k) recent.shift();
    if (recent.length < k) return undefined;
    const mean = recent.reduce((s, x) => s + x.r, 0) / k;
    const score = mean / (fb.sigma / Math.sqrt(k));
    const minLn = Math.log(1 + this.settings.minChange[feature]);
    const limitLn = Math.max(minLn, (this.settings.scoreThreshold * fb.sigma) / Math.sqrt(k));
    if (mean < limitLn / 2) state.active.delete(kind);
    if (state.active.has(kind) || mean < limitLn) return undefined;
    state.active.add(kind);
    const baselineValue = Math.exp(recent.reduce((s, x) => s + centreAt(fb, x.start, this.calendar), 0) / k);
    const nowValue = Math.exp(recent.reduce((s, x) => s + Math.log(x.value), 0) / k);
    const limitValue = baselineValue * Math.exp(sign * limitLn);
    const runs = k === 1 ? 'the last run' : `the last ${k} runs`;
    const change = Math.round((nowValue / baselineValue - 1) * 100);
    return {
      kind,
      start: recent[0].start,
      end: recent[recent.length - 1].end,
      score: round(score),
      appliance: state.base.id,
      message: `${label(state.base)}: ${metricWords(metric)} ${fmtValue(nowValue, unit)} over ${runs}, baseline ${fmtValue(baselineValue, unit)} at this time of day (${change > 0 ? '+' : ''}${change} %)`,
      evidence: { metric, baseline: round(baselineValue), now: round(nowValue), limit: round(limitValue) },
    };
  }

  private checkDailyCount(state: ApplianceState, run: Run): Anomaly | undefined {
    state.starts.push(run.start);
    while (state.starts.length > 0 && state.starts[0] <= run.start - DAY_MS) state.starts.shift();
    const base = state.base.maxRunsPerDay;
    if (base < 1) return undefined;
    const limit = Math.max(Math.ceil(base * 1.5), base + 3);
    if (state.starts.length < limit) {
      if (state.starts.length <= base) state.active.delete('frequent_runs');
      return undefined;
    }
    if (state.active.has('frequent_runs')) return undefined;
    state.active.add('frequent_runs');
    return {
      kind: 'frequent_runs',
      start: state.starts[0],
      end: run.end,
      score: round((this.settings.scoreThreshold * state.starts.length) / limit),
      appliance: state.base.id,
      message: `${label(state.base)}: ${state.starts.length} runs in 24 h, at most ${base} a day in the baseline`,
      evidence: { metric: 'runs_per_day', baseline: base, now: state.starts.length, limit },
    };
  }

  private checkStuck(ongoing: OngoingRun): Anomaly | undefined {
    if (this.stuckRunStart === ongoing.start) return undefined;
    const index = this.match({ powerW: ongoing.powerW });
    const state = index >= 0 ? this.states[index] : undefined;
    const duration = state?.base.features.durationS;
    const longest = duration ? duration.max : this.baseline.circuitMaxRunS;
    if (!(longest > 0)) return undefined;
    // An appliance's own longest run, or anything on the circuit (an unknown load): at least 30 min / 1 h.
    const limitS = duration
      ? Math.max(this.settings.neverStopsFactor * duration.max, Math.exp(duration.centres.all.lnMedian) + 1800)
      : Math.max(this.settings.neverStopsFactor * longest, 3600);
    if (ongoing.elapsedS < limitS) return undefined;
    this.stuckRunStart = ongoing.start;
    if (state) state.active.add('never_stops');
    const who = state ? label(state.base) : `a ${fmt(ongoing.powerW)} W load`;
    return {
      kind: 'never_stops',
      start: ongoing.start,
      end: ongoing.now,
      score: round((this.settings.scoreThreshold * ongoing.elapsedS) / limitS),
      ...(state ? { appliance: state.base.id } : {}),
      message: `${who} has been running for ${fmtValue(ongoing.elapsedS, 's')} without stopping; the longest run in the baseline was ${fmtValue(longest, 's')}`,
      evidence: { metric: 'elapsed_s', baseline: round(longest), now: round(ongoing.elapsedS), limit: round(limitS) },
    };
  }

  private checkMissing(state: ApplianceState, now: number, ongoing?: OngoingRun): Anomaly | undefined {
    const interval = state.base.features.intervalS;
    if (!state.base.cyclic || !interval || state.lastStart === undefined || state.active.has('missing')) return undefined;
    const typicalS = Math.exp(interval.centres.all.lnMedian);
    const limitS = Math.max(this.settings.missingFactor * typicalS, 2 * interval.max);
    const absentS = (now - state.lastStart) / 1000;
    if (absentS < limitS) return undefined;
    state.active.add('missing');
    const stuck = ongoing && state.active.has('never_stops') ? ' (it seems stuck on: see never_stops)' : '';
    return {
      kind: 'missing',
      start: state.lastStart,
      end: now,
      score: round((this.settings.scoreThreshold * absentS) / limitS),
      appliance: state.base.id,
      message: `${label(state.base)} has not started for ${fmtValue(absentS, 's')}; it normally starts every ${fmtValue(typicalS, 's')}${stuck}`,
      evidence: { metric: 'absent_s', baseline: round(typicalS), now: round(absentS), limit: round(limitS) },
    };
  }
}

function label(base: ApplianceBaseline): string {
  return base.name ? `${base.name}` : `appliance ${base.id} (${fmt(base.signature.powerW)} W)`;
}

function metricWords(metric: string): string {
  return { duration_s: 'runs last', power_w: 'power while running', energy_wh: 'energy per run', interval_s: 'starts every' }[metric] ?? metric;
}

function fmt(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function fmtValue(value: number, unit: string): string {
  if (unit !== 's') return `${fmt(value)} ${unit}`;
  if (value >= 5400) return `${fmt(value / 3600)} h`;
  if (value >= 120) return `${Math.round(value / 60)} min`;
  return `${Math.round(value)} s`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
