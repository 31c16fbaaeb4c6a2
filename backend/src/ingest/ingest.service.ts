import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { CIRCUIT_METRIC_FIELDS, decodeMessage, encodeMessage, PROTOCOL_VERSION, TelemetryMessage, topics } from '@dinmeter/shared';
import { Counters } from '../common/counters';
import { POINT_WRITER } from '../common/tokens';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { RetentionService } from '../storage/retention.service';
import { CircuitPoint, InfluxWriteError, TelemetryStore } from '../storage/storage.types';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.service';
import { IngestPeers } from './ingest-peers';
import { SequenceTracker } from './sequence-tracker';
import { TelemetryFeed } from './telemetry-feed';

/**
 * With a shared subscription a record can reach this instance before the notice that another stored
 * the one before it, so a hole seen here may be no hole at all: it counts as a gap only if it is still
 * open this long after (the peers' notices follow their InfluxDB writes within milliseconds normally).
 */
export const SHARED_GAP_CONFIRM_MS = 5000;

/** What ingest needs from storage: a write that resolves only once InfluxDB accepted the points. */
export type CircuitPointWriter = Pick<TelemetryStore, 'writeCircuitPoints'>;

/** One InfluxDB point per circuit: measurement `circuit`, tags device + circuit, the record's own ts. */
export function telemetryToPoints(device: string, message: TelemetryMessage): CircuitPoint[] {
  return message.circuits.map((reading) => {
    const fields: Record<string, number> = { seq: message.seq };
    for (const field of CIRCUIT_METRIC_FIELDS) {
      const value = (reading as unknown as Record<string, number | undefined>)[field];
      if (value !== undefined) fields[field] = value;
    }
    return { device, circuit: reading.circuit, ts: message.ts, fields };
  });
}

/**
 * validate → write to InfluxDB → then acknowledge (docs/invariants.md invariant 1).
 * A failed or refused write sends no ack, so the device keeps the records and replays them.
 */
