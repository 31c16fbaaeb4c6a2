import { PROTOCOL_VERSION, TELEMETRY_BATCH_MAX_RECORDS, TelemetryMessage, topics } from '@dinmeter/shared';
import { Delivery, DeliveryOptions } from './delivery';
import { MemoryTelemetryLog, RecordingMqtt, TEST_EPOCH_MS, telemetryRecord } from './testing';

const TOPIC = topics.telemetry('m1');
const BATCH_TOPIC = topics.telemetryBatch('m1');
const T0 = 1_000;

function setup(options: Partial<DeliveryOptions> & { ackedSeq?: number } = {}) {
  const log = new MemoryTelemetryLog(options.ackedSeq ?? 0);
  const mqtt = new RecordingMqtt();
  const delivery = new Delivery({ log, mqtt, topic: TOPIC, window: 3, ackTimeoutMs: 10_000, ...options });
  return { log, mqtt, delivery };
}

/** What the app does for a new measurement: append to flash, then hand the record to delivery. */
function appendLive(log: MemoryTelemetryLog, delivery: Delivery, ts: number): TelemetryMessage {
  const body = telemetryRecord(ts);
  const record: TelemetryMessage = { v: PROTOCOL_VERSION, seq: log.append(body), acked_seq: 0, ...body };
  delivery.onAppended(record);
  return record;
}

