/**
 * Several circuits, each one contiguous run in its own window, planned together so that the summed
 * power of the circuits running at any instant never exceeds `capW`, at minimum total cost.
 *
 * Exact method: branch and bound over start times on the planning grid (exact, see planning-grid.ts:
 * "i ends before j starts" is a difference constraint too). Circuits are placed biggest energy
 * first; each circuit's starts are tried cheapest first; a branch is cut when its cost plus every
 * remaining circuit's unconstrained minimum cannot beat the best plan found, which starts as the
 * greedy plan. Worst case O(Π S_i) nodes (S_i = grid starts of circuit i), each O(d_i / g); in
 * practice the bound cuts nearly everything when the cap binds rarely. After `maxNodes` the search
 * stops and the best plan so far is returned with `optimal: false` and an optimality gap measured
 * against the lower bound Σ unconstrained minima.
 *
 * worstCost and averageCost are per circuit, ignoring the cap: Σ of each circuit's most expensive
 * placement, and Σ of each circuit's mean cost with its start uniform in its window (cheapestWindow's
 * definitions) — what the same runs cost without a plan.
 */
import { PriceSlot } from '../../prices/price.types';
import { cheapestWindow } from './cheapest-window.planner';
import { planningGrid } from './planning-grid';
import { energyCost, energyKwh, PlanCosts, planCosts, PlanError, PriceCurve } from './price-curve';

export interface CircuitRun {
  id: string | number;
  durationMs: number;
  powerW: number;
  from: number;
  to: number;
}

export interface SitePlanRequest {
  circuits: CircuitRun[];
  capW: number;
  /** Branch-and-bound budget (nodes) before falling back to the best plan found. */
  maxNodes?: number;
}

export interface CircuitPlacement {
  id: string | number;
  start: number;
  end: number;
  cost: number;
}

export interface SitePlan extends PlanCosts {
  circuits: CircuitPlacement[];
  /** True when the search finished: the plan is a proven optimum. */
  optimal: boolean;
  /** Σ of each circuit's cheapest placement ignoring the cap: no plan can cost less. */
  lowerBound: number;
  /** cost − lowerBound when not proven optimal, else 0. */
  optimalityGap: number;
  nodes: number;
}

interface Candidate {
  start: number; // grid unit
  cost: number; // price·ms × W, compared in one unit across circuits
}