@Injectable()
export class IngestService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IngestService.name);
  private readonly tracker = new SequenceTracker();
  private readonly ackDue = new Set<string>();
  /** Off once shutdown began: telemetry arriving after that is neither written nor acked (the meter replays it). */
  private accepting = true;
  /** Messages between arrival and their write's outcome, and acks not yet confirmed by the broker. */
  private readonly handling = new Set<Promise<void>>();
  private readonly acksInFlight = new Set<Promise<void>>();
  /** Stored records whose ack has not gone out yet, per device, with their arrival (performance.now ms). */
  private readonly awaitingAck = new Map<string, { seq: number; receivedAt: number }[]>();
  /** Only with a shared subscription (MQTT_SHARE_GROUP): the records other instances stored (ingest-peers.ts). */
  private peers?: IngestPeers;
  private readonly gapTimers = new Set<NodeJS.Timeout>();

  constructor(
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    @Inject(POINT_WRITER) private readonly writer: CircuitPointWriter,
    private readonly devices: DevicesService,
    private readonly counters: Counters,
    @Optional() private readonly config?: AppConfig,
    @Optional() private readonly retention?: RetentionService,
    @Optional() private readonly metrics?: PrometheusMetrics,
    @Optional() private readonly feed?: TelemetryFeed,
  ) {}

  onModuleInit(): void {
    this.mqtt.on('telemetry', (deviceId, payload, retained) => this.track(() => this.handle(deviceId, payload, retained)));
    this.mqtt.on('telemetry/batch', (deviceId, payload, retained) => this.track(() => this.handleBatch(deviceId, payload, retained)));
    if (this.config?.MQTT_SHARE_GROUP) {
      this.peers = new IngestPeers(this.mqtt, {
        stored: (device, fromSeq, seq) => this.peerStored(device, fromSeq, seq),
        latest: (device, record) => this.devices.recordTelemetry(device, record.seq, record.ts, record.circuits),
        gap: (device, firstMissingSeq) => this.devices.recordGap(device, firstMissingSeq),
      });
      this.peers.start();
    }
  }

  private track(handle: () => Promise<void>): void {
    if (!this.accepting) return this.counters.inc('telemetry_refused_stopping');
    const handled = handle();
    this.handling.add(handled);
    void handled.finally(() => this.handling.delete(handled));
  }

  onModuleDestroy(): void {
    for (const timer of this.gapTimers) clearTimeout(timer);
    this.gapTimers.clear();
    this.peers?.stop();
  }

  /**
   * Shutdown, first step: stop taking telemetry, wait for the writes under way (InfluxDB accepted
   * them or not), then send and confirm the acks of exactly what was stored. What is not acked by
   * then stays in the meters' flash and is replayed to the next backend. Bounded by the caller.
   */
  async drain(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([...this.handling]);
    await Promise.all([...this.ackDue].map((deviceId) => this.sendAck(deviceId)));
    await Promise.allSettled([...this.acksInFlight]);
  }

  /** Another instance stored a record of this device: our contiguous run may now reach further. */
  peerStored(deviceId: string, fromSeq: number, seq: number): void {
    if (this.tracker.peerStored(deviceId, seq, fromSeq)) {
      this.counters.inc('telemetry_peer_acks');
      this.scheduleAck(deviceId);
    }
  }

  async handle(deviceId: string, payload: Uint8Array, retained = false): Promise<void> {
    const receivedAt = performance.now();
    this.counters.inc('telemetry_received');
    if (retained) {
      // Telemetry is never retained by a meter; a retained copy is someone else's stale message.
      this.counters.inc('telemetry_rejected');
      this.logger.warn(`ignored retained telemetry on ${deviceId}`);
      return;
    }
    const result = decodeMessage('telemetry', payload);
    if (!result.ok) {
      this.counters.inc('telemetry_rejected');
      this.logger.warn(`rejected telemetry from ${deviceId}: ${result.errors.slice(0, 5).join('; ')}`);
      return;
    }
    return this.ingest(deviceId, [result.value], receivedAt);
  }

  /**
   * Several stored records in one message (a meter replaying its backlog, docs/protocol.md "Batched
   * replay"): one decode, one write and one ack for all of them. Each record is treated as if it had
   * come alone with the batch's acked_seq; a batch that fails validation is refused whole.
   */
  async handleBatch(deviceId: string, payload: Uint8Array, retained = false): Promise<void> {
    const receivedAt = performance.now();
    this.counters.inc('telemetry_batches_received');
    if (retained) {
      this.counters.inc('telemetry_rejected');
      this.logger.warn(`ignored retained telemetry batch on ${deviceId}`);
      return;
    }
    const result = decodeMessage('telemetry/batch', payload);
    if (!result.ok) {
      this.counters.inc('telemetry_rejected');
      this.logger.warn(`rejected telemetry batch from ${deviceId}: ${result.errors.slice(0, 5).join('; ')}`);
      return;
    }
    const { acked_seq, records } = result.value;
    this.counters.inc('telemetry_received', records.length);
    // The decoded records are this call's own objects: each gets the batch's acked_seq in place (no copies).
    for (const record of records) (record as TelemetryMessage).acked_seq = acked_seq;
    return this.ingest(deviceId, records as TelemetryMessage[], receivedAt);
  }

  /** Validated records of one meter, oldest first: drop duplicates, write the rest in one go, then ack. */
  private async ingest(deviceId: string, messages: TelemetryMessage[], receivedAt: number): Promise<void> {
    const fresh: TelemetryMessage[] = [];
    for (const message of messages) {
      const seen = this.tracker.observe(deviceId, message.seq, message.acked_seq, message.merged_from_seq);
      if (seen.deviceReset) {
        this.counters.inc('telemetry_device_resets');
        this.logger.warn(`device ${deviceId} restarted its record log (acked_seq went down to ${message.acked_seq})`);
      }
      if (seen.gap) this.onGap(deviceId, seen.gap.from, seen.gap.to);
      if (seen.duplicate) this.counters.inc('telemetry_duplicates');
      else fresh.push(message);
    }
    if (fresh.length === 0) return this.scheduleAck(deviceId);
    for (const message of fresh) this.feed?.publish(deviceId, message);
    const points = fresh.length === 1 ? telemetryToPoints(deviceId, fresh[0]) : fresh.flatMap((message) => telemetryToPoints(deviceId, message));
    const seqs = fresh.length === 1 ? `seq ${fresh[0].seq}` : `seqs ${fresh[0].seq}..${fresh[fresh.length - 1].seq}`;
    try {
      await this.writer.writeCircuitPoints(points);
      // A replayed record may have missed the downsampling CQs: note its slot before the ack.
      for (const message of fresh) this.retention?.noteStored(message.ts);
    } catch (error) {
      if (!(error instanceof InfluxWriteError && error.permanent)) {
        this.counters.inc('telemetry_write_failed', fresh.length);
        this.logger.warn(`not acknowledging ${deviceId} ${seqs}: ${(error as Error).message}`);
        return;
      }
      // InfluxDB will never take this record (field type conflict, older than the retention):
      // holding the ack would wedge the device's log behind it forever. Count it and move on.
      this.counters.inc('telemetry_write_rejected', fresh.length);
      this.logger.error(`InfluxDB refused ${deviceId} ${seqs} for good: ${error.message}`);
    }
    this.counters.inc('telemetry_stored', fresh.length);
    for (const message of fresh) {
      if (message.merged_from_seq !== undefined) this.counters.inc('telemetry_merged_records');
      this.tracker.stored(deviceId, message.seq, message.merged_from_seq);
      this.peers?.stored(deviceId, message);
      this.devices.recordTelemetry(deviceId, message.seq, message.ts, message.circuits);
      if (this.metrics) this.awaitAck(deviceId, message.seq, receivedAt);
    }
    this.scheduleAck(deviceId);
  }

  private onGap(deviceId: string, from: number, to: number): void {
    if (!this.peers) return this.countGap(deviceId, from, to);
    const timer = setTimeout(() => {
      this.gapTimers.delete(timer);
      const missing = this.tracker.firstMissing(deviceId, from, to);
      if (missing === undefined) return;
      this.countGap(deviceId, missing, to);
      this.peers?.gap(deviceId, missing);
      this.scheduleAck(deviceId); // the ack's notice carries the gap to the other instances
    }, SHARED_GAP_CONFIRM_MS);
    this.gapTimers.add(timer);
  }

  private countGap(deviceId: string, from: number, to: number): void {
    this.counters.inc('telemetry_gaps');
    this.devices.recordGap(deviceId, from);
    this.logger.warn(`device ${deviceId}: records ${from}..${to} missing so far (holding the ack)`);
  }

  /** Coalesces acks: one per device per event-loop turn, carrying the highest contiguous stored seq. */
  private scheduleAck(deviceId: string): void {
    if (this.ackDue.has(deviceId)) return;
    this.ackDue.add(deviceId);
    setImmediate(() => void this.sendAck(deviceId));
  }

  private sendAck(deviceId: string): Promise<void> {
    if (!this.ackDue.delete(deviceId)) return Promise.resolve(); // already sent this turn
    this.peers?.flush(deviceId);
    const upto = this.tracker.ackable(deviceId);
    if (upto === undefined) return Promise.resolve();
    const ack = encodeMessage('telemetry/ack', { v: PROTOCOL_VERSION, upto_seq: upto });
    const sent = this.mqtt.publishQuietly(topics.telemetryAck(deviceId), ack, { qos: 1 });
    this.acksInFlight.add(sent);
    void sent.finally(() => this.acksInFlight.delete(sent));
    this.observeAckLatency(deviceId, upto);
    return sent;
  }

  private awaitAck(deviceId: string, seq: number, receivedAt: number): void {
    const waiting = this.awaitingAck.get(deviceId) ?? [];
    // Bounded: records behind a gap that never fills (a device reset) must not pile up.
    if (waiting.length >= 10_000) waiting.shift();
    waiting.push({ seq, receivedAt });
    this.awaitingAck.set(deviceId, waiting);
  }

  /** Records up to `upto` are covered by the ack just published; those behind a gap wait for a later one. */
  private observeAckLatency(deviceId: string, upto: number): void {
    const waiting = this.awaitingAck.get(deviceId);
    if (!waiting || !this.metrics) return;
    const now = performance.now();
    const still = waiting.filter((record) => {
      if (record.seq > upto) return true;
      this.metrics!.ingestLatency.observe((now - record.receivedAt) / 1000);
      return false;
    });
    if (still.length > 0) this.awaitingAck.set(deviceId, still);
    else this.awaitingAck.delete(deviceId);
  }
}
