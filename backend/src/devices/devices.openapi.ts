import { circuitReadingSchema, relaysSchema, statusSchema } from '@dinmeter/shared';
import { array, bool, epochMs, fromShared, int, isoTime, nullable, num, object, sharedPart, str } from '../openapi/schema';

/** Response schemas of the devices routes (the OpenAPI document, backend/src/openapi). */
const relayState = sharedPart(relaysSchema, 'circuits', 'items');
const chipHealth = sharedPart(statusSchema, 'health', 'items');

const deviceFields = {
  id: str,
  online: bool,
  'lastSeen?': { ...epochMs, description: 'last message of any kind (ms)' },
  firstSeen: epochMs,
  'firmware?': str,
  'bootId?': str,
  'bootTs?': epochMs,
  'lastTelemetrySeq?': int,
  'lastTelemetryTs?': epochMs,
  'telemetryGaps?': { ...int, description: 'holes detected in the seqs since the backend started, by every instance (memory only)' },
  'planVersion?': int,
  'failsafeMinS?': { ...int, description: "the meter's shortest failsafe.afterSeconds" },
};

export const circuitView = object({
  circuit: int,
  'label?': str,
  'reading?': { ...fromShared(circuitReadingSchema), description: 'latest reading (memory only: not restored after a restart)' },
  'readingTs?': epochMs,
  'relay?': relayState,
  'health?': chipHealth,
});

export const DEVICE_SUMMARIES = array(object(deviceFields), 'every known meter, without circuits');
export const DEVICE = object({ ...deviceFields, circuits: array(circuitView) });
export const CIRCUITS = array(circuitView);

export const SERIES = object({
  device: str,
  circuit: int,
  field: str,
  from: isoTime,
  to: isoTime,
  every: { ...str, description: 'aggregation window' },
  points: array(object({ ts: isoTime, value: nullable(num) })),
});
