/**
 * Portable vectors for the event log and its forwarder (docs/store-and-forward.md "Events"): events
 * survive reboots and power cuts at every byte, seqs are never reused, the ack is persistent, and the
 * forwarder replays what the backend has not acknowledged.
 */
import { decodeMessage, encodeMessage, EventMessage, PROTOCOL_VERSION, topics, utf8Encode } from '@dinmeter/shared';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { RecordingMqtt, TEST_EPOCH_MS } from '../delivery/testing';
import { Outbox } from '../outbox/outbox';
import { MemoryFlash } from '../storage/memory-flash';
import { cutDuring } from '../storage/testing';
import { EventForwarder } from './event-forwarder';
import { EventLog } from './event-log';

const SECTOR = 4096;

function trip(k: number): EventMessage {
  return {
    v: PROTOCOL_VERSION,
    ts: TEST_EPOCH_MS + k * 1000,
    type: 'protection_trip',
    circuit: (k % 10) + 1,
    message: `overcurrent #${k}`,
    data: { current_a: 17 + k / 100, latched: true },
  };
}

function boot(flash: MemoryFlash): EventLog {
  flash.cut.powerOn();
  const log = new EventLog(flash);
  log.open();
  return log;
}

const seqsOf = (log: EventLog, after = log.ackedSeq) => log.readFrom(after, 10_000).map((e) => e.seq).join(',');

class FixedClock {
  wall: number | undefined = TEST_EPOCH_MS;
  wallMs() {
    return this.wall;
  }
  monotonicMs() {
    return 0;
  }
}

function forwarder(log: EventLog, mqtt = new RecordingMqtt()) {
  const clock = new FixedClock();
  return { mqtt, clock, fwd: new EventForwarder({ deviceId: 'm1', log, mqtt, clock, window: 4, ackTimeoutMs: 10_000 }) };
}

function published(mqtt: RecordingMqtt): EventMessage[] {
  const out = mqtt.published.map(({ topic, payload }) => {
    checkEqual(topic, topics.events('m1'), 'topic');
    const result = decodeMessage('events', payload);
    if (!result.ok) throw new Error(`published an invalid event: ${result.errors.join('; ')}`);
    return result.value;
  });
  mqtt.published.length = 0;
  return out;
}

const ack = (upto: number) => utf8Encode(encodeMessage('events/ack', { v: PROTOCOL_VERSION, upto_seq: upto }));

