/** Portable vectors for go-back-N delivery: the same rules in Node and in XS. */
import { PROTOCOL_VERSION, SequencedRecord } from '@dinmeter/shared';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { Delivery } from './delivery';
import { MemoryTelemetryLog, RecordingMqtt, TEST_EPOCH_MS, telemetryRecord } from './testing';

const TOPIC = 'dinmeter/m1/telemetry';

function setup(ackedSeq = 0, window = 3) {
  const log = new MemoryTelemetryLog(ackedSeq);
  const mqtt = new RecordingMqtt();
  const delivery = new Delivery<SequencedRecord>({ log, mqtt, topic: TOPIC, window, ackTimeoutMs: 10_000 });
  return { log, mqtt, delivery };
}

const seqs = (mqtt: RecordingMqtt) => mqtt.takeSeqs().join(',');

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
];

export default tests;
