import { MessageKind, validateMessage } from './codec';
import { circuitConfigSchema, commandSchema, planSchema, telemetrySchema } from './messages';
import { EXAMPLE_TS, exampleMessage, exampleReading } from './protocol.examples';
import { validate } from './schema';

type Mutation = (message: any) => void;

/** [kind, what is wrong, mutation of the valid example, an error expected among those returned]. */
const REJECTIONS: [MessageKind, string, Mutation, string | RegExp][] = [
  // telemetry
  ['telemetry', 'circuit 0', (m) => (m.circuits[0].circuit = 0), '$.circuits[0].circuit: 0 is below the minimum 1'],
  ['telemetry', 'circuit 11', (m) => (m.circuits[1].circuit = 11), '$.circuits[1].circuit: 11 is above the maximum 10'],
  ['telemetry', 'circuit 1.5', (m) => (m.circuits[0].circuit = 1.5), '$.circuits[0].circuit: expected an integer, got 1.5'],
  ['telemetry', 'circuit as a string', (m) => (m.circuits[0].circuit = '1'), '$.circuits[0].circuit: expected a finite number, got "1"'],
  ['telemetry', 'duplicate circuits', (m) => (m.circuits[1].circuit = 1), '$: circuit 1 appears twice'],
  ['telemetry', 'a missing metric', (m) => delete m.circuits[0].voltage_v, '$.circuits[0].voltage_v: is required'],
  ['telemetry', 'an unknown metric', (m) => (m.circuits[0].thd_pct = 3), '$.circuits[0]: unknown field "thd_pct"'],
  ['telemetry', 'pf above 1', (m) => (m.circuits[0].pf = 1.01), '$.circuits[0].pf: 1.01 is above the maximum 1'],
  ['telemetry', 'phase angle beyond 180°', (m) => (m.circuits[1].angle_deg = 180.5), '$.circuits[1].angle_deg: 180.5 is above the maximum 180'],
  ['telemetry', 'negative voltage', (m) => (m.circuits[0].voltage_v = -1), '$.circuits[0].voltage_v: -1 is below the minimum 0'],
  ['telemetry', 'Infinity power', (m) => (m.circuits[0].power_w = Infinity), '$.circuits[0].power_w: expected a finite number, got Infinity'],
  ['telemetry', 'null energy', (m) => (m.circuits[0].energy_import_wh = null), '$.circuits[0].energy_import_wh: expected a finite number, got null'],
  ['telemetry', 'ts in seconds', (m) => (m.ts = 1_700_000_000), '$.ts: 1700000000 is below the minimum 946684800000'],
  ['telemetry', 'ts in microseconds', (m) => (m.ts = EXAMPLE_TS * 1000), /^\$\.ts: .* is above the maximum 4102444800000$/],
  ['telemetry', 'seq 0', (m) => (m.seq = 0), '$.seq: 0 is below the minimum 1'],
  ['telemetry', 'fractional seq', (m) => (m.seq = 7.5), '$.seq: expected an integer, got 7.5'],
  ['telemetry', 'acked_seq equal to seq', (m) => (m.acked_seq = 7), '$: acked_seq 7 must be below seq 7'],
  ['telemetry', 'negative acked_seq', (m) => (m.acked_seq = -1), '$.acked_seq: -1 is below the minimum 0'],
  ['telemetry', 'no circuits', (m) => (m.circuits = []), '$.circuits: needs at least 1 items, has 0'],
  [
    'telemetry',
    'eleven circuits',
    (m) => (m.circuits = Array.from({ length: 11 }, (_, i) => exampleReading((i % 10) + 1))),
    '$.circuits: at most 10 items allowed, has 11',
  ],
  ['telemetry', 'circuits not an array', (m) => (m.circuits = { 1: exampleReading() }), '$.circuits: expected an array, got object'],
  ['telemetry', 'interval 0', (m) => (m.interval_s = 0), '$.interval_s: 0 is below the minimum 0.1'],
  ['telemetry', 'wrong version', (m) => (m.v = 2), '$.v: expected one of 1, got 2'],
  // telemetry/ack
  ['telemetry/ack', 'negative upto_seq', (m) => (m.upto_seq = -1), '$.upto_seq: -1 is below the minimum 0'],
  ['telemetry/ack', 'fractional upto_seq', (m) => (m.upto_seq = 1.5), '$.upto_seq: expected an integer, got 1.5'],
  ['telemetry/ack', 'upto_seq as a string', (m) => (m.upto_seq = '7'), '$.upto_seq: expected a finite number, got "7"'],
  ['telemetry/ack', 'missing upto_seq', (m) => delete m.upto_seq, '$.upto_seq: is required'],
  // telemetry/batch
  ['telemetry/batch', 'no records', (m) => (m.records = []), '$.records: needs at least 1 items, has 0'],
  [
    'telemetry/batch',
    '17 records',
    (m) => (m.records = Array.from({ length: 17 }, (_, i) => ({ ...m.records[0], seq: 6 + i }))),
    '$.records: at most 16 items allowed, has 17',
  ],
  ['telemetry/batch', 'acked_seq not below the first record', (m) => (m.acked_seq = 6), '$: acked_seq 6 must be below the first seq 6'],
  ['telemetry/batch', 'records out of order', (m) => m.records.reverse(), '$: records[1].seq 6 must be above the seq before it (7)'],
  ['telemetry/batch', 'the same record twice', (m) => (m.records[1].seq = 6), '$: records[1].seq 6 must be above the seq before it (6)'],
  ['telemetry/batch', 'a merged record overlapping the one before', (m) => (m.records[1].merged_from_seq = 6), '$: records[1].merged_from_seq 6 overlaps the record before it (seq 6)'],
  ['telemetry/batch', 'a bad reading in a record', (m) => (m.records[1].circuits[0].pf = 2), '$.records[1].circuits[0].pf: 2 is above the maximum 1'],
  ['telemetry/batch', 'duplicate circuits in a record', (m) => (m.records[0].circuits[1].circuit = 1), '$.records[0]: circuit 1 appears twice'],
  ['telemetry/batch', 'acked_seq inside a record', (m) => (m.records[0].acked_seq = 5), '$.records[0]: unknown field "acked_seq"'],
  ['telemetry/batch', 'records not an array', (m) => (m.records = m.records[0]), '$.records: expected an array, got object'],
  // status
  ['status', 'missing online', (m) => delete m.online, '$.online: is required'],
  ['status', 'online as a string', (m) => (m.online = 'true'), '$.online: expected true or false, got "true"'],
  ['status', 'unknown health state', (m) => (m.health[0].state = 'bad'), '$.health[0].state: expected one of "ok", "warning", "failed", got "bad"'],
  ['status', 'health for circuit 11', (m) => (m.health[0].circuit = 11), '$.health[0].circuit: 11 is above the maximum 10'],
  ['status', 'boot_ts in seconds', (m) => (m.boot_ts = 1_700_000_000), '$.boot_ts: 1700000000 is below the minimum 946684800000'],
  ['status', 'circuits 0', (m) => (m.circuits = 0), '$.circuits: 0 is below the minimum 1'],
  ['status', 'a firmware string too long', (m) => (m.firmware = 'x'.repeat(201)), '$.firmware: longer than 200 characters'],
  // events
  ['events', 'unknown type', (m) => (m.type = 'explosion'), /^\$\.type: expected one of "relay", .*, got "explosion"$/],
  ['events', 'circuit 11', (m) => (m.circuit = 11), '$.circuit: 11 is above the maximum 10'],
  ['events', 'nested data', (m) => (m.data.nested = { a: 1 }), '$.data.nested: expected a string (≤ 200 chars), a finite number or a boolean'],
  ['events', 'NaN in data', (m) => (m.data.bad = NaN), '$.data.bad: expected a string (≤ 200 chars), a finite number or a boolean'],
  ['events', 'data an array', (m) => (m.data = [1]), '$.data: expected an object of plain values'],
  [
    'events',
    '33 data entries',
    (m) => (m.data = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))),
    '$.data: at most 32 entries',
  ],
  ['events', 'ts in seconds', (m) => (m.ts = 1_700_000_000), '$.ts: 1700000000 is below the minimum 946684800000'],
  ['events', 'seq without acked_seq', (m) => delete m.acked_seq, '$: seq and acked_seq come together'],
  ['events', 'acked_seq at seq', (m) => (m.acked_seq = m.seq), '$: acked_seq 12 must be below seq 12'],
  ['events', 'seq 0', (m) => (m.seq = 0), '$.seq: 0 is below the minimum 1'],
  // events/ack
  ['events/ack', 'missing upto_seq', (m) => delete m.upto_seq, '$.upto_seq: is required'],
  // cmd: fields common to every op
  ['cmd', 'unknown op', (m) => (m.op = 'toggle'), '$.op: expected one of "relay", "reset_trip", "config", "calibrate", "ping", "firmware", got "toggle"'],
  ['cmd', 'missing op', (m) => delete m.op, /^\$\.op: expected one of .*, got undefined$/],
  ['cmd', 'an id with a space', (m) => (m.id = 'cmd 1'), /^\$\.id: "cmd 1" does not match/],
  ['cmd', 'an id with a slash', (m) => (m.id = 'a/b'), /^\$\.id: "a\/b" does not match/],
  ['cmd', 'an empty id', (m) => (m.id = ''), '$.id: must not be shorter than 1 characters'],
  ['cmd', 'seq 0', (m) => (m.seq = 0), '$.seq: 0 is below the minimum 1'],
  ['cmd', 'expires in seconds', (m) => (m.expires = 1_700_000_060), '$.expires: 1700000060 is below the minimum 946684800000'],
  ['cmd', 'missing expires', (m) => delete m.expires, '$.expires: is required'],
  // cmd: relay
  ['cmd', 'relay without state', (m) => delete m.state, '$.state: is required'],
  ['cmd', 'relay state "toggle"', (m) => (m.state = 'toggle'), '$.state: expected one of "on", "off", got "toggle"'],
  ['cmd', 'relay state as boolean', (m) => (m.state = true), '$.state: expected one of "on", "off", got true'],
  ['cmd', 'relay on circuit 0', (m) => (m.circuit = 0), '$.circuit: 0 is below the minimum 1'],
  ['cmd', 'relay on circuit 1.5', (m) => (m.circuit = 1.5), '$.circuit: expected an integer, got 1.5'],
  ['cmd', 'relay without circuit', (m) => delete m.circuit, '$.circuit: is required'],
  ['cmd', 'relay with a config', (m) => (m.config = {}), '$: unknown field "config"'],
  // cmd: other ops, each with only its own fields
  ['cmd', 'reset_trip with a state', (m) => (m.op = 'reset_trip'), '$: unknown field "state"'],
  ['cmd', 'reset_trip without circuit', (m) => ((m.op = 'reset_trip'), delete m.state, delete m.circuit), '$.circuit: is required'],
  ['cmd', 'ping with a circuit', (m) => ((m.op = 'ping'), delete m.state), '$: unknown field "circuit"'],
  ['cmd', 'config without config', (m) => ((m.op = 'config'), delete m.state), '$.config: is required'],
  [
    'cmd',
    'config with an unknown setting',
    (m) => ((m.op = 'config'), delete m.state, (m.config = { colour: 'red' })),
    '$.config: unknown field "colour"',
  ],
  [
    'cmd',
    'config with a failsafe of no time at all',
    (m) => ((m.op = 'config'), delete m.state, (m.config = { failsafe: { mode: 'off', afterSeconds: 0 } })),
    '$.config.failsafe.afterSeconds: 0 is below the minimum 1',
  ],
  [
    'cmd',
    'config with an unknown failsafe mode',
    (m) => ((m.op = 'config'), delete m.state, (m.config = { failsafe: { mode: 'toggle', afterSeconds: 60 } })),
    '$.config.failsafe.mode: expected one of "hold", "on", "off", got "toggle"',
  ],
  [
    'cmd',
    'config with overcurrent 0 A',
    (m) => ((m.op = 'config'), delete m.state, (m.config = { overcurrentA: 0 })),
    '$.config.overcurrentA: 0 is below the minimum 0.1',
  ],
  ['cmd', 'calibrate without calibration', (m) => ((m.op = 'calibrate'), delete m.state), '$.calibration: is required'],
  [
    'cmd',
    'calibrate with pga 2',
    (m) => ((m.op = 'calibrate'), delete m.state, (m.calibration = { pga: 2 })),
    '$.calibration.pga: expected one of 1, 4, 8, 16, 24, got 2',
  ],
  [
    'cmd',
    'calibrate with a register above 16 bits',
    (m) => ((m.op = 'calibrate'), delete m.state, (m.calibration = { ugain: 0x10000 })),
    '$.calibration.ugain: 65536 is above the maximum 65535',
  ],
  [
    'cmd',
    'calibrate with a config',
    (m) => ((m.op = 'calibrate'), delete m.state, (m.calibration = {}), (m.config = {})),
    '$: unknown field "config"',
  ],
  // cmd/ack
  ['cmd/ack', 'ok as a string', (m) => (m.ok = 'yes'), '$.ok: expected true or false, got "yes"'],
  ['cmd/ack', 'missing id', (m) => delete m.id, '$.id: is required'],
  ['cmd/ack', 'circuit 0', (m) => (m.circuit = 0), '$.circuit: 0 is below the minimum 1'],
  ['cmd/ack', 'state "maybe"', (m) => (m.state = 'maybe'), '$.state: expected one of "on", "off", got "maybe"'],
  ['cmd/ack', 'a too long error', (m) => (m.error = 'x'.repeat(501)), '$.error: longer than 500 characters'],
  // relays
  ['relays', 'unknown reason', (m) => (m.circuits[0].reason = 'magic'), /^\$\.circuits\[0\]\.reason: expected one of .*, got "magic"$/],
  ['relays', 'no circuits', (m) => (m.circuits = []), '$.circuits: needs at least 1 items, has 0'],
  ['relays', 'tripped as a string', (m) => (m.circuits[1].tripped = 'true'), '$.circuits[1].tripped: expected true or false, got "true"'],
  ['relays', 'circuit 11', (m) => (m.circuits[2].circuit = 11), '$.circuits[2].circuit: 11 is above the maximum 10'],
  ['relays', 'fractional plan_version', (m) => (m.circuits[2].plan_version = 1.5), '$.circuits[2].plan_version: expected an integer, got 1.5'],
  // plan
  [
    'plan',
    'overlapping intervals',
    (m) => (m.circuits[0].on[1].start = m.circuits[0].on[0].end - 1),
    '$.circuits[0]: intervals of circuit 5 must be sorted and not overlap',
  ],
  ['plan', 'unsorted intervals', (m) => m.circuits[0].on.reverse(), '$.circuits[0]: intervals of circuit 5 must be sorted and not overlap'],
  [
    'plan',
    'end equal to start',
    (m) => (m.circuits[0].on[0].end = m.circuits[0].on[0].start),
    `$.circuits[0].on[0]: end ${EXAMPLE_TS + 3_600_000} must be after start ${EXAMPLE_TS + 3_600_000}`,
  ],
  [
    'plan',
    'end before start',
    (m) => (m.circuits[0].on[1].end = m.circuits[0].on[1].start - 1000),
    /^\$\.circuits\[0\]\.on\[1\]: end \d+ must be after start \d+$/,
  ],
  ['plan', 'duplicate circuits', (m) => (m.circuits[1].circuit = 5), '$: circuit 5 appears twice'],
  ['plan', 'circuit 11', (m) => (m.circuits[1].circuit = 11), '$.circuits[1].circuit: 11 is above the maximum 10'],
  ['plan', 'version 0', (m) => (m.version = 0), '$.version: 0 is below the minimum 1'],
  ['plan', 'interval start in seconds', (m) => (m.circuits[0].on[0].start = 1_700_003_600), '$.circuits[0].on[0].start: 1700003600 is below the minimum 946684800000'],
  ['plan', 'missing valid_until', (m) => delete m.circuits[0].valid_until, '$.circuits[0].valid_until: is required'],
  [
    'plan',
    '97 intervals on one circuit',
    (m) => (m.circuits[1].on = Array.from({ length: 97 }, (_, k) => ({ start: EXAMPLE_TS + k * 2000, end: EXAMPLE_TS + k * 2000 + 1000 }))),
    '$.circuits[1].on: at most 96 items allowed, has 97',
  ],
  // heartbeat
  ['heartbeat', 'interval 0', (m) => (m.interval_s = 0), '$.interval_s: 0 is below the minimum 0.1'],
  ['heartbeat', 'interval above an hour', (m) => (m.interval_s = 3601), '$.interval_s: 3601 is above the maximum 3600'],
  ['heartbeat', 'ts as an ISO string', (m) => (m.ts = '2023-11-14T22:13:20Z'), '$.ts: expected a finite number, got "2023-11-14T22:13:20Z"'],
];

