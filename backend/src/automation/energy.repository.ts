import { Inject, Injectable, Optional } from '@nestjs/common';
import { TELEMETRY_STORE } from '../common/tokens';
import { quoteIdent, quoteString, timeLiteralMs } from '../storage/influxql';
import { RetentionService, TierSource } from '../storage/retention.service';
import { CIRCUIT_MEASUREMENT, InfluxStatementResult, TelemetryStore } from '../storage/storage.types';
import { EnergyReading } from './savings.calculator';

/** At most this many readings per savings report: longer ranges read the counter once per interval. */
const MAX_READINGS = 5000;

/** The circuit energy counter (`circuit` measurement, field energy_import_wh) as the automation reads it. */
@Injectable()
export class EnergyRepository {
  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'query'>,
    @Optional() private readonly retention?: RetentionService,
  ) {}

  /**
   * Counter readings in [from, to), plus the last one before `from` so the first interval counts.
   * Ranges older than the raw retention are read from the downsampled tiers (same field, last value).
   */
  async readings(device: string, circuit: number, from: number, to: number): Promise<EnergyReading[]> {
    const where = this.where(device, circuit);
    const tier: TierSource = this.retention?.sourceFor(from) ?? { from: quoteIdent(CIRCUIT_MEASUREMENT), shiftMs: 0 };
    const everyS = Math.max(1, Math.ceil((to - from) / 1000 / MAX_READINGS));
    const [before, inside] = await this.store.query(
      `SELECT last("energy_import_wh") FROM ${tier.from} WHERE ${where} AND time < ${timeLiteralMs(from)} AND time >= ${timeLiteralMs(from - 86_400_000)}; ` +
        `SELECT last("energy_import_wh") FROM ${tier.from} WHERE ${where} AND time >= ${timeLiteralMs(from)} AND time < ${timeLiteralMs(to)} GROUP BY time(${everyS}s) fill(none)`,
    );
    // GROUP BY time labels a bucket with its start; its last reading is at most one bucket later.
    const rows = (result: InfluxStatementResult | undefined, shiftMs: number) =>
      (result?.series ?? []).flatMap((s) => s.values.filter((v) => typeof v[1] === 'number').map((v) => ({ ts: Math.min(Number(v[0]) + shiftMs, to), energyWh: v[1] as number })));
    // last() without GROUP BY returns the reading's own time (a downsampled point's: its interval's start).
    // A bucket's last reading is at most one bucket, or one tier interval, after its start.
    const bucketMs = everyS === 1 && tier.shiftMs === 0 ? 0 : Math.max(everyS * 1000, tier.shiftMs);
    return [...rows(before, tier.shiftMs).map((r) => ({ ...r, ts: Math.min(r.ts, from) })), ...rows(inside, bucketMs)];
  }

  /** Energy used in [from, to) in Wh (the counter's rise; a counter that restarted counts from its new start). */
  async usedWh(device: string, circuit: number, from: number, to: number): Promise<number> {
    const [result] = await this.store.query(
      `SELECT spread("energy_import_wh") FROM ${quoteIdent(CIRCUIT_MEASUREMENT)} WHERE ${this.where(device, circuit)} AND time >= ${timeLiteralMs(from)} AND time < ${timeLiteralMs(to)}`,
    );
    const value = result?.series?.[0]?.values?.[0]?.[1];
    return typeof value === 'number' ? value : 0;
  }

  private where(device: string, circuit: number): string {
    return `${quoteIdent('device')} = ${quoteString(device)} AND ${quoteIdent('circuit')} = ${quoteString(String(circuit))}`;
  }
}
