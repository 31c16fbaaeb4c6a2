import { encodeMessage, PROTOCOL_VERSION, SequencedRecord, TELEMETRY_BATCH_MAX_RECORDS } from '@dinmeter/shared';
import { MqttPort } from '../ports';
import { SequencedLog } from './delivery.types';

/** What delivery publishes: a log entry with its seq (a merged record also names the first seq it replaces). */
export interface Sequenced {
  seq: number;
  merged_from_seq?: number;
}

export interface DeliveryOptions<R extends Sequenced = SequencedRecord> {
  log: SequencedLog<unknown, R>;
  mqtt: MqttPort;
  /** The device's topic of this kind. */
  topic: string;
  /** The message kind published (its schema validates `{...entry, acked_seq}`); default telemetry. */
  kind?: 'telemetry' | 'events';
  /** Records published but not yet acknowledged, at most (bounded memory and broker load). */
  window?: number;
  /**
   * The log had to drop never-acknowledged records (full after a very long outage, after merging
   * everything it could): they are written off so delivery does not wait for them forever.
   */
  onDropped?: (fromSeq: number, toSeq: number) => void;
  /**
   * No ack progress for this long while records are outstanding: go back and resend. Each go-back
   * that brings no progress doubles the wait, up to `maxAckTimeoutMs`; an ack resets it.
   */
  ackTimeoutMs?: number;
  /** The longest wait between go-backs (default 60 s). */
  maxAckTimeoutMs?: number;
  /**
   * Telemetry only: replay the backlog as `telemetry/batch` messages of up to `maxRecords` records
   * (1..TELEMETRY_BATCH_MAX_RECORDS) on `topic` (docs/protocol.md "Batched replay"). Without it every
   * record goes out on its own.
   */
  batch?: { topic: string; maxRecords: number };
}

/** Records decoded from flash at a time: RAM stays bounded whatever the window. */
const READ_CHUNK = 16;

/** A record in a batch carries no acked_seq of its own (the batch has one): the log's copy may. */
type BatchRecord<R> = Omit<R, 'acked_seq'>;

export interface DeliveryStats {
  published: number;
  resent: number;
  goBacks: number;
  acked: number;
}

/**
 * Store-and-forward delivery (docs/invariants.md invariant 1). Records live in the flash log until the
 * backend acknowledges `upto_seq`; this class only decides what to publish when.
 *
 * Go-back-N: the backlog is replayed oldest-first with at most `window` records outstanding; when
 * acks stop coming (lost message, backend or database down) it rewinds to the oldest unacked
 * record and resends. The MQTT client never retransmits by itself on the ESP32, so this is the
 * retransmission. A new live record is also published at once, ahead of the replay, so dashboards
 * stay current during a long replay; its replayed copy later is a harmless duplicate.
 *
 * The ack timeout backs off (doubles per fruitless go-back, up to 60 s; a new connection starts again at 10 s): when a whole neighbourhood
 * reconnects at once, acks are slow because the backend is busy, and resending every window every 10 s
 * would multiply the very load that makes them slow (docs/protocol.md, "Go-back").
 *
 * With `batch`, the replay goes out as `telemetry/batch` messages (docs/protocol.md "Batched replay"):
 * the backend's cost is per message, so a storm of reconnecting meters drains several times faster.
 * The window, go-back and stats still count records; a lone record and live records stay plain telemetry.
 */
export class Delivery<R extends Sequenced = SequencedRecord> {
  private readonly window: number;
  private readonly ackTimeoutMs: number;
  private readonly maxAckTimeoutMs: number;
  /** Records per replayed message: 1 without `batch`. */
  private readonly batchMax: number;
  /** Records read from flash at a time: a multiple of batchMax, so no chunk ends in a lone record. */
  private readonly readChunk: number;
  /** The wait before the next go-back: ackTimeoutMs, doubled by each go-back without progress. */
  private waitMs: number;
  /** Highest seq published in the current pass. */
  private cursor: number;
  private lastProgressMs = 0;
  /** Time of the last tick(): onAppended has no clock of its own. */
  private lastTickMs = 0;
  readonly stats: DeliveryStats = { published: 0, resent: 0, goBacks: 0, acked: 0 };
  /** Highest seq the replay has published: a replay at or below it is a retransmission. */
  private replayHighWater = 0;

  constructor(private readonly options: DeliveryOptions<R>) {
    this.window = options.window ?? 16;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.maxAckTimeoutMs = Math.max(this.ackTimeoutMs, options.maxAckTimeoutMs ?? 60_000);
    this.waitMs = this.ackTimeoutMs;
    if (!(this.window >= 1)) throw new Error(`window must be >= 1, got ${options.window}`);
    this.batchMax = options.batch?.maxRecords ?? 1;
    if (!(Number.isInteger(this.batchMax) && this.batchMax >= 1 && this.batchMax <= TELEMETRY_BATCH_MAX_RECORDS)) {
      throw new Error(`batch.maxRecords must be an integer in 1..${TELEMETRY_BATCH_MAX_RECORDS}, got ${this.batchMax}`);
    }
    if (options.batch && (options.kind ?? 'telemetry') !== 'telemetry') throw new Error(`batch is for telemetry only, not ${options.kind}`);
    this.readChunk = this.batchMax * Math.max(1, Math.floor(READ_CHUNK / this.batchMax));
    this.cursor = options.log.ackedSeq;
  }

