/**
 * Portable protocol vectors: the same codec must accept and refuse the same payloads in Node and
 * in XS on the ESP32 (JSON.parse, RegExp and number formatting differ between engines).
 */
import { check, checkEqual, checkThrows, XsTest } from '../../../device/xs/harness';
import { utf8ByteLength, utf8Decode, utf8Encode } from '../utf8';
import { decodeMessage, encodeMessage, encodeMessageBytes, MAX_PAYLOAD_BYTES, MessageKind } from './codec';
import { EXAMPLE_TS, exampleMessage, MESSAGE_KINDS } from './protocol.examples';
import { DEVICE_TOPIC_KINDS, deviceTopic, parseDeviceTopic } from './topics';

/** Decodes `message` (after `mutate`) as `kind` and checks that an error contains `expected`. */
function checkRejected(kind: MessageKind, mutate: (message: any) => void, expected: string): void {
  const message: any = exampleMessage(kind);
  mutate(message);
  const result = decodeMessage(kind, JSON.stringify(message));
  if (result.ok) throw new Error(`${kind}: expected a rejection containing "${expected}"`);
  check(
    result.errors.some((error) => error.includes(expected)),
    `${kind}: expected an error containing "${expected}", got ${result.errors.join(' | ')}`,
  );
}

const rejections: [string, MessageKind, (message: any) => void, string][] = [
  ['circuit 0', 'telemetry', (m) => (m.circuits[0].circuit = 0), '$.circuits[0].circuit: 0 is below the minimum 1'],
  ['circuit 11', 'telemetry', (m) => (m.circuits[0].circuit = 11), '$.circuits[0].circuit: 11 is above the maximum 10'],
  ['circuit 1.5', 'telemetry', (m) => (m.circuits[0].circuit = 1.5), '$.circuits[0].circuit: expected an integer, got 1.5'],
  ['duplicate circuits', 'telemetry', (m) => (m.circuits[1].circuit = 1), '$: circuit 1 appears twice'],
  ['unknown field', 'telemetry', (m) => (m.extra = 1), '$: unknown field "extra"'],
  ['missing field', 'telemetry', (m) => delete m.circuits[0].pf, '$.circuits[0].pf: is required'],
  ['wrong type', 'telemetry', (m) => (m.seq = '7'), '$.seq: expected a finite number, got "7"'],
  ['ts in seconds', 'telemetry', (m) => (m.ts = 1_700_000_000), '$.ts: 1700000000 is below the minimum 946684800000'],
  ['acked_seq not below seq', 'telemetry', (m) => (m.acked_seq = m.seq), '$: acked_seq 7 must be below seq 7'],
  ['negative ack', 'telemetry/ack', (m) => (m.upto_seq = -1), '$.upto_seq: -1 is below the minimum 0'],
  ['plan overlap', 'plan', (m) => (m.circuits[0].on[1].start -= 1), 'intervals of circuit 5 must be sorted and not overlap'],
  ['plan unsorted', 'plan', (m) => m.circuits[0].on.reverse(), 'intervals of circuit 5 must be sorted and not overlap'],
  ['plan end = start', 'plan', (m) => (m.circuits[0].on[0].end = m.circuits[0].on[0].start), '$.circuits[0].on[0]: end'],
  ['plan duplicate circuits', 'plan', (m) => (m.circuits[1].circuit = 5), '$: circuit 5 appears twice'],
  ['cmd unknown op', 'cmd', (m) => (m.op = 'toggle'), '$.op: expected one of'],
  ['cmd relay bad state', 'cmd', (m) => (m.state = 'toggle'), '$.state: expected one of "on", "off", got "toggle"'],
  ['cmd reset_trip with state', 'cmd', (m) => (m.op = 'reset_trip'), '$: unknown field "state"'],
  ['cmd ping with circuit', 'cmd', (m) => ((m.op = 'ping'), delete m.state), '$: unknown field "circuit"'],
  ['cmd config missing config', 'cmd', (m) => ((m.op = 'config'), delete m.state), '$.config: is required'],
  ['cmd calibrate bad pga', 'cmd', (m) => ((m.op = 'calibrate'), delete m.state, (m.calibration = { pga: 2 })), '$.calibration.pga'],
  ['cmd expires in seconds', 'cmd', (m) => (m.expires = 1_700_000_060), '$.expires: 1700000060 is below the minimum'],
  ['cmd id with slash', 'cmd', (m) => (m.id = 'a/b'), '$.id: "a/b" does not match'],
  ['ack ok as string', 'cmd/ack', (m) => (m.ok = 'true'), '$.ok: expected true or false, got "true"'],
  ['relays unknown reason', 'relays', (m) => (m.circuits[0].reason = 'magic'), '$.circuits[0].reason'],
  ['event nested data', 'events', (m) => (m.data.x = { y: 1 }), '$.data.x: expected a string'],
  ['status missing online', 'status', (m) => delete m.online, '$.online: is required'],
  ['heartbeat wrong version', 'heartbeat', (m) => (m.v = 2), '$.v: expected one of 1, got 2'],
];