const tests: XsTest[] = [
  {
    name: 'event log: events, their seqs and the ack point survive a reboot',
    run() {
      const flash = new MemoryFlash({ byteLength: 4 * SECTOR });
      const log = boot(flash);
      for (let k = 1; k <= 5; k++) checkEqual(log.append(trip(k)), k, 'seq');
      log.ack(2);
      const again = boot(flash);
      checkEqual(again.ackedSeq, 2, 'ackedSeq');
      checkEqual(again.nextSeq, 6, 'nextSeq');
      checkEqual(seqsOf(again), '3,4,5', 'unacked');
      const [third] = again.readFrom(2, 1);
      const { v, ...body } = trip(3);
      checkEqual(JSON.stringify(third), JSON.stringify({ v, seq: 3, ...body }), 'third event as appended');
      checkEqual(again.pendingCount, 3, 'pending');
    },
  },
  {
    name: 'event log: refuses use before open and a partition of one sector',
    run() {
      checkThrows(() => new EventLog(new MemoryFlash({ byteLength: SECTOR })).open(), /at least 2 sectors/);
      checkThrows(() => new EventLog(new MemoryFlash({ byteLength: 2 * SECTOR })).append(trip(1)), /open\(\) first/);
    },
  },
  {
    name: 'event log: the ring wraps over acked sectors and never reuses a seq',
    run() {
      const flash = new MemoryFlash({ byteLength: 2 * SECTOR });
      let log = boot(flash);
      for (let k = 1; k <= 200; k++) {
        checkEqual(log.append(trip(k)), k, 'seq');
        log.ack(k);
      }
      checkEqual(log.stats().eventsDropped, 0, 'nothing dropped');
      check(log.stats().sectorsErased > 4, `wrapped (${log.stats().sectorsErased} erases)`);
      log = boot(flash);
      checkEqual(log.nextSeq, 201, 'nextSeq after reboot');
      checkEqual(log.ackedSeq, 200, 'ackedSeq after reboot');
      checkEqual(seqsOf(log), '', 'nothing pending');
    },
  },
  {
    name: 'event log: a full ring drops its oldest unacked sector and counts it; the forwarder reports the hole',
    run() {
      const flash = new MemoryFlash({ byteLength: 2 * SECTOR });
      const log = boot(flash);
      const { mqtt, fwd } = forwarder(log);
      mqtt.connected = false;
      for (let k = 1; k <= 80; k++) fwd.record(trip(k));
      const dropped = log.stats().eventsDropped;
      check(dropped > 0, 'some events dropped');
      const oldest = log.readFrom(0, 1)[0].seq;
      checkEqual(oldest, dropped + 1, 'the oldest left follows the dropped ones');
      mqtt.connected = true;
      fwd.onConnect(0);
      fwd.tick(0);
      const fault = published(mqtt).find((e) => e.type === 'fault');
      check(fault !== undefined, 'a fault event for the hole');
      checkEqual(fault!.data!.dropped_from_seq, 1, 'from');
      checkEqual(fault!.data!.dropped_to_seq, dropped, 'to');
      checkEqual(log.ackedSeq, dropped, 'the hole is written off');
    },
  },
  {
    name: 'event log: an event too large for a sector is kept without its data',
    run() {
      const log = boot(new MemoryFlash({ byteLength: 2 * SECTOR }));
      const data: Record<string, string> = {};
      for (let k = 0; k < 32; k++) data[`k${k}`] = 'x'.repeat(200);
      log.append({ ...trip(1), data });
      const [stored] = log.readFrom(0, 1);
      checkEqual(JSON.stringify(stored.data), '{"shortened":true}', 'data');
      checkEqual(stored.message, 'overcurrent #1', 'message kept');
      checkEqual(log.stats().eventsShortened, 1, 'counted');
    },
  },
  {
    name: 'event log: a power cut at any byte of an append or an ack loses nothing that was durable',
    run() {
      const base = new MemoryFlash({ byteLength: 2 * SECTOR });
      const log = boot(base);
      // Fill the head sector almost to its end, so the cuts also hit the opening of the next sector.
      let k = 1;
      while (log.readFrom(0, 10_000).length < 27) log.append(trip(k++));
      log.ack(3);
      let cutsWhileOpeningASector = 0;
      for (let afterBytes = 0; afterBytes < 800; afterBytes += 3) {
        for (const op of ['append', 'ack'] as const) {
          const flash = base.clone();
          const before = boot(flash);
          const lastSeq = before.nextSeq - 1;
          flash.cut.armPowerCut({ afterBytes });
          let appended = 0;
          const cut = cutDuring(() => {
            for (let i = 0; i < 3; i++) {
              if (op === 'append') appended = before.append(trip(100 + i));
              else before.ack(4 + i);
            }
          });
          if (cut && before.stats().sectorsErased > 0) cutsWhileOpeningASector++;
          const after = boot(flash);
          const what = `${op} cut after ${afterBytes} bytes`;
          if (op === 'append') {
            // Every seq append() returned is kept; the torn one never existed, so its seq comes again.
            checkEqual(after.nextSeq, (appended || lastSeq) + 1, `${what}: nextSeq`);
            checkEqual(after.readFrom(3, 10_000).length, after.nextSeq - 4, `${what}: events 4.. all readable`);
          } else {
            check(after.ackedSeq >= 3 && after.ackedSeq <= 6, `${what}: ackedSeq ${after.ackedSeq}`);
            checkEqual(after.nextSeq, lastSeq + 1, `${what}: nextSeq`);
          }
          const seq = after.append(trip(200));
          checkEqual(seq, after.nextSeq - 1, `${what}: appending works`);
          checkEqual(boot(flash).readFrom(seq - 1, 1)[0].seq, seq, `${what}: the new event is durable`);
          if (!cut) break;
        }
      }
      check(cutsWhileOpeningASector > 0, 'some cuts hit the opening of the next sector');
    },
  },
  {
    name: 'event log: a power cut while a sector is erased for reuse loses no unacked event',
    run() {
      const base = new MemoryFlash({ byteLength: 3 * SECTOR });
      const log = boot(base);
      let k = 1;
      while (log.stats().sectorsErased < 3) {
        log.append(trip(k++));
        log.ack(log.nextSeq - 2);
      }
      // The next sector to open is in use (acked): cut its erase after a few bytes.
      for (const erasedBytes of [0, 8, 16, 24, 2048]) {
        const flash = base.clone();
        const before = boot(flash);
        const pending = seqsOf(before);
        flash.cut.armEraseCut({ erasedBytes });
        cutDuring(() => {
          for (let i = 0; i < 40; i++) before.append(trip(500 + i));
        });
        const after = boot(flash);
        check(seqsOf(after).startsWith(pending), `erase cut at ${erasedBytes}: ${pending} still pending (got ${seqsOf(after)})`);
      }
    },
  },
  {
    name: 'event forwarder: events recorded offline go out on connect with seq and acked_seq; the ack trims the log',
    run() {
      const log = boot(new MemoryFlash({ byteLength: 4 * SECTOR }));
      const { mqtt, fwd } = forwarder(log);
      mqtt.connected = false;
      for (let k = 1; k <= 6; k++) fwd.record(trip(k));
      checkEqual(mqtt.published.length, 0, 'nothing while offline');
      mqtt.connected = true;
      fwd.onConnect(0);
      fwd.tick(0);
      const first = published(mqtt);
      checkEqual(first.map((e) => e.seq).join(','), '1,2,3,4', 'the window');
      checkEqual(first[0].acked_seq, 0, 'acked_seq');
      checkEqual(first[0].message, 'overcurrent #1', 'as recorded');
      check(fwd.onMessage(topics.eventsAck('m1'), ack(4), 100), 'ack handled');
      checkEqual(log.ackedSeq, 4, 'acked');
      const second = published(mqtt);
      checkEqual(second.map((e) => e.seq).join(','), '5,6', 'the rest at once');
      checkEqual(second[0].acked_seq, 4, 'acked_seq');
      check(!fwd.onMessage(topics.telemetryAck('m1'), ack(6), 100), 'other topics are not its business');
      check(fwd.onMessage(topics.eventsAck('m1'), utf8Encode('{"v":1}'), 100), 'a bad ack is consumed');
      checkEqual(log.ackedSeq, 4, 'and ignored');
    },
  },
  {
    name: 'event forwarder: without an ack, the events are sent again after the timeout',
    run() {
      const log = boot(new MemoryFlash({ byteLength: 4 * SECTOR }));
      const { mqtt, fwd } = forwarder(log);
      fwd.record(trip(1));
      fwd.record(trip(2));
      checkEqual(published(mqtt).map((e) => e.seq).join(','), '1,2', 'live');
      fwd.tick(9_999);
      checkEqual(mqtt.published.length, 0, 'not yet');
      fwd.tick(10_000);
      checkEqual(published(mqtt).map((e) => e.seq).join(','), '1,2', 'resent');
    },
  },
  {
    name: 'outbox: with an event forwarder, events go to the event log first; other messages as before',
    run() {
      const log = boot(new MemoryFlash({ byteLength: 4 * SECTOR }));
      const { mqtt, clock, fwd } = forwarder(log);
      const outbox = new Outbox({ deviceId: 'm1', mqtt, clock, events: fwd });
      mqtt.connected = false;
      outbox.event({ type: 'fault', message: 'chip 3 silent' });
      checkEqual(log.nextSeq, 2, 'on flash while offline');
      mqtt.connected = true;
      outbox.event({ type: 'boot' });
      const [live] = published(mqtt);
      checkEqual(live.seq, 2, 'live event with its seq');
      outbox.send('cmd/ack', { v: PROTOCOL_VERSION, id: 'c-1', ok: true });
      checkEqual(mqtt.published[0].topic, topics.cmdAck('m1'), 'acks still go straight out');
    },
  },
];

export default tests;