  /** After (re)connecting: everything unacknowledged goes out again, oldest first. */
  onConnect(nowMs: number): void {
    this.cursor = this.options.log.ackedSeq;
    this.lastProgressMs = nowMs;
    this.waitMs = this.ackTimeoutMs;
  }

  onAck(uptoSeq: number, nowMs: number): void {
    const log = this.options.log;
    const upto = Math.min(uptoSeq, log.nextSeq - 1);
    if (upto <= log.ackedSeq) return;
    this.stats.acked += upto - log.ackedSeq;
    log.ack(upto);
    this.lastProgressMs = nowMs;
    this.waitMs = this.ackTimeoutMs;
    if (this.cursor < upto) this.cursor = upto;
  }

  /** A record was just appended: publish it live if connected. */
  onAppended(record: R): void {
    if (!this.options.mqtt.connected) return;
    if (record.seq === this.cursor + 1 && this.cursor - this.options.log.ackedSeq < this.window) {
      // Caught up: this is simply the next record in order, not a copy ahead of a replay.
      if (this.cursor === this.options.log.ackedSeq) this.lastProgressMs = this.lastTickMs;
      if (this.publish(record, true)) this.cursor = record.seq;
      return;
    }
    this.publish(record, false);
  }

  tick(nowMs: number): void {
    const { log, mqtt } = this.options;
    this.lastTickMs = nowMs;
    if (!mqtt.connected) return;
    const outstanding = this.cursor - log.ackedSeq;
    if (outstanding > 0 && nowMs - this.lastProgressMs >= this.waitMs) {
      this.cursor = log.ackedSeq;
      this.lastProgressMs = nowMs;
      this.stats.goBacks++;
      this.waitMs = Math.min(this.waitMs * 2, this.maxAckTimeoutMs);
    }
    const room = this.window - (this.cursor - log.ackedSeq);
    if (room <= 0) return;
    // Nothing was outstanding: the ack timeout counts from this first send.
    if (outstanding <= 0) this.lastProgressMs = nowMs;
    for (let left = room; left > 0; ) {
      const chunk = log.readFrom(this.cursor, Math.min(left, this.readChunk));
      if (chunk.length === 0) return;
      const first = chunk[0].merged_from_seq ?? chunk[0].seq;
      if (this.cursor === log.ackedSeq && first > log.ackedSeq + 1) {
        // Records between the ack point and the oldest one left are gone from flash: acknowledge the hole
        // so acked_seq tells the backend, and report it, instead of waiting for records that cannot come.
        const from = log.ackedSeq + 1;
        log.ack(first - 1);
        this.cursor = first - 1;
        this.options.onDropped?.(from, first - 1);
      }
      for (let start = 0; start < chunk.length; ) {
        const end = this.batchEnd(chunk, start);
        // A refused message leaves the cursor before all of its records: they go again next tick.
        if (!(end - start === 1 ? this.publish(chunk[start], true) : this.publishBatch(chunk.slice(start, end)))) return;
        this.cursor = chunk[end - 1].seq;
        left -= end - start;
        start = end;
      }
    }
  }

  /** Where the message starting at chunk[start] ends: at most batchMax records, none overlapping the one before. */
  private batchEnd(chunk: R[], start: number): number {
    let end = start + 1;
    const limit = Math.min(chunk.length, start + this.batchMax);
    // The batch schema refuses a merged record reaching back into the record before it.
    while (end < limit && (chunk[end].merged_from_seq ?? chunk[end].seq) > chunk[end - 1].seq) end++;
    return end;
  }

  /** Records not yet acknowledged. */
  get backlog(): number {
    return this.options.log.pendingCount;
  }

  private publish(record: R, replay: boolean): boolean {
    const ackedSeq = this.options.log.ackedSeq;
    if (ackedSeq >= record.seq) return true; // acknowledged meanwhile
    const message = { ...record, acked_seq: ackedSeq };
    const ok = this.options.mqtt.publish(this.options.topic, encodeMessage(this.options.kind ?? 'telemetry', message as never), { qos: 1 });
    if (ok) this.count(record, replay);
    return ok;
  }

  /** Replayed records (oldest first, above the ack point, not overlapping) in one telemetry/batch message. */
  private publishBatch(chunk: R[]): boolean {
    const records: BatchRecord<R>[] = chunk.map((record) => {
      const { acked_seq: _stale, ...fields } = record as R & { acked_seq?: number };
      return fields;
    });
    const message = { v: PROTOCOL_VERSION, acked_seq: this.options.log.ackedSeq, records };
    const ok = this.options.mqtt.publish(this.options.batch!.topic, encodeMessage('telemetry/batch', message as never), { qos: 1 });
    if (ok) for (const record of records) this.count(record, true);
    return ok;
  }

  private count(record: { seq: number }, replay: boolean): void {
    this.stats.published++;
    if (replay && record.seq <= this.replayHighWater) this.stats.resent++;
    if (replay && record.seq > this.replayHighWater) this.replayHighWater = record.seq;
  }
}
