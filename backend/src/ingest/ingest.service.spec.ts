import { Logger } from '@nestjs/common';
import { decodeMessage, TelemetryMessage, topics } from '@dinmeter/shared';
import { Counters } from '../common/counters';
import { DevicesService } from '../devices/devices.service';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { AppConfig } from '../config/app-config';
import { INGEST_STORED_TOPIC, StoredNotice } from './ingest-peers';
import { CircuitPointWriter, IngestService, SHARED_GAP_CONFIRM_MS, telemetryToPoints } from './ingest.service';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.service';
import { RetentionService } from '../storage/retention.service';
import { CircuitPoint } from '../storage/storage.types';
import { TelemetryFeed } from './telemetry-feed';

const TS = 1_700_000_000_000;

function reading(circuit: number) {
  return {
    circuit,
    voltage_v: 230,
    current_a: 1.5,
    power_w: 340,
    reactive_var: -12,
    apparent_va: 345,
    pf: 0.98,
    freq_hz: 50,
    energy_import_wh: 1000 + circuit,
    energy_export_wh: 0,
  };
}

function telemetry(seq: number, ackedSeq: number | undefined = 0, extra: Partial<TelemetryMessage> = {}): TelemetryMessage {
  const message = { v: 1, seq, ts: TS + seq * 10_000, interval_s: 10, circuits: [reading(1), reading(2)], ...extra } as TelemetryMessage;
  if (ackedSeq !== undefined) message.acked_seq = ackedSeq;
  else delete (message as Partial<TelemetryMessage>).acked_seq;
  return message;
}

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

