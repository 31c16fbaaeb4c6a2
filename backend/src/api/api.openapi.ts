import { circuitConfigSchema, circuitReadingSchema, relaysSchema, statusSchema } from '@dinmeter/shared';
import { array, bool, epochMs, fromShared, int, isoTime, nullable, num, object, oneOf, Schema, sharedPart, str } from '../openapi/schema';

/** Response schemas of the devices, commands and health routes (the OpenAPI document, backend/src/openapi). */
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

/** 202 of every route that sends a command: follow it on GET /api/commands/{commandId}. */
export const COMMAND_ACCEPTED = object({ commandId: str, status: oneOf('pending', 'acked', 'failed', 'expired'), expiresAt: isoTime });

export const COMMAND = object({
  commandId: str,
  deviceId: str,
  seq: int,
  body: { type: 'object', description: 'the command without v, id, seq, expires: {op: relay|reset_trip|config|calibrate|ping, circuit?, …}' },
  status: oneOf('pending', 'acked', 'failed', 'expired'),
  createdAt: epochMs,
  expiresAt: epochMs,
  attempts: int,
  'reissues?': int,
  'lateAck?': bool,
  'lastSentAt?': epochMs,
  'ackedAt?': epochMs,
  'state?': oneOf('on', 'off'),
  'code?': { ...str, description: "the meter's refusal code (docs/relay-safety.md)" },
  'error?': str,
});

export const HEALTH = object({
  status: oneOf('ok', 'degraded'),
  mqtt: object({ connected: bool, broker: oneOf('embedded', 'external'), url: str }),
  influx: object({ ok: bool, 'version?': str }),
});

export const COUNTERS: Schema = { type: 'object', additionalProperties: { type: 'integer' }, description: 'counter name → count since start' };

export const CIRCUIT_CONFIG = fromShared(circuitConfigSchema);
