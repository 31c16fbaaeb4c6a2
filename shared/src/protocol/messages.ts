/**
 * Payload types and their runtime schemas, one per topic kind (see docs/protocol.md).
 * Every payload carries `v`, the protocol version. Timestamps are milliseconds since the Unix epoch (UTC).
 */
import { FIRMWARE_MAX_BYTES, FIRMWARE_SIGNATURE_HEX_PATTERN, FIRMWARE_VERSION_PATTERN, SHA256_HEX_PATTERN } from '../firmware/firmware-manifest';
import { CIRCUIT_COUNT, CIRCUIT_METRICS, OptionalMetricField, RequiredMetricField } from './metrics';
import { arr, bool, int, literal, num, obj, optional, refine, Schema, str, tagged } from './schema';
import { TIMESTAMP_MAX_MS, TIMESTAMP_MIN_MS } from './time';

export const PROTOCOL_VERSION = 1;

const version = literal(PROTOCOL_VERSION);
export const circuitNumber = int({ min: 1, max: CIRCUIT_COUNT });
const seq = int({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** 2000-01-01 .. 2100-01-01: rejects seconds-instead-of-milliseconds and garbage clocks. */
export const timestampMs = int({ min: TIMESTAMP_MIN_MS, max: TIMESTAMP_MAX_MS });
const commandId = str({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9_.:-]+$/ });
const shortText = str({ maxLength: 200 });

/**
 * The shortest `failsafe.afterSeconds` a meter honours; a `config` command with a shorter one is
 * refused with `failsafe_too_short` (the REST API refuses it with 400 before it is sent). The backend
 * heartbeats at least HEARTBEATS_PER_FAILSAFE times within the shortest failsafe on any meter, so
 * a 5 s failsafe gets a heartbeat every 1.67 s: one may be lost and the next be late by most of a
 * period without a false failsafe. Shorter than that, one lost heartbeat or a broker reconnect
 * (1 s retry, plus the re-subscription) would switch loads off a healthy backend.
 */
export const MIN_FAILSAFE_AFTER_S = 5;
export const MAX_FAILSAFE_AFTER_S = 7 * 86400;
export const HEARTBEATS_PER_FAILSAFE = 3;

// ---- telemetry -------------------------------------------------------------------------------

/** One circuit's values of a record: a number per CIRCUIT_METRICS field (metrics.ts), optional ones may be absent. */
export interface CircuitReading extends Record<RequiredMetricField, number>, Partial<Record<OptionalMetricField, number>> {
  circuit: number;
}

const readingShape: Record<string, Schema<unknown>> = { circuit: circuitNumber };
for (const metric of CIRCUIT_METRICS) {
  const field = num({ min: metric.min, max: metric.max });
  readingShape[metric.field] = 'optional' in metric && metric.optional ? optional(field) : field;
}
export const circuitReadingSchema = obj(readingShape) as unknown as Schema<CircuitReading>;

export interface TelemetryMessage {
  v: typeof PROTOCOL_VERSION;
  /** Per-device record sequence number, increasing by one per record, never reused. */
  seq: number;
  /** The record's own time (ms). Replayed records keep it. */
  ts: number;
  interval_s: number;
  /** Highest seq the device has had acknowledged (0 before the first ack): the backend's baseline after its own restart. */
  acked_seq: number;
  /**
   * Present when the device merged records merged_from_seq..seq into this coarser one while its
   * flash filled up during an outage: energy counters are exact at `seq`, readings are means.
   */
  merged_from_seq?: number;
  circuits: CircuitReading[];
}

export const telemetrySchema: Schema<TelemetryMessage> = refine(
  obj({
    v: version,
    seq: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    ts: timestampMs,
    interval_s: num({ min: 0.1, max: 86400 * 31 }),
    acked_seq: seq,
    merged_from_seq: optional(int({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    circuits: arr(circuitReadingSchema, { minItems: 1, maxItems: CIRCUIT_COUNT }),
  }),
  (m) => {
    const seen = new Set<number>();
    for (const c of m.circuits) {
      if (seen.has(c.circuit)) return `circuit ${c.circuit} appears twice`;
      seen.add(c.circuit);
    }
    if (m.acked_seq >= m.seq) return `acked_seq ${m.acked_seq} must be below seq ${m.seq}`;
    if (m.merged_from_seq !== undefined && m.merged_from_seq > m.seq) return `merged_from_seq ${m.merged_from_seq} must not be above seq ${m.seq}`;
    return undefined;
  },
) as Schema<TelemetryMessage>;

/** A record as the device stores it, before delivery adds v, seq and acked_seq. */
export type TelemetryRecord = Omit<TelemetryMessage, 'v' | 'seq' | 'acked_seq'>;
/** A stored record with its seq, as the flash log returns it. */
export type SequencedRecord = Omit<TelemetryMessage, 'acked_seq'>;

export interface TelemetryAckMessage {
  v: typeof PROTOCOL_VERSION;
  /** Every record with seq <= upto_seq is durably stored: the device may drop it from flash. */
  upto_seq: number;
}
export const telemetryAckSchema: Schema<TelemetryAckMessage> = obj({ v: version, upto_seq: seq });

// ---- status ----------------------------------------------------------------------------------

export type ChipHealth = 'ok' | 'warning' | 'failed';
export interface CircuitHealth {
  circuit: number;
  state: ChipHealth;
  fault?: string;
}

export interface StatusMessage {
  v: typeof PROTOCOL_VERSION;
  online: boolean;
  firmware?: string;
  boot_id?: string;
  boot_ts?: number;
  ts?: number;
  circuits?: number;
  health?: CircuitHealth[];
  /**
   * The shortest failsafe.afterSeconds configured on this meter, published again when it changes:
   * every backend instance heartbeats often enough for it, also one that did not configure it.
   */
  failsafe_min_s?: number;
  /** The firmware update in progress or last finished (docs/ota.md). */
  ota?: OtaStatus;
}

/**
 * OTA states (docs/ota.md): `downloading` → `rebooting` → (new image) `pending` → `confirmed`,
 * or `failed` (refused or broken off: the old image keeps running) or `rolled_back` (the new image
 * did not reach the backend in time and the previous one booted again).
 */
export const OTA_STATES = ['downloading', 'rebooting', 'pending', 'confirmed', 'failed', 'rolled_back'] as const;
export type OtaState = (typeof OTA_STATES)[number];
export interface OtaStatus {
  state: OtaState;
  /** The version being installed, installed or refused. */
  version: string;
  /** Bytes of the image in the slot so far, and its size. */
  bytes?: number;
  size?: number;
  error?: string;
}
const firmwareVersion = str({ pattern: FIRMWARE_VERSION_PATTERN });
const firmwareSize = int({ min: 1, max: FIRMWARE_MAX_BYTES });
export const otaStatusSchema: Schema<OtaStatus> = obj({
  state: literal(...OTA_STATES),
  version: firmwareVersion,
  bytes: optional(int({ min: 0, max: FIRMWARE_MAX_BYTES })),
  size: optional(firmwareSize),
  error: optional(shortText),
});

export const statusSchema: Schema<StatusMessage> = obj({
  v: version,
  online: bool(),
  firmware: optional(shortText),
  boot_id: optional(str({ maxLength: 64 })),
  boot_ts: optional(timestampMs),
  ts: optional(timestampMs),
  circuits: optional(int({ min: 1, max: CIRCUIT_COUNT })),
  health: optional(
    arr(obj({ circuit: circuitNumber, state: literal('ok', 'warning', 'failed'), fault: optional(shortText) }), {
      maxItems: CIRCUIT_COUNT,
    }),
  ),
  failsafe_min_s: optional(int({ min: 1, max: MAX_FAILSAFE_AFTER_S })),
  ota: optional(otaStatusSchema),
});

// ---- events ----------------------------------------------------------------------------------

export const EVENT_TYPES = [
  'relay',
  'protection_trip',
  'protection_reset',
  'step_change',
  'fault',
  'fault_cleared',
  'config',
  'plan',
  'failsafe',
  'boot',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  type: EventType;
  circuit?: number;
  message?: string;
  data?: Record<string, string | number | boolean>;
  /**
   * Per-device event sequence number (1, 2, 3 …, never reused), given by the meter's event log:
   * the event is on the meter's flash until the backend acknowledges it on events/ack. Meters
   * without an event log leave it out (such events are stored but cannot be acknowledged).
   */
  seq?: number;
  /** Highest event seq the meter has had acknowledged: present together with seq. */
  acked_seq?: number;
}
const eventData: Schema<Record<string, string | number | boolean>> = {
  optional: true,
  parse(input, path, errors) {
    if (input === undefined) return undefined;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      errors.push(`${path}: expected an object of plain values`);
      return undefined;
    }
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length > 32) errors.push(`${path}: at most 32 entries`);
    for (const [key, value] of entries) {
      const ok =
        (typeof value === 'string' && value.length <= 200) ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value));
      if (!ok) errors.push(`${path}.${key}: expected a string (≤ 200 chars), a finite number or a boolean`);
    }
    return input as Record<string, string | number | boolean>;
  },
  jsonSchema: () => ({
    type: 'object',
    maxProperties: 32,
    additionalProperties: { oneOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }] },
  }),
};
export const eventSchema: Schema<EventMessage> = refine(
  obj({
    v: version,
    ts: timestampMs,
    type: literal(...EVENT_TYPES),
    circuit: optional(circuitNumber),
    message: optional(shortText),
    data: eventData,
    seq: optional(int({ min: 1, max: Number.MAX_SAFE_INTEGER })),
    acked_seq: optional(seq),
  }),
  (m) => {
    if ((m.seq === undefined) !== (m.acked_seq === undefined)) return 'seq and acked_seq come together';
    if (m.seq !== undefined && m.acked_seq! >= m.seq) return `acked_seq ${m.acked_seq} must be below seq ${m.seq}`;
    return undefined;
  },
) as Schema<EventMessage>;

