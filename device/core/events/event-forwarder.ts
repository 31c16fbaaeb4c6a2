import { decodeMessage, EventMessage, PROTOCOL_VERSION, SequencedEvent, topics } from '@dinmeter/shared';
import { Delivery, DeliveryStats } from '../delivery/delivery';
import { SequencedLog } from '../delivery/delivery.types';
import { Clock, MqttPort } from '../ports';

export interface EventForwarderOptions {
  deviceId: string;
  log: SequencedLog<EventMessage, SequencedEvent>;
  mqtt: MqttPort;
  /** Stamps the report of events the log had to drop (kept until the wall clock is known). */
  clock: Clock;
  /** Events published and not yet acknowledged, at most. */
  window?: number;
  /** No ack progress for this long while events are outstanding: resend from the oldest. */
  ackTimeoutMs?: number;
}

/**
 * Store-and-forward for events (docs/store-and-forward.md "Events"): each event goes to the event
 * log first, then out on …/events with its seq, and is replayed (go-back-N, the same Delivery as
 * telemetry) until the backend acknowledges it on …/events/ack. Portable; the app drives it.
 */
export class EventForwarder {
  private readonly delivery: Delivery<SequencedEvent>;
  private readonly ackTopic: string;
  /** Holes the delivery wrote off, reported as a fault event once the wall clock is known. */
  private readonly pendingDropReport: [number, number][] = [];

  constructor(private readonly o: EventForwarderOptions) {
    this.ackTopic = topics.eventsAck(o.deviceId);
    this.delivery = new Delivery<SequencedEvent>({
      log: o.log,
      mqtt: o.mqtt,
      topic: topics.events(o.deviceId),
      kind: 'events',
      window: o.window ?? 8,
      ackTimeoutMs: o.ackTimeoutMs,
      // Events lost to a full log are themselves an event (it goes into the log like any other).
      onDropped: (fromSeq, toSeq) => this.pendingDropReport.push([fromSeq, toSeq]),
    });
  }

  get stats(): DeliveryStats & { backlog: number } {
    return { ...this.delivery.stats, backlog: this.delivery.backlog };
  }

  /** The topic the app subscribes to on every connect. */
  get subscription(): string {
    return this.ackTopic;
  }

  /** Stores the event, then publishes it at once when connected. */
  record(event: EventMessage): void {
    const seq = this.o.log.append(event);
    this.delivery.onAppended({ ...event, seq });
  }

  onConnect(nowMs: number): void {
    this.delivery.onConnect(nowMs);
  }

  /** Handles a message on the ack topic; returns false for any other topic. */
  onMessage(topic: string, payload: Uint8Array, nowMs: number): boolean {
    if (topic !== this.ackTopic) return false;
    const ack = decodeMessage('events/ack', payload);
    if (ack.ok) {
      this.delivery.onAck(ack.value.upto_seq, nowMs);
      this.tick(nowMs);
    }
    return true;
  }

  tick(nowMs: number): void {
    this.delivery.tick(nowMs);
    const wall = this.o.clock.wallMs();
    if (wall === undefined) return;
    for (const [from, to] of this.pendingDropReport.splice(0)) {
      this.record({
        v: PROTOCOL_VERSION,
        ts: Math.round(wall),
        type: 'fault',
        message: `event log full: events ${from}..${to} were dropped before delivery`,
        data: { dropped_from_seq: from, dropped_to_seq: to },
      });
    }
  }
}
