import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { ConsumerTariff } from './consumer-tariff';
import { PriceSeries, PriceSlot } from './price.types';
import { PricesRepository, StoredPriceSlot } from './prices.repository';

/** The consumer tariff from TARIFF_FILE, or undefined (planning then uses the market price). */
export const PRICE_TARIFF = Symbol('PRICE_TARIFF');
/** The `area` tag automation plans with and uploads default to. */
export const PRICE_AREA = Symbol('PRICE_AREA');

export interface StoredPrices {
  area: string;
  stored: number;
  from: number;
  to: number;
  currency?: string;
  consumerPrices: boolean;
}

/** How far back the in-memory copy of the planning area reaches (savings and guards look back). */
const CACHE_BACK_MS = 7 * 86_400_000;

/**
 * Stores normalised price slots (market + consumer price) in InfluxDB and keeps the planning area's
 * recent and future slots in memory for the automation, which asks every few seconds.
 * Listeners hear about every stored batch of the planning area (the automation re-plans).
 */
@Injectable()
export class PricesService implements OnModuleInit {
  private readonly logger = new Logger(PricesService.name);
  private cache: StoredPriceSlot[] = [];
  private readonly listeners: ((stored: StoredPrices) => void)[] = [];

  constructor(
    private readonly repository: PricesRepository,
    @Inject(PRICE_TARIFF) private readonly tariff: ConsumerTariff | null,
    @Inject(PRICE_AREA) readonly area: string,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly counters: Counters,
  ) {}

  onModuleInit(): void {
    // Not awaited: InfluxDB may come up after the backend; the cache then fills with the next upload.
    const now = this.now();
    this.repository.read(this.area, now - CACHE_BACK_MS, now + 7 * 86_400_000).then(
      (slots) => {
        this.merge(slots);
        if (slots.length) this.logger.log(`loaded ${slots.length} price slots of ${this.area}`);
      },
      (error: Error) => this.logger.warn(`prices not loaded from InfluxDB: ${error.message}`),
    );
  }

  onNewPrices(listener: (stored: StoredPrices) => void): void {
    this.listeners.push(listener);
  }

  get hasTariff(): boolean {
    return this.tariff !== null;
  }

  /** Applies the tariff, writes to InfluxDB, then updates the planning copy and tells the listeners. */
  async store(series: PriceSeries, area = this.area): Promise<StoredPrices> {
    // A tariff's grid fee may change inside a slot (half-hour zones): such slots are split.
    const split: StoredPriceSlot[] = this.tariff
      ? this.splitByTariff(series.slots, series.currency)
      : series.slots.map((s) => ({ ...s, ...(series.currency ? { currency: series.currency } : {}) }));
    await this.repository.write(area, split);
    this.counters.inc('prices_stored', split.length);
    const stored: StoredPrices = {
      area,
      stored: split.length,
      from: split[0]?.start ?? 0,
      to: split[split.length - 1]?.end ?? 0,
      currency: series.currency,
      consumerPrices: this.tariff !== null,
    };
    if (area === this.area && split.length > 0) {
      this.merge(split);
      for (const listener of this.listeners) listener(stored);
    }
    return stored;
  }

  list(area: string, from: number, to: number): Promise<StoredPriceSlot[]> {
    return this.repository.read(area, from, to);
  }

  /** What automation plans with: the consumer price when a tariff is configured, else the market price. */
  planningSlots(from = -Infinity, to = Infinity): PriceSlot[] {
    return this.cache
      .filter((s) => s.end > from && s.start < to)
      .map((s) => ({ start: s.start, end: s.end, price: s.consumerPrice ?? s.price }));
  }

  /** The planning price at an instant, or undefined when none is known. */
  priceAt(ms: number): number | undefined {
    const slot = this.cache.find((s) => s.start <= ms && ms < s.end);
    return slot ? (slot.consumerPrice ?? slot.price) : undefined;
  }

  /** Whether [from, to) is covered by known slots without a gap. */
  covers(from: number, to: number): boolean {
    let covered = from;
    for (const s of this.cache) if (s.start <= covered && s.end > covered) covered = s.end;
    return covered >= to;
  }

  get currency(): string | undefined {
    return this.cache.find((s) => s.currency)?.currency;
  }

  private splitByTariff(slots: PriceSlot[], currency?: string): StoredPriceSlot[] {
    const consumer = this.tariff!.apply(slots);
    // apply() keeps the market slots' edges and only adds cuts: find each piece's market price.
    let k = 0;
    return consumer.map((c) => {
      while (slots[k].end <= c.start) k++;
      return { start: c.start, end: c.end, price: slots[k].price, consumerPrice: c.price, ...(currency ? { currency } : {}) };
    });
  }

  private merge(slots: StoredPriceSlot[]): void {
    if (slots.length === 0) return;
    const from = slots[0].start;
    const to = slots[slots.length - 1].end;
    const horizon = this.now() - CACHE_BACK_MS;
    this.cache = [...this.cache.filter((s) => (s.end <= from || s.start >= to) && s.end > horizon), ...slots].sort((a, b) => a.start - b.start);
  }
}
