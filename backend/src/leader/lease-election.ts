/**
 * Leader election over one retained MQTT topic, as a pure state machine (no timers, no I/O):
 * the service feeds it the messages seen on the topic and the time, and publishes what it asks.
 *
 * - A lease is `{holder, ttl_ms, ts}`; `released: true` is its holder giving it up (clean stop, or
 *   the broker publishing the holder's last will).
 * - The broker delivers the messages of one topic to every subscriber in the same order, so every
 *   instance agrees on "the latest lease". An instance claims only when the latest lease is absent,
 *   released or expired; after claiming it waits `settleMs` for competing claims: the last claim
 *   delivered wins and the others see it and stay followers (last writer wins, no compare-and-set needed).
 * - The holder renews every ttl/3. Followers time a lease from when they *received* it, the holder
 *   from when it *sent* its last acknowledged renewal, so the holder's view always ends first: when
 *   it stops renewing (crash, partition), it stops acting before anyone else can take over.
 */
export interface LeaseMessage {
  v: 1;
  holder: string;
  ttl_ms: number;
  ts: number;
  released?: boolean;
}

export function parseLease(payload: string): LeaseMessage | undefined {
  if (payload === '') return undefined;
  try {
    const m = JSON.parse(payload) as Partial<LeaseMessage>;
    if (m && m.v === 1 && typeof m.holder === 'string' && m.holder.length > 0 && Number.isFinite(m.ttl_ms) && (m.ttl_ms as number) > 0) {
      return { v: 1, holder: m.holder, ttl_ms: m.ttl_ms as number, ts: Number(m.ts) || 0, ...(m.released ? { released: true } : {}) };
    }
  } catch {
    // not JSON: treated like no lease
  }
  return undefined;
}

export type LeaseAction = { kind: 'claim' | 'renew'; message: LeaseMessage } | undefined;

export class LeaseElection {
  private latest?: { holder: string; receivedAt: number; ttlMs: number };
  private claimedAt?: number;
  private lastSentAt?: number;
  /** Send time of the last own publish the broker acknowledged: the holder's own lease runs from it. */
  private ackedSentAt?: number;

  constructor(
    readonly self: string,
    readonly ttlMs: number,
    readonly settleMs = Math.min(2000, ttlMs / 4),
  ) {
    if (!self) throw new Error('lease: instance id must not be empty');
    if (!(ttlMs > 0) || !(settleMs >= 0) || settleMs >= ttlMs / 2) throw new Error(`lease: bad timing ttl ${ttlMs} ms, settle ${settleMs} ms`);
  }

  /**
   * The payload of a message on the lease topic. Empty is the broker's "no lease" (a cleared retained
   * message); anything else that is not a lease is ignored and returns false, so garbage on the topic
   * cannot end the current holder's lease (found by the fuzz, hil-tests/fuzz).
   */
  observePayload(payload: string, nowMs: number): boolean {
    const lease = parseLease(payload);
    if (lease === undefined && payload !== '') return false;
    this.observe(lease, nowMs);
    return true;
  }

  /** A message arrived on the lease topic (undefined: no lease). */
  observe(message: LeaseMessage | undefined, nowMs: number): void {
    if (!message) {
      this.latest = undefined;
    } else if (message.released) {
      // A late last will of an old holder must not end a newer holder's lease.
      if (this.latest?.holder === message.holder) this.latest = undefined;
    } else {
      this.latest = { holder: message.holder, receivedAt: nowMs, ttlMs: message.ttl_ms };
    }
    if (this.latest?.holder !== this.self) this.ackedSentAt = undefined;
  }

  /** The broker acknowledged a publish sent at `sentAtMs`. */
  published(sentAtMs: number): void {
    this.ackedSentAt = sentAtMs;
  }

  /** What to publish now, if anything. */
  tick(nowMs: number): LeaseAction {
    const mine = this.latest?.holder === this.self;
    if (mine) {
      if (this.claimedAt !== undefined && nowMs - this.claimedAt < this.settleMs) return undefined;
      this.claimedAt = undefined;
      if (this.lastSentAt !== undefined && nowMs - this.lastSentAt < this.ttlMs / 3) return undefined;
      return this.send('renew', nowMs);
    }
    if (this.latest && nowMs < this.latest.receivedAt + this.latest.ttlMs) {
      this.claimedAt = undefined;
      return undefined;
    }
    // No lease, or it expired: claim, unless our claim is still on its way back to us.
    if (this.claimedAt !== undefined && nowMs - this.claimedAt < this.settleMs) return undefined;
    return this.send('claim', nowMs);
  }

  /** True while this instance holds a settled, unexpired lease: only then may it act. */
  isLeader(nowMs: number): boolean {
    return (
      this.latest?.holder === this.self &&
      (this.claimedAt === undefined || nowMs - this.claimedAt >= this.settleMs) &&
      this.ackedSentAt !== undefined &&
      nowMs < this.ackedSentAt + this.ttlMs
    );
  }

  /** The holder of the latest unexpired lease, as this instance sees it. */
  holder(nowMs: number): string | undefined {
    if (!this.latest) return undefined;
    if (this.latest.holder === this.self) return this.isLeader(nowMs) ? this.self : undefined;
    return nowMs < this.latest.receivedAt + this.latest.ttlMs ? this.latest.holder : undefined;
  }

  /** The message that gives the lease up (clean stop; also the MQTT last will). */
  release(nowMs: number): LeaseMessage {
    this.ackedSentAt = undefined;
    return { v: 1, holder: this.self, ttl_ms: this.ttlMs, ts: nowMs, released: true };
  }

  private send(kind: 'claim' | 'renew', nowMs: number): LeaseAction {
    if (kind === 'claim') this.claimedAt = nowMs;
    this.lastSentAt = nowMs;
    return { kind, message: { v: 1, holder: this.self, ttl_ms: this.ttlMs, ts: nowMs } };
  }
}
