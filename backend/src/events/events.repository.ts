import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventMessage, EventType } from '@dinmeter/shared';
import { TELEMETRY_STORE } from '../common/tokens';
import { measurementRef, quoteIdent, quoteString, timeLiteralMs } from '../storage/influxql';
import { RetentionService } from '../storage/retention.service';
import { TelemetryStore } from '../storage/storage.types';
import { EVENT_MEASUREMENT, eventToPoint, seriesToEvents, StoredEvent } from './event-points';

export interface EventQuery {
  device: string;
  /** Half-open range [from, to) in ms. */
  from: number;
  to: number;
  types?: EventType[];
  limit: number;
}

/** The InfluxDB side of events (the only I/O of this feature besides MQTT). */
export interface EventsRepository {
  /** Resolves once InfluxDB accepted the point; rejects with InfluxWriteError otherwise. */
  write(device: string, event: EventMessage): Promise<void>;
  /** Oldest first. */
  query(q: EventQuery): Promise<StoredEvent[]>;
}
export const EVENTS_REPOSITORY = Symbol('EVENTS_REPOSITORY');

/**
 * Events live with the relay and price history (retention policy `rp_history`, kept forever on 1.x;
 * the bucket on 2.x/3.x), not in the 30-day raw policy: they are few and worth keeping.
 */
@Injectable()
export class InfluxEventsRepository implements EventsRepository {
  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'writePoints' | 'query'>,
    @Optional() private readonly retention?: RetentionService,
  ) {}

  async write(device: string, event: EventMessage): Promise<void> {
    const rp = this.retention ? await this.retention.historyRpWhenReady() : undefined;
    await this.store.writePoints(EVENT_MEASUREMENT, [eventToPoint(device, event)], rp);
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    const where = [`${quoteIdent('device')} = ${quoteString(q.device)}`, `time >= ${timeLiteralMs(q.from)}`, `time < ${timeLiteralMs(q.to)}`];
    if (q.types && q.types.length > 0) where.push(`(${q.types.map((t) => `${quoteIdent('type')} = ${quoteString(t)}`).join(' OR ')})`);
    const from = measurementRef(EVENT_MEASUREMENT, this.retention?.historyRp);
    const fields = ['circuit', 'type', 'message', 'details', 'seq'].map(quoteIdent).join(', ');
    const [result] = await this.store.query(`SELECT ${fields} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY time ASC LIMIT ${q.limit}`);
    return seriesToEvents(q.device, result?.series?.[0]);
  }
}