class Deferred {
  resolve!: () => void;
  reject!: (error: Error) => void;
  readonly promise = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

function setup(retention?: Pick<RetentionService, 'noteStored'>, metrics?: Pick<PrometheusMetrics, 'ingestLatency'>, config?: AppConfig) {
  const mqtt = new InMemoryMqttBus(config?.MQTT_SHARE_GROUP ? { shareGroup: config.MQTT_SHARE_GROUP } : {});
  const published = mqtt.published;
  /** The broker hands the backend a telemetry message of `device`. */
  const telemetryFrom = (device: string, payload: Buffer, retained: boolean) => mqtt.deliver(topics.telemetry(device), payload, retained);
  const writes: CircuitPoint[][] = [];
  const writer: CircuitPointWriter & { next: () => Promise<void> } = {
    next: () => Promise.resolve(),
    writeCircuitPoints(points) {
      writes.push(points);
      return this.next();
    },
  };
  const devices = { recordTelemetry: jest.fn(), recordGap: jest.fn() };
  const counters = new Counters();
  const feed = new TelemetryFeed();
  const fed: [string, number][] = [];
  feed.subscribe((device, record) => fed.push([device, record.seq]));
  const service = new IngestService(mqtt, writer, devices as unknown as DevicesService, counters, config, retention as RetentionService, metrics as PrometheusMetrics, feed);
  service.onModuleInit();
  /** Upto_seq of every ack published so far (all on m1's ack topic). */
  const acks = () =>
    published.map(({ topic, payload }) => {
      expect(topic).toBe(topics.telemetryAck('m1'));
      const ack = decodeMessage('telemetry/ack', payload);
      if (!ack.ok) throw new Error(ack.errors.join('; '));
      return ack.value.upto_seq;
    });
  return { service, mqtt, telemetryFrom, published, writer, writes, devices, counters, acks, feed, fed };
}

/** Lets pending promise callbacks run, then fires the coalesced setImmediate acks. */
async function settle(): Promise<void> {
  for (let k = 0; k < 5; k++) await Promise.resolve();
  jest.runOnlyPendingTimers();
}

describe(IngestService.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('onModuleInit', () => {
    it('should handle telemetry delivered by the MQTT service', async () => {
      const { telemetryFrom, writes, acks } = setup();

      telemetryFrom('m1', bytes(telemetry(1)), false);
      await settle();

      expect(writes).toHaveLength(1);
      expect(acks()).toEqual([1]);
    });
  });

  describe('telemetry feed', () => {
    it('should pass each new valid record on once, decoded, and neither a duplicate, a rejected nor a retained one', async () => {
      const { telemetryFrom, fed, counters } = setup();

      telemetryFrom('m1', bytes(telemetry(1)), false);
      await settle();
      telemetryFrom('m1', bytes(telemetry(1)), false); // replayed after it was stored: a duplicate
      telemetryFrom('m1', bytes({ ...telemetry(2), circuits: 'nope' }), false);
      telemetryFrom('m1', bytes(telemetry(3)), true);
      telemetryFrom('m2', bytes(telemetry(2)), false);
      await settle();

      expect(fed).toEqual([
        ['m1', 1],
        ['m2', 2],
      ]);
      expect(counters.get('telemetry_duplicates')).toBe(1);
      expect(counters.get('telemetry_rejected')).toBe(2);
    });

    it('should store and ack a record even when a listener throws', async () => {
      const { telemetryFrom, feed, writes, acks } = setup();
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      feed.subscribe(() => {
        throw new Error('listener bug');
      });

      telemetryFrom('m1', bytes(telemetry(1)), false);
      await settle();

      expect(writes).toHaveLength(1);
      expect(acks()).toEqual([1]);
      expect(Logger.prototype.error).toHaveBeenCalledWith(expect.stringContaining('listener bug'));
    });
  });

  describe('drain', () => {
    it('should wait for the writes under way and ack exactly what InfluxDB accepted, without waiting for the next turn', async () => {
      const { service, telemetryFrom, writer, writes, acks } = setup();
      const first = new Deferred();
      const second = new Deferred();
      const pending = [first, second];
      writer.next = () => pending.shift()!.promise;
      const telemetryHandler = telemetryFrom;
      telemetryHandler('m1', bytes(telemetry(1)), false);
      telemetryHandler('m1', bytes(telemetry(2)), false);
      await settle();
      expect(acks()).toEqual([]);

      let drained = false;
      const draining = service.drain().then(() => (drained = true));
      first.resolve();
      second.reject(new Error('influxdb: timeout'));
      await draining;

      expect(drained).toBe(true);
      expect(acks()).toEqual([1]); // seq 2 was not stored: the meter replays it to the next backend
      expect(writes).toHaveLength(2);
    });

    it('should take no telemetry once it began: no write, no ack', async () => {
      const { service, telemetryFrom, writes, acks, counters } = setup();
      await service.drain();

      telemetryFrom('m1', bytes(telemetry(1)), false);
      await settle();

      expect(writes).toEqual([]);
      expect(acks()).toEqual([]);
      expect(counters.get('telemetry_refused_stopping')).toBe(1);
      });
    });

  describe('handle with an ingest latency histogram', () => {
    it('should observe each stored record once, from its arrival to the ack that covers it', async () => {
      const observed: number[] = [];
      const { service, writer, acks } = setup(undefined, { ingestLatency: { observe: (s: number) => observed.push(s) } } as never);
      const write = new Deferred();
      writer.next = () => write.promise;
      const handled = service.handle('m1', bytes(telemetry(1)));
      jest.advanceTimersByTime(250);
      write.resolve();
      await handled;
      await settle();
      expect(acks()).toEqual([1]);
      expect(observed).toHaveLength(1);
      expect(observed[0]).toBeCloseTo(0.25, 2);
    });

    it('should hold a record behind a gap until the ack that covers it, and not observe duplicates', async () => {
      const observed: number[] = [];
      const { service, acks } = setup(undefined, { ingestLatency: { observe: (s: number) => observed.push(s) } } as never);
      await service.handle('m1', bytes(telemetry(1)));
      await settle();
      await service.handle('m1', bytes(telemetry(3)));
      await settle();
      expect(acks()).toEqual([1, 1]);
      expect(observed).toHaveLength(1);
      jest.advanceTimersByTime(1000);
      await service.handle('m1', bytes(telemetry(2)));
      await settle();
      expect(acks()).toEqual([1, 1, 3]);
      expect(observed).toHaveLength(3);
      expect(observed[1]).toBeGreaterThanOrEqual(1);
      await service.handle('m1', bytes(telemetry(2)));
      await settle();
      expect(observed).toHaveLength(3);
    });
  });

  describe('handle with downsampling notes', () => {
    it('should note every stored record with its own time before acknowledging it', async () => {
      const order: string[] = [];
      const retention = { noteStored: jest.fn((ts: number) => void order.push(`note ${ts}`)) };
      const { service, writer, acks } = setup(retention);
      const write = new Deferred();
      writer.next = () => write.promise;
      const handled = service.handle('m1', bytes(telemetry(1)));
      await settle();
      expect(retention.noteStored).not.toHaveBeenCalled();
      write.resolve();
      await handled;
      order.push('ack');
      await settle();
      expect(order).toEqual([`note ${TS + 10_000}`, 'ack']);
      expect(acks()).toEqual([1]);
    });

    it('should not acknowledge a record whose note cannot be kept (the meter replays it)', async () => {
      const retention = {
        noteStored: jest.fn(() => {
          throw new Error('ENOSPC: no space left on device');
        }),
      };
      const { service, acks, counters, devices } = setup(retention);
      await service.handle('m1', bytes(telemetry(1)));
      await settle();
      expect(acks()).toEqual([]);
      expect(devices.recordTelemetry).not.toHaveBeenCalled();
      expect(counters.snapshot()).toMatchObject({ telemetry_write_failed: 1 });
    });
  });

  describe('handle', () => {
    it('should write one point per circuit, then acknowledge with QoS 1', async () => {
      const { service, writes, published, devices, counters } = setup();
      const message = telemetry(1);

      await service.handle('m1', bytes(message));
      await settle();

      expect(writes).toEqual([telemetryToPoints('m1', message)]);
      expect(published).toEqual([{ topic: 'dinmeter/m1/telemetry/ack', payload: '{"v":1,"upto_seq":1}', options: { qos: 1 } }]);
      expect(devices.recordTelemetry).toHaveBeenCalledWith('m1', 1, message.ts, message.circuits);
      expect(counters.snapshot()).toEqual({ telemetry_received: 1, telemetry_stored: 1 });
    });

    it('should acknowledge only after the writer resolved', async () => {
      const { service, writer, acks, devices } = setup();
      const write = new Deferred();
      writer.next = () => write.promise;

      const handling = service.handle('m1', bytes(telemetry(1)));
      await settle();
      expect(acks()).toEqual([]);
      expect(devices.recordTelemetry).not.toHaveBeenCalled();

      write.resolve();
      await handling;
      await settle();
      expect(acks()).toEqual([1]);
    });

    it('should never acknowledge a record whose write was rejected, and write its replay again', async () => {
      const { service, writer, writes, acks, counters, devices } = setup();
      writer.next = () => Promise.reject(new Error('influxdb: 503'));

      await service.handle('m1', bytes(telemetry(1)));
      await settle();
      expect(acks()).toEqual([]);
      expect(counters.get('telemetry_write_failed')).toBe(1);
      expect(devices.recordTelemetry).not.toHaveBeenCalled();

      writer.next = () => Promise.resolve();
      await service.handle('m1', bytes(telemetry(1)));
      await settle();
      expect(writes).toHaveLength(2);
      expect(acks()).toEqual([1]);
    });

    it('should keep the ack at the last stored record when a later write fails', async () => {
      const { service, writer, acks } = setup();
      await service.handle('m1', bytes(telemetry(1)));
      writer.next = () => Promise.reject(new Error('timeout'));
      await service.handle('m1', bytes(telemetry(2)));
      await settle();

      expect(acks()).toEqual([1]);
    });

    it('should reject retained telemetry and count it, writing nothing', async () => {
      const { service, writes, published, counters } = setup();

      await service.handle('m1', bytes(telemetry(1)), true);
      await settle();

      expect(writes).toEqual([]);
      expect(published).toEqual([]);
      expect(counters.snapshot()).toEqual({ telemetry_received: 1, telemetry_rejected: 1 });
    });

    it.each([
      ['malformed JSON', '{"v":1,'],
      ['an invalid circuit', { ...telemetry(1), circuits: [reading(11)] }],
      ['a timestamp in seconds', { ...telemetry(1), ts: 1_700_000_000 }],
      ['an unknown field', { ...telemetry(1), extra: true }],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ])('should reject %s and count it, writing and acknowledging nothing', async (_what, payload) => {
      const { service, writes, published, counters } = setup();

      await service.handle('m1', Buffer.isBuffer(payload) ? payload : bytes(payload));
      await settle();

      expect(writes).toEqual([]);
      expect(published).toEqual([]);
      expect(counters.get('telemetry_rejected')).toBe(1);
    });

    it('should skip the write of a duplicate but send the ack again', async () => {
      const { service, writes, acks, counters } = setup();
      await service.handle('m1', bytes(telemetry(1)));
      await settle();

      await service.handle('m1', bytes(telemetry(1)));
      await settle();

      expect(writes).toHaveLength(1);
      expect(acks()).toEqual([1, 1]);
      expect(counters.get('telemetry_duplicates')).toBe(1);
    });

    it('should answer a record the device already had acknowledged with that ack (backend restart)', async () => {
      const { service, writes, acks } = setup();

      await service.handle('m1', bytes(telemetry(40, 39)));
      await service.handle('m1', bytes(telemetry(38, 39)));
      await settle();

      expect(writes).toHaveLength(1);
      expect(acks()).toEqual([40]);
    });

    it('should coalesce acks to one per device per event-loop turn, carrying the highest seq', async () => {
      const { service, acks } = setup();

      await Promise.all([1, 2, 3].map((seq) => service.handle('m1', bytes(telemetry(seq)))));
      await settle();

      expect(acks()).toEqual([3]);
    });

    it('should hold the ack below a gap, count the gap, and jump when it closes', async () => {
      const { service, acks, counters } = setup();
      await service.handle('m1', bytes(telemetry(1)));
      await settle();
      await service.handle('m1', bytes(telemetry(3)));
      await settle();
      expect(counters.get('telemetry_gaps')).toBe(1);

      await service.handle('m1', bytes(telemetry(2)));
      await settle();

      expect(acks()).toEqual([1, 1, 3]);
    });

    it('should count a device log reset and restart acking from the new log', async () => {
      const { service, acks, counters } = setup();
      await service.handle('m1', bytes(telemetry(501, 500)));
      await settle();

      await service.handle('m1', bytes(telemetry(1, 0)));
      await settle();

      expect(counters.get('telemetry_device_resets')).toBe(1);
      expect(acks()).toEqual([501, 1]);
    });

    it('should keep devices apart', async () => {
      const { service, published } = setup();

      await service.handle('m1', bytes(telemetry(5, 4)));
      await service.handle('m2', bytes(telemetry(9, 8)));
      await settle();

      expect(published.map((p) => [p.topic, p.payload]).sort()).toEqual([
        ['dinmeter/m1/telemetry/ack', '{"v":1,"upto_seq":5}'],
        ['dinmeter/m2/telemetry/ack', '{"v":1,"upto_seq":9}'],
      ]);
    });
  });

  describe('handleBatch', () => {
    /** A stored record as a batch carries it: no acked_seq of its own. */
    const record = (seq: number) => {
      const { acked_seq: _acked, ...rest } = telemetry(seq);
      return rest;
    };
    /** A telemetry/batch of m1's records seqs, the device having had ackedSeq acknowledged. */
    const batch = (seqs: number[], ackedSeq = 0) => ({ v: 1, acked_seq: ackedSeq, records: seqs.map(record) });

    it('should write every record of a batch in one write, then acknowledge the last with one ack', async () => {
      const { mqtt, writes, acks, devices, counters, fed } = setup();

      mqtt.deliver(topics.telemetryBatch('m1'), bytes(batch([1, 2, 3])), false);
      await settle();

      expect(writes).toEqual([[1, 2, 3].flatMap((seq) => telemetryToPoints('m1', telemetry(seq)))]);
      expect(acks()).toEqual([3]);
      expect(fed).toEqual([
        ['m1', 1],
        ['m1', 2],
        ['m1', 3],
      ]);
      expect(devices.recordTelemetry).toHaveBeenLastCalledWith('m1', 3, telemetry(3).ts, telemetry(3).circuits);
      expect(counters.snapshot()).toEqual({ telemetry_batches_received: 1, telemetry_received: 3, telemetry_stored: 3 });
    });

    it('should write only the records not stored yet when a batch overlaps what was acknowledged', async () => {
      const { service, writes, acks, counters } = setup();
      await service.handle('m1', bytes(telemetry(1)));
      await service.handle('m1', bytes(telemetry(2, 1)));
      await settle();

      await service.handleBatch('m1', bytes(batch([2, 3, 4], 1)));
      await settle();

      expect(writes[2]).toEqual([3, 4].flatMap((seq) => telemetryToPoints('m1', telemetry(seq))));
      expect(acks()).toEqual([2, 4]);
      expect(counters.get('telemetry_duplicates')).toBe(1);
    });

    it('should answer a batch of records all acknowledged before with the ack, writing nothing', async () => {
      const { service, writes, acks } = setup();
      await service.handleBatch('m1', bytes(batch([1, 2])));
      await settle();

      await service.handleBatch('m1', bytes(batch([1, 2])));
      await settle();

      expect(writes).toHaveLength(1);
      expect(acks()).toEqual([2, 2]);
    });

    it('should acknowledge nothing of a batch whose write failed, and store its replay', async () => {
      const { service, writer, writes, acks, counters } = setup();
      writer.next = () => Promise.reject(new Error('influxdb: 503'));

      await service.handleBatch('m1', bytes(batch([1, 2, 3])));
      await settle();
      expect(acks()).toEqual([]);
      expect(counters.get('telemetry_write_failed')).toBe(3);

      writer.next = () => Promise.resolve();
      await service.handleBatch('m1', bytes(batch([1, 2, 3])));
      await settle();
      expect(writes).toHaveLength(2);
      expect(acks()).toEqual([3]);
    });

    it('should hold the ack below a hole before the batch, and close it when the missing record comes', async () => {
      const { service, acks, counters } = setup();
      await service.handle('m1', bytes(telemetry(1)));
      await settle();

      await service.handleBatch('m1', bytes(batch([3, 4])));
      await settle();
      expect(acks()).toEqual([1, 1]);
      expect(counters.get('telemetry_gaps')).toBe(1);

      await service.handle('m1', bytes(telemetry(2, 1)));
      await settle();
      expect(acks()).toEqual([1, 1, 4]);
    });

    it.each([
      ['records out of order', () => ({ ...batch([1, 2]), records: [record(2), record(1)] })],
      ['an invalid reading in one record', () => ({ ...batch([1, 2]), records: [record(1), { ...record(2), circuits: [reading(11)] }] })],
      ['an acked_seq inside a record', () => ({ ...batch([1, 2]), records: [telemetry(1), telemetry(2)] })],
      ['no records', () => ({ v: 1, acked_seq: 0, records: [] })],
      ['a single record instead of a batch', () => telemetry(1)],
      ['malformed JSON', () => '{"v":1,"records":['],
    ])('should refuse a batch with %s whole: nothing written, nothing acknowledged', async (_what, payload) => {
      const { service, writes, published, counters } = setup();

      await service.handleBatch('m1', bytes(payload()));
      await settle();

      expect(writes).toEqual([]);
      expect(published).toEqual([]);
      expect(counters.get('telemetry_rejected')).toBe(1);
      expect(counters.get('telemetry_received')).toBe(0);
    });

    it('should ignore a retained batch', async () => {
      const { mqtt, writes, published, counters } = setup();

      mqtt.deliver(topics.telemetryBatch('m1'), bytes(batch([1])), true);
      await settle();

      expect(writes).toEqual([]);
      expect(published).toEqual([]);
      expect(counters.get('telemetry_rejected')).toBe(1);
    });
  });
});

