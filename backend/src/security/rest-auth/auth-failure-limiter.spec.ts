import { AuthFailureLimiter, clientKey } from './auth-failure-limiter';

describe(AuthFailureLimiter.name, () => {
  let now: number;
  const limiter = (maxClients = 100) => new AuthFailureLimiter({ maxFailures: 3, windowMs: 60_000, maxClients }, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  describe('blockedForMs', () => {
    it('should limit a client once it failed maxFailures times, until its window ends', () => {
      const l = limiter();
      for (let i = 0; i < 3; i++) {
        expect(l.blockedForMs('10.0.0.7')).toBe(0);
        l.recordFailure('10.0.0.7');
      }
      now += 15_000;

      expect(l.blockedForMs('10.0.0.7')).toBe(45_000);
      expect(l.blockedForMs('10.0.0.8')).toBe(0);
      now += 45_000;
      expect(l.blockedForMs('10.0.0.7')).toBe(0);
    });

    it('should count an IPv4-mapped address as the IPv4 address, and an IPv6 host by its /64', () => {
      const l = limiter();
      l.recordFailure('::ffff:192.168.1.9');
      l.recordFailure('192.168.1.9');
      l.recordFailure('::ffff:192.168.1.9');
      expect(l.blockedForMs('192.168.1.9')).toBeGreaterThan(0);

      l.recordFailure('2001:db8:1:2::1');
      l.recordFailure('2001:db8:1:2:aaaa::2');
      l.recordFailure('2001:0db8:0001:0002:ffff:ffff:ffff:ffff');
      expect(l.blockedForMs('2001:db8:1:2::99')).toBeGreaterThan(0);
      expect(l.blockedForMs('2001:db8:1:3::1')).toBe(0);
    });
  });

  describe('recordFailure', () => {
    it('should track at most maxClients, dropping expired windows first and then the oldest', () => {
      const l = limiter(3);
      l.recordFailure('10.0.0.1');
      now += 61_000;
      for (const a of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) l.recordFailure(a);
      expect(l.trackedClients).toBe(3);

      for (let i = 5; i < 1000; i++) l.recordFailure(`10.0.${i >> 8}.${i & 255}`);
      expect(l.trackedClients).toBe(3);
    });
  });
});

describe('clientKey', () => {
  it('should name the client a socket address belongs to', () => {
    expect(clientKey(undefined)).toBe('unknown');
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('2001:DB8::')).toBe('2001:db8:0:0::/64');
  });
});