describe(Delivery.name, () => {
  describe('constructor', () => {
    it.each([0, -1, Number.NaN])('should throw on window %p', (window) => {
      expect(() => setup({ window })).toThrow(`window must be >= 1, got ${window}`);
    });
  });

  describe('tick', () => {
    it('should fill a large window from flash in bounded chunks', () => {
      const { log, mqtt, delivery } = setup({ window: 100 });
      log.appendMany(60);
      const reads: number[] = [];
      const readFrom = log.readFrom.bind(log);
      log.readFrom = (afterSeq, max) => {
        reads.push(max);
        return readFrom(afterSeq, max);
      };
      delivery.onConnect(T0);

      delivery.tick(T0);
      expect(mqtt.takeSeqs()).toEqual(Array.from({ length: 60 }, (_, k) => k + 1));
      expect(Math.max(...reads)).toBeLessThanOrEqual(16);
    });

    it('should replay the backlog oldest first, at most window records outstanding', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.onConnect(T0);

      delivery.tick(T0);
      expect(mqtt.takeSeqs()).toEqual([1, 2, 3]);

      delivery.tick(T0 + 1000);
      expect(mqtt.takeSeqs()).toEqual([]);
    });

    it('should publish QoS 1, not retained, on the telemetry topic', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(1);

      delivery.tick(T0);

      expect(mqtt.published).toEqual([{ topic: TOPIC, payload: expect.any(String), options: { qos: 1 } }]);
    });

    it('should send records unchanged apart from acked_seq (replay keeps the original ts and seq)', () => {
      const { log, mqtt, delivery } = setup({ ackedSeq: 40 });
      const records = log.appendMany(2, TEST_EPOCH_MS - 3_600_000);

      delivery.tick(T0);

      expect(mqtt.takeTelemetry()).toEqual(records.map((r) => ({ ...r, acked_seq: 40 })));
    });

    it('should carry the acked_seq that is current when each message is sent', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.tick(T0);
      expect(mqtt.takeTelemetry().map((m) => m.acked_seq)).toEqual([0, 0, 0]);

      delivery.onAck(2, T0 + 10);
      delivery.tick(T0 + 20);

      expect(mqtt.takeTelemetry().map((m) => [m.seq, m.acked_seq])).toEqual([
        [4, 2],
        [5, 2],
      ]);
    });

    it('should publish nothing while disconnected', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(3);
      mqtt.connected = false;

      delivery.tick(T0);
      delivery.tick(T0 + 60_000);

      expect(mqtt.published).toEqual([]);
      expect(delivery.stats.published).toBe(0);
    });

    it('should retry the same record when the client refuses it (buffer full)', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(3);
      mqtt.accepting = false;
      delivery.tick(T0);

      mqtt.accepting = true;
      delivery.tick(T0 + 100);

      expect(mqtt.takeSeqs()).toEqual([1, 2, 3]);
      expect(delivery.stats.published).toBe(3);
    });

    it('should go back to the oldest unacknowledged record after the ack timeout', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.tick(T0);
      mqtt.takeSeqs();

      delivery.tick(T0 + 9_999);
      expect(mqtt.takeSeqs()).toEqual([]);
      expect(delivery.stats.goBacks).toBe(0);

      delivery.tick(T0 + 10_000);
      expect(mqtt.takeSeqs()).toEqual([1, 2, 3]);
      expect(delivery.stats.goBacks).toBe(1);
      expect(delivery.stats.resent).toBe(3);
    });

    it('should resend from the oldest unacked record, not from the start, after a partial ack', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(6);
      delivery.tick(T0);
      delivery.onAck(2, T0 + 1_000);
      delivery.tick(T0 + 1_000);
      expect(mqtt.takeSeqs()).toEqual([1, 2, 3, 4, 5]);

      delivery.tick(T0 + 11_000);

      expect(mqtt.takeSeqs()).toEqual([3, 4, 5]);
    });

    it('should count the ack timeout from the first send, not from an idle period before it', () => {
      const { log, mqtt, delivery } = setup();
      delivery.tick(T0);
      delivery.tick(T0 + 50_000);
      log.appendMany(1);

      delivery.tick(T0 + 60_000);
      delivery.tick(T0 + 69_999);

      expect(mqtt.takeSeqs()).toEqual([1]);
      expect(delivery.stats.goBacks).toBe(0);
    });

    it('should keep going back while acks stay away, waiting twice as long each time, and resume once they return', () => {
      const { log, mqtt, delivery } = setup({ window: 2 });
      log.appendMany(3);
      delivery.tick(T0);
      delivery.tick(T0 + 10_000);
      delivery.tick(T0 + 29_999);
      expect(delivery.stats.goBacks).toBe(1);
      delivery.tick(T0 + 30_000);
      expect(mqtt.takeSeqs()).toEqual([1, 2, 1, 2, 1, 2]);
      expect(delivery.stats.goBacks).toBe(2);

      delivery.onAck(2, T0 + 31_000);
      delivery.tick(T0 + 31_000);

      expect(mqtt.takeSeqs()).toEqual([3]);
      expect(log.heldSeqs()).toEqual([3]);
    });

    it('should back off to at most the longest wait, and wait the first timeout again after an ack', () => {
      const { log, mqtt, delivery } = setup({ window: 2, maxAckTimeoutMs: 40_000 });
      log.appendMany(4);
      const goBackTimes: number[] = [];
      for (let t = T0; t <= T0 + 200_000; t += 1000) {
        const before = delivery.stats.goBacks;
        delivery.tick(t);
        if (delivery.stats.goBacks > before) goBackTimes.push(t - T0);
      }
      // waits of 10, 20, 40, then 40 s (the cap)
      expect(goBackTimes.slice(0, 5)).toEqual([10_000, 30_000, 70_000, 110_000, 150_000]);

      delivery.onAck(2, T0 + 200_500);
      mqtt.takeSeqs();
      delivery.tick(T0 + 201_000);
      expect(mqtt.takeSeqs()).toEqual([3, 4]);
      delivery.tick(T0 + 211_000);
      expect(delivery.stats.goBacks).toBe(goBackTimes.length + 1);
      expect(mqtt.takeSeqs()).toEqual([3, 4]);
    });
  });

  describe('onConnect', () => {
    it('should replay everything unacknowledged from the oldest after a reconnect', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(4);
      delivery.tick(T0);
      mqtt.takeSeqs();
      mqtt.connected = false;
      delivery.onAck(1, T0 + 10);

      mqtt.connected = true;
      delivery.onConnect(T0 + 5_000);
      delivery.tick(T0 + 5_000);

      expect(mqtt.takeSeqs()).toEqual([2, 3, 4]);
    });

    it('should replay a log that survived a reboot from just above its acked seq', () => {
      const log = new MemoryTelemetryLog(100);
      log.appendMany(2);
      const mqtt = new RecordingMqtt();
      const delivery = new Delivery({ log, mqtt, topic: TOPIC });

      delivery.onConnect(T0);
      delivery.tick(T0);

      expect(mqtt.takeTelemetry().map((m) => [m.seq, m.acked_seq])).toEqual([
        [101, 100],
        [102, 100],
      ]);
    });
  });

  describe('onAck', () => {
    it('should advance the log, trimming acknowledged records, and count them', () => {
      const { log, delivery } = setup();
      log.appendMany(5);
      delivery.tick(T0);

      delivery.onAck(3, T0 + 100);

      expect(log.acks).toEqual([3]);
      expect(log.heldSeqs()).toEqual([4, 5]);
      expect(delivery.backlog).toBe(2);
      expect(delivery.stats.acked).toBe(3);
    });

    it('should clamp an ack beyond the last record written', () => {
      const { log, delivery } = setup();
      log.appendMany(3);

      delivery.onAck(99, T0);

      expect(log.acks).toEqual([3]);
      expect(log.ackedSeq).toBe(3);
      expect(delivery.stats.acked).toBe(3);
    });

    it('should ignore an ack at or below what is already acknowledged', () => {
      const { log, delivery } = setup({ ackedSeq: 10 });
      log.appendMany(2);

      delivery.onAck(10, T0);
      delivery.onAck(4, T0);
      delivery.onAck(0, T0);

      expect(log.acks).toEqual([]);
      expect(delivery.stats.acked).toBe(0);
    });

    it('should not count a stale ack as progress against the timeout', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(2);
      delivery.tick(T0);
      delivery.onAck(1, T0 + 1_000);
      mqtt.takeSeqs();

      delivery.onAck(1, T0 + 9_000);
      delivery.tick(T0 + 11_000);

      expect(mqtt.takeSeqs()).toEqual([2]);
      expect(delivery.stats.goBacks).toBe(1);
    });

    it('should skip records acknowledged ahead of the replay (ack beyond the cursor)', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(6);
      delivery.tick(T0);
      mqtt.takeSeqs();

      delivery.onAck(5, T0 + 100);
      delivery.tick(T0 + 100);

      expect(mqtt.takeSeqs()).toEqual([6]);
    });

    it('should restart the ack timeout on progress', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.tick(T0);
      delivery.onAck(1, T0 + 9_000);
      delivery.tick(T0 + 9_000);
      mqtt.takeSeqs();

      delivery.tick(T0 + 18_999);

      expect(mqtt.takeSeqs()).toEqual([]);
      expect(delivery.stats.goBacks).toBe(0);
    });
  });

  describe('onAppended', () => {
    it('should publish a live record at once, ahead of the replay and beyond the window', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.tick(T0);
      mqtt.takeSeqs();

      const live = appendLive(log, delivery, TEST_EPOCH_MS + 600_000);

      expect(mqtt.takeTelemetry()).toEqual([{ ...live, acked_seq: 0 }]);
    });

    it('should publish nothing while disconnected, and send the record in the replay later', () => {
      const { log, mqtt, delivery } = setup();
      mqtt.connected = false;
      appendLive(log, delivery, TEST_EPOCH_MS);
      expect(mqtt.published).toEqual([]);

      mqtt.connected = true;
      delivery.onConnect(T0);
      delivery.tick(T0);

      expect(mqtt.takeSeqs()).toEqual([1]);
    });

    it('should not publish a record that is already acknowledged', () => {
      const { log, mqtt, delivery } = setup();
      const [first] = log.appendMany(2);
      delivery.onAck(1, T0);

      delivery.onAppended(first);

      expect(mqtt.published).toEqual([]);
    });

    it('should send a live record once when caught up, as the next record in order', () => {
      const { log, mqtt, delivery } = setup();
      appendLive(log, delivery, TEST_EPOCH_MS);
      expect(mqtt.takeSeqs()).toEqual([1]);

      delivery.tick(T0);

      expect(mqtt.takeSeqs()).toEqual([]);
      expect(delivery.stats).toEqual({ published: 1, resent: 0, goBacks: 0, acked: 0 });
    });

    it('should replay a live record sent ahead of a backlog later too (a harmless duplicate)', () => {
      const { log, mqtt, delivery } = setup();
      log.appendMany(2);
      appendLive(log, delivery, TEST_EPOCH_MS + 30_000);
      expect(mqtt.takeSeqs()).toEqual([3]);

      delivery.tick(T0);

      expect(mqtt.takeSeqs()).toEqual([1, 2, 3]);
    });
  });

  describe('stats', () => {
    it('should count publishes, resends, go-backs and acked records', () => {
      const { log, delivery } = setup();
      log.appendMany(4);
      delivery.tick(T0); // 1, 2, 3
      delivery.tick(T0 + 10_000); // go back: 1, 2, 3 again
      delivery.onAck(3, T0 + 10_500);
      delivery.tick(T0 + 10_500); // 4

      expect(delivery.stats).toEqual({ published: 7, resent: 3, goBacks: 1, acked: 3 });
      expect(delivery.backlog).toBe(1);
    });

    // BUG (reported, not fixed): `resent` compares with the highest seq ever published, so after
    // a live record (seq 4) went out ahead of the replay, the first-ever sends of 1..3 count as
    // resends. Fix: compare replays with the replay's own high-water mark (the cursor's maximum)
    // and count the live send separately.
    it('should not count the first send of backlog records as resends after a live record', () => {
      const { log, delivery } = setup();
      log.appendMany(3);
      appendLive(log, delivery, TEST_EPOCH_MS + 60_000);

      delivery.tick(T0);

      expect(delivery.stats.resent).toBe(0);
    });
  });
});

