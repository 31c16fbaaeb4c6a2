/**
 * A load generator of many MQTT meters in one process, speaking protocol v1 like the firmware's
 * record log: each meter publishes telemetry (10 circuits × 11 metrics + seq = 12 fields) at QoS 1,
 * keeps at most `window` records unacknowledged, and moves on only when the backend's
 * `telemetry/ack` covers them. Records come either from a backlog (a reconnect storm: everything
 * already recorded, sent as fast as the window allows) or one every `intervalS` (live).
 * No assertions here: the bench and the storm scenario read `stats()`.
 */
import { CIRCUIT_COUNT, CIRCUIT_METRICS, decodeMessage, encodeMessage, openSigned, PROTOCOL_VERSION, TELEMETRY_BATCH_MAX_RECORDS, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';

export interface LoadOptions {
  url: string;
  meters: number;
  /** At most this many records in flight (published, not yet acked) per meter. */
  window: number;
  /** Records each meter has recorded before it connects (its backlog). */
  backlog: number;
  /** Live records: one more every intervalS per meter (0: backlog only). */
  intervalS?: number;
  idPrefix?: string;
  /** Time of the first backlog record (ms); records are interval apart. */
  startTs?: number;
  /** Connect every meter at the same instant (a reconnect storm) instead of 50 at a time. */
  storm?: boolean;
  /** Subscribe to commands and acknowledge each (ok, the relay in the commanded state), like the firmware. */
  answerCommands?: boolean;
  /** Each meter's broker login (rig.deviceLogins: provisioned in one registry write); none: anonymous. */
  logins?: ReadonlyMap<string, { username: string; password: string }>;
  /**
   * Records per `telemetry/batch` message when a meter has several to send (its backlog), like the
   * firmware's replay (docs/protocol.md "Batched replay"); 1: every record alone on `telemetry`.
   */
  batch?: number;
}

interface Meter {
  id: string;
  client: MqttClient;
  /** Next seq to publish; records 1..recorded exist. */
  nextSeq: number;
  recorded: number;
  ackedSeq: number;
  sentAt: Map<number, number>;
  /** When the last ack arrived (or the window opened): what the ack timeout is measured from. */
  progressAt: number;
  /** The wait before the next go-back: doubles per go-back without an ack, like the firmware's. */
  waitMs: number;
}

export interface LoadStats {
  meters: number;
  connected: number;
  recorded: number;
  sent: number;
  acked: number;
  /** Ack latency per record (publish → covering ack), ms. */
  ackLatenciesMs: number[];
  disconnects: number;
  /** Windows sent again after ACK_TIMEOUT_MS without an ack (a broker dropped something). */
  goBacks: number;
}

/**
 * Like the firmware's delivery (device/core/delivery/delivery.ts): no ack for this long → send the
 * unacked records again, and wait twice as long before the next go-back if that brought no ack. The
 * firmware starts at 10 s and stops doubling at 60 s; the load meters start at 30 s (a busy 2-core bench
 * machine acks slower than a LAN backend) and stop at 120 s.
 */
const ACK_TIMEOUT_MS = 30_000;
const MAX_ACK_TIMEOUT_MS = 120_000;

function reading(circuit: number, seq: number): Record<string, number> {
  const values: Record<string, number> = { circuit };
  CIRCUIT_METRICS.forEach(({ field, max }, k) => (values[field] = field === 'pf' ? 0.97 : field === 'freq_hz' ? 50.01 : Math.min(max, 100 + k + seq * 0.5 + circuit)));
  return values;
}

/** A stored record (no acked_seq): what a single message and a batch both carry. */
function record(seq: number, ts: number, intervalS: number) {
  return { v: PROTOCOL_VERSION, seq, ts, interval_s: intervalS, circuits: Array.from({ length: CIRCUIT_COUNT }, (_, c) => reading(c + 1, seq)) };
}

/** Kinds whose first payload went through encodeMessage: the rest are only stringified (cheap beside the backend). */
const validated = new Set<string>();
function encodeCheckedOnce(kind: 'telemetry' | 'telemetry/batch', message: object): string {
  if (validated.has(kind)) return JSON.stringify(message);
  validated.add(kind);
  return encodeMessage(kind, message as never);
}

/** A telemetry record. */
export function telemetryPayload(seq: number, ts: number, ackedSeq: number, intervalS: number): string {
  return encodeCheckedOnce('telemetry', { ...record(seq, ts, intervalS), acked_seq: ackedSeq });
}

/** Up to TELEMETRY_BATCH_MAX_RECORDS stored records in one telemetry/batch message. */
export function telemetryBatchPayload(firstSeq: number, count: number, tsOf: (seq: number) => number, ackedSeq: number, intervalS: number): string {
  const records = Array.from({ length: count }, (_, k) => record(firstSeq + k, tsOf(firstSeq + k), intervalS));
  return encodeCheckedOnce('telemetry/batch', { v: PROTOCOL_VERSION, acked_seq: ackedSeq, records });
}

export class LoadMeters {
  private readonly meters: Meter[] = [];
  private readonly latencies: number[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private live = false;
  private sent = 0;
  private disconnects = 0;
  private goBacks = 0;
  private watchdog?: NodeJS.Timeout;
  private readonly intervalS: number;
  private readonly startTs: number;
  private drained?: () => void;
  /** When each command id reached its meter (performance.now()). */
  readonly commandsSeen = new Map<string, number>();

  constructor(private readonly options: LoadOptions) {
    this.intervalS = options.intervalS || 10;
    this.startTs = options.startTs ?? Date.now() - options.backlog * this.intervalS * 1000;
  }

  get ids(): string[] {
    return this.meters.map((m) => m.id);
  }

  /** The meters' ids, before connect() too (to provision them). */
  static idsFor(options: Pick<LoadOptions, 'meters' | 'idPrefix'>): string[] {
    const prefix = options.idPrefix ?? 'load';
    return Array.from({ length: options.meters }, (_, k) => `${prefix}-${k + 1}`);
  }

  /** Connects every meter (each subscribes to its ack topic and publishes its retained status). */
  async connect(): Promise<void> {
    const ids = LoadMeters.idsFor(this.options);
    const batch = this.options.storm ? ids.length : 50;
    for (let i = 0; i < ids.length; i += batch) await Promise.all(ids.slice(i, i + batch).map((id) => this.connectOne(id)));
  }

  private async connectOne(id: string): Promise<void> {
    const client = mqtt.connect(this.options.url, {
      clientId: id,
      ...this.options.logins?.get(id),
      clean: false,
      keepalive: 60,
      reconnectPeriod: 2000,
      connectTimeout: 60_000,
      will: { topic: topics.status(id), payload: Buffer.from(encodeMessage('status', { v: PROTOCOL_VERSION, online: false })), qos: 1, retain: true },
    });
    const meter: Meter = { id, client, nextSeq: 1, recorded: this.options.backlog, ackedSeq: 0, sentAt: new Map(), progressAt: 0, waitMs: ACK_TIMEOUT_MS };
    this.meters.push(meter);
    const cmdTopic = topics.cmd(id);
    client.on('message', (topic, payload) => (topic === cmdTopic ? this.onCommand(meter, payload) : this.onAck(meter, payload)));
    client.on('offline', () => this.disconnects++);
    client.on('error', () => undefined);
    client.on('connect', () => {
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true); // no Nagle wait on the ack: the round trip measures the backend and the broker, not this host TCP stack
      // After a reconnect the unacked records are sent again, like the firmware's log does.
      meter.nextSeq = meter.ackedSeq + 1;
      meter.sentAt.clear();
      meter.waitMs = ACK_TIMEOUT_MS;
      this.pump(meter);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topics.telemetryAck(id), { qos: 1 });
    if (this.options.answerCommands) await client.subscribeAsync(cmdTopic, { qos: 1 });
    await client.publishAsync(topics.status(id), encodeMessage('status', { v: PROTOCOL_VERSION, online: true, firmware: 'load-1' }), { qos: 1, retain: true });
  }

  /** Starts publishing; resolves when every record recorded so far (and `liveS` seconds of live ones) is acked. */
  async run(liveS = 0): Promise<void> {
    this.running = true;
    this.watchdog = setInterval(() => this.goBackWhereStalled(), 1000);
    if (this.options.intervalS) {
      const tickMs = 100;
      const perTick = (this.meters.length * tickMs) / (this.options.intervalS * 1000);
      let due = 0;
      let cursor = 0;
      const stopAt = Date.now() + liveS * 1000;
      this.live = true;
      this.timer = setInterval(() => {
        if (Date.now() >= stopAt) {
          this.live = false;
          return clearInterval(this.timer);
        }
        // Meters record evenly spread over the interval, like a real fleet.
        for (due += perTick; due >= 1; due--) {
          const meter = this.meters[cursor++ % this.meters.length];
          meter.recorded++;
          this.pump(meter);
        }
      }, tickMs);
      await new Promise((resolve) => setTimeout(resolve, liveS * 1000));
      this.live = false;
      clearInterval(this.timer);
    }
    for (const meter of this.meters) this.pump(meter);
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
  }

  private pump(meter: Meter): void {
    if (!this.running || !meter.client.connected) return;
    const batch = Math.max(1, Math.min(this.options.batch ?? 1, TELEMETRY_BATCH_MAX_RECORDS));
    while (meter.nextSeq <= meter.recorded && meter.nextSeq - meter.ackedSeq <= this.options.window) {
      const first = meter.nextSeq;
      const count = Math.min(batch, meter.recorded - first + 1, this.options.window - (first - 1 - meter.ackedSeq));
      const now = performance.now();
      if (meter.sentAt.size === 0) meter.progressAt = now;
      for (let seq = first; seq < first + count; seq++) meter.sentAt.set(seq, now);
      meter.nextSeq += count;
      this.sent += count;
      if (count === 1) meter.client.publish(topics.telemetry(meter.id), telemetryPayload(first, this.tsOf(first), meter.ackedSeq, this.intervalS), { qos: 1 });
      else meter.client.publish(topics.telemetryBatch(meter.id), telemetryBatchPayload(first, count, (seq) => this.tsOf(seq), meter.ackedSeq, this.intervalS), { qos: 1 });
    }
  }

  private tsOf(seq: number): number {
    return this.startTs + (seq - 1) * this.intervalS * 1000;
  }

  private onAck(meter: Meter, payload: Buffer): void {
    const ack = decodeMessage('telemetry/ack', payload);
    if (!ack.ok || ack.value.upto_seq <= meter.ackedSeq) return;
    const now = performance.now();
    meter.progressAt = now;
    meter.waitMs = ACK_TIMEOUT_MS;
    for (let seq = meter.ackedSeq + 1; seq <= ack.value.upto_seq; seq++) {
      const at = meter.sentAt.get(seq);
      if (at !== undefined) this.latencies.push(now - at);
      meter.sentAt.delete(seq);
    }
    meter.ackedSeq = ack.value.upto_seq;
    this.pump(meter);
    this.checkDrained();
  }

  private goBackWhereStalled(): void {
    const now = performance.now();
    for (const meter of this.meters) {
      if (meter.nextSeq - 1 <= meter.ackedSeq || now - meter.progressAt < meter.waitMs) continue;
      this.goBacks++;
      meter.progressAt = now;
      meter.waitMs = Math.min(meter.waitMs * 2, MAX_ACK_TIMEOUT_MS);
      meter.nextSeq = meter.ackedSeq + 1;
      meter.sentAt.clear();
      this.pump(meter);
    }
  }

  /** The command inside its signed envelope; the MAC is not checked (a load meter has no firmware to protect). */
  private onCommand(meter: Meter, payload: Buffer): void {
    const opened = openSigned('cmd', payload);
    if (!opened.ok) return;
    const result = decodeMessage('cmd', opened.body);
    if (!result.ok || result.value.op !== 'relay') return;
    const command = result.value;
    this.commandsSeen.set(command.id, performance.now());
    const ack = encodeMessage('cmd/ack', { v: PROTOCOL_VERSION, id: command.id, ok: true, ts: Date.now(), circuit: command.circuit, state: command.state });
    meter.client.publish(topics.cmdAck(meter.id), ack, { qos: 1 });
  }

  private checkDrained(): void {
    if (!this.drained || this.live) return;
    if (this.meters.every((m) => m.ackedSeq >= m.recorded)) this.drained();
  }

  stats(): LoadStats {
    return {
      meters: this.meters.length,
      connected: this.meters.filter((m) => m.client.connected).length,
      recorded: this.meters.reduce((sum, m) => sum + m.recorded, 0),
      sent: this.sent,
      acked: this.meters.reduce((sum, m) => sum + m.ackedSeq, 0),
      ackLatenciesMs: this.latencies,
      disconnects: this.disconnects,
      goBacks: this.goBacks,
    };
  }

  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    await Promise.all(this.meters.map((m) => m.client.endAsync(true).catch(() => undefined)));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
