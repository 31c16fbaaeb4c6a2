/**
 * On whenever the price is below `belowPrice`, inside [from, to].
 *
 * worstCost and averageCost compare the same total on-time placed elsewhere in the window with no
 * block constraints: worstCost the most expensive such placement, averageCost the mean over all
 * placements on the planning grid (= on-time × the window's mean price). The threshold choice is
 * itself the cheapest placement of its on-time, so savings ≥ 0.
 */
import { PriceSlot } from '../../prices/price.types';
import { cheapestSlots, Interval } from './cheapest-slots.planner';
import { energyCost, energyKwh, PlanCosts, planCosts, PlanError, PriceCurve } from './price-curve';

export interface ThresholdRequest {
  belowPrice: number;
  powerW: number;
  from?: number;
  to?: number;
}

export interface ThresholdPlan extends PlanCosts {
  blocks: Interval[];
}

export function threshold(slots: readonly PriceSlot[], req: ThresholdRequest): ThresholdPlan {
  if (!Number.isFinite(req.belowPrice))
    throw new PlanError(`threshold price ${req.belowPrice} must be a finite number`);
  if (!Number.isFinite(req.powerW) || req.powerW <= 0)
    throw new PlanError(`power ${req.powerW} W must be positive`);
  const curve = new PriceCurve(slots);
  const from = req.from ?? curve.first;
  const to = req.to ?? curve.last;
  if (!(to > from)) throw new PlanError('the window is empty');
  const blocks: Interval[] = [];
  let priceMs = 0;
  for (const s of slots) {
    const start = Math.max(s.start, from);
    const end = Math.min(s.end, to);
    if (end <= start || !(s.price < req.belowPrice)) continue;
    priceMs += s.price * (end - start);
    const last = blocks[blocks.length - 1];
    if (last && last.end === start) last.end = end;
    else blocks.push({ start, end });
  }
  const onMs = blocks.reduce((sum, b) => sum + b.end - b.start, 0);
  if (onMs === 0) return { blocks, ...planCosts(0, 0, 0, 0) };
  const same = cheapestSlots(curve, { durationMs: onMs, powerW: req.powerW, from, to });
  return {
    blocks,
    ...planCosts(
      energyCost(priceMs, req.powerW),
      same.worstCost,
      same.averageCost,
      energyKwh(onMs, req.powerW),
    ),
  };
}
