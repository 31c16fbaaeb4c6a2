import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { decodeMessage, encodeMessage, EventMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { Counters } from '../common/counters';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { SequenceTracker } from '../ingest/sequence-tracker';
import { InfluxWriteError } from '../storage/storage.types';
import { StoredEvent, toStoredEvent } from './event-points';
import { EventQuery, EVENTS_REPOSITORY, EventsRepository } from './events.repository';

export type StoredEventListener = (event: StoredEvent) => void;

/**
 * Meter events: validate → InfluxDB (measurement `event`) → events/ack → listeners (the live stream,
 * Home Assistant device triggers). The same end-to-end ack as telemetry (docs/store-and-forward.md
 * "Events"): an event is acknowledged only once InfluxDB took it, so the meter keeps it and replays
 * it until then. Each stored event reaches the listeners once per backend run; a replayed copy the
 * backend already stored is acked again and goes nowhere else.
 */
@Injectable()
export class EventsService implements OnModuleInit {
  private readonly logger = new Logger(EventsService.name);
  private readonly tracker = new SequenceTracker();
  private readonly ackDue = new Set<string>();
  private readonly listeners = new Set<StoredEventListener>();

  constructor(
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    @Inject(EVENTS_REPOSITORY) private readonly repository: EventsRepository,
    private readonly counters: Counters,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('events', (deviceId, payload, retained) => void this.handle(deviceId, payload, retained));
  }

  /** Called with every event once it is stored. Returns the unsubscribe function. */
  onStored(listener: StoredEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  query(q: EventQuery): Promise<StoredEvent[]> {
    return this.repository.query(q);
  }

  async handle(deviceId: string, payload: Uint8Array, retained = false): Promise<void> {
    // A meter never retains events; DevicesService counts and logs invalid ones.
    if (retained) return;
    const result = decodeMessage('events', payload);
    if (!result.ok) return;
    const event = result.value;
    if (event.seq !== undefined) {
      const seen = this.tracker.observe(deviceId, event.seq, event.acked_seq);
      if (seen.duplicate) {
        this.counters.inc('events_duplicates');
        return this.scheduleAck(deviceId);
      }
    }
    try {
      await this.repository.write(deviceId, event);
    } catch (error) {
      if (!(error instanceof InfluxWriteError && error.permanent)) {
        this.counters.inc('events_write_failed');
        this.logger.warn(`not acknowledging event ${event.seq ?? '(no seq)'} of ${deviceId}: ${(error as Error).message}`);
        return;
      }
      // InfluxDB will never take it: holding the ack would wedge the meter's event log behind it.
      this.counters.inc('events_write_rejected');
      this.logger.error(`InfluxDB refused event ${event.seq} of ${deviceId} for good: ${error.message}`);
    }
    this.counters.inc('events_stored');
    if (event.seq !== undefined) {
      this.tracker.stored(deviceId, event.seq);
      this.scheduleAck(deviceId);
    }
    this.notify(deviceId, event);
  }

  private notify(deviceId: string, event: EventMessage): void {
    const stored = toStoredEvent(deviceId, event);
    for (const listener of this.listeners) {
      try {
        listener(stored);
      } catch (error) {
        this.logger.error(`event listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** One ack per device per event-loop turn, carrying the highest contiguous stored seq. */
  private scheduleAck(deviceId: string): void {
    if (this.ackDue.has(deviceId)) return;
    this.ackDue.add(deviceId);
    setImmediate(() => {
      this.ackDue.delete(deviceId);
      const upto = this.tracker.ackable(deviceId);
      if (upto === undefined) return;
      void this.mqtt.publishQuietly(topics.eventsAck(deviceId), encodeMessage('events/ack', { v: PROTOCOL_VERSION, upto_seq: upto }), { qos: 1 });
    });
  }
}