/** An event as the meter's event log returns it: with its seq, before delivery adds acked_seq. */
export type SequencedEvent = Omit<EventMessage, 'acked_seq'> & { seq: number };

/** Every event with seq <= upto_seq is stored in InfluxDB: the meter may drop it from its event log. */
export type EventsAckMessage = TelemetryAckMessage;
export const eventsAckSchema: Schema<EventsAckMessage> = telemetryAckSchema;

// ---- alerts (backend → integrations) -------------------------------------------------------------

/** What the backend's anomaly detection flags (docs/anomalies.md). */
export const ALERT_KINDS = ['long_runs', 'frequent_runs', 'high_power', 'high_energy', 'never_stops', 'standby_creep', 'missing'] as const;
export type AlertKindName = (typeof ALERT_KINDS)[number];

export interface AlertMessage {
  v: typeof PROTOCOL_VERSION;
  /** Unique per alert (device, circuit, kind, time). */
  id: string;
  /** When the backend raised it. */
  ts: number;
  circuit: number;
  kind: AlertKindName;
  /** ≥ the configured threshold (default 4): a robust z-score or its equivalent. */
  score: number;
  /** The time range the evidence covers. */
  start: number;
  end: number;
  message: string;
  /** The appliance (a1, a2 …) and the name a user gave it; absent for circuit-wide alerts. */
  appliance?: string;
  appliance_name?: string;
  evidence: { metric: string; baseline: number; now: number; limit: number };
}
export const alertSchema: Schema<AlertMessage> = refine(
  obj({
    v: version,
    id: commandId,
    ts: timestampMs,
    circuit: circuitNumber,
    kind: literal(...ALERT_KINDS),
    score: num({ min: 0, max: 1e6 }),
    start: timestampMs,
    end: timestampMs,
    message: str({ maxLength: 300 }),
    appliance: optional(str({ pattern: /^a[0-9]{1,6}$/, maxLength: 8 })),
    appliance_name: optional(str({ minLength: 1, maxLength: 64 })),
    evidence: obj({ metric: str({ pattern: /^[a-z_]{1,32}$/ }), baseline: num(), now: num(), limit: num() }),
  }),
  (a) => (a.end >= a.start ? undefined : `end ${a.end} must not be before start ${a.start}`),
) as Schema<AlertMessage>;

