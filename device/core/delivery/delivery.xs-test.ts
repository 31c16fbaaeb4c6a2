/** Portable vectors for go-back-N delivery: the same rules in Node and in XS. */
import { PROTOCOL_VERSION, SequencedRecord, topics } from '@dinmeter/shared';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { Delivery } from './delivery';
import { MemoryTelemetryLog, RecordingMqtt, TEST_EPOCH_MS, telemetryRecord } from './testing';

const TOPIC = topics.telemetry('m1');

function setup(ackedSeq = 0, window = 3, batchMax?: number, onDropped?: (fromSeq: number, toSeq: number) => void) {
  const log = new MemoryTelemetryLog(ackedSeq);
  const mqtt = new RecordingMqtt();
  const batch = batchMax === undefined ? undefined : { topic: topics.telemetryBatch('m1'), maxRecords: batchMax };
  const delivery = new Delivery<SequencedRecord>({ log, mqtt, topic: TOPIC, window, ackTimeoutMs: 10_000, batch, onDropped });
  return { log, mqtt, delivery };
}

const seqs = (mqtt: RecordingMqtt) => mqtt.takeSeqs().join(',');
/** Batches as [a,b,…], plain telemetry as a bare seq: "[[1,2,3,4],5]". */
const groups = (mqtt: RecordingMqtt) => JSON.stringify(mqtt.takeGroups());
const live = (log: MemoryTelemetryLog, delivery: Delivery<SequencedRecord>, ts: number) => {
  const body = telemetryRecord(ts);
  delivery.onAppended({ v: PROTOCOL_VERSION, seq: log.append(body), ...body });
};

