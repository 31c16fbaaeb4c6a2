/**
 * Events in InfluxDB: measurement `event`, tags `device`, `type` and `circuit` (when the event has
 * one), fields `message` (text, newlines as spaces: line protocol cannot carry them), `details` (the
 * event's data as JSON) and `seq` (the meter's event seq, 0 when it sent none); timestamp = the
 * event's own ts. A replayed copy of an event is the same point again, so InfluxDB keeps it once.
 */
import { EVENT_TYPES, EventMessage, EventType } from '@dinmeter/shared';
import { GenericPoint, InfluxSeries } from '../storage/storage.types';

export const EVENT_MEASUREMENT = 'event';

/** An event as the REST API and the live stream give it out. */
export interface StoredEvent extends Pick<EventMessage, 'ts' | 'type' | 'circuit' | 'message' | 'data' | 'seq'> {
  device: string;
}

export function eventToPoint(device: string, event: EventMessage): GenericPoint {
  const tags: Record<string, string> = { device, type: event.type };
  if (event.circuit !== undefined) tags.circuit = String(event.circuit);
  const fields: GenericPoint['fields'] = { message: (event.message ?? '').replace(/[\r\n]+/g, ' '), seq: BigInt(event.seq ?? 0) };
  if (event.data !== undefined) fields.details = JSON.stringify(event.data);
  return { tags, fields, ts: event.ts };
}

export function toStoredEvent(device: string, event: EventMessage): StoredEvent {
  return {
    device,
    ts: event.ts,
    type: event.type,
    ...(event.circuit !== undefined ? { circuit: event.circuit } : {}),
    ...(event.message !== undefined ? { message: event.message } : {}),
    ...(event.data !== undefined ? { data: event.data } : {}),
    ...(event.seq !== undefined ? { seq: event.seq } : {}),
  };
}

/** Rows of `SELECT time, circuit, type, message, details, seq FROM event …` (epoch ms) back into events. */
export function seriesToEvents(device: string, series: InfluxSeries | undefined): StoredEvent[] {
  if (!series) return [];
  const at = (name: string) => series.columns.indexOf(name);
  const [time, circuit, type, message, details, seq] = ['time', 'circuit', 'type', 'message', 'details', 'seq'].map(at);
  const events: StoredEvent[] = [];
  for (const row of series.values) {
    const kind = row[type] as EventType;
    if (!EVENT_TYPES.includes(kind)) continue;
    const event: StoredEvent = { device, ts: Number(row[time]), type: kind };
    if (row[circuit] !== null && row[circuit] !== undefined && row[circuit] !== '') event.circuit = Number(row[circuit]);
    if (typeof row[message] === 'string' && row[message] !== '') event.message = row[message] as string;
    if (typeof row[details] === 'string') {
      try {
        event.data = JSON.parse(row[details] as string);
      } catch {
        // Written by this module as JSON; anything else is left out rather than failing the query.
      }
    }
    if (typeof row[seq] === 'number' && row[seq] > 0) event.seq = row[seq] as number;
    events.push(event);
  }
  return events;
}
