import { Logger } from '@nestjs/common';
import { EventMessage } from '@dinmeter/shared';
import { Counters } from '../common/counters';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { InfluxWriteError } from '../storage/storage.types';
import { StoredEvent } from './event-points';
import { EventQuery, EventsRepository } from './events.repository';
import { EventsService } from './events.service';

const TS = 1_700_000_000_000;
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** In-memory repository: one point per (device, type, circuit, ts), like InfluxDB; `failing` makes writes fail. */
class MemoryEventsRepository implements EventsRepository {
  readonly points = new Map<string, EventMessage>();
  writes = 0;
  failing?: InfluxWriteError;

  async write(device: string, event: EventMessage): Promise<void> {
    this.writes++;
    if (this.failing) throw this.failing;
    this.points.set(`${device}|${event.type}|${event.circuit ?? ''}|${event.ts}`, event);
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    return [...this.points.entries()]
      .filter(([key, e]) => key.startsWith(`${q.device}|`) && e.ts >= q.from && e.ts < q.to)
      .map(([, e]) => ({ device: q.device, ts: e.ts, type: e.type }));
  }
}

describe(EventsService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  let repository: MemoryEventsRepository;
  let counters: Counters;
  let bus: InMemoryMqttBus;
  let stored: StoredEvent[];
  let service: EventsService;
  const acks = () => bus.published.map(({ topic, payload }) => ({ topic, upto: JSON.parse(payload).upto_seq }));

  beforeEach(() => {
    repository = new MemoryEventsRepository();
    counters = new Counters();
    stored = [];
    bus = new InMemoryMqttBus();
    service = new EventsService(bus, repository, counters);
    service.onModuleInit();
    service.onStored((event) => stored.push(event));
  });

  const event = (seq: number | undefined, fields: Partial<EventMessage> = {}) =>
    Buffer.from(JSON.stringify({ v: 1, ts: TS + (seq ?? 0) * 1000, type: 'protection_trip', circuit: 3, message: 'overcurrent', ...(seq !== undefined ? { seq, acked_seq: 0 } : {}), ...fields }));

  async function send(payload: Buffer, retained = false): Promise<void> {
    await service.handle('m1', payload, retained);
    await tick();
  }

  describe('handle', () => {
    it('should store the event, then acknowledge its seq on events/ack and hand it to the listeners', async () => {
      bus.deliver('dinmeter/m1/events', event(1));
      expect(acks()).toEqual([]); // not before InfluxDB took it
      await tick();
      await tick();
      expect(repository.points.size).toBe(1);
      expect(acks()).toEqual([{ topic: 'dinmeter/m1/events/ack', upto: 1 }]);
      expect(stored).toEqual([{ device: 'm1', ts: TS + 1000, type: 'protection_trip', circuit: 3, message: 'overcurrent', seq: 1 }]);
      expect(counters.get('events_stored')).toBe(1);
    });

    it('should not acknowledge an event InfluxDB did not take, and store it when the meter sends it again', async () => {
      repository.failing = new InfluxWriteError('connection refused', 'transient');
      await send(event(1));
      expect(acks()).toEqual([]);
      expect(stored).toEqual([]);
      expect(counters.get('events_write_failed')).toBe(1);
      repository.failing = undefined;
      await send(event(1));
      expect(acks().map((a) => a.upto)).toEqual([1]);
      expect(stored).toHaveLength(1);
    });

    it('should acknowledge a duplicate again without writing it or notifying twice', async () => {
      await send(event(1));
      await send(event(1));
      expect(repository.writes).toBe(1);
      expect(acks().map((a) => a.upto)).toEqual([1, 1]);
      expect(stored).toHaveLength(1);
      expect(counters.get('events_duplicates')).toBe(1);
    });

    it('should hold the ack at a hole until the missing event arrives', async () => {
      await send(event(1));
      await send(event(3));
      expect(acks().map((a) => a.upto)).toEqual([1, 1]);
      await send(event(2));
      expect(acks().map((a) => a.upto)).toEqual([1, 1, 3]);
    });

    it('should acknowledge an event InfluxDB refuses for good, so the meter is not wedged', async () => {
      repository.failing = new InfluxWriteError('field type conflict', 'rejected', 400);
      await send(event(1));
      expect(acks().map((a) => a.upto)).toEqual([1]);
      expect(counters.get('events_write_rejected')).toBe(1);
    });

    it('should store an event without seq (a meter without event log) and acknowledge nothing', async () => {
      await send(event(undefined));
      expect(repository.points.size).toBe(1);
      expect(stored).toHaveLength(1);
      expect(acks()).toEqual([]);
    });

    it.each([
      ['a retained event', event(1), true],
      ['an invalid event', Buffer.from('{"v":1,"type":"fault"}'), false],
      ['seq without acked_seq', Buffer.from(JSON.stringify({ v: 1, ts: TS, type: 'fault', seq: 4 })), false],
    ])('should ignore %s', async (_what, payload, retained) => {
      await send(payload, retained);
      expect(repository.writes).toBe(0);
      expect(acks()).toEqual([]);
      expect(stored).toEqual([]);
    });
  });

  describe('onStored', () => {
    it('should stop calling a listener once unsubscribed, and keep calling the others when one throws', async () => {
      const unsubscribe = service.onStored(() => {
        throw new Error('broken listener');
      });
      await send(event(1));
      unsubscribe();
      await send(event(2));
      expect(stored.map((e) => e.seq)).toEqual([1, 2]);
    });
  });
});
