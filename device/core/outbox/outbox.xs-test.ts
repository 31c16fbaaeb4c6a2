/** The outbox (core/outbox): topics, encoding, retained state, the offline queue. Portable: Node and XS. */
import { decodeMessage, TIME_UNKNOWN_MS, topics } from '@dinmeter/shared';
import { checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { RecordingMqtt } from '../delivery/testing';
import { ManualClock } from '../relays/testing';
import { Outbox } from './outbox';

const WALL = Date.UTC(2025, 0, 15);

const tests: XsTest[] = [
  {
    name: 'outbox: builds the topic of each kind, retains state, stamps events with the wall clock or "time unknown"',
    run() {
      const mqtt = new RecordingMqtt();
      const clock = new ManualClock(0, WALL);
      const outbox = new Outbox({ deviceId: 'vm-1', mqtt, clock });
      outbox.send('relays', {
        v: 1,
        ts: WALL,
        circuits: [{ circuit: 1, state: 'on', reason: 'restore', tripped: false }],
      });
      outbox.event({ type: 'fault', message: 'x' });
      clock.wall = undefined;
      outbox.event({ type: 'fault', message: 'y' });
      checkEqual(
        JSON.stringify(mqtt.published.map((p) => [p.topic, p.options.retain === true])),
        JSON.stringify([
          [topics.relays('vm-1'), true],
          [topics.events('vm-1'), false],
          [topics.events('vm-1'), false],
        ]),
      );
      const ts = mqtt.published.slice(1).map((p) => {
        const event = decodeMessage('events', p.payload);
        return event.ok ? event.value.ts : -1;
      });
      checkEqual(JSON.stringify(ts), JSON.stringify([WALL, TIME_UNKNOWN_MS]));
      checkEqual(outbox.topicOf('telemetry'), topics.telemetry('vm-1'));
    },
  },
  {
    name: 'outbox: offline, keeps the newest non-retained messages (bounded) and sends them on connect; drops retained state',
    run() {
      const mqtt = new RecordingMqtt();
      mqtt.connected = false;
      const outbox = new Outbox({ deviceId: 'vm-1', mqtt, clock: new ManualClock(0, WALL), limit: 2 });
      outbox.send('relays', {
        v: 1,
        ts: WALL,
        circuits: [{ circuit: 1, state: 'on', reason: 'restore', tripped: false }],
      });
      for (const id of ['a', 'b', 'c']) outbox.send('cmd/ack', { v: 1, id, ok: true });
      checkEqual(mqtt.published.length, 0);
      mqtt.connected = true;
      outbox.onConnect();
      const ids = mqtt.published.map((p) => {
        const ack = decodeMessage('cmd/ack', p.payload);
        return ack.ok ? ack.value.id : p.topic;
      });
      checkEqual(
        JSON.stringify(ids),
        '["b","c"]',
        "the oldest went first; the retained state is its owner's to re-publish",
      );
    },
  },
  {
    name: 'outbox: an invalid message or device id throws at once with the reason',
    run() {
      const mqtt = new RecordingMqtt();
      checkThrows(() => new Outbox({ deviceId: 'a/b', mqtt, clock: new ManualClock(0, WALL) }), /a\/b/);
      const outbox = new Outbox({ deviceId: 'vm-1', mqtt, clock: new ManualClock(0, WALL) });
      checkThrows(() => outbox.send('cmd/ack', { v: 1, id: '', ok: true }), /cmd\/ack/);
      checkEqual(mqtt.published.length, 0);
    },
  },
];

export default tests;
