import { Injectable, Logger } from '@nestjs/common';
import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { PricesService } from '../prices/prices.service';
import { Alert, CircuitAutomation, CircuitRuntime } from './automation.types';
import { EnergyRepository } from './energy.repository';
import { periodAt } from './local-time';

const MAX_ALERTS = 20;
/** "Until a top-up": far enough to never end, small enough for JSON and plan arithmetic. */
export const UNTIL_TOP_UP = 8_640_000_000_000;

/**
 * The guards that combine with any mode, evaluated on the leader every tick from the registry's
 * latest readings (standby, credit) and InfluxDB (budget). A cut is a relay `off` command plus,
 * for budget and credit, a plan that keeps the circuit off (runtime.cutUntil) so the meter's
 * offline plan cannot switch it back on.
 */
@Injectable()
export class GuardsService {
  private readonly logger = new Logger(GuardsService.name);

  constructor(
    private readonly devices: DevicesService,
    private readonly energy: EnergyRepository,
    private readonly prices: PricesService,
    private readonly commands: CommandsService,
    private readonly counters: Counters,
    private readonly config: AppConfig,
  ) {}

  /** Returns true when the plan of the circuit must change (a cut began). */
  async evaluate(deviceId: string, circuit: number, rule: CircuitAutomation, rt: CircuitRuntime, now: number): Promise<boolean> {
    const guards = rule.guards;
    if (!guards || !this.devices.find(deviceId)) return false;
    const view = this.devices.circuit(deviceId, circuit);
    let replan = false;

    if (guards.budget) {
      const period = periodAt(guards.budget.period, now, guards.budget.timezone ?? this.config.PRICE_TIMEZONE);
      if (rt.budgetCutPeriod !== period.start) {
        const usedKwh = (await this.energy.usedWh(deviceId, circuit, period.start, now + 1)) / 1000;
        if (usedKwh >= guards.budget.kwh) {
          rt.budgetCutPeriod = period.start;
          this.cut(deviceId, circuit, rt, now, 'budget', period.end, `used ${usedKwh.toFixed(3)} kWh of the ${guards.budget.kwh} kWh ${guards.budget.period} budget`);
          replan = true;
        }
      }
    }

    if (guards.credit && view.reading) {
      const energyWh = view.reading.energy_import_wh;
      const delta = rt.creditEnergyWh === undefined ? 0 : energyWh - rt.creditEnergyWh;
      rt.creditEnergyWh = energyWh;
      if (delta > 0) {
        const price = guards.credit.unit === 'kwh' ? 1 : this.prices.priceAt(view.readingTs ?? now);
        if (price === undefined) this.counters.inc('automation_credit_unpriced');
        rt.creditBalance = (rt.creditBalance ?? 0) - (delta / 1000) * (price ?? 0);
      }
      if ((rt.creditBalance ?? 0) <= 0 && rt.cutReason !== 'credit') {
        this.cut(deviceId, circuit, rt, now, 'credit', UNTIL_TOP_UP, `credit used up (${(rt.creditBalance ?? 0).toFixed(4)} ${guards.credit.unit === 'kwh' ? 'kWh' : this.prices.currency ?? 'money'})`);
        replan = true;
      }
    }

    if (guards.standby && view.reading && view.relay?.state === 'on') {
      const ts = view.readingTs ?? now;
      if (view.reading.power_w < guards.standby.belowW) {
        rt.standbySince ??= ts;
        if (ts - rt.standbySince >= guards.standby.forMinutes * 60_000) {
          rt.standbySince = undefined;
          this.cut(deviceId, circuit, rt, now, 'standby', undefined, `below ${guards.standby.belowW} W for ${guards.standby.forMinutes} min`);
        }
      } else {
        rt.standbySince = undefined;
      }
    } else if (guards.standby) {
      rt.standbySince = undefined;
    }
    return replan;
  }

  private cut(deviceId: string, circuit: number, rt: CircuitRuntime, now: number, kind: Alert['kind'], until: number | undefined, message: string): void {
    if (until !== undefined) {
      rt.cutUntil = Math.max(rt.cutUntil ?? 0, until);
      rt.cutReason = kind;
    }
    rt.alerts = [...rt.alerts, { ts: now, kind, message }].slice(-MAX_ALERTS);
    this.counters.inc(`automation_cut_${kind}`);
    this.logger.warn(`${deviceId} circuit ${circuit}: ${kind} guard cut the circuit: ${message}`);
    try {
      this.commands.send(deviceId, { op: 'relay', circuit, state: 'off' });
    } catch (error) {
      this.logger.error(`cut of ${deviceId} circuit ${circuit} failed: ${(error as Error).message}`);
    }
  }
}
