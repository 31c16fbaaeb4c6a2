import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { DayAheadPoller, deliveryDayRange, PollerClock, PollPolicy } from './day-ahead.poller';
import { DayAheadSource } from './price-sources';
import { PricesService } from './prices.service';

/** The configured fetcher (ENTSO-E or ESIOS), or undefined when PRICE_SOURCE=none. */
export const DAY_AHEAD_SOURCE = Symbol('DAY_AHEAD_SOURCE');
export const DAY_AHEAD_POLICY = Symbol('DAY_AHEAD_POLICY');

const CHECK_EVERY_MS = 10 * 60_000;

/** YYYY-MM-DD of an instant in a zone, plus `days`. */
export function localDay(ms: number, timeZone: string, days = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  const [y, m, d] = today.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * Keeps today's and tomorrow's prices in store: every 10 minutes (and when this instance becomes
 * the automation leader) a missing delivery day gets a DayAheadPoller, which waits for the
 * publication time plus its random spread and retries with backoff. Only the leader fetches, so
 * several backend instances ask the API once.
 */
@Injectable()
export class PriceFetchService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PriceFetchService.name);
  private readonly inFlight = new Set<string>();
  private readonly abort = new AbortController();
  private timer?: NodeJS.Timeout;
  private readonly poller?: DayAheadPoller;

  constructor(
    @Inject(DAY_AHEAD_SOURCE) private readonly source: DayAheadSource | null,
    @Inject(DAY_AHEAD_POLICY) private readonly policy: PollPolicy,
    private readonly prices: PricesService,
    private readonly leader: LeaderLeaseService,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly counters: Counters,
  ) {
    const clock: PollerClock = {
      now: () => this.now(),
      sleep: (ms) =>
        new Promise((resolve, reject) => {
          if (this.abort.signal.aborted) return reject(new Error('stopped'));
          const timer = setTimeout(resolve, ms);
          timer.unref();
          this.abort.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error('stopped'));
          });
        }),
    };
    if (source) this.poller = new DayAheadPoller(source, clock, Math.random, policy);
  }

  onApplicationBootstrap(): void {
    if (!this.poller) return;
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
    this.leader.onChange((leader) => leader && this.check());
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
  }

  /** Starts a fetch for each missing delivery day (today, tomorrow); returns the days started. */
  check(): string[] {
    if (!this.poller || !this.leader.isLeader()) return [];
    const started: string[] = [];
    for (const day of [localDay(this.now(), this.policy.timeZone), localDay(this.now(), this.policy.timeZone, 1)]) {
      const { from, to } = deliveryDayRange(day, this.policy.timeZone);
      if (this.inFlight.has(day) || this.prices.covers(from, to)) continue;
      this.inFlight.add(day);
      started.push(day);
      void this.fetch(day).finally(() => this.inFlight.delete(day));
    }
    return started;
  }

  private async fetch(day: string): Promise<void> {
    try {
      const series = await this.poller!.fetchDeliveryDay(day);
      const stored = await this.prices.store(series);
      this.counters.inc('prices_fetched');
      this.logger.log(`${this.source!.name}: stored ${stored.stored} price slots for ${day}`);
    } catch (error) {
      if (this.abort.signal.aborted) return;
      this.counters.inc('prices_fetch_failed');
      this.logger.warn(`prices for ${day}: ${(error as Error).message}`);
    }
  }
}