describe(`${IngestService.name} with a shared subscription (MQTT_SHARE_GROUP)`, () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Like settle(), but fires only what is due in 1 ms (the acks), not the gap confirmation. */
  async function flush(): Promise<void> {
    for (let k = 0; k < 5; k++) await Promise.resolve();
    jest.advanceTimersByTime(1);
  }
  const shared = () => setup(undefined, undefined, { MQTT_SHARE_GROUP: 'ingest' } as AppConfig);
  const notices = (mqtt: InMemoryMqttBus) => mqtt.publishedTo(INGEST_STORED_TOPIC).map((p) => JSON.parse(p) as StoredNotice);
  const peerNotice = (notice: Partial<StoredNotice>) => bytes({ v: 1, from: 'dinmeter-backend-other', device: 'm1', records: [], ...notice });

  it('should not count a hole another instance fills within the confirmation time', async () => {
    const { mqtt, telemetryFrom, counters, devices } = shared();
    telemetryFrom('m1', bytes(telemetry(1)), false);
    telemetryFrom('m1', bytes(telemetry(3)), false);
    await flush();
    mqtt.deliver(INGEST_STORED_TOPIC, peerNotice({ records: [[2, 2]] }));

    jest.advanceTimersByTime(SHARED_GAP_CONFIRM_MS);
    await flush();

    expect(counters.get('telemetry_gaps')).toBe(0);
    expect(devices.recordGap).not.toHaveBeenCalled();
    expect(notices(mqtt).some((n) => n.gaps)).toBe(false);
  });

  it('should count a hole still open after the confirmation time once, by its first missing seq, and tell the other instances', async () => {
    const { mqtt, telemetryFrom, counters, devices } = shared();
    telemetryFrom('m1', bytes(telemetry(1)), false);
    telemetryFrom('m1', bytes(telemetry(4)), false);
    await flush();
    expect(counters.get('telemetry_gaps')).toBe(0);

    jest.advanceTimersByTime(SHARED_GAP_CONFIRM_MS);
    await flush();

    expect(counters.get('telemetry_gaps')).toBe(1);
    expect(devices.recordGap).toHaveBeenCalledWith('m1', 2);
    expect(notices(mqtt).filter((n) => n.gaps).map((n) => [n.device, n.gaps, n.records])).toEqual([['m1', [2], []]]);
  });

  it('should send the newest stored record with the stored ranges', async () => {
    const { mqtt, telemetryFrom } = shared();
    telemetryFrom('m1', bytes(telemetry(1)), false);
    telemetryFrom('m1', bytes(telemetry(2)), false);
    await flush();

    const [notice] = notices(mqtt);
    expect(notice.records).toEqual([[1, 1], [2, 2]]);
    expect(notice.latest).toEqual(telemetry(2));
  });

  it("should keep another instance's newest record and gaps in the registry", () => {
    const { mqtt, devices } = shared();
    const latest = telemetry(7);
    mqtt.deliver(INGEST_STORED_TOPIC, peerNotice({ records: [[7, 7]], latest, gaps: [3] }));

    expect(devices.recordTelemetry).toHaveBeenCalledWith('m1', 7, latest.ts, latest.circuits);
    expect(devices.recordGap).toHaveBeenCalledWith('m1', 3);
  });

  it('should ignore a notice whose record is not valid telemetry', () => {
    const { mqtt, devices } = shared();
    mqtt.deliver(INGEST_STORED_TOPIC, peerNotice({ records: [[7, 7]], latest: { ...telemetry(7), circuits: [{ circuit: 11 }] } as unknown as TelemetryMessage }));

    expect(devices.recordTelemetry).not.toHaveBeenCalled();
  });
});

describe('telemetryToPoints', () => {
  it('should make one point per circuit at the record ts, with the seq and the metrics present', () => {
    const message = telemetry(7, 6, { circuits: [reading(3), { ...reading(4), reactive_import_varh: 5 }] });
    const metrics = (circuit: number) => {
      const { circuit: _circuit, ...rest } = reading(circuit);
      return rest;
    };

    expect(telemetryToPoints('m1', message)).toEqual([
      { device: 'm1', circuit: 3, ts: message.ts, fields: { seq: 7, ...metrics(3) } },
      { device: 'm1', circuit: 4, ts: message.ts, fields: { seq: 7, ...metrics(4), reactive_import_varh: 5 } },
    ]);
  });
});
