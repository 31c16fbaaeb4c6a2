import { bool, epochMs, int, isoTime, object, oneOf, str } from '../openapi/schema';

/** Response schemas of the commands routes (the OpenAPI document, backend/src/openapi). */

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
