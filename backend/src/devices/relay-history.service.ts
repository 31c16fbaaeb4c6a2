/**
 * Relay history in InfluxDB (measurement `relay`, tags device + circuit, fields state 1/0, reason,
 * tripped) for dashboards. A change is written when it happens; in addition every known relay state
 * is written again every RELAY_SNAPSHOT_MS (on the wall-clock quarter hour), so a query over any
 * range finds the state that held at its start by looking back two snapshot periods (the Grafana
 * "Relay state" panel does). Only online meters get snapshots. Losing a point here loses no
 * telemetry: failures are logged.
 */
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { RelayCircuitState } from '@dinmeter/shared';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../common/tokens';
import { RetentionService } from '../storage/retention.service';
import { GenericPoint, TelemetryStore } from '../storage/storage.types';

export const RELAY_MEASUREMENT = 'relay';
export const RELAY_SNAPSHOT_MS = 15 * 60_000;

export function relayPoint(device: string, state: RelayCircuitState, ts: number): GenericPoint {
  return {
    tags: { device, circuit: String(state.circuit) },
    fields: { state: state.state === 'on' ? 1 : 0, reason: state.reason, tripped: state.tripped ?? false },
    ts,
  };
}

@Injectable()
export class RelayHistoryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RelayHistory');
  private timer?: NodeJS.Timeout;
  /** The current relay states, keyed by device: what a snapshot writes. */
  private source: () => Iterable<[device: string, states: (RelayCircuitState | undefined)[]]> = () => [];

  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'writePoints'>,
    @Inject(CLOCK) private readonly now: NowFn,
    @Optional() private readonly retention?: RetentionService,
  ) {}

  /** DevicesService hands over its registry (it owns the states; this class only writes them). */
  watch(source: () => Iterable<[string, (RelayCircuitState | undefined)[]]>): void {
    this.source = source;
  }

  onModuleInit(): void {
    this.schedule();
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  write(points: GenericPoint[]): Promise<void> {
    if (points.length === 0) return Promise.resolve();
    const historyRp = this.retention ? this.retention.historyRpWhenReady() : Promise.resolve(undefined);
    return historyRp
      .then((rp) => this.store.writePoints(RELAY_MEASUREMENT, points, rp))
      .catch((error: Error) => this.logger.warn(`relay history not written: ${error.message}`));
  }

  /** Writes every known relay state stamped `ts` (a quarter hour). */
  snapshot(ts = this.now()): Promise<void> {
    const points: GenericPoint[] = [];
    for (const [device, states] of this.source()) {
      for (const state of states) if (state) points.push(relayPoint(device, state, ts));
    }
    return this.write(points);
  }

  private schedule(): void {
    const now = this.now();
    const next = Math.floor(now / RELAY_SNAPSHOT_MS) * RELAY_SNAPSHOT_MS + RELAY_SNAPSHOT_MS;
    this.timer = setTimeout(() => {
      void this.snapshot(next);
      this.schedule();
    }, next - now);
    this.timer.unref();
  }
}