// ---- commands --------------------------------------------------------------------------------

export type RelayState = 'on' | 'off';
export type PowerOnState = 'off' | 'on' | 'restore';
export type FailsafeMode = 'hold' | 'on' | 'off';


export interface CircuitConfig {
  label?: string;
  /** False: this circuit has no relay (relays are an optional module); it is always live. Absent: fitted. */
  relayFitted?: boolean;
  powerOnState?: PowerOnState;
  failsafe?: { mode: FailsafeMode; afterSeconds: number };
  overcurrentA?: number;
  /** How long the current must exceed overcurrentA before the relay trips. */
  overcurrentDelayMs?: number;
  minSwitchIntervalSeconds?: number;
  maxSwitchesPerHour?: number;
}
export const circuitConfigSchema: Schema<CircuitConfig> = obj({
  label: optional(str({ maxLength: 64 })),
  relayFitted: optional(bool()),
  powerOnState: optional(literal('off', 'on', 'restore')),
  // Well-formed from 1 s: whether a meter can honour a short one is its call (`failsafe_too_short`).
  failsafe: optional(obj({ mode: literal('hold', 'on', 'off'), afterSeconds: int({ min: 1, max: MAX_FAILSAFE_AFTER_S }) })),
  overcurrentA: optional(num({ min: 0.1, max: 100 })),
  overcurrentDelayMs: optional(int({ min: 0, max: 600000 })),
  minSwitchIntervalSeconds: optional(int({ min: 0, max: 86400 })),
  maxSwitchesPerHour: optional(int({ min: 1, max: 3600 })),
});