describe('Delivery when the log dropped records', () => {
  it('should write off the hole below the oldest record left, report it once and replay from there', () => {
    const log = new MemoryTelemetryLog();
    const mqtt = new RecordingMqtt();
    const dropped: [number, number][] = [];
    const delivery = new Delivery({ log, mqtt, topic: TOPIC, window: 8, onDropped: (a, b) => dropped.push([a, b]) });
    log.appendMany(6);
    // Simulate the flash log erasing its oldest unacked records 1..3.
    const original = log.readFrom.bind(log);
    log.readFrom = (after: number, max: number) => original(Math.max(after, 3), max);

    delivery.onConnect(T0);
    delivery.tick(T0);

    expect(dropped).toEqual([[1, 3]]);
    expect(log.ackedSeq).toBe(3);
    const sent = mqtt.takeTelemetry();
    expect(sent.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(sent.every((m) => m.acked_seq === 3)).toBe(true);
  });
});

describe('Delivery with batched replay', () => {
  /** Window 16 and batches of 4 unless told otherwise (the ESP32's figures). */
  function batched(options: Partial<DeliveryOptions> & { ackedSeq?: number; maxRecords?: number } = {}) {
    const { maxRecords = 4, ...rest } = options;
    return setup({ window: 16, batch: { topic: BATCH_TOPIC, maxRecords }, ...rest });
  }

  describe('constructor', () => {
    it.each([0, TELEMETRY_BATCH_MAX_RECORDS + 1, 2.5, Number.NaN])('should throw on maxRecords %p', (maxRecords) => {
      expect(() => batched({ maxRecords })).toThrow(`batch.maxRecords must be an integer in 1..16, got ${maxRecords}`);
    });

    it('should refuse batches for events', () => {
      expect(() => batched({ kind: 'events' })).toThrow('batch is for telemetry only, not events');
    });
  });

  describe('tick', () => {
    it('should replay a backlog in batches of at most maxRecords, oldest first and contiguous', () => {
      const { log, mqtt, delivery } = batched();
      log.appendMany(10);
      delivery.onConnect(T0);

      delivery.tick(T0);

      expect(mqtt.published.map((p) => [p.topic, p.options])).toEqual(Array(3).fill([BATCH_TOPIC, { qos: 1 }]));
      expect(mqtt.takeGroups()).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
        [9, 10],
      ]);
      expect(delivery.stats).toEqual({ published: 10, resent: 0, goBacks: 0, acked: 0 });
    });

    it('should send the records unchanged, under the acked_seq current when the batch is sent', () => {
      const { log, mqtt, delivery } = batched({ ackedSeq: 40, window: 4 });
      const records = log.appendMany(6, TEST_EPOCH_MS - 3_600_000);
      delivery.tick(T0);
      delivery.onAck(42, T0 + 10);
      delivery.tick(T0 + 10);

      expect(mqtt.takeDelivered()).toEqual([
        { kind: 'telemetry/batch', message: { v: PROTOCOL_VERSION, acked_seq: 40, records: records.slice(0, 4).map(({ acked_seq: _a, ...r }) => r) } },
        { kind: 'telemetry/batch', message: { v: PROTOCOL_VERSION, acked_seq: 42, records: records.slice(4).map(({ acked_seq: _a, ...r }) => r) } },
      ]);
    });

    it('should send a single record to replay as plain telemetry', () => {
      const { log, mqtt, delivery } = batched();
      log.appendMany(5);

      delivery.tick(T0);

      expect(mqtt.takeGroups()).toEqual([[1, 2, 3, 4], 5]);
      expect(mqtt.published).toEqual([]);
    });

    it('should read whole batches from flash, at most 16 records at a time', () => {
      const { log, mqtt, delivery } = batched({ window: 40, maxRecords: 5 });
      log.appendMany(40);
      const reads: number[] = [];
      const readFrom = log.readFrom.bind(log);
      log.readFrom = (afterSeq, max) => {
        reads.push(max);
        return readFrom(afterSeq, max);
      };

      delivery.tick(T0);

      expect(reads).toEqual([15, 15, 10]);
      expect(mqtt.takeGroups().map((g) => (Array.isArray(g) ? g.length : 1))).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
    });

    it('should keep batches within a window smaller than maxRecords', () => {
      const { log, mqtt, delivery } = batched({ window: 3 });
      log.appendMany(7);

      delivery.tick(T0);
      expect(mqtt.takeGroups()).toEqual([[1, 2, 3]]);
      delivery.onAck(3, T0 + 100);
      delivery.tick(T0 + 100);

      expect(mqtt.takeGroups()).toEqual([[4, 5, 6]]);
    });

    it('should fill only the room an ack opened, batching what fits', () => {
      const { log, mqtt, delivery } = batched({ window: 8 });
      log.appendMany(20);
      delivery.tick(T0);
      mqtt.takeGroups();

      delivery.onAck(6, T0 + 100);
      delivery.tick(T0 + 100);

      expect(mqtt.takeGroups()).toEqual([[9, 10, 11, 12], [13, 14]]);
    });

    it('should resend the same batches after the ack timeout, counting resent records', () => {
      const { log, mqtt, delivery } = batched({ window: 8 });
      log.appendMany(10);
      delivery.tick(T0);
      expect(mqtt.takeGroups()).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);

      delivery.tick(T0 + 10_000);

      expect(mqtt.takeGroups()).toEqual([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      expect(delivery.stats).toEqual({ published: 16, resent: 8, goBacks: 1, acked: 0 });
    });

    it('should resend from the oldest unacknowledged record after a partial ack', () => {
      const { log, mqtt, delivery } = batched({ window: 8 });
      log.appendMany(8);
      delivery.tick(T0);
      delivery.onAck(2, T0 + 1_000);
      mqtt.takeGroups();

      delivery.tick(T0 + 11_000);

      expect(mqtt.takeGroups()).toEqual([
        [3, 4, 5, 6],
        [7, 8],
      ]);
    });

    it('should leave the cursor before a refused batch and send the whole batch again', () => {
      const { log, mqtt, delivery } = batched({ window: 12 });
      log.appendMany(12);
      let accepted = 1;
      const publish = mqtt.publish.bind(mqtt);
      mqtt.publish = (topic, payload, options) => accepted-- > 0 && publish(topic, payload, options);

      delivery.tick(T0);
      expect(mqtt.takeGroups()).toEqual([[1, 2, 3, 4]]);
      expect(delivery.stats.published).toBe(4);

      accepted = Infinity;
      delivery.tick(T0 + 100);

      expect(mqtt.takeGroups()).toEqual([
        [5, 6, 7, 8],
        [9, 10, 11, 12],
      ]);
      expect(delivery.stats).toEqual({ published: 12, resent: 0, goBacks: 0, acked: 0 });
    });

    it('should skip records acknowledged ahead of the replay', () => {
      const { log, mqtt, delivery } = batched({ window: 8 });
      log.appendMany(14);
      delivery.tick(T0);
      mqtt.takeGroups();

      delivery.onAck(11, T0 + 100);
      delivery.tick(T0 + 100);

      expect(mqtt.takeGroups()).toEqual([[12, 13, 14]]);
    });

    it('should write off a dropped hole and batch the replay from the oldest record left', () => {
      const dropped: [number, number][] = [];
      const { log, mqtt, delivery } = batched({ onDropped: (a, b) => dropped.push([a, b]) });
      log.appendMany(10);
      const original = log.readFrom.bind(log);
      log.readFrom = (after: number, max: number) => original(Math.max(after, 3), max);

      delivery.tick(T0);

      expect(dropped).toEqual([[1, 3]]);
      const sent = mqtt.takeDelivered();
      expect(sent.map((d) => d.kind === 'telemetry/batch' && d.message.acked_seq)).toEqual([3, 3]);
      expect(sent.map((d) => d.kind === 'telemetry/batch' && d.message.records.map((r) => r.seq))).toEqual([
        [4, 5, 6, 7],
        [8, 9, 10],
      ]);
    });

    it('should carry merged records in a batch with their merged_from_seq', () => {
      const { log, mqtt, delivery } = batched();
      log.appendMany(12);
      log.merge(1, 4);
      log.merge(5, 8);

      delivery.tick(T0);

      const [first, second, ...rest] = mqtt.takeDelivered();
      expect(rest).toEqual([]);
      const records = (d: typeof first) => (d.kind === 'telemetry/batch' ? d.message.records : []);
      expect(records(first).map((r) => [r.merged_from_seq, r.seq, r.interval_s])).toEqual([
        [1, 4, 40],
        [5, 8, 40],
        [undefined, 9, 10],
        [undefined, 10, 10],
      ]);
      expect(records(second).map((r) => r.seq)).toEqual([11, 12]);
    });

    it('should end a batch before a record that overlaps the one before it (the schema refuses it)', () => {
      const { log, mqtt, delivery } = batched();
      log.appendMany(6);
      const original = log.readFrom.bind(log);
      // A log that hands out a merged record reaching back over seq 3: 1, 2, 3, (3..5 as 5), 6.
      log.readFrom = (after: number, max: number) =>
        original(after, max).map((r) => (r.seq === 4 ? { ...r, seq: 5, merged_from_seq: 3 } : r)).filter((r) => r.seq !== 5 || r.merged_from_seq === 3);

      delivery.tick(T0);

      expect(mqtt.takeGroups()).toEqual([[1, 2, 3], [5, 6]]);
    });
  });

  describe('onAppended', () => {
    it('should publish a live record during a replay on its own on telemetry, and keep batching the replay', () => {
      const { log, mqtt, delivery } = batched({ window: 8 });
      log.appendMany(12);
      delivery.tick(T0);
      mqtt.takeGroups();

      const live = appendLive(log, delivery, TEST_EPOCH_MS + 600_000);
      expect(mqtt.published.map((p) => p.topic)).toEqual([TOPIC]);
      expect(mqtt.takeDelivered()).toEqual([{ kind: 'telemetry', message: { ...live, acked_seq: 0 } }]);

      delivery.onAck(8, T0 + 100);
      delivery.tick(T0 + 100);
      expect(mqtt.takeGroups()).toEqual([
        [9, 10, 11, 12],
        13,
      ]);
    });

    it('should publish a live record on telemetry when caught up', () => {
      const { log, mqtt, delivery } = batched();

      appendLive(log, delivery, TEST_EPOCH_MS);
      appendLive(log, delivery, TEST_EPOCH_MS + 10_000);
      delivery.tick(T0);

      expect(mqtt.published.map((p) => p.topic)).toEqual([TOPIC, TOPIC]);
      expect(mqtt.takeGroups()).toEqual([1, 2]);
    });
  });
});
