import { bool, object, oneOf, Schema, str } from '../openapi/schema';

/** Response schemas of the health routes (the OpenAPI document, backend/src/openapi). */
export const HEALTH = object({
  status: oneOf('ok', 'degraded'),
  mqtt: object({ connected: bool, broker: oneOf('embedded', 'external'), url: str }),
  influx: object({ ok: bool, 'version?': str }),
});

export const COUNTERS: Schema = { type: 'object', additionalProperties: { type: 'integer' }, description: 'counter name → count since start' };