describe('message schemas', () => {
  it.each(REJECTIONS)('should reject %s with %s', (kind, _what, mutate, expected) => {
    const message = exampleMessage(kind);
    mutate(message);

    const result = validateMessage(kind, message);

    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    if (typeof expected === 'string') expect(errors).toContain(expected);
    else expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('should accept a reading with only the required metrics (e.g. from a meter older than angle_deg)', () => {
    const message = { ...exampleMessage('telemetry'), circuits: [exampleReading(10)] };

    expect(validate(telemetrySchema, message).ok).toBe(true);
  });

  it('should require acked_seq (a restarted backend must never guess the baseline) and accept 0', () => {
    const without: Record<string, unknown> = { ...exampleMessage('telemetry') };
    delete without.acked_seq;

    expect(validate(telemetrySchema, without)).toEqual({ ok: false, errors: ['$.acked_seq: is required'] });
    expect(validate(telemetrySchema, { ...without, acked_seq: 0 }).ok).toBe(true);
  });

  it('should accept adjacent plan intervals (end of one = start of the next) and an empty plan', () => {
    const plan = exampleMessage('plan');
    expect(plan.circuits[0].on[0].end).toBe(plan.circuits[0].on[1].start);

    expect(validate(planSchema, plan).ok).toBe(true);
    expect(validate(planSchema, { ...plan, circuits: [] }).ok).toBe(true);
  });

  it('should accept every command op with its own fields', () => {
    const base = { v: 1, id: 'op-test', seq: EXAMPLE_TS, expires: EXAMPLE_TS + 1000 };
    const commands = [
      { ...base, op: 'relay', circuit: 1, state: 'on' },
      { ...base, op: 'reset_trip', circuit: 2 },
      {
        ...base,
        op: 'config',
        circuit: 3,
        config: {
          label: 'Kitchen',
          powerOnState: 'restore',
          failsafe: { mode: 'hold', afterSeconds: 300 },
          overcurrentA: 16,
          overcurrentDelayMs: 200,
          minSwitchIntervalSeconds: 60,
          maxSwitchesPerHour: 6,
        },
      },
      { ...base, op: 'calibrate', circuit: 4, calibration: { plconst: 0x2c56d6, lgain: 0x1d39, ugain: 0x6810, igainL: 0x7530, pga: 1, ctRatio: 2000 } },
      { ...base, op: 'ping' },
    ];

    for (const command of commands) expect(validate(commandSchema, command)).toEqual({ ok: true, value: command });
  });

  it('should accept an empty circuit config (nothing to change)', () => {
    expect(validate(circuitConfigSchema, {}).ok).toBe(true);
  });
});
