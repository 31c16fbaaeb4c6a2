import { SequenceTracker } from './sequence-tracker';

/** observe + stored for each seq, as ingest does when every write succeeds. Returns the last ackable seq. */
function storeAll(tracker: SequenceTracker, device: string, seqs: number[], ackedSeq?: number): number | undefined {
  for (const seq of seqs) {
    if (!tracker.observe(device, seq, ackedSeq).duplicate) tracker.stored(device, seq);
  }
  return tracker.ackable(device);
}

describe(SequenceTracker.name, () => {
  describe('observe', () => {
    it('should take the device acked_seq as the baseline of an unknown device (backend restart)', () => {
      const tracker = new SequenceTracker();

      expect(tracker.observe('m1', 41, 40)).toEqual({ duplicate: false, deviceReset: false });
      expect(tracker.ackable('m1')).toBe(40);
    });

    it('should report records at or below the device acked_seq as duplicates', () => {
      const tracker = new SequenceTracker();
      tracker.observe('m1', 41, 40);

      expect(tracker.observe('m1', 40, 40).duplicate).toBe(true);
      expect(tracker.observe('m1', 1, 40).duplicate).toBe(true);
    });

    it('should start right below the first seq when the device sends no acked_seq', () => {
      const tracker = new SequenceTracker();

      expect(tracker.observe('m1', 10, undefined)).toEqual({ duplicate: false, deviceReset: false });
      expect(tracker.ackable('m1')).toBe(9);
    });

    it('should report a stored record as a duplicate, in and above the contiguous run', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2, 4], 0);

      expect(tracker.observe('m1', 2, 0).duplicate).toBe(true);
      expect(tracker.observe('m1', 4, 0).duplicate).toBe(true);
      expect(tracker.observe('m1', 3, 0).duplicate).toBe(false);
    });

    it('should not treat a record observed but not yet stored (failed write) as a duplicate', () => {
      const tracker = new SequenceTracker();
      tracker.observe('m1', 1, 0);

      expect(tracker.observe('m1', 1, 0).duplicate).toBe(false);
    });

    it('should report a gap once, with its bounds', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2], 0);

      expect(tracker.observe('m1', 6, 0)).toEqual({ duplicate: false, deviceReset: false, gap: { from: 3, to: 5 } });
      tracker.stored('m1', 6);
      expect(tracker.observe('m1', 7, 0).gap).toBeUndefined();
      // 8 was skipped in arrival order: a new hole, whatever is stored yet.
      expect(tracker.observe('m1', 9, 0).gap).toEqual({ from: 8, to: 8 });
      expect(tracker.observe('m1', 6, 0).gap).toBeUndefined();
    });

    it('should not report records still being written (observed, not yet stored) as a gap', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2], 0);
      // A window of records arrives before the first write finished (pipelined replay).
      for (const seq of [3, 4, 5, 6]) expect(tracker.observe('m1', seq, 2).gap).toBeUndefined();
      for (const seq of [3, 4, 5, 6]) tracker.stored('m1', seq);
      expect(tracker.ackable('m1')).toBe(6);
    });

    it('should report a new gap after the previous one closed', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 3], 0);
      storeAll(tracker, 'm1', [2], 0);
      expect(tracker.ackable('m1')).toBe(3);

      expect(tracker.observe('m1', 6, 0).gap).toEqual({ from: 4, to: 5 });
    });

    it('should report a gap revealed by the very first record after a restart', () => {
      const tracker = new SequenceTracker();

      expect(tracker.observe('m1', 25, 20).gap).toEqual({ from: 21, to: 24 });
    });

    it('should follow the device floor when it moves above what this instance stored', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2, 3, 12, 13], 0);
      expect(tracker.ackable('m1')).toBe(3);

      // Another instance (shared subscription) stored and acked 4..10.
      expect(tracker.observe('m1', 11, 10).duplicate).toBe(false);
      expect(tracker.ackable('m1')).toBe(10);
      expect(tracker.stored('m1', 11)).toBe(13);
    });

    it('should merge remembered records above a floor that lands right below them', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 5, 6], 0);

      tracker.observe('m1', 8, 4);

      expect(tracker.ackable('m1')).toBe(6);
      expect(tracker.observe('m1', 5, 4).duplicate).toBe(true);
    });

    it('should detect a device log reset (acked_seq going down) and restart tracking', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [501, 502], 500);

      const seen = tracker.observe('m1', 1, 0);

      expect(seen).toEqual({ duplicate: false, deviceReset: true });
      expect(tracker.ackable('m1')).toBe(0);
      expect(tracker.stored('m1', 1)).toBe(1);
    });

    it('should not call a steady or rising acked_seq a reset', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [6, 7], 5);

      expect(tracker.observe('m1', 8, 5).deviceReset).toBe(false);
      expect(tracker.observe('m1', 9, 7).deviceReset).toBe(false);
      expect(tracker.observe('m1', 10, undefined).deviceReset).toBe(false);
    });

    it('should keep devices apart', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2, 3], 0);

      expect(tracker.observe('m2', 1, 0).duplicate).toBe(false);
      expect(tracker.ackable('m2')).toBe(0);
      expect(tracker.ackable('m1')).toBe(3);
    });

    // BUG (reported, not fixed: needs a protocol decision): without acked_seq the baseline is
    // "seq - 1", so the first record seen after a backend restart makes every lower seq count as
    // stored. A device that lost an ack for 5..9 and replays 10 first gets "upto_seq 10" back and
    // drops 5..9 from flash unwritten. Fix: make acked_seq required in telemetrySchema (the
    // firmware always sends it) or never ack below the first seq seen without a device floor.
    it.failing('should never make a seq ackable that was neither stored nor acked by the device', () => {
      const tracker = new SequenceTracker();

      tracker.observe('m1', 10, undefined);
      tracker.stored('m1', 10);

      expect(tracker.ackable('m1') ?? 0).toBe(0);
    });
  });

  describe('stored', () => {
    it('should advance the ack in order', () => {
      const tracker = new SequenceTracker();

      expect(storeAll(tracker, 'm1', [1, 2, 3], 0)).toBe(3);
    });

    it('should hold the ack at a hole and jump over remembered records when it closes', () => {
      const tracker = new SequenceTracker();
      tracker.observe('m1', 1, 0);
      expect(tracker.stored('m1', 1)).toBe(1);
      for (const seq of [3, 4, 5]) {
        tracker.observe('m1', seq, 0);
        expect(tracker.stored('m1', seq)).toBe(1);
      }

      tracker.observe('m1', 2, 0);

      expect(tracker.stored('m1', 2)).toBe(5);
    });

    it('should ignore a duplicate store of an old seq', () => {
      const tracker = new SequenceTracker();
      storeAll(tracker, 'm1', [1, 2, 3], 0);

      expect(tracker.stored('m1', 2)).toBe(3);
    });

    it('should throw when called before observe', () => {
      expect(() => new SequenceTracker().stored('m9', 1)).toThrow('stored() before observe() for m9');
    });

    it('should remember at most maxRemembered records above a hole (bounded memory)', () => {
      const tracker = new SequenceTracker(3);
      storeAll(tracker, 'm1', [1], 0);
      storeAll(tracker, 'm1', [3, 4, 5, 6, 7], 0);

      // 6 and 7 were forgotten: a replay rewrites them, so they are not duplicates.
      expect(tracker.observe('m1', 5, 0).duplicate).toBe(true);
      expect(tracker.observe('m1', 6, 0).duplicate).toBe(false);
      tracker.observe('m1', 2, 0);
      expect(tracker.stored('m1', 2)).toBe(5);
      expect(storeAll(tracker, 'm1', [6, 7], 0)).toBe(7);
    });
  });

  describe('ackable', () => {
    it('should be undefined for a device never seen', () => {
      expect(new SequenceTracker().ackable('nobody')).toBeUndefined();
    });
  });
});

