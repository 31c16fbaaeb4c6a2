/**
 * Whole-trace analysis behind `npm run anomalies` / `npm run appliances` and the benchmark: learn from
 * the first days, then replay the rest through the same detector the backend runs live. Pure.
 */
import { AnomalyDetector, Anomaly, AnomalySettings } from './anomaly-detector';
import { Calendar, learnBaseline, UTC_CALENDAR } from './baseline';
import { PowerSample } from './power-trace';
import { Run, RunSegmenter, SegmenterOptions, SegmenterOutput, segmentTrace } from './runs';
import { ApplianceCluster, clusterRuns } from './signatures';

const DAY_MS = 86_400_000;
/** How often the detector looks at a run in progress and at absent appliances (trace time). */
const TICK_MS = 60_000;

export class TraceAnalysisError extends Error {
  override readonly name = 'TraceAnalysisError';
}

export interface AnalysisOptions {
  /** Days learnt from, counted from the midnight before the first reading. Default: all but the last. */
  trainDays?: number;
  settings?: Partial<AnomalySettings>;
  segmenter?: SegmenterOptions;
  calendar?: Calendar;
}

export interface AnalysisResult {
  trainFrom: number;
  trainTo: number;
  to: number;
  clusters: ApplianceCluster[];
  anomalies: Anomaly[];
}

export function traceDays(samples: readonly PowerSample[]): { firstMidnight: number; days: number } {
  const firstMidnight = Math.floor(samples[0].ts / DAY_MS) * DAY_MS;
  return { firstMidnight, days: Math.floor((samples[samples.length - 1].ts - firstMidnight) / DAY_MS) + 1 };
}

export function analyzeTrace(samples: readonly PowerSample[], options: AnalysisOptions = {}): AnalysisResult {
  const { firstMidnight, days } = traceDays(samples);
  const trainDays = options.trainDays ?? days - 1;
  if (!Number.isInteger(trainDays) || trainDays < 1) {
    throw new TraceAnalysisError(`the trace covers ${days} day(s): at least 2 are needed (1 to learn from, 1 to check)`);
  }
  if (trainDays >= days) throw new TraceAnalysisError(`--train-days ${trainDays} leaves nothing to check: the trace covers ${days} day(s)`);
  const calendar = options.calendar ?? UTC_CALENDAR;
  const trainTo = firstMidnight + trainDays * DAY_MS;
  // One segmenter over the whole trace, so a run that spans the training boundary stays whole.
  const segmenter = new RunSegmenter(options.segmenter);
  const learnt: SegmenterOutput = { runs: [], idle: [] };
  let k = 0;
  for (; k < samples.length && samples[k].ts < trainTo; k++) {
    const out = segmenter.push(samples[k].ts, samples[k].powerW);
    learnt.runs.push(...out.runs);
    learnt.idle.push(...out.idle);
  }
  const { clusters, members } = clusterRuns(learnt.runs, { hourOf: calendar.hourOf });
  const baseline = learnBaseline(
    clusters.map((cluster, j) => ({ cluster, runs: members[j] })),
    learnt.runs,
    learnt.idle,
    calendar,
  );
  const detector = new AnomalyDetector(baseline, options.settings, calendar);
  const anomalies: Anomaly[] = [];
  let nextTick = trainTo;
  for (; k < samples.length; k++) {
    const s = samples[k];
    const out = segmenter.push(s.ts, s.powerW);
    for (const run of out.runs) if (run.start >= trainTo) anomalies.push(...detector.onRun(run));
    for (const window of out.idle) if (window.start >= trainTo) anomalies.push(...detector.onIdle(window));
    if (s.ts >= nextTick) {
      anomalies.push(...detector.tick(s.ts, segmenter.ongoing()));
      nextTick = s.ts + TICK_MS;
    }
  }
  const last = samples[samples.length - 1].ts;
  for (const window of segmenter.finish().idle) if (window.start >= trainTo) anomalies.push(...detector.onIdle(window));
  anomalies.push(...detector.tick(last, segmenter.ongoing()));
  return { trainFrom: samples[0].ts, trainTo, to: last, clusters, anomalies };
}

/** Candidate appliances of a whole trace. */
export function findAppliances(samples: readonly PowerSample[], options: { segmenter?: SegmenterOptions; calendar?: Calendar } = {}): { clusters: ApplianceCluster[]; runs: number; unassigned: Run[] } {
  const { runs } = segmentTrace(samples, options.segmenter);
  const { clusters, unassigned } = clusterRuns(runs, { hourOf: (options.calendar ?? UTC_CALENDAR).hourOf });
  return { clusters, runs: runs.length, unassigned };
}
