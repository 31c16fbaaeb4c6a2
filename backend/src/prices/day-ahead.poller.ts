/**
 * Gets one delivery day's prices once they are published, without hammering the API.
 *
 * EU day-ahead (SDAC) results are published around 12:45–13:00 CET the day before delivery
 * (ESIOS/PVPC around 20:15 CET, give `publishLocalHour` accordingly). Many installs would otherwise
 * ask at the same second, so each waits a random part of `publishSpreadMs` first, then retries with
 * exponential backoff and "equal jitter" (delay/2 + random·delay/2, AWS architecture blog, 2015).
 * Retriable failures (not yet published, 5xx, 429, network) are retried up to `maxAttempts`;
 * a refused token or a bad document stops at once. Clock and randomness are injected.
 */
import { PriceSeries } from './price.types';
import { DayAheadSource, PriceFetchError } from './price-sources';

export interface PollerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface PollPolicy {
  /** Market time zone and local hour of publication on the day before delivery. */
  timeZone: string;
  publishLocalHour: number;
  /** Each install starts at a random point in [publication, publication + spread). */
  publishSpreadMs: number;
  firstRetryMs: number;
  maxRetryMs: number;
  maxAttempts: number;
}

export const ENTSOE_POLICY: PollPolicy = {
  timeZone: 'Europe/Brussels',
  publishLocalHour: 13,
  publishSpreadMs: 15 * 60_000,
  firstRetryMs: 60_000,
  maxRetryMs: 30 * 60_000,
  maxAttempts: 12,
};

export const systemClock: PollerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Offset of `timeZone` from UTC at instant `ms`, in ms (CET: +3 600 000). */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The UTC instant of a local wall-clock time (the first one when DST repeats it). */
export function zonedTimeToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  const first = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(first, timeZone);
}

/** [start, end) in UTC of a delivery day given as YYYY-MM-DD in `timeZone`: 23, 24 or 25 hours. */
export function deliveryDayRange(day: string, timeZone: string): { from: number; to: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`delivery day ${JSON.stringify(day)} must be YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return {
    from: zonedTimeToUtc(y, mo, d, 0, timeZone),
    to: zonedTimeToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, timeZone),
  };
}

export class DayAheadPoller {
  constructor(
    private readonly source: DayAheadSource,
    private readonly clock: PollerClock = systemClock,
    private readonly random: () => number = Math.random,
    private readonly policy: PollPolicy = ENTSOE_POLICY,
  ) {}

  /** When this install first asks for `day` (publication on the day before + its random spread). */
  firstAttemptAt(day: string): number {
    const { from } = deliveryDayRange(day, this.policy.timeZone);
    const before = new Date(from + 12 * 3_600_000 - 86_400_000); // midday local of the day before, in UTC
    const publish = zonedTimeToUtc(
      before.getUTCFullYear(),
      before.getUTCMonth() + 1,
      before.getUTCDate(),
      this.policy.publishLocalHour,
      this.policy.timeZone,
    );
    return publish + Math.floor(this.random() * this.policy.publishSpreadMs);
  }

  /** Prices covering the whole delivery day, or a PriceFetchError after giving up. */
  async fetchDeliveryDay(day: string): Promise<PriceSeries> {
    const { from, to } = deliveryDayRange(day, this.policy.timeZone);
    const start = this.firstAttemptAt(day);
    if (this.clock.now() < start) await this.clock.sleep(start - this.clock.now());
    let last: PriceFetchError | undefined;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      try {
        const series = await this.source.fetchRange(from, to);
        const slots = series.slots.filter((s) => s.start >= from && s.end <= to);
        let covered = from;
        for (const s of slots) if (s.start === covered) covered = s.end;
        if (covered !== to)
          throw new PriceFetchError(`${this.source.name}: prices for ${day} are incomplete`, true);
        return { ...series, slots };
      } catch (err) {
        last =
          err instanceof PriceFetchError
            ? err
            : new PriceFetchError(`${this.source.name}: ${(err as Error).message}`, false);
        if (!last.retriable) throw last;
      }
      if (attempt < this.policy.maxAttempts) await this.clock.sleep(this.retryDelayMs(attempt));
    }
    throw new PriceFetchError(
      `${this.source.name}: gave up on ${day} after ${this.policy.maxAttempts} attempts: ${last!.message}`,
      false,
      last!.status,
    );
  }

  /** Delay after failed attempt n (1-based): equal jitter over min(max, first·2^(n−1)). */
  retryDelayMs(attempt: number): number {
    const cap = Math.min(this.policy.maxRetryMs, this.policy.firstRetryMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + (this.random() * cap) / 2);
  }
}
