/**
 * Encode/decode of every payload, keyed by topic kind. Decoding never throws: it returns a
 * result with every problem listed, so the boundary can count, log and carry on (invariant 3).
 */
import { utf8ByteLength, utf8Decode, utf8Encode } from '../utf8';
import {
  AlertMessage,
  alertSchema,
  CommandAckMessage,
  Command,
  commandAckSchema,
  commandSchema,
  EventMessage,
  EventsAckMessage,
  eventsAckSchema,
  eventSchema,
  HeartbeatMessage,
  heartbeatSchema,
  PlanMessage,
  planSchema,
  RelaysMessage,
  relaysSchema,
  StatusMessage,
  statusSchema,
  TelemetryAckMessage,
  telemetryAckSchema,
  TELEMETRY_BATCH_MAX_RECORDS,
  TelemetryBatchMessage,
  telemetryBatchSchema,
  TelemetryMessage,
  telemetrySchema,
} from './messages';
import { Result, Schema, validate } from './schema';
import { DeviceTopicKind } from './topics';

export type MessageKind = DeviceTopicKind | 'heartbeat';

export interface MessageByKind {
  status: StatusMessage;
  telemetry: TelemetryMessage;
  'telemetry/ack': TelemetryAckMessage;
  'telemetry/batch': TelemetryBatchMessage;
  events: EventMessage;
  'events/ack': EventsAckMessage;
  cmd: Command;
  'cmd/ack': CommandAckMessage;
  relays: RelaysMessage;
  plan: PlanMessage;
  alerts: AlertMessage;
  heartbeat: HeartbeatMessage;
}

/** The schema of every message kind (also the source of the published AsyncAPI document). */
export const MESSAGE_SCHEMAS: { [K in MessageKind]: Schema<MessageByKind[K]> } = {
  status: statusSchema,
  telemetry: telemetrySchema,
  'telemetry/ack': telemetryAckSchema,
  'telemetry/batch': telemetryBatchSchema,
  events: eventSchema,
  'events/ack': eventsAckSchema,
  cmd: commandSchema,
  'cmd/ack': commandAckSchema,
  relays: relaysSchema,
  plan: planSchema,
  alerts: alertSchema,
  heartbeat: heartbeatSchema,
};

/** Largest payload accepted per kind, in bytes. A 10-circuit telemetry record is about 2 KiB. */
export const MAX_PAYLOAD_BYTES: { [K in MessageKind]: number } = {
  status: 4096,
  telemetry: 8192,
  'telemetry/ack': 256,
  /** Every record at its largest; below the brokers' 256 KiB packet limit (infra/mosquitto/mosquitto.conf). */
  'telemetry/batch': TELEMETRY_BATCH_MAX_RECORDS * 8192,
  events: 8192,
  'events/ack': 256,
  cmd: 4096,
  'cmd/ack': 1024,
  relays: 2048,
  plan: 65536,
  alerts: 4096,
  heartbeat: 256,
};

export function validateMessage<K extends MessageKind>(kind: K, value: unknown): Result<MessageByKind[K]> {
  return validate(MESSAGE_SCHEMAS[kind], value);
}

export function decodeMessage<K extends MessageKind>(kind: K, payload: Uint8Array | string): Result<MessageByKind[K]> {
  // The limit is in UTF-8 bytes, as on the wire: a string's length counts UTF-16 units.
  const size = typeof payload === 'string' ? utf8ByteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES[kind]) {
    return { ok: false, errors: [`payload of ${size} bytes exceeds the ${MAX_PAYLOAD_BYTES[kind]}-byte limit for ${kind}`] };
  }
  const text = typeof payload === 'string' ? payload : utf8Decode(payload);
  if (text === undefined) return { ok: false, errors: ['payload is not valid UTF-8'] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`payload is not valid JSON: ${(error as Error).message}`] };
  }
  return validateMessage(kind, parsed);
}

/** Validates before encoding: sending an invalid message is a programmer error and throws. */
export function encodeMessage<K extends MessageKind>(kind: K, message: MessageByKind[K]): string {
  const result = validateMessage(kind, message);
  if (!result.ok) throw new Error(`refusing to encode an invalid ${kind} message: ${result.errors.join('; ')}`);
  const text = JSON.stringify(message);
  // Never send what the receiver's decodeMessage would refuse as oversized.
  const size = utf8ByteLength(text);
  if (size > MAX_PAYLOAD_BYTES[kind]) {
    throw new Error(`refusing to encode a ${kind} message of ${size} bytes: the limit is ${MAX_PAYLOAD_BYTES[kind]}`);
  }
  return text;
}

export function encodeMessageBytes<K extends MessageKind>(kind: K, message: MessageByKind[K]): Uint8Array {
  return utf8Encode(encodeMessage(kind, message));
}
