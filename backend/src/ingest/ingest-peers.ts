import { Logger } from '@nestjs/common';
import { decodeMessage, TelemetryMessage, topics } from '@dinmeter/shared';
import { MqttBus } from '../mqtt/mqtt-bus';

/**
 * With MQTT_SHARE_GROUP the broker hands each telemetry record to ONE backend instance, so the records
 * of one meter are spread over all instances. The ack is cumulative (`upto_seq`: everything up to it is
 * stored), so no instance could ack past the first record another one stored: after a replay burst the
 * meter's backlog stopped draining (hil-tests/scenarios/scale-out.int-spec.ts). Each instance therefore
 * tells the others which records it stored (after InfluxDB accepted them: invariant 1 holds), and any
 * instance whose contiguous run grows acknowledges.
 *
 * The same notice carries what the REST API shows per meter: the newest record this instance stored
 * (the others' registries keep the latest readings from it) and how many gaps it detected, so every
 * instance answers `GET /api/devices/…` alike (docs/scaling.md, "Several backend instances").
 *
 * Backend-only topic; the broker ACL lets only `dinmeter-backend-*` clients publish outside their own device.
 */
export const INGEST_STORED_TOPIC = topics.ingestStored();

export interface StoredNotice {
  v: 1;
  from: string;
  device: string;
  /** [firstSeq, seq] per stored record (firstSeq < seq for a merged record). */
  records: [number, number][];
  /** The newest record stored since the last notice (validated as telemetry on receipt). */
  latest?: TelemetryMessage;
  /** Gaps this instance counted since the last notice, each by its first missing seq (the registry counts a gap once). */
  gaps?: number[];
}

/** What an instance does with another's notice. */
export interface PeerNoticeHandler {
  stored(device: string, fromSeq: number, seq: number): void;
  latest(device: string, record: TelemetryMessage): void;
  gap(device: string, firstMissingSeq: number): void;
}

export function parseStoredNotice(payload: string): StoredNotice | undefined {
  try {
    const m = JSON.parse(payload) as Partial<StoredNotice>;
    if (m?.v !== 1 || typeof m.from !== 'string' || typeof m.device !== 'string' || !Array.isArray(m.records)) return undefined;
    // Safe integers: a seq past 2^53 would reach the meter's ack, which refuses to encode it (found by the fuzz).
    const ok = m.records.every((r) => Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 1 && r[0] <= r[1]);
    if (!ok) return undefined;
    if (m.gaps !== undefined && !(Array.isArray(m.gaps) && m.gaps.every((s) => Number.isSafeInteger(s) && s >= 1))) return undefined;
    if (m.latest === undefined) return m as StoredNotice;
    const latest = decodeMessage('telemetry', new TextEncoder().encode(JSON.stringify(m.latest)));
    return latest.ok ? { ...(m as StoredNotice), latest: latest.value } : undefined;
  } catch {
    return undefined;
  }
}

/** Tells the other instances what this one stored and hears what they stored, over the backend's MqttBus. */
export class IngestPeers {
  private readonly logger = new Logger(IngestPeers.name);
  private readonly pending = new Map<string, { records: [number, number][]; latest?: TelemetryMessage; gaps: number[] }>();
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: MqttBus,
    private readonly handler: PeerNoticeHandler,
  ) {}

  get self(): string {
    return this.bus.clientId;
  }

  start(): void {
    // Not shared: every instance hears every notice (its own come back too, and are skipped).
    this.unsubscribe = this.bus.subscribe(INGEST_STORED_TOPIC, (_topic, payload) => {
      const notice = parseStoredNotice(payload.toString('utf8'));
      if (!notice || notice.from === this.self) return;
      for (const [fromSeq, seq] of notice.records) this.handler.stored(notice.device, fromSeq, seq);
      if (notice.latest) this.handler.latest(notice.device, notice.latest);
      for (const seq of notice.gaps ?? []) this.handler.gap(notice.device, seq);
    });
  }

  /** Queues a stored record; flush() sends the queue of a device as one message. */
  stored(device: string, record: TelemetryMessage): void {
    const entry = this.entry(device);
    entry.records.push([record.merged_from_seq ?? record.seq, record.seq]);
    // Only the newest record's readings travel: one record per notice, whatever the batch (O(1) per record).
    if (!entry.latest || record.ts >= entry.latest.ts) entry.latest = record;
  }

  /** Queues one gap this instance counted; it travels with the device's next notice. */
  gap(device: string, firstMissingSeq: number): void {
    this.entry(device).gaps.push(firstMissingSeq);
  }

  flush(device: string): void {
    const entry = this.pending.get(device);
    this.pending.delete(device);
    if (!entry || (!entry.records.length && !entry.gaps.length) || !this.unsubscribe) return;
    const notice: StoredNotice = { v: 1, from: this.self, device, records: entry.records };
    if (entry.latest) notice.latest = entry.latest;
    if (entry.gaps.length) notice.gaps = entry.gaps;
    // Lost notices (broker down) only delay acks: the meter's go-back-N replays and a duplicate re-acks.
    this.bus.publish(INGEST_STORED_TOPIC, JSON.stringify(notice), { qos: 1 }).catch((error: Error) => this.logger.warn(`stored notice: ${error.message}`));
  }

  private entry(device: string): { records: [number, number][]; latest?: TelemetryMessage; gaps: number[] } {
    let entry = this.pending.get(device);
    if (!entry) this.pending.set(device, (entry = { records: [], gaps: [] }));
    return entry;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
