import { LeaseElection, LeaseMessage, parseLease } from './lease-election';

/**
 * A broker in miniature: one retained topic, every message delivered to every live instance in
 * publish order after `latencyMs`, acks after the same latency. Time advances in 100 ms steps.
 */
class Cluster {
  now = 0;
  readonly alive = new Set<string>();
  private readonly queue: { at: number; message: LeaseMessage | undefined; from: string; sentAt: number }[] = [];
  retained?: LeaseMessage;

  constructor(
    readonly nodes: LeaseElection[],
    private readonly latencyMs = 50,
  ) {
    for (const n of nodes) this.alive.add(n.self);
  }

  publish(from: string, message: LeaseMessage | undefined): void {
    this.queue.push({ at: this.now + this.latencyMs, message, from, sentAt: this.now });
  }

  /** The broker notices a dead connection and publishes its last will. */
  kill(self: string): void {
    this.alive.delete(self);
    const node = this.nodes.find((n) => n.self === self)!;
    this.publish(self, node.release(this.now));
  }

  /** Stops renewing without the broker noticing (a stalled process): no will. */
  freeze(self: string): void {
    this.alive.delete(self);
  }

  run(untilMs: number, onStep?: () => void): void {
    for (; this.now <= untilMs; this.now += 100) {
      while (this.queue.length && this.queue[0].at <= this.now) {
        const { message, from, sentAt } = this.queue.shift()!;
        this.retained = message;
        for (const n of this.nodes) if (this.alive.has(n.self)) n.observe(message, this.now);
        const sender = this.nodes.find((n) => n.self === from)!;
        if (this.alive.has(from) && message && !message.released) sender.published(sentAt);
      }
      for (const n of this.nodes) {
        if (!this.alive.has(n.self)) continue;
        const action = n.tick(this.now);
        if (action) this.publish(n.self, action.message);
      }
      onStep?.();
    }
  }

  leaders(): string[] {
    return this.nodes.filter((n) => this.alive.has(n.self) && n.isLeader(this.now)).map((n) => n.self);
  }
}

const TTL = 6000;