describe('SequenceTracker with merged records', () => {
  it('should let a merged record close every seq it stands for', () => {
    const tracker = new SequenceTracker();
    storeAll(tracker, 'm1', [1, 2], 0);

    const seen = tracker.observe('m1', 90, 2, 3);
    tracker.stored('m1', 90, 3);

    expect(seen.gap).toBeUndefined();
    expect(tracker.ackable('m1')).toBe(90);
  });

  it('should hold the ack below a merged record that starts above a hole, then close it with the hole', () => {
    const tracker = new SequenceTracker();
    storeAll(tracker, 'm1', [1], 0);

    const seen = tracker.observe('m1', 50, 1, 10);
    tracker.stored('m1', 50, 10);
    expect(seen.gap).toEqual({ from: 2, to: 9 });
    expect(tracker.ackable('m1')).toBe(1);

    tracker.observe('m1', 9, 1, 2);
    tracker.stored('m1', 9, 2);
    expect(tracker.ackable('m1')).toBe(50);
  });
});

describe('SequenceTracker with a peer instance (shared subscription)', () => {
  it('should reach past the records the peer stored, so the ack follows the union of both instances', () => {
    // A replay burst of 1..6 split round-robin: this instance stores the odd seqs, the peer the even ones.
    const tracker = new SequenceTracker();
    for (const seq of [1, 3, 5]) {
      tracker.observe('m1', seq, 0);
      tracker.stored('m1', seq);
    }
    expect(tracker.ackable('m1')).toBe(1);
    expect(tracker.peerStored('m1', 2)).toBe(true);
    expect(tracker.ackable('m1')).toBe(3);
    expect(tracker.peerStored('m1', 6)).toBe(false); // 4 is still missing
    expect(tracker.peerStored('m1', 4)).toBe(true);
    expect(tracker.ackable('m1')).toBe(6);
    expect(tracker.observe('m1', 7, 1)).toEqual({ duplicate: false, deviceReset: false });
  });

  it('should ignore a peer record of a device it has no baseline for, and a record already covered', () => {
    const tracker = new SequenceTracker();
    expect(tracker.peerStored('m1', 5)).toBe(false);
    expect(tracker.ackable('m1')).toBeUndefined();
    tracker.observe('m1', 3, 2);
    tracker.stored('m1', 3);
    expect(tracker.peerStored('m1', 3)).toBe(false);
    expect(tracker.peerStored('m1', 2)).toBe(false);
    expect(tracker.ackable('m1')).toBe(3);
  });

  it('should name the first seq of a hole still missing after the peer filled part of it', () => {
    const tracker = new SequenceTracker();
    for (const seq of [1, 5]) {
      tracker.observe('m1', seq, 0);
      tracker.stored('m1', seq);
    }
    tracker.peerStored('m1', 2);
    expect(tracker.firstMissing('m1', 2, 4)).toBe(3);
    expect(tracker.firstMissing('m1', 2, 2)).toBeUndefined();
    tracker.peerStored('m1', 3);
    tracker.peerStored('m1', 4);
    expect(tracker.firstMissing('m1', 2, 4)).toBeUndefined();
    expect(tracker.firstMissing('unknown', 1, 1)).toBe(1);
  });
});
