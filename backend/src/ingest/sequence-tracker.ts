/**
 * Per-device acknowledgement state for the end-to-end delivery contract (docs/invariants.md invariant 1).
 *
 * The device replays its flash log in order (go-back-N) and drops a record only when the backend
 * acknowledges `upto_seq`. So the backend may acknowledge `upto_seq = n` only when every record
 * 1..n is stored: `contiguous` is the highest such n. Records stored above a hole are remembered
 * (bounded) so the hole closing advances the ack at once; forgetting them only costs a rewrite,
 * which is idempotent in InfluxDB (same series + timestamp).
 *
 * After a backend restart the tracker knows nothing: the device's own `acked_seq` in each
 * telemetry message is the baseline (everything at or below it was acknowledged before).
 */
export interface SequenceState {
  contiguous: number;
  above: Set<number>;
  /**
   * The highest seq observed (stored or not). A gap is a seq arriving beyond it: records still in
   * flight between observe() and stored() are not missing, so holes below `contiguous` alone are not gaps.
   */
  highestSeen: number;
  /** The device's own acked_seq as last seen: it never decreases unless the device's log was wiped. */
  deviceFloor: number;
}

export interface Observation {
  /** The record was already acknowledged: skip the write, re-send the ack. */
  duplicate: boolean;
  /** The device's acked_seq went down: its log was wiped (new flash, factory reset); tracking restarted. */
  deviceReset?: boolean;
  /** A hole below this record: seqs gapFrom..gapTo are missing (so far). */
  gap?: { from: number; to: number };
}

export class SequenceTracker {
  private readonly states = new Map<string, SequenceState>();

  constructor(private readonly maxRemembered = 50_000) {}

  /** Before the write: is this a duplicate, and does it reveal a hole? */
  /** `fromSeq`: the first seq a merged record stands for (default: the record's own seq). */
  observe(device: string, seq: number, deviceAckedSeq: number | undefined, fromSeq = seq): Observation {
    const before = this.states.get(device);
    const deviceReset = before !== undefined && deviceAckedSeq !== undefined && deviceAckedSeq < before.deviceFloor;
    if (deviceReset) this.states.delete(device);
    const state = this.state(device, seq, deviceAckedSeq);
    if (seq <= state.contiguous || state.above.has(seq)) return { duplicate: true, deviceReset };
    // The device sends in seq order (go-back-N), so a record that skips past everything seen so far
    // reveals a hole: lost in transit, or a live record ahead of the replay after a reconnect.
    const seenTo = Math.max(state.contiguous, state.highestSeen);
    state.highestSeen = Math.max(state.highestSeen, seq);
    if (fromSeq > seenTo + 1) return { duplicate: false, deviceReset, gap: { from: seenTo + 1, to: fromSeq - 1 } };
    return { duplicate: false, deviceReset };
  }

  /** After InfluxDB accepted the record. Returns the seq that may now be acknowledged. */
  stored(device: string, seq: number, fromSeq = seq): number {
    const state = this.states.get(device);
    if (!state) throw new Error(`stored() before observe() for ${device}`);
    if (fromSeq < seq && fromSeq <= state.contiguous + 1 && seq > state.contiguous) {
      // A merged record closes everything it stands for.
      state.contiguous = seq;
      for (const s of state.above) if (s <= seq) state.above.delete(s);
      while (state.above.delete(state.contiguous + 1)) state.contiguous++;
    } else if (fromSeq < seq && fromSeq > state.contiguous + 1) {
      for (let s = fromSeq; s <= seq && state.above.size < this.maxRemembered; s++) state.above.add(s);
    } else if (seq === state.contiguous + 1) {
      state.contiguous = seq;
      while (state.above.delete(state.contiguous + 1)) state.contiguous++;
    } else if (seq > state.contiguous + 1 && state.above.size < this.maxRemembered) {
      // Past the bound the record is simply not remembered: replay rewrites it, harmlessly.
      state.above.add(seq);
    }
    return state.contiguous;
  }

  /**
   * Another backend instance (shared subscription, MQTT_SHARE_GROUP) stored this record in InfluxDB.
   * Only for a device this instance already tracks: without a baseline from the device's acked_seq we
   * cannot know what lies below it. Returns true when the ackable seq moved.
   */
  peerStored(device: string, seq: number, fromSeq = seq): boolean {
    const state = this.states.get(device);
    if (!state || seq <= state.contiguous || state.above.has(seq)) return false;
    const before = state.contiguous;
    // Not a gap any more from this instance's point of view: the record exists.
    state.highestSeen = Math.max(state.highestSeen, seq);
    return this.stored(device, seq, fromSeq) > before;
  }

  /** The first seq of from..to not stored (by this instance or, told by peerStored, another); undefined when none is missing. */
  firstMissing(device: string, from: number, to: number): number | undefined {
    const state = this.states.get(device);
    if (!state) return from;
    for (let s = Math.max(from, state.contiguous + 1); s <= to; s++) if (!state.above.has(s)) return s;
    return undefined;
  }

  ackable(device: string): number | undefined {
    return this.states.get(device)?.contiguous;
  }

  private state(device: string, seq: number, deviceAckedSeq: number | undefined): SequenceState {
    let state = this.states.get(device);
    const baseline = deviceAckedSeq ?? seq - 1;
    if (!state) {
      state = { contiguous: baseline, above: new Set(), deviceFloor: deviceAckedSeq ?? 0, highestSeen: baseline };
      this.states.set(device, state);
      return state;
    }
    if (deviceAckedSeq !== undefined) state.deviceFloor = deviceAckedSeq;
    if (deviceAckedSeq !== undefined && deviceAckedSeq > state.contiguous) {
      // The device moved its floor (it merged or was acked by another instance): follow it.
      state.contiguous = deviceAckedSeq;
      for (const s of state.above) if (s <= deviceAckedSeq) state.above.delete(s);
      while (state.above.delete(state.contiguous + 1)) state.contiguous++;
    }
    return state;
  }
}
