/** The meter's `events` and their `events/ack` (docs/protocol.md). */
import { literal, obj, optional, refine, Schema } from '../schema';
import { circuitNumber, issuedSeq, PROTOCOL_VERSION, seq, shortText, timestampMs, version } from './fields';
import { TelemetryAckMessage, telemetryAckSchema } from './telemetry';

export const EVENT_TYPES = [
  'relay',
  'protection_trip',
  'protection_reset',
  'step_change',
  'fault',
  'fault_cleared',
  'config',
  'plan',
  'failsafe',
  'boot',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  type: EventType;
  circuit?: number;
  message?: string;
  data?: Record<string, string | number | boolean>;
  /**
   * Per-device event sequence number (1, 2, 3 …, never reused), given by the meter's event log:
   * the event is on the meter's flash until the backend acknowledges it on events/ack. Meters
   * without an event log leave it out (such events are stored but cannot be acknowledged).
   */
  seq?: number;
  /** Highest event seq the meter has had acknowledged: present together with seq. */
  acked_seq?: number;
}
const eventData: Schema<Record<string, string | number | boolean>> = {
  optional: true,
  parse(input, path, errors) {
    if (input === undefined) return undefined;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      errors.push(`${path}: expected an object of plain values`);
      return undefined;
    }
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length > 32) errors.push(`${path}: at most 32 entries`);
    for (const [key, value] of entries) {
      const ok =
        (typeof value === 'string' && value.length <= 200) ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value));
      if (!ok) errors.push(`${path}.${key}: expected a string (≤ 200 chars), a finite number or a boolean`);
    }
    return input as Record<string, string | number | boolean>;
  },
  jsonSchema: () => ({
    type: 'object',
    maxProperties: 32,
    additionalProperties: { oneOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }] },
  }),
};
export const eventSchema: Schema<EventMessage> = refine(
  obj({
    v: version,
    ts: timestampMs,
    type: literal(...EVENT_TYPES),
    circuit: optional(circuitNumber),
    message: optional(shortText),
    data: eventData,
    seq: optional(issuedSeq),
    acked_seq: optional(seq),
  }),
  (m) => {
    if ((m.seq === undefined) !== (m.acked_seq === undefined)) return 'seq and acked_seq come together';
    if (m.seq !== undefined && m.acked_seq! >= m.seq) return `acked_seq ${m.acked_seq} must be below seq ${m.seq}`;
    return undefined;
  },
) as Schema<EventMessage>;

/** An event as the meter's event log returns it: with its seq, before delivery adds acked_seq. */
export type SequencedEvent = Omit<EventMessage, 'acked_seq'> & { seq: number };

/** Every event with seq <= upto_seq is stored in InfluxDB: the meter may drop it from its event log. */
export type EventsAckMessage = TelemetryAckMessage;
export const eventsAckSchema: Schema<EventsAckMessage> = telemetryAckSchema;