const tests: XsTest[] = [
  {
    name: 'delivery: replays oldest first within the window',
    run() {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.onConnect(0);
      delivery.tick(0);
      checkEqual(seqs(mqtt), '1,2,3', 'first pass');
      delivery.tick(500);
      checkEqual(seqs(mqtt), '', 'window full');
    },
  },
  {
    name: 'delivery: an ack trims the log and opens the window',
    run() {
      const { log, mqtt, delivery } = setup();
      log.appendMany(5);
      delivery.tick(0);
      mqtt.takeSeqs();
      delivery.onAck(2, 100);
      checkEqual(log.heldSeqs().join(','), '3,4,5', 'held');
      delivery.tick(100);
      checkEqual(seqs(mqtt), '4,5', 'after ack');
      checkEqual(delivery.stats.acked, 2, 'acked');
    },
  },
  {
    name: 'delivery: an ack beyond the last record is clamped',
    run() {
      const { log, delivery } = setup();
      log.appendMany(3);
      delivery.onAck(1000, 0);
      checkEqual(log.ackedSeq, 3, 'ackedSeq');
      checkEqual(delivery.backlog, 0, 'backlog');
    },
  },
  {
    name: 'delivery: ack timeout goes back to the oldest unacked record',
    run() {
      const { log, mqtt, delivery } = setup();
      log.appendMany(4);
      delivery.tick(0);
      delivery.onAck(1, 1_000);
      delivery.tick(1_000);
      mqtt.takeSeqs();
      delivery.tick(10_999);
      checkEqual(seqs(mqtt), '', 'before timeout');
      delivery.tick(11_000);
      checkEqual(seqs(mqtt), '2,3,4', 'after timeout');
      checkEqual(delivery.stats.goBacks, 1, 'goBacks');
    },
  },
  {
    name: 'delivery: nothing is published while disconnected; reconnect replays',
    run() {
      const { log, mqtt, delivery } = setup();
      mqtt.connected = false;
      log.appendMany(2);
      const body = telemetryRecord(TEST_EPOCH_MS + 60_000);
      delivery.onAppended({ v: PROTOCOL_VERSION, seq: log.append(body), ...body });
      delivery.tick(0);
      checkEqual(mqtt.published.length, 0, 'published while offline');
      mqtt.connected = true;
      delivery.onConnect(5_000);
      delivery.tick(5_000);
      checkEqual(seqs(mqtt), '1,2,3', 'replay');
    },
  },
  {
    name: 'delivery: a live record goes out at once with the current acked_seq',
    run() {
      const { log, mqtt, delivery } = setup(7);
      log.appendMany(4);
      delivery.tick(0);
      mqtt.takeSeqs();
      const body = telemetryRecord(TEST_EPOCH_MS + 60_000);
      delivery.onAppended({ v: PROTOCOL_VERSION, seq: log.append(body), ...body });
      const [live] = mqtt.takeTelemetry();
      check(live !== undefined, 'live record not published');
      checkEqual(live.seq, 12, 'seq');
      checkEqual(live.acked_seq, 7, 'acked_seq');
      checkEqual(live.ts, TEST_EPOCH_MS + 60_000, 'ts');
    },
  },
  {
    name: 'delivery: a refused publish is retried from the same record',
    run() {
      const { log, mqtt, delivery } = setup();
      log.appendMany(2);
      mqtt.accepting = false;
      delivery.tick(0);
      mqtt.accepting = true;
      delivery.tick(1);
      checkEqual(seqs(mqtt), '1,2', 'retried');
      checkEqual(delivery.stats.published, 2, 'published');
    },
  },
  {
    name: 'delivery: window below 1 is refused',
    run() {
      checkThrows(() => setup(0, 0), /window must be >= 1, got 0/);
    },
  },
  {
    name: 'delivery batch: a backlog replays in batches of at most maxRecords, oldest first, a lone record plain',
    run() {
      const { log, mqtt, delivery } = setup(0, 16, 4);
      log.appendMany(9);
      delivery.onConnect(0);
      delivery.tick(0);
      const batchTopic = topics.telemetryBatch('m1');
      checkEqual(mqtt.published.map((p) => p.topic).join(' '), `${batchTopic} ${batchTopic} ${TOPIC}`, 'topics');
      checkEqual(groups(mqtt), '[[1,2,3,4],[5,6,7,8],9]', 'messages');
      checkEqual(delivery.stats.published, 9, 'published counts records');
    },
  },
  {
    name: 'delivery batch: records go unchanged under the current acked_seq, without their own',
    run() {
      const { log, mqtt, delivery } = setup(40, 16, 4);
      const records = log.appendMany(2);
      delivery.tick(0);
      const [sent] = mqtt.takeDelivered();
      check(sent.kind === 'telemetry/batch', 'a batch');
      if (sent.kind !== 'telemetry/batch') return;
      checkEqual(sent.message.acked_seq, 40, 'acked_seq');
      const expected = records.map(({ acked_seq: _a, ...r }) => r);
      checkEqual(JSON.stringify(sent.message.records), JSON.stringify(expected), 'records');
    },
  },
  {
    name: 'delivery batch: a live record during a replay goes alone on telemetry',
    run() {
      const { log, mqtt, delivery } = setup(0, 8, 4);
      log.appendMany(10);
      delivery.tick(0);
      checkEqual(groups(mqtt), '[[1,2,3,4],[5,6,7,8]]', 'replay');
      live(log, delivery, TEST_EPOCH_MS + 600_000);
      checkEqual(mqtt.published[0]?.topic, TOPIC, 'topic');
      checkEqual(groups(mqtt), '[11]', 'live');
      delivery.onAck(8, 100);
      delivery.tick(100);
      checkEqual(groups(mqtt), '[[9,10,11]]', 'replay goes on');
    },
  },
  {
    name: 'delivery batch: go-back resends the same batches',
    run() {
      const { log, mqtt, delivery } = setup(0, 8, 4);
      log.appendMany(8);
      delivery.tick(0);
      mqtt.takeGroups();
      delivery.tick(10_000);
      checkEqual(groups(mqtt), '[[1,2,3,4],[5,6,7,8]]', 'resent');
      checkEqual(delivery.stats.resent, 8, 'resent records');
    },
  },
  {
    name: 'delivery batch: a refused batch is sent whole again',
    run() {
      const { log, mqtt, delivery } = setup(0, 8, 4);
      log.appendMany(8);
      let accepted = 1;
      const publish = mqtt.publish.bind(mqtt);
      mqtt.publish = (topic, payload, options) => accepted-- > 0 && publish(topic, payload, options);
      delivery.tick(0);
      checkEqual(groups(mqtt), '[[1,2,3,4]]', 'first accepted');
      accepted = 100;
      delivery.tick(1);
      checkEqual(groups(mqtt), '[[5,6,7,8]]', 'second again, whole');
      checkEqual(delivery.stats.published, 8, 'published');
    },
  },
  {
    name: 'delivery batch: a window smaller than maxRecords bounds the batch',
    run() {
      const { log, mqtt, delivery } = setup(0, 3, 4);
      log.appendMany(7);
      delivery.tick(0);
      checkEqual(groups(mqtt), '[[1,2,3]]', 'window 3');
    },
  },
  {
    name: 'delivery batch: a dropped hole is written off and the replay batched from the oldest record left',
    run() {
      const dropped: string[] = [];
      const { log, mqtt, delivery } = setup(0, 16, 4, (a, b) => dropped.push(`${a}..${b}`));
      log.appendMany(8);
      const original = log.readFrom.bind(log);
      log.readFrom = (after: number, max: number) => original(Math.max(after, 2), max);
      delivery.tick(0);
      checkEqual(dropped.join(','), '1..2', 'reported');
      const sent = mqtt.takeDelivered();
      checkEqual(sent.map((d) => (d.kind === 'telemetry/batch' ? `${d.message.acked_seq}:${d.message.records.length}` : 'plain')).join(','), '2:4,2:2', 'batches');
    },
  },
  {
    name: 'delivery batch: merged records travel in a batch with merged_from_seq',
    run() {
      const { log, mqtt, delivery } = setup(0, 16, 4);
      log.appendMany(10);
      log.merge(1, 6);
      delivery.tick(0);
      const [sent] = mqtt.takeDelivered();
      check(sent.kind === 'telemetry/batch', 'a batch');
      if (sent.kind !== 'telemetry/batch') return;
      checkEqual(sent.message.records.map((r) => `${r.merged_from_seq ?? ''}-${r.seq}`).join(','), '1-6,-7,-8,-9', 'records');
    },
  },
  {
    name: 'delivery batch: maxRecords outside 1..16 is refused',
    run() {
      checkThrows(() => setup(0, 16, 17), /batch.maxRecords must be an integer in 1..16, got 17/);
    },
  },
];

export default tests;
