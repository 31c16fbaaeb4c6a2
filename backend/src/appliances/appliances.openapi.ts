import { alertSchema } from '@dinmeter/shared';
import { array, bool, fromShared, int, isoTime, nullable, num, object, oneOf, ref, str } from '../openapi/schema';

export const APPLIANCE = object({
  id: str,
  name: nullable(str),
  state: oneOf('running', 'idle'),
  signature: object({ powerW: num, durationS: int, 'pf?': num, 'reactiveRatio?': num }),
  cyclic: bool,
  runs: int,
  runTimeS: int,
  energyWh: num,
  energyPerRunWh: nullable(num),
  lastRun: nullable(isoTime),
  perDay: array(object({ day: { ...str, format: 'date' }, runs: int, runTimeS: int, energyWh: num }), 'the last 7 UTC days'),
});

export const APPLIANCES = object({
  device: str,
  circuit: int,
  historyDays: num,
  baselineLearnt: nullable(isoTime),
  unassignedRuns: int,
  appliances: array(APPLIANCE),
});

export const ANOMALY_SETTINGS = object({
  scoreThreshold: num,
  minChange: ref('MinChangeDto'),
  standbyMinDeltaW: num,
  standbyMinChange: num,
  neverStopsFactor: num,
  missingFactor: num,
  muted: array(str),
  overrides: ref('AnomalySettingsDto'),
});

export const ALERTS = array(fromShared(alertSchema), 'newest first');