export function sitePowerCap(slots: readonly PriceSlot[], req: SitePlanRequest): SitePlan {
  const curve = new PriceCurve(slots);
  if (req.circuits.length === 0) throw new PlanError('no circuits to plan');
  if (!Number.isFinite(req.capW) || req.capW <= 0)
    throw new PlanError(`power cap ${req.capW} W must be positive`);
  const ids = new Set<string | number>();
  for (const c of req.circuits) {
    if (ids.has(c.id)) throw new PlanError(`circuit ${c.id} appears twice`);
    ids.add(c.id);
    if (c.powerW > req.capW)
      throw new PlanError(`circuit ${c.id} alone (${c.powerW} W) exceeds the cap of ${req.capW} W`);
  }
  // Per circuit: the unconstrained plan (validates the request, gives worst/average) and its grid starts.
  const single = req.circuits.map((c) => cheapestWindow(curve, c));
  const origin = Math.min(...req.circuits.map((c) => c.from));
  const end = Math.max(...req.circuits.map((c) => c.to));
  const lengths = req.circuits
    .flatMap((c) => [c.durationMs, c.from - origin, c.to - origin])
    .filter((x) => x > 0);
  const grid = planningGrid(curve, origin, end, lengths);
  const g = grid.stepMs;

  const runs = req.circuits.map((c, index) => {
    const len = c.durationMs / g;
    const candidates: Candidate[] = [];
    for (let s = (c.from - origin) / g; s + len <= (c.to - origin) / g; s++) {
      const cost = curve.integral(origin + s * g, origin + (s + len) * g) * c.powerW;
      if (!Number.isNaN(cost)) candidates.push({ start: s, cost }); // NaN: the run would cross a gap in the prices
    }
    candidates.sort((a, b) => a.cost - b.cost || a.start - b.start);
    return { index, len, powerW: c.powerW, candidates };
  });
  runs.sort((a, b) => b.len * b.powerW - a.len * a.powerW);

  const load = new Float64Array(grid.units);
  const eps = req.capW * 1e-9;
  const fits = (r: (typeof runs)[number], s: number) => {
    for (let u = s; u < s + r.len; u++) if (load[u] + r.powerW > req.capW + eps) return false;
    return true;
  };
  const place = (r: (typeof runs)[number], s: number, sign: 1 | -1) => {
    for (let u = s; u < s + r.len; u++) load[u] += sign * r.powerW;
  };
  // restMin[k]: Σ cheapest cost of runs k.. (ignoring the cap)
  const restMin = new Float64Array(runs.length + 1);
  for (let k = runs.length - 1; k >= 0; k--) restMin[k] = restMin[k + 1] + runs[k].candidates[0].cost;

  let bestCost = Infinity;
  let bestStarts: number[] = [];
  // Greedy: each run at its cheapest start that still fits.
  const greedy: number[] = [];
  let greedyCost = 0;
  for (const r of runs) {
    const pick = r.candidates.find((cand) => fits(r, cand.start));
    if (!pick) break;
    place(r, pick.start, 1);
    greedy.push(pick.start);
    greedyCost += pick.cost;
  }
  runs.forEach((r, k) => k < greedy.length && place(r, greedy[k], -1));
  if (greedy.length === runs.length) [bestCost, bestStarts] = [greedyCost, [...greedy]];

  const maxNodes = req.maxNodes ?? 1_000_000;
  let nodes = 0;
  let complete = true;
  const starts: number[] = [];
  // Ties within rounding do not count as better: the search keeps the first (greedy) plan found.
  const beats = (x: number) => bestCost === Infinity || x < bestCost - Math.abs(bestCost) * 1e-12;
  const search = (k: number, partial: number): void => {
    if (k === runs.length) {
      if (beats(partial)) [bestCost, bestStarts] = [partial, [...starts]];
      return;
    }
    const r = runs[k];
    for (const cand of r.candidates) {
      if (!beats(partial + cand.cost + restMin[k + 1])) return; // sorted: nothing cheaper follows
      if (++nodes > maxNodes) {
        complete = false;
        return;
      }
      if (!fits(r, cand.start)) continue;
      place(r, cand.start, 1);
      starts.push(cand.start);
      search(k + 1, partial + cand.cost);
      starts.pop();
      place(r, cand.start, -1);
      if (!complete) return;
    }
  };
  search(0, 0);
  if (bestCost === Infinity) {
    throw new PlanError(
      complete
        ? `no placement keeps the circuits under ${req.capW} W`
        : `no placement under ${req.capW} W found within ${maxNodes} nodes`,
    );
  }

  const placements: CircuitPlacement[] = new Array(runs.length);
  runs.forEach((r, k) => {
    const c = req.circuits[r.index];
    const start = origin + bestStarts[k] * g;
    placements[r.index] = {
      id: c.id,
      start,
      end: start + c.durationMs,
      cost: energyCost(curve.integral(start, start + c.durationMs), c.powerW),
    };
  });
  const cost = placements.reduce((s, p) => s + p.cost, 0);
  const lowerBound = single.reduce((s, p) => s + p.cost, 0);
  const kwh = req.circuits.reduce((s, c) => s + energyKwh(c.durationMs, c.powerW), 0);
  return {
    circuits: placements,
    ...planCosts(
      cost,
      single.reduce((s, p) => s + p.worstCost, 0),
      single.reduce((s, p) => s + p.averageCost, 0),
      kwh,
    ),
    optimal: complete,
    lowerBound,
    optimalityGap: complete ? 0 : Math.max(0, cost - lowerBound),
    nodes,
  };
}