describe(LeaseElection.name, () => {
  const make = (...ids: string[]) => ids.map((id) => new LeaseElection(id, TTL, 1000));

  describe('tick', () => {
    it('should make a lone instance the leader once its claim has settled', () => {
      const [a] = make('a');
      const cluster = new Cluster([a]);
      cluster.run(500);
      expect(a.isLeader(cluster.now)).toBe(false);
      cluster.run(1500);
      expect(cluster.leaders()).toEqual(['a']);
      expect(cluster.retained).toMatchObject({ holder: 'a', ttl_ms: TTL });
    });

    it('should renew every third of the ttl and stay leader', () => {
      const [a] = make('a');
      const cluster = new Cluster([a]);
      let sent = 0;
      const publish = cluster.publish.bind(cluster);
      cluster.publish = (from, m) => {
        sent++;
        publish(from, m);
      };
      cluster.run(60_000, () => {
        if (cluster.now > 1500) expect(a.isLeader(cluster.now)).toBe(true);
      });
      expect(sent).toBeGreaterThanOrEqual(28); // 1 claim + one renewal per 2 s
      expect(sent).toBeLessThanOrEqual(32);
    });
  });

  describe('isLeader', () => {
    it('should elect exactly one of three instances that claim at the same instant', () => {
      const nodes = make('a', 'b', 'c');
      const cluster = new Cluster(nodes);
      cluster.run(20_000, () => expect(cluster.leaders().length).toBeLessThanOrEqual(1));
      expect(cluster.leaders()).toHaveLength(1);
      const leader = cluster.leaders()[0];
      for (const n of nodes) expect(n.holder(cluster.now)).toBe(leader);
    });

    it('should hand over within the settle time when the leader dies and its last will releases the lease', () => {
      const nodes = make('a', 'b');
      const cluster = new Cluster(nodes);
      cluster.run(5000);
      const [first] = cluster.leaders();
      const diedAt = cluster.now;
      cluster.kill(first);
      let tookOverAt: number | undefined;
      cluster.run(diedAt + 20_000, () => {
        expect(cluster.leaders().length).toBeLessThanOrEqual(1);
        if (tookOverAt === undefined && cluster.leaders().length === 1) tookOverAt = cluster.now;
      });
      expect(cluster.leaders()).toEqual([first === 'a' ? 'b' : 'a']);
      expect(tookOverAt! - diedAt).toBeLessThan(1500);
    });

    it('should let a frozen leader stop acting before anyone else takes over (no will, lease expiry)', () => {
      const nodes = make('a', 'b');
      const cluster = new Cluster(nodes);
      cluster.run(5000);
      const [first] = cluster.leaders();
      const frozen = nodes.find((n) => n.self === first)!;
      const frozenAt = cluster.now;
      cluster.freeze(first);
      let frozenStoppedAt: number | undefined;
      let otherStartedAt: number | undefined;
      cluster.run(frozenAt + 20_000, () => {
        if (frozenStoppedAt === undefined && !frozen.isLeader(cluster.now)) frozenStoppedAt = cluster.now;
        if (otherStartedAt === undefined && cluster.leaders().length === 1) otherStartedAt = cluster.now;
      });
      expect(frozenStoppedAt).toBeDefined();
      expect(otherStartedAt).toBeDefined();
      expect(frozenStoppedAt!).toBeLessThan(otherStartedAt!);
      expect(otherStartedAt! - frozenAt).toBeLessThan(TTL + 2000);
    });

    it('should ignore the late release of an old holder once someone else holds the lease', () => {
      const [b] = make('b');
      b.observe({ v: 1, holder: 'a', ttl_ms: TTL, ts: 0 }, 0);
      b.observe({ v: 1, holder: 'c', ttl_ms: TTL, ts: 0 }, 100);
      b.observe({ v: 1, holder: 'a', ttl_ms: TTL, ts: 0, released: true }, 200);
      expect(b.holder(300)).toBe('c');
      expect(b.tick(300)).toBeUndefined();
    });

    it('should step down at once when the claim of another instance is delivered after its own', () => {
      const [a] = make('a');
      a.observe({ v: 1, holder: 'a', ttl_ms: TTL, ts: 0 }, 0);
      a.tick(0);
      a.published(0);
      expect(a.isLeader(1000)).toBe(true);
      a.observe({ v: 1, holder: 'b', ttl_ms: TTL, ts: 1000 }, 1000);
      expect(a.isLeader(1000)).toBe(false);
      expect(a.tick(1100)).toBeUndefined();
    });
  });

  describe('observePayload', () => {
    it('should keep the holder when the lease topic carries garbage, and drop it when the payload is empty', () => {
      const node = new LeaseElection('a', 10_000);
      const lease = JSON.stringify({ v: 1, holder: 'b', ttl_ms: 10_000, ts: 0 });
      expect(node.observePayload(lease, 0)).toBe(true);
      for (const garbage of ['{}', 'null', '\ufffd{"v":1}', '{"v":1,"holder":"","ttl_ms":5}']) {
        expect(node.observePayload(garbage, 100)).toBe(false);
        expect(node.holder(100)).toBe('b');
      }
      expect(node.observePayload('', 200)).toBe(true);
      expect(node.holder(200)).toBeUndefined();
    });
  });

  describe(parseLease.name, () => {
    it('should read a lease and refuse garbage', () => {
      expect(parseLease('{"v":1,"holder":"x","ttl_ms":1000,"ts":5}')).toEqual({ v: 1, holder: 'x', ttl_ms: 1000, ts: 5 });
      expect(parseLease('')).toBeUndefined();
      expect(parseLease('nope')).toBeUndefined();
      expect(parseLease('{"v":1,"holder":"","ttl_ms":1000}')).toBeUndefined();
      expect(parseLease('{"v":2,"holder":"x","ttl_ms":1000}')).toBeUndefined();
    });
  });

  it('should refuse a settle time that is not well below the ttl', () => {
    expect(() => new LeaseElection('a', 1000, 600)).toThrow(/settle 600/);
  });
});
