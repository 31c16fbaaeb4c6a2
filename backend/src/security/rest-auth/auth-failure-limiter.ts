export interface AuthFailureLimits {
  /** Failed authentications a client may make per window; beyond it, 429. */
  maxFailures: number;
  windowMs: number;
  /** Clients tracked at most: memory stays bounded whatever the number of addresses an attacker has. */
  maxClients: number;
}

export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { maxFailures: 20, windowMs: 60_000, maxClients: 10_000 };

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Counts failed REST authentications per client in fixed windows. A client is an IPv4 address or an
 * IPv6 /64 (one host usually holds a whole /64, so counting single IPv6 addresses would limit nothing).
 * When full, expired windows go first, then the oldest.
 */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  get trackedClients(): number {
    return this.windows.size;
  }

  /** Milliseconds until the client may fail again; 0 when it is not limited. */
  blockedForMs(address: string | undefined): number {
    const window = this.live(clientKey(address));
    if (!window || window.failures < this.limits.maxFailures) return 0;
    return window.startedAt + this.limits.windowMs - this.clock();
  }

  recordFailure(address: string | undefined): void {
    const key = clientKey(address);
    const window = this.live(key);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= this.limits.maxClients) this.makeRoom();
    this.windows.set(key, { startedAt: this.clock(), failures: 1 });
  }

  private live(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.clock() - window.startedAt >= this.limits.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private makeRoom(): void {
    const now = this.clock();
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= this.limits.windowMs) this.windows.delete(key);
    }
    // Map iteration is insertion order: the first key is the oldest window.
    if (this.windows.size >= this.limits.maxClients) this.windows.delete(this.windows.keys().next().value!);
  }
}

/** `1.2.3.4` and `::ffff:1.2.3.4` are one client; an IPv6 address counts by its /64. */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail = ''] = address.split('%')[0].toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
