import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { PlanMessage } from '@dinmeter/shared';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../../common/tokens';
import { AppConfig } from '../../config/app-config';
import { LeaderLeaseService } from '../../leader/leader-lease.service';
import { RetentionService } from '../../storage/retention.service';
import { GenericPoint, TelemetryStore } from '../../storage/storage.types';
import { AutomationService } from '../automation.service';
import { DAY_MS } from '../automation.types';
import { SavingsService } from '../savings.service';
import { PLAN_MEASUREMENT, planPoints, SAVINGS_MEASUREMENT, savingsPoint, SITE_CAP_MEASUREMENT, siteCapPoint } from './automation-history.points';

/** Savings and the site cap are written on the hour (a day's figure changes slowly). */
export const HISTORY_EVERY_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Writes what the automation does into InfluxDB's history policy for Grafana: each pushed plan at
 * once, and on the hour (leader only) the savings of today and yesterday per automated circuit and
 * the site power cap. A failed write is logged and skipped: the next hour rewrites the same points.
 */
@Injectable()
export class AutomationHistoryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AutomationHistory');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'writePoints'>,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly config: AppConfig,
    private readonly automation: AutomationService,
    private readonly savings: SavingsService,
    private readonly leader: LeaderLeaseService,
    @Optional() private readonly retention?: RetentionService,
  ) {}

  onModuleInit(): void {
    this.automation.onPlanPushed((deviceId, plan) => void this.writePlan(deviceId, plan));
    this.schedule();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  writePlan(deviceId: string, plan: PlanMessage): Promise<void> {
    const modes = new Map(this.automation.automatedCircuits().filter((c) => c.deviceId === deviceId).map((c) => [c.circuit, c.mode]));
    return this.write(PLAN_MEASUREMENT, planPoints(deviceId, plan, (circuit) => modes.get(circuit) ?? 'manual'));
  }

  /** The site cap stamped `ts`, and per automated circuit the savings of `ts`'s UTC day so far and of the day before. */
  async snapshot(ts = this.now()): Promise<void> {
    if (!this.leader.isLeader()) return;
    const cap = this.config.SITE_POWER_CAP_W;
    if (cap !== undefined) await this.write(SITE_CAP_MEASUREMENT, [siteCapPoint(cap, ts)]);
    const today = Math.floor(ts / DAY_MS) * DAY_MS;
    const points: GenericPoint[] = [];
    for (const { deviceId, circuit, mode } of this.automation.automatedCircuits()) {
      for (const [from, to] of [[today - DAY_MS, today], [today, ts]]) {
        if (to <= from) continue;
        try {
          const report = await this.savings.report(deviceId, circuit, { from: iso(from), to: iso(to) });
          points.push(savingsPoint(deviceId, circuit, mode, from, report, report.currency));
        } catch (error) {
          this.logger.warn(`savings of ${deviceId}/${circuit} on ${iso(from)}: ${(error as Error).message}`);
        }
      }
    }
    await this.write(SAVINGS_MEASUREMENT, points);
  }

  private async write(measurement: string, points: GenericPoint[]): Promise<void> {
    if (points.length === 0) return;
    try {
      const rp = this.retention ? await this.retention.historyRpWhenReady() : undefined;
      await this.store.writePoints(measurement, points, rp);
    } catch (error) {
      this.logger.warn(`${measurement} not written: ${(error as Error).message}`);
    }
  }

  private schedule(): void {
    const now = this.now();
    const next = Math.floor(now / HISTORY_EVERY_MS) * HISTORY_EVERY_MS + HISTORY_EVERY_MS;
    this.timer = setTimeout(() => {
      void this.snapshot(next);
      this.schedule();
    }, next - now);
    this.timer.unref();
  }
}
