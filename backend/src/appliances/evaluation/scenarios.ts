/**
 * The benchmark's cases: a real appliance day, re-played as surrogate days, with one physically
 * plausible fault injected on the first day after the training week, or none (the clean cases give the
 * false-alarm rate). Shared by `npm run bench:anomalies` and the unit tests (which run a few seeds).
 */
import { resolve } from 'node:path';
import { Anomaly, AlertKind } from '../analysis/anomaly-detector';
import { analyzeTrace } from '../analysis/offline';
import { PowerSample } from '../analysis/power-trace';
import { seededRandom } from '../../../../device/core/util/seeded-random';
import { ApplianceKind, Injection, surrogateTrace } from './surrogate-days';

/** The tracebase days: the shared folder beside the clone (as in CI), or POWER_TRACES_DIR. */
export const FIXTURES_DIR = process.env.POWER_TRACES_DIR ?? resolve(__dirname, '../../../../../shared/fixtures/power-traces');

export const TRACE_FILES: Record<ApplianceKind, string> = {
  fridge: 'tracebase_Refrigerator_dev_D32131_2012.06.12.csv',
  kettle: 'tracebase_WaterKettle_dev_D33E1F_2012.06.29.csv',
  washer: 'tracebase_Washingmachine_dev_D338C9_2012.06.29.csv',
};

export interface Scenario {
  name: string;
  appliance: ApplianceKind;
  /** Builds the fault for one trial (its size may be drawn from the trial's random numbers). */
  fault?: (random: () => number) => Injection;
  /** Alerts that count as detecting it. */
  expect: AlertKind[];
  what: string;
}

export const SCENARIOS: Scenario[] = [
  { name: 'fridge-clean', appliance: 'fridge', expect: [], what: 'no fault' },
  { name: 'kettle-clean', appliance: 'kettle', expect: [], what: 'no fault' },
  { name: 'washer-clean', appliance: 'washer', expect: [], what: 'no fault' },
  {
    name: 'fridge-coolant-loss',
    appliance: 'fridge',
    fault: (random) => ({ kind: 'longer_runs', factor: 1.3 + 0.3 * random() }),
    expect: ['long_runs'],
    what: 'compressor runs 30–60 % longer (coolant loss, iced evaporator)',
  },
  { name: 'fridge-power-up', appliance: 'fridge', fault: () => ({ kind: 'more_power', factor: 1.2 }), expect: ['high_power'], what: 'compressor draws +20 % (dirty condenser, worn bearings)' },
  {
    name: 'fridge-defrost-stuck',
    appliance: 'fridge',
    fault: () => ({ kind: 'heater_stuck', heaterW: 180 }),
    expect: ['never_stops', 'high_power'],
    what: 'a 180 W defrost heater does not switch off',
  },
  {
    name: 'fridge-motor-clogging',
    appliance: 'fridge',
    fault: () => ({ kind: 'clogging', finalFactor: 1.3, rampDays: 2 }),
    expect: ['high_power'],
    what: 'motor load rising as a pump clogs: current +30 % over 2 days (fridge compressor as the motor)',
  },
  { name: 'fridge-stops', appliance: 'fridge', fault: () => ({ kind: 'stops' }), expect: ['missing'], what: 'the compressor no longer starts' },
  { name: 'fridge-standby-creep', appliance: 'fridge', fault: () => ({ kind: 'standby_creep', finalW: 8, rampHours: 12 }), expect: ['standby_creep'], what: 'standby rises by 8 W over 12 h' },
  { name: 'kettle-limescale', appliance: 'kettle', fault: () => ({ kind: 'longer_runs', factor: 1.5 }), expect: ['long_runs', 'high_energy'], what: 'boils take 50 % longer (scaled element)' },
  { name: 'washer-heater-scale', appliance: 'washer', fault: () => ({ kind: 'longer_heating', factor: 1.6 }), expect: ['high_energy', 'long_runs'], what: 'heating phase 60 % longer (scaled element)' },
];

export interface TrialResult {
  scenario: string;
  seed: number;
  injectedAt?: number;
  detected: boolean;
  delayS?: number;
  /** Alerts not explained by an injected fault. */
  falseAlarms: Anomaly[];
  alerts: Anomaly[];
  testDays: number;
}

export const TRAIN_DAYS = 7;
const DAY_MS = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);

/**
 * One trial: TRAIN_DAYS clean days, then `testDays` days with the fault injected at a random time of the
 * first test day (or none). The washing machine only shows a fault when it runs: its fault starts at the
 * beginning of the test days, and the first test day has a wash.
 */
export function runTrial(real: readonly PowerSample[], scenario: Scenario, seed: number, testDays = 3): TrialResult {
  const random = seededRandom(seed * 7919 + 17);
  const trainTo = FROM + TRAIN_DAYS * DAY_MS;
  const injectedAt = scenario.fault ? trainTo + (scenario.appliance === 'washer' ? 0 : Math.floor(random() * DAY_MS)) : undefined;
  const inject = scenario.fault && injectedAt !== undefined ? { at: injectedAt, what: scenario.fault(random) } : undefined;
  // The washing machine runs every other day or so: make sure the week has washes to learn from and the first test day one to check.
  const forcedDays = scenario.appliance === 'washer' ? [1, 3, 5, TRAIN_DAYS] : [];
  const samples = surrogateTrace(real, { appliance: scenario.appliance, days: TRAIN_DAYS + testDays, seed, from: FROM, inject, forcedDays });
  const { anomalies } = analyzeTrace(samples, { trainDays: TRAIN_DAYS });
  const hits = injectedAt === undefined ? [] : anomalies.filter((a) => scenario.expect.includes(a.kind) && a.end >= injectedAt);
  const explained = (a: Anomaly) => injectedAt !== undefined && a.end >= injectedAt;
  return {
    scenario: scenario.name,
    seed,
    injectedAt,
    detected: hits.length > 0,
    ...(hits.length > 0 ? { delayS: (Math.min(...hits.map((h) => h.end)) - injectedAt!) / 1000 } : {}),
    falseAlarms: anomalies.filter((a) => !explained(a)),
    alerts: anomalies,
    testDays,
  };
}