const tests: XsTest[] = [
  {
    name: 'protocol: every kind round-trips through encodeMessageBytes and decodeMessage',
    run() {
      for (const kind of MESSAGE_KINDS) {
        const message = exampleMessage(kind);
        const result = decodeMessage(kind, encodeMessageBytes(kind, message));
        if (!result.ok) throw new Error(`${kind}: ${result.errors.join('; ')}`);
        checkEqual(JSON.stringify(result.value), JSON.stringify(message), kind);
      }
    },
  },
  ...rejections.map(([what, kind, mutate, expected]) => ({
    name: `protocol: rejects ${what}`,
    run: () => checkRejected(kind, mutate, expected),
  })),
  {
    name: 'protocol: malformed JSON and non-objects are rejected, not thrown',
    run() {
      for (const kind of MESSAGE_KINDS) {
        const bad = decodeMessage(kind, '{"v":1,');
        check(!bad.ok && bad.errors[0].indexOf('payload is not valid JSON') === 0, `${kind}: malformed JSON`);
        check(!decodeMessage(kind, 'null').ok, `${kind}: null`);
        check(!decodeMessage(kind, '[1]').ok, `${kind}: array`);
        check(!decodeMessage(kind, '{"v":NaN}').ok, `${kind}: NaN`);
      }
    },
  },
  {
    name: 'protocol: the per-kind size limit is exact',
    run() {
      for (const kind of MESSAGE_KINDS) {
        const text = JSON.stringify(exampleMessage(kind));
        const limit = MAX_PAYLOAD_BYTES[kind];
        const pad = (n: number) => `{${' '.repeat(n - text.length)}${text.slice(1)}`;
        check(decodeMessage(kind, utf8Encode(pad(limit))).ok, `${kind}: exactly ${limit} bytes`);
        const over = decodeMessage(kind, utf8Encode(pad(limit + 1)));
        check(!over.ok && over.errors[0].indexOf('exceeds') > 0, `${kind}: ${limit + 1} bytes`);
      }
    },
  },
  {
    name: 'protocol: invalid UTF-8 is rejected before JSON',
    run() {
      const bytes = utf8Encode(JSON.stringify(exampleMessage('telemetry/ack')));
      for (const junk of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
        const broken = new Uint8Array(bytes.length + junk.length);
        broken.set(bytes.subarray(0, bytes.length - 1));
        broken.set(junk, bytes.length - 1);
        broken[broken.length - 1] = 0x7d;
        const result = decodeMessage('telemetry/ack', broken);
        check(!result.ok && result.errors[0] === 'payload is not valid UTF-8', `junk ${junk.join(',')}`);
      }
    },
  },
  {
    name: 'protocol: encodeMessage throws on NaN, unknown fields and bad circuits',
    run() {
      const telemetry = exampleMessage('telemetry');
      telemetry.circuits[0].power_w = NaN;
      checkThrows(() => encodeMessage('telemetry', telemetry), /\$\.circuits\[0\]\.power_w: expected a finite number, got NaN/);
      checkThrows(() => encodeMessage('heartbeat', { ...exampleMessage('heartbeat'), extra: 1 } as any), /unknown field "extra"/);
      checkThrows(() => encodeMessage('cmd', { ...exampleMessage('cmd'), circuit: 0 } as any), /\$\.circuit: 0 is below the minimum 1/);
    },
  },
  {
    name: 'protocol: prototype property names are unknown fields',
    run() {
      const text = `{"constructor":1,${JSON.stringify(exampleMessage('heartbeat')).slice(1)}`;
      const result = decodeMessage('heartbeat', text);
      check(!result.ok && result.errors[0] === '$: unknown field "constructor"', 'constructor accepted');
    },
  },
  {
    name: 'protocol: utf8 round-trips emoji and rejects overlong and truncated input',
    run() {
      const text = 'Küche 🔌 €0,25 𝄞';
      checkEqual(utf8Decode(utf8Encode(text)), text, 'round trip');
      checkEqual(utf8Encode('😀').length, 4, 'emoji bytes');
      checkEqual(utf8Decode(Uint8Array.from([0xc0, 0x80])), undefined, 'overlong NUL');
      checkEqual(utf8Decode(Uint8Array.from([0xf0, 0x9f, 0x98])), undefined, 'truncated emoji');
      checkEqual(utf8Decode(Uint8Array.from([0xf4, 0x90, 0x80, 0x80])), undefined, 'above U+10FFFF');
    },
  },
  {
    // XS takes its native ArrayBuffer.fromString / String.fromArrayBuffer for ASCII (utf8.ts).
    name: 'protocol: utf8 of ASCII text, whole buffers and views, as the loops give it',
    run() {
      const json = JSON.stringify(exampleMessage('telemetry'));
      const bytes = utf8Encode(json);
      checkEqual(bytes.length, json.length, 'one byte per ASCII character');
      checkEqual(Array.from(utf8Encode('AZ{}')).join(','), '65,90,123,125', 'ASCII bytes');
      checkEqual(utf8Decode(bytes), json, 'round trip');
      checkEqual(utf8Decode(bytes.subarray(1, 5)), json.slice(1, 5), 'a view into a larger buffer');
      checkEqual(utf8Decode(new Uint8Array(0)), '', 'empty');
      checkEqual(utf8ByteLength(json), json.length, 'byte length of ASCII');
      checkEqual(utf8ByteLength('a€'), 4, 'byte length of non-ASCII');
    },
  },
  {
    name: 'protocol: topics round-trip and refuse wildcard or reserved ids',
    run() {
      for (const kind of DEVICE_TOPIC_KINDS) {
        const parsed = parseDeviceTopic(deviceTopic('meter-01', kind));
        check(parsed !== undefined && parsed.deviceId === 'meter-01' && parsed.kind === kind, kind);
      }
      for (const id of ['a/b', 'a+b', 'a#', 'a b', 'backend', '']) {
        checkThrows(() => deviceTopic(id, 'cmd'), /invalid device id/, JSON.stringify(id));
      }
      for (const topic of ['dinmeter/backend/heartbeat', 'dinmeter/m1/nope', 'other/m1/status', 'dinmeter/+/status']) {
        checkEqual(parseDeviceTopic(topic), undefined, topic);
      }
    },
  },
  {
    name: 'protocol: a command expires field in ms keeps its value exactly',
    run() {
      const command = { ...exampleMessage('cmd'), expires: EXAMPLE_TS + 123 };
      const result = decodeMessage('cmd', encodeMessage('cmd', command));
      check(result.ok && result.value.expires === EXAMPLE_TS + 123, 'expires changed');
    },
  },
];

export default tests;