export interface CalibrationParams {
  /** ATM90E26 metering calibration (register values) and CT ratio; see device/drivers/atm90e26. */
  plconst?: number;
  lgain?: number;
  lphi?: number;
  ugain?: number;
  igainL?: number;
  uoffset?: number;
  ioffsetL?: number;
  poffsetL?: number;
  qoffsetL?: number;
  pga?: 1 | 4 | 8 | 16 | 24;
  ctRatio?: number;
  meterConstant?: number;
  /** The CT is clamped the wrong way round: the firmware negates P, Q and PF and swaps import and export energy. */
  ctReversed?: boolean;
}
const u16 = int({ min: 0, max: 0xffff });
export const calibrationSchema: Schema<CalibrationParams> = obj({
  plconst: optional(int({ min: 1, max: 0xffffffff })),
  lgain: optional(u16),
  lphi: optional(u16),
  ugain: optional(u16),
  igainL: optional(u16),
  uoffset: optional(u16),
  ioffsetL: optional(u16),
  poffsetL: optional(u16),
  qoffsetL: optional(u16),
  pga: optional(literal(1, 4, 8, 16, 24)),
  ctRatio: optional(num({ min: 0.001, max: 100000 })),
  meterConstant: optional(num({ min: 1, max: 1e6 })),
  ctReversed: optional(bool()),
});

/** A `firmware` command's order (docs/ota.md): where the image is and what it must be. */
export interface FirmwareOrder {
  version: string;
  /** http(s) URL of the image; the meter fetches it with Range requests, so a broken download resumes. */
  url: string;
  size: number;
  /** SHA-256 of the image, lower-case hex. */
  sha256: string;
  /** Ed25519 signature (lower-case hex) of the manifest over version, size and sha256 (shared/src/firmware). */
  signature: string;
}

interface CommandBase {
  v: typeof PROTOCOL_VERSION;
  id: string;
  /** Per-device, strictly increasing: a command whose seq is not above the last applied one is refused. */
  seq: number;
  /** Absolute expiry (ms). An expired command is never applied. */
  expires: number;
}
export type Command =
  | (CommandBase & { op: 'relay'; circuit: number; state: RelayState })
  | (CommandBase & { op: 'reset_trip'; circuit: number })
  | (CommandBase & { op: 'config'; circuit: number; config: CircuitConfig })
  | (CommandBase & { op: 'calibrate'; circuit: number; calibration: CalibrationParams })
  | (CommandBase & { op: 'ping' })
  | (CommandBase & { op: 'firmware' } & FirmwareOrder);
export type CommandOp = Command['op'];

const base = { v: version, id: commandId, seq: int({ min: 1, max: Number.MAX_SAFE_INTEGER }), expires: timestampMs };
export const commandSchema: Schema<Command> = tagged('op', {
  relay: obj({ ...base, op: literal('relay'), circuit: circuitNumber, state: literal('on', 'off') }),
  reset_trip: obj({ ...base, op: literal('reset_trip'), circuit: circuitNumber }),
  config: obj({ ...base, op: literal('config'), circuit: circuitNumber, config: circuitConfigSchema }),
  calibrate: obj({ ...base, op: literal('calibrate'), circuit: circuitNumber, calibration: calibrationSchema }),
  ping: obj({ ...base, op: literal('ping') }),
  firmware: obj({
    ...base,
    op: literal('firmware'),
    version: firmwareVersion,
    url: str({ maxLength: 512, pattern: /^https?:\/\/[^\s]+$/ }),
    size: firmwareSize,
    sha256: str({ pattern: SHA256_HEX_PATTERN }),
    signature: str({ pattern: FIRMWARE_SIGNATURE_HEX_PATTERN }),
  }),
}) as Schema<Command>;

/**
 * Machine-readable reasons of a refused command (`cmd/ack` `code`), see docs/relay-safety.md:
 * - `invalid`: fails validation, or names a circuit the meter does not have
 * - `no_time`: the meter has no wall time yet, so the expiry cannot be checked
 * - `expired`: `expires` is in the past
 * - `stale_seq`: `seq` is not above the last applied one
 * - `tripped`: switching on a circuit latched by overcurrent protection
 * - `rate_limited`: the switching would break the relay wear limits
 * - `failsafe_too_short`: `failsafe.afterSeconds` below MIN_FAILSAFE_AFTER_S
 * - `calibration_failed`: the metering chip refused the calibration
 * - `unsupported`: the meter cannot do this operation
 * - `no_relay`: the circuit has no relay fitted (config `relayFitted: false`)
 * - `unauthenticated`: no valid MAC with the meter's command key (docs/security.md "Signed commands");
 *   nothing was checked or changed beyond that
 */
