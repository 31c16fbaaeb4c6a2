/**
 * In-memory ports for tests of delivery. Portable (runs in XS): no Node APIs.
 * The log keeps the TelemetryLog contract strictly and throws on misuse, so a test fails as soon
 * as Delivery asks it for something the flash log would not allow.
 */
import {
  CircuitReading,
  decodeMessage,
  parseDeviceTopic,
  PROTOCOL_VERSION,
  TelemetryBatchMessage,
  TelemetryMessage,
  TelemetryRecord,
} from '@dinmeter/shared';
import { MqttPort, PublishOptions } from '../ports';
import { TelemetryLog } from './delivery.types';

/** 2023-11-14T22:13:20Z in ms. */
export const TEST_EPOCH_MS = 1_700_000_000_000;

/** A valid record body (what the app appends), one circuit, `ts` in ms. */
export function telemetryRecord(ts: number, powerW = 100): TelemetryRecord {
  const reading: CircuitReading = {
    circuit: 1,
    voltage_v: 230,
    current_a: powerW / 230,
    power_w: powerW,
    reactive_var: 0,
    apparent_va: powerW,
    pf: 1,
    freq_hz: 50,
    energy_import_wh: 1000,
    energy_export_wh: 0,
  };
  return { ts, interval_s: 10, circuits: [reading] };
}

export class MemoryTelemetryLog implements TelemetryLog {
  private records: TelemetryMessage[] = [];
  private acked: number;
  private next: number;
  /** Every ack() call, in order. */
  readonly acks: number[] = [];

  /** `ackedSeq` > 0 models a log that survived a reboot after earlier acks. */
  constructor(ackedSeq = 0) {
    this.acked = ackedSeq;
    this.next = ackedSeq + 1;
  }

  get ackedSeq(): number {
    return this.acked;
  }
  get nextSeq(): number {
    return this.next;
  }
  get pendingCount(): number {
    return this.records.length;
  }

  append(record: TelemetryRecord): number {
    const seq = this.next++;
    this.records.push({ v: PROTOCOL_VERSION, seq, acked_seq: 0, ...record });
    return seq;
  }

  /** Appends `count` records at `startMs`, `stepMs` apart, returning the full messages. */
  appendMany(count: number, startMs = TEST_EPOCH_MS, stepMs = 10_000): TelemetryMessage[] {
    const out: TelemetryMessage[] = [];
    for (let k = 0; k < count; k++) {
      const record = telemetryRecord(startMs + k * stepMs, 100 + k);
      out.push({ v: PROTOCOL_VERSION, seq: this.append(record), acked_seq: 0, ...record });
    }
    return out;
  }

  readFrom(afterSeq: number, max: number): TelemetryMessage[] {
    if (!(max >= 1)) throw new Error(`readFrom: max must be >= 1, got ${max}`);
    const out: TelemetryMessage[] = [];
    for (const record of this.records) {
      if (record.seq > afterSeq) out.push({ ...record, circuits: record.circuits.map((c) => ({ ...c })) });
      if (out.length === max) break;
    }
    return out;
  }

  /**
   * Replaces the held records fromSeq..toSeq by one merged record with toSeq's seq, ts and counters,
   * as the flash log does when it fills up during an outage (storage/README.md "Merging").
   */
  merge(fromSeq: number, toSeq: number): void {
    const inputs = this.records.filter((r) => r.seq >= fromSeq && r.seq <= toSeq);
    if (inputs.length < 2 || inputs[0].seq !== fromSeq || inputs[inputs.length - 1].seq !== toSeq) {
      throw new Error(`merge(${fromSeq}, ${toSeq}): not a run of held records`);
    }
    const last = inputs[inputs.length - 1];
    const merged: TelemetryMessage = { ...last, merged_from_seq: fromSeq, interval_s: inputs.length * last.interval_s };
    this.records = [...this.records.filter((r) => r.seq < fromSeq), merged, ...this.records.filter((r) => r.seq > toSeq)];
  }

  ack(uptoSeq: number): void {
    if (uptoSeq <= this.acked || uptoSeq >= this.next) {
      throw new Error(`ack(${uptoSeq}) outside ${this.acked + 1}..${this.next - 1}`);
    }
    this.acks.push(uptoSeq);
    this.acked = uptoSeq;
    this.records = this.records.filter((r) => r.seq > uptoSeq);
  }

  /** Seqs still held (not yet acknowledged), oldest first. */
  heldSeqs(): number[] {
    return this.records.map((r) => r.seq);
  }
}

/** A published telemetry message, decoded by its topic's kind. */
export type DeliveredMessage =
  | { kind: 'telemetry'; message: TelemetryMessage }
  | { kind: 'telemetry/batch'; message: TelemetryBatchMessage };

export interface PublishedMessage {
  topic: string;
  payload: string;
  options: PublishOptions;
}

/** An MQTT session that records what was handed to it. `accepting = false` models a full buffer. */
export class RecordingMqtt implements MqttPort {
  connected = true;
  accepting = true;
  readonly published: PublishedMessage[] = [];
  readonly subscriptions: { topic: string; qos: 0 | 1 }[] = [];

  publish(topic: string, payload: string, options: PublishOptions): boolean {
    if (!this.connected || !this.accepting) return false;
    this.published.push({ topic, payload, options });
    return true;
  }

  subscribe(topic: string, qos: 0 | 1): void {
    this.subscriptions.push({ topic, qos });
  }

  /** Decodes every published message as telemetry (throwing on an invalid one) and empties the record. */
  takeTelemetry(): TelemetryMessage[] {
    const out = this.published.map(({ payload }) => {
      const result = decodeMessage('telemetry', payload);
      if (!result.ok) throw new Error(`published invalid telemetry: ${result.errors.join('; ')}`);
      return result.value;
    });
    this.published.length = 0;
    return out;
  }

  /** The seqs of `takeTelemetry()`. */
  takeSeqs(): number[] {
    return this.takeTelemetry().map((m) => m.seq);
  }

  /** Decodes every published message as its topic says (telemetry or telemetry/batch, throwing on anything else) and empties the record. */
  takeDelivered(): DeliveredMessage[] {
    const out = this.published.map(({ topic, payload }): DeliveredMessage => {
      const kind = parseDeviceTopic(topic)?.kind;
      if (kind !== 'telemetry' && kind !== 'telemetry/batch') throw new Error(`published on ${topic}, not a telemetry topic`);
      const result = decodeMessage(kind, payload);
      if (!result.ok) throw new Error(`published invalid ${kind}: ${result.errors.join('; ')}`);
      return { kind, message: result.value } as DeliveredMessage;
    });
    this.published.length = 0;
    return out;
  }

  /** What `takeDelivered()` carried, compactly: a plain record as its seq, a batch as the array of its seqs. */
  takeGroups(): (number | number[])[] {
    return this.takeDelivered().map((d) => (d.kind === 'telemetry' ? d.message.seq : d.message.records.map((r) => r.seq)));
  }
}
