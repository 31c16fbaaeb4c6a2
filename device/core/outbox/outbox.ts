import {
  deviceTopic,
  DeviceTopicKind,
  encodeMessage,
  EventMessage,
  MessageByKind,
  PROTOCOL_VERSION,
  TIME_UNKNOWN_MS,
} from '@dinmeter/shared';
import { Clock, MqttPort } from '../ports';

export interface OutboxOptions {
  deviceId: string;
  mqtt: MqttPort;
  clock: Clock;
  /** Non-retained messages kept while offline, at most (the oldest goes first). Default 64. */
  limit?: number;
  /**
   * Where events go instead of the queue: the event log's forwarder (core/events), which keeps them
   * on flash until the backend acknowledges them. Without it events are published like the rest.
   */
  events?: { record(event: EventMessage): void };
}

/** Kinds the meter publishes retained: the broker hands the latest state to every new subscriber. */
const RETAINED: { readonly [K in DeviceTopicKind]?: true } = { status: true, relays: true };

/**
 * What a part that publishes is given (the Outbox; a recording one in unit tests): one message of
 * a device topic kind, encoded and validated against the shared schema on the way out.
 */
export interface Publisher {
  /** Returns the encoded payload (an ack is replayed from it). */
  send<K extends DeviceTopicKind>(kind: K, message: MessageByKind[K]): string;
  /** A payload encoded before by `send` (a replayed ack). */
  sendEncoded(kind: DeviceTopicKind, payload: string): void;
}

/** An event without `v`/`ts`: the outbox stamps it. */
export type EventFields = Omit<EventMessage, 'v' | 'ts'>;

/**
 * Every message the meter sends goes out here (telemetry too: Delivery publishes on `topicOf`):
 * the outbox builds the topic, encodes, and publishes at once or keeps the message (bounded) for
 * the next connection. Retained state is not kept: its owner re-publishes it on connect.
 * Portable; built first by the composition root and handed to every part that publishes.
 */
export class Outbox implements Publisher {
  private readonly queue: { topic: string; payload: string }[] = [];
  private readonly limit: number;

  constructor(private readonly o: OutboxOptions) {
    this.limit = o.limit ?? 64;
    if (!(this.limit >= 1)) throw new RangeError(`limit must be >= 1, got ${o.limit}`);
    // Throws at once for a device id that cannot be a topic, not on the first publish.
    deviceTopic(o.deviceId, 'status');
  }

  get mqtt(): MqttPort {
    return this.o.mqtt;
  }

  topicOf(kind: DeviceTopicKind): string {
    return deviceTopic(this.o.deviceId, kind);
  }

  send<K extends DeviceTopicKind>(kind: K, message: MessageByKind[K]): string {
    const payload = encodeMessage(kind, message);
    if (kind === 'events' && this.o.events) this.o.events.record(message as EventMessage);
    else this.sendEncoded(kind, payload);
    return payload;
  }

  sendEncoded(kind: DeviceTopicKind, payload: string): void {
    const topic = this.topicOf(kind);
    const retain = RETAINED[kind] === true;
    const { mqtt } = this.o;
    if (mqtt.connected && mqtt.publish(topic, payload, { qos: 1, retain })) return;
    if (retain) return;
    if (this.queue.length >= this.limit) this.queue.shift();
    this.queue.push({ topic, payload });
  }

  /** An event happening now: stamped with the wall clock, or "time unknown" before SNTP. */
  event(fields: EventFields): void {
    const wall = this.o.clock.wallMs();
    this.send('events', {
      v: PROTOCOL_VERSION,
      ts: wall === undefined ? TIME_UNKNOWN_MS : Math.round(wall),
      ...fields,
    });
  }

  /** After (re)connecting: what waited goes out, oldest first, until the transport refuses. */
  onConnect(): void {
    const { mqtt } = this.o;
    while (this.queue.length > 0 && mqtt.connected) {
      const item = this.queue[0];
      if (!mqtt.publish(item.topic, item.payload, { qos: 1, retain: false })) break;
      this.queue.shift();
    }
  }
}
