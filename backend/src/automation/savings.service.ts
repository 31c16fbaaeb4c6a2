import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { parseInstant } from '../common/params';
import { CLOCK, NowFn } from '../common/tokens';
import { DevicesService } from '../devices/devices.service';
import { PricesService } from '../prices/prices.service';
import { SavingsQueryDto } from './automation.dto';
import { EnergyRepository } from './energy.repository';
import { savingsFigures } from './savings.calculator';

const iso = (ms: number) => new Date(ms).toISOString();
const MAX_SPAN_MS = 366 * 86_400_000;

/** GET …/savings: the energy a circuit used, priced, against the worst and average placement. */
@Injectable()
export class SavingsService {
  constructor(
    private readonly energy: EnergyRepository,
    private readonly prices: PricesService,
    private readonly devices: DevicesService,
    @Inject(CLOCK) private readonly now: NowFn,
  ) {}

  async report(deviceId: string, circuit: number, query: SavingsQueryDto) {
    this.devices.get(deviceId);
    const now = this.now();
    const to = query.to ? parseInstant(query.to, now, 'to') : now;
    const from = query.from ? parseInstant(query.from, now, 'from') : to - 86_400_000;
    if (from >= to) throw new BadRequestException(`from (${iso(from)}) must be before to (${iso(to)})`);
    if (to - from > MAX_SPAN_MS) throw new BadRequestException('at most one year per report');
    const [readings, stored] = await Promise.all([
      this.energy.readings(deviceId, circuit, from, to),
      this.prices.list(this.prices.area, from, to),
    ]);
    const slots = stored.map((s) => ({ start: s.start, end: s.end, price: s.consumerPrice ?? s.price }));
    return {
      device: deviceId,
      circuit,
      from: iso(from),
      to: iso(to),
      area: this.prices.area,
      currency: stored.find((s) => s.currency)?.currency ?? null,
      consumerPrices: stored.some((s) => s.consumerPrice !== undefined),
      ...savingsFigures(readings, slots, from, to),
    };
  }
}
