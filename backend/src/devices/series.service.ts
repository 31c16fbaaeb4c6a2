import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../common/tokens';
import { DevicesService } from '../devices/devices.service';
import { parseInstant } from '../common/params';
import { SeriesQueryDto } from './devices.dto';
import { TelemetryStore } from '../storage/storage.types';

export type SeriesReader = Pick<TelemetryStore, 'querySeries'>;

const MAX_POINTS = 10_000;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** Time series of one circuit's field, read back from InfluxDB. */
@Injectable()
export class SeriesService {
  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: SeriesReader,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly devices: DevicesService,
  ) {}

  async series(deviceId: string, circuit: number, query: SeriesQueryDto) {
    this.devices.get(deviceId);
    const now = this.now();
    const to = query.to ? parseInstant(query.to, now, 'to') : now;
    const from = query.from ? parseInstant(query.from, now, 'from') : to - 3600e3;
    if (from >= to) throw new BadRequestException(`from (${new Date(from).toISOString()}) must be before to`);
    const every = query.every ?? this.defaultEvery(to - from);
    const everyMs = Number(every.slice(0, -1)) * UNIT_MS[every.slice(-1)];
    if (everyMs <= 0) throw new BadRequestException('every must be positive');
    if ((to - from) / everyMs > MAX_POINTS) {
      throw new BadRequestException(`that is more than ${MAX_POINTS} points: use a larger "every" or a shorter range`);
    }
    const points = await this.store.querySeries({ device: deviceId, circuit, field: query.field, from, to, every, fn: query.fn ?? 'mean' });
    return {
      device: deviceId,
      circuit,
      field: query.field,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      every,
      points: points.map((p) => ({ ts: new Date(p.ts).toISOString(), value: p.value })),
    };
  }

  private defaultEvery(spanMs: number): string {
    for (const every of ['10s', '1m', '5m', '15m', '1h', '1d']) {
      if (spanMs / (Number(every.slice(0, -1)) * UNIT_MS[every.slice(-1)]) <= 1000) return every;
    }
    return '7d';
  }
}
