import { Inject, Injectable, Optional } from '@nestjs/common';
import { TELEMETRY_STORE } from '../common/tokens';
import { measurementRef, quoteIdent, quoteString, timeLiteralMs } from '../storage/influxql';
import { RetentionService } from '../storage/retention.service';
import { GenericPoint, TelemetryStore } from '../storage/storage.types';
import { PriceSlot } from './price.types';

export const PRICE_MEASUREMENT = 'price';

/** A stored slot: the market price and, when a tariff is configured, what the consumer pays (both per kWh). */
export interface StoredPriceSlot extends PriceSlot {
  consumerPrice?: number;
  currency?: string;
}

/** Longest slot we expect (a manual upload may give daily prices): reads look back this far for a slot covering `from`. */
const LOOKBACK_MS = 86_400_000;

/**
 * Prices in InfluxDB: measurement `price`, tag `area`, fields `price` (market, per kWh),
 * `consumer_price` (after the tariff, when configured), `duration_s` (the slot length) and
 * `currency`; timestamp = slot start. A re-upload of the same slot overwrites it (same series + time).
 * On 1.x they live in the retention policy `rp_history` (kept as long as the 15-minute energy tier,
 * so the savings report can price any range it can read energy for).
 */
@Injectable()
export class PricesRepository {
  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'writePoints' | 'query'>,
    @Optional() private readonly retention?: RetentionService,
  ) {}

  private async source(): Promise<string> {
    return measurementRef(PRICE_MEASUREMENT, await this.historyRp());
  }

  private historyRp(): Promise<string | undefined> {
    return this.retention ? this.retention.historyRpWhenReady() : Promise.resolve(undefined);
  }

  async write(area: string, slots: readonly StoredPriceSlot[]): Promise<void> {
    if (slots.length === 0) return;
    // A finer re-upload over coarser slots (60 → 15 min) would leave the old hourly points in between:
    // clear the range first (1.x's DELETE takes no policy and clears every one). Best effort: InfluxDB 2.x's v1 API has no DELETE, reads resolve overlaps anyway.
    const from = slots[0].start;
    const to = slots[slots.length - 1].end;
    await this.store
      .query(`DELETE FROM ${quoteIdent(PRICE_MEASUREMENT)} WHERE ${quoteIdent('area')} = ${quoteString(area)} AND time >= ${timeLiteralMs(from)} AND time < ${timeLiteralMs(to)}`)
      .catch(() => undefined);
    const points: GenericPoint[] = slots.map((s) => ({
      tags: { area },
      ts: s.start,
      fields: {
        price: s.price,
        duration_s: (s.end - s.start) / 1000,
        ...(s.consumerPrice !== undefined ? { consumer_price: s.consumerPrice } : {}),
        ...(s.currency ? { currency: s.currency } : {}),
      },
    }));
    await this.store.writePoints(PRICE_MEASUREMENT, points, await this.historyRp());
  }

  /** Slots of `area` overlapping [from, to), sorted, overlaps resolved in favour of the earlier slot. */
  async read(area: string, from: number, to: number): Promise<StoredPriceSlot[]> {
    const q =
      `SELECT "price", "consumer_price", "duration_s", "currency" FROM ${await this.source()} ` +
      `WHERE ${quoteIdent('area')} = ${quoteString(area)} AND time >= ${timeLiteralMs(from - LOOKBACK_MS)} AND time < ${timeLiteralMs(to)} ORDER BY time ASC`;
    const [result] = await this.store.query(q);
    const out: StoredPriceSlot[] = [];
    for (const series of result?.series ?? []) {
      const col = (name: string) => series.columns.indexOf(name);
      const [t, p, c, d, cur] = ['time', 'price', 'consumer_price', 'duration_s', 'currency'].map(col);
      for (const row of series.values) {
        const start = Number(row[t]);
        const end = start + Math.round(Number(row[d]) * 1000);
        if (!(end > from) || typeof row[p] !== 'number' || !(end > start)) continue;
        const previous = out[out.length - 1];
        if (previous && start < previous.end) continue;
        const slot: StoredPriceSlot = { start, end, price: row[p] as number };
        if (typeof row[c] === 'number') slot.consumerPrice = row[c] as number;
        if (typeof row[cur] === 'string') slot.currency = row[cur] as string;
        out.push(slot);
      }
    }
    return out;
  }
}
