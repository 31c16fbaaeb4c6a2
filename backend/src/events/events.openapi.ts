import { EVENT_TYPES, eventSchema } from '@dinmeter/shared';
import { array, epochMs, int, object, sharedPart, str } from '../openapi/schema';

/** Response schemas of the events routes (the OpenAPI document, backend/src/openapi). */
export const STORED_EVENT = object({
  device: str,
  ts: epochMs,
  type: { type: 'string', enum: [...EVENT_TYPES] },
  'circuit?': int,
  'message?': str,
  'data?': sharedPart(eventSchema, 'data'),
  'seq?': { ...int, description: "the meter's event seq (absent for meters without an event log)" },
});

export const EVENTS = object({
  device: str,
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  events: array(STORED_EVENT, 'oldest first'),
});
