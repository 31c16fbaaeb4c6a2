/**
 * One contiguous run of `durationMs` inside [from, to] at minimum energy cost.
 *
 * C(t) = P × ∫[t, t+d] price is piecewise linear in the start t, with breakpoints where t or t + d
 * crosses a slot boundary. Its minimum and maximum over [from, to − d] are therefore at a breakpoint
 * or an end of that range: candidates are {from, to − d} ∪ {b, b − d : b a slot boundary}, O(n log n).
 *
 * averageCost: the expected cost when the start is uniform over the feasible starts in
 * [from, to − d] (starts whose run has prices throughout), i.e. (1/|F|) ∫_F C(t) dt, exact by the
 * trapezoid rule between breakpoints. When the window is exactly d long it is the one run's cost.
 */
import { PriceSlot } from '../../prices/price.types';
import {
  energyCost,
  energyKwh,
  PlanCosts,
  planCosts,
  PlanError,
  PriceCurve,
  resolveWindow,
  RunRequest,
} from './price-curve';

export interface WindowPlan extends PlanCosts {
  start: number;
  end: number;
}

export function cheapestWindow(slots: readonly PriceSlot[] | PriceCurve, req: RunRequest): WindowPlan {
  const curve = slots instanceof PriceCurve ? slots : new PriceCurve(slots);
  const { from, to } = resolveWindow(curve, req);
  const d = req.durationMs;
  const latest = to - d;
  const candidates = new Set<number>([from, latest]);
  for (const b of curve.boundaries()) {
    if (b >= from && b <= latest) candidates.add(b);
    if (b - d >= from && b - d <= latest) candidates.add(b - d);
  }
  const starts = [...candidates].sort((a, b) => a - b);
  const costAt = (t: number) => energyCost(curve.integral(t, t + d), req.powerW);
  const costs = starts.map(costAt);

  let best = -1;
  let worst = -1;
  for (let i = 0; i < starts.length; i++) {
    if (Number.isNaN(costs[i])) continue;
    if (best < 0 || costs[i] < costs[best]) best = i; // strict: earliest start on ties
    if (worst < 0 || costs[i] > costs[worst]) worst = i;
  }
  if (best < 0) throw new PlanError(`no price data covers a ${d / 60000}-minute run inside the window`);

  let area = 0;
  let measure = 0;
  for (let i = 0; i + 1 < starts.length; i++) {
    const mid = (starts[i] + starts[i + 1]) / 2;
    if (Number.isNaN(costAt(mid))) continue; // a gap in the prices: these starts are not feasible
    const len = starts[i + 1] - starts[i];
    area += ((costs[i] + costs[i + 1]) / 2) * len;
    measure += len;
  }
  let average: number;
  if (measure > 0) {
    average = area / measure;
  } else {
    const feasible = costs.filter((c) => !Number.isNaN(c));
    average = feasible.reduce((s, c) => s + c, 0) / feasible.length;
  }
  return {
    start: starts[best],
    end: starts[best] + d,
    ...planCosts(costs[best], costs[worst], average, energyKwh(d, req.powerW)),
  };
}
