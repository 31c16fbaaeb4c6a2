/**
 * One valid message per kind, for tests (jest specs and the portable XS vectors).
 * Each call returns a fresh object, so a test may break a copy without touching the others.
 */
import { MessageByKind, MessageKind } from './codec';
import { CircuitReading } from './messages';

/** 2023-11-14T22:13:20Z in ms. */
export const EXAMPLE_TS = 1_700_000_000_000;

export function exampleReading(circuit = 1): CircuitReading {
  return {
    circuit,
    voltage_v: 230.1,
    current_a: 4.25,
    power_w: 950.5,
    reactive_var: -120.25,
    apparent_va: 978,
    pf: 0.97,
    freq_hz: 50.01,
    energy_import_wh: 123456.5,
    energy_export_wh: 0,
  };
}

export function exampleMessage<K extends MessageKind>(kind: K): MessageByKind[K] {
  return buildExample[kind]() as MessageByKind[K];
}

const buildExample: { [K in MessageKind]: () => MessageByKind[K] } = {
  status: () => ({
    v: 1,
    online: true,
    firmware: '0.1.0',
    boot_id: 'b-42',
    boot_ts: EXAMPLE_TS - 60_000,
    ts: EXAMPLE_TS,
    circuits: 10,
    health: [
      { circuit: 1, state: 'ok' },
      { circuit: 2, state: 'failed', fault: 'checksum CS1 mismatch' },
    ],
    failsafe_min_s: 120,
  }),
  telemetry: () => ({
    v: 1,
    seq: 7,
    ts: EXAMPLE_TS,
    interval_s: 10,
    acked_seq: 5,
    // Circuit 2 with every optional metric, in table order (the order a decoded message has).
    circuits: [exampleReading(1), { ...exampleReading(2), reactive_import_varh: 12, reactive_export_varh: 3, angle_deg: -7.2 }],
  }),
  'telemetry/ack': () => ({ v: 1, upto_seq: 7 }),
  'telemetry/batch': () => ({
    v: 1,
    acked_seq: 5,
    records: [
      { v: 1, seq: 6, ts: EXAMPLE_TS - 10_000, interval_s: 10, circuits: [exampleReading(1), exampleReading(2)] },
      { v: 1, seq: 7, ts: EXAMPLE_TS, interval_s: 10, circuits: [exampleReading(1), exampleReading(2)] },
    ],
  }),
  events: () => ({
    v: 1,
    ts: EXAMPLE_TS,
    type: 'protection_trip',
    circuit: 3,
    message: 'overcurrent 17.2 A > 16 A for 200 ms',
    data: { current_a: 17.2, limit_a: 16, latched: true, source: 'guard' },
    seq: 12,
    acked_seq: 9,
  }),
  'events/ack': () => ({ v: 1, upto_seq: 12 }),
  cmd: () => ({ v: 1, id: 'cmd-1', seq: EXAMPLE_TS, expires: EXAMPLE_TS + 60_000, op: 'relay', circuit: 4, state: 'off' }),
  'cmd/ack': () => ({ v: 1, id: 'cmd-1', ok: true, ts: EXAMPLE_TS, circuit: 4, state: 'off' }),
  relays: () => ({
    v: 1,
    ts: EXAMPLE_TS,
    circuits: [
      { circuit: 1, state: 'on', reason: 'power_on' },
      { circuit: 2, state: 'off', reason: 'protection', tripped: true },
      { circuit: 3, state: 'on', reason: 'plan', plan_version: 4 },
    ],
  }),
  alerts: () => ({
    v: 1,
    id: 'vm-1.4.long_runs.1800000000000',
    ts: EXAMPLE_TS,
    circuit: 4,
    kind: 'long_runs',
    score: 5.2,
    start: EXAMPLE_TS - 3 * 3_600_000,
    end: EXAMPLE_TS,
    message: 'Fridge: runs last 41 min over the last 3 runs, baseline 28 min at this time of day (+46 %)',
    appliance: 'a1',
    appliance_name: 'Fridge',
    evidence: { metric: 'duration_s', baseline: 1680, now: 2460, limit: 2100 },
  }),
  plan: () => ({
    v: 1,
    version: 4,
    issued: EXAMPLE_TS,
    circuits: [
      {
        circuit: 5,
        on: [
          { start: EXAMPLE_TS + 3_600_000, end: EXAMPLE_TS + 7_200_000 },
          { start: EXAMPLE_TS + 7_200_000, end: EXAMPLE_TS + 9_000_000 },
        ],
        valid_until: EXAMPLE_TS + 86_400_000,
      },
      { circuit: 6, on: [], valid_until: EXAMPLE_TS + 86_400_000 },
    ],
  }),
  heartbeat: () => ({ v: 1, ts: EXAMPLE_TS, interval_s: 10, instance: 'backend-a' }),
};

export const MESSAGE_KINDS: readonly MessageKind[] = Object.keys(buildExample) as MessageKind[];
