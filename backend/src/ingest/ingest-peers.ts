import { Logger } from '@nestjs/common';
import { topics } from '@dinmeter/shared';
import { MqttBus } from '../mqtt/mqtt-bus';

/**
 * With MQTT_SHARE_GROUP the broker hands each telemetry record to ONE backend instance, so the records
 * of one meter are spread over all instances. The ack is cumulative (`upto_seq`: everything up to it is
 * stored), so no instance could ack past the first record another one stored: after a replay burst the
 * meter's backlog stopped draining (hil-tests/scenarios/scale-out.int-spec.ts). Each instance therefore
 * tells the others which records it stored (after InfluxDB accepted them: invariant 1 holds), and any
 * instance whose contiguous run grows acknowledges.
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
}

export function parseStoredNotice(payload: string): StoredNotice | undefined {
  try {
    const m = JSON.parse(payload) as Partial<StoredNotice>;
    if (m?.v !== 1 || typeof m.from !== 'string' || typeof m.device !== 'string' || !Array.isArray(m.records)) return undefined;
    // Safe integers: a seq past 2^53 would reach the meter's ack, which refuses to encode it (found by the fuzz).
    const ok = m.records.every((r) => Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] >= 1 && r[0] <= r[1]);
    return ok ? (m as StoredNotice) : undefined;
  } catch {
    return undefined;
  }
}

/** Tells the other instances what this one stored and hears what they stored, over the backend's MqttBus. */
export class IngestPeers {
  private readonly logger = new Logger(IngestPeers.name);
  private readonly pending = new Map<string, [number, number][]>();
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: MqttBus,
    private readonly onPeerStored: (device: string, fromSeq: number, seq: number) => void,
  ) {}

  get self(): string {
    return this.bus.clientId;
  }

  start(): void {
    // Not shared: every instance hears every notice (its own come back too, and are skipped).
    this.unsubscribe = this.bus.subscribe(INGEST_STORED_TOPIC, (_topic, payload) => {
      const notice = parseStoredNotice(payload.toString('utf8'));
      if (!notice || notice.from === this.self) return;
      for (const [fromSeq, seq] of notice.records) this.onPeerStored(notice.device, fromSeq, seq);
    });
  }

  /** Queues a stored record; flush() sends the queue of a device as one message. */
  stored(device: string, fromSeq: number, seq: number): void {
    const list = this.pending.get(device) ?? [];
    list.push([fromSeq, seq]);
    this.pending.set(device, list);
  }

  flush(device: string): void {
    const records = this.pending.get(device);
    this.pending.delete(device);
    if (!records?.length || !this.unsubscribe) return;
    const notice: StoredNotice = { v: 1, from: this.self, device, records };
    // Lost notices (broker down) only delay acks: the meter's go-back-N replays and a duplicate re-acks.
    this.bus.publish(INGEST_STORED_TOPIC, JSON.stringify(notice), { qos: 1 }).catch((error: Error) => this.logger.warn(`stored notice: ${error.message}`));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
