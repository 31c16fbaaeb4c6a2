/**
 * Pure: the InfluxDB points the automation leaves for Grafana (docs/integrations.md#grafana).
 * - `automation_plan` (tags device, circuit, rule): `planned_on` per plan slot, the share of the slot
 *   the pushed plan keeps the relay on (0 off … 1 on), stamped with the slot's start, plus the plan
 *   `version`. A newer plan overwrites the slots it covers.
 * - `automation_savings` (tags device, circuit, rule): one point per UTC day, stamped with its start:
 *   the savings report of that day (savings.calculator.ts), rewritten while the day runs.
 * - `automation_site_cap` (tag rule): `cap_w`, the configured site power cap, while one is set.
 */
import { PlanMessage } from '@dinmeter/shared';
import { GenericPoint } from '../../storage/storage.types';
import { SavingsFigures } from '../savings.calculator';

export const PLAN_MEASUREMENT = 'automation_plan';
export const SAVINGS_MEASUREMENT = 'automation_savings';
export const SITE_CAP_MEASUREMENT = 'automation_site_cap';
/** The price market's slot: plans are laid on this grid. */
export const PLAN_SLOT_MS = 15 * 60_000;

/** One point per slot from the slot of `issued` to each circuit's valid_until. `ruleOf` names the circuit's mode. */
export function planPoints(deviceId: string, plan: PlanMessage, ruleOf: (circuit: number) => string): GenericPoint[] {
  const points: GenericPoint[] = [];
  const first = Math.floor(plan.issued / PLAN_SLOT_MS) * PLAN_SLOT_MS;
  for (const entry of plan.circuits) {
    const tags = { device: deviceId, circuit: String(entry.circuit), rule: ruleOf(entry.circuit) };
    for (let slot = first; slot < entry.valid_until; slot += PLAN_SLOT_MS) {
      const slotEnd = slot + PLAN_SLOT_MS;
      let onMs = 0;
      for (const i of entry.on) onMs += Math.max(0, Math.min(i.end, slotEnd) - Math.max(i.start, slot));
      points.push({ tags, fields: { planned_on: onMs / PLAN_SLOT_MS, version: plan.version }, ts: slot });
    }
  }
  return points;
}

export function savingsPoint(deviceId: string, circuit: number, rule: string, dayStart: number, figures: SavingsFigures, currency: string | null): GenericPoint {
  return {
    tags: { device: deviceId, circuit: String(circuit), rule },
    fields: {
      cost: figures.actualCost,
      cost_average: figures.averageCost,
      cost_worst: figures.worstCost,
      saved: figures.savings,
      energy_kwh: figures.energyKwh,
      ...(currency ? { currency } : {}),
    },
    ts: dayStart,
  };
}

export function siteCapPoint(capW: number, ts: number): GenericPoint {
  if (!(capW > 0)) throw new RangeError(`site power cap ${capW} W is not a positive number`);
  return { tags: { rule: 'site_power_cap' }, fields: { cap_w: capW }, ts };
}