export const COMMAND_ACK_CODES = [
  'invalid',
  'no_time',
  'expired',
  'stale_seq',
  'tripped',
  'rate_limited',
  'failsafe_too_short',
  'calibration_failed',
  'unsupported',
  'no_relay',
  'unauthenticated',
] as const;
export type CommandAckCode = (typeof COMMAND_ACK_CODES)[number];

export interface CommandAckMessage {
  v: typeof PROTOCOL_VERSION;
  id: string;
  ok: boolean;
  /** Machine-readable reason when ok is false: one of COMMAND_ACK_CODES (a newer meter may add codes). */
  code?: string;
  error?: string;
  ts?: number;
  circuit?: number;
  /** The relay's actual state after the command. */
  state?: RelayState;
}
export const commandAckSchema: Schema<CommandAckMessage> = obj({
  v: version,
  id: str({ minLength: 1, maxLength: 64 }),
  ok: bool(),
  code: optional(str({ maxLength: 32 })),
  error: optional(str({ maxLength: 500 })),
  ts: optional(timestampMs),
  circuit: optional(circuitNumber),
  state: optional(literal('on', 'off')),
});

// ---- relays ----------------------------------------------------------------------------------

export const RELAY_REASONS = ['power_on', 'command', 'failsafe', 'protection', 'plan', 'restore'] as const;
export type RelayReason = (typeof RELAY_REASONS)[number];

export interface RelayCircuitState {
  circuit: number;
  state: RelayState;
  reason: RelayReason;
  tripped?: boolean;
  /** false: no relay on this circuit (always live); absent: fitted. */
  relay_fitted?: boolean;
  plan_version?: number;
}
export interface RelaysMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  circuits: RelayCircuitState[];
}
export const relaysSchema: Schema<RelaysMessage> = obj({
  v: version,
  ts: timestampMs,
  circuits: arr(
    obj({
      circuit: circuitNumber,
      state: literal('on', 'off'),
      reason: literal(...RELAY_REASONS),
      tripped: optional(bool()),
      relay_fitted: optional(bool()),
      plan_version: optional(int({ min: 0 })),
    }),
    { minItems: 1, maxItems: CIRCUIT_COUNT },
  ),
});

// ---- plan ------------------------------------------------------------------------------------

export interface PlanInterval {
  start: number;
  end: number;
}
export interface CircuitPlan {
  circuit: number;
  /** The relay is on inside these intervals and off outside them, until valid_until. */
  on: PlanInterval[];
  /** After this instant the circuit falls back to its failsafe. */
  valid_until: number;
}
export interface PlanMessage {
  v: typeof PROTOCOL_VERSION;
  /** Increases with every plan the backend issues for this device. */
  version: number;
  issued: number;
  circuits: CircuitPlan[];
}
const interval = refine(obj({ start: timestampMs, end: timestampMs }), (i) =>
  i.end > i.start ? undefined : `end ${i.end} must be after start ${i.start}`,
);
export const planSchema: Schema<PlanMessage> = refine(
  obj({
    v: version,
    version: int({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    issued: timestampMs,
    circuits: arr(
      refine(obj({ circuit: circuitNumber, on: arr(interval, { maxItems: 96 }), valid_until: timestampMs }), (c) => {
        for (let k = 1; k < c.on.length; k++) {
          if (c.on[k].start < c.on[k - 1].end) return `intervals of circuit ${c.circuit} must be sorted and not overlap`;
        }
        return undefined;
      }),
      { maxItems: CIRCUIT_COUNT },
    ),
  }),
  (p) => {
    const seen = new Set<number>();
    for (const c of p.circuits) {
      if (seen.has(c.circuit)) return `circuit ${c.circuit} appears twice`;
      seen.add(c.circuit);
    }
    return undefined;
  },
) as Schema<PlanMessage>;

// ---- heartbeat -------------------------------------------------------------------------------

export interface HeartbeatMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  /** Seconds between heartbeats, so devices can judge loss. */
  interval_s: number;
  instance?: string;
}
export const heartbeatSchema: Schema<HeartbeatMessage> = obj({
  v: version,
  ts: timestampMs,
  interval_s: num({ min: 0.1, max: 3600 }),
  instance: optional(str({ maxLength: 64 })),
});
