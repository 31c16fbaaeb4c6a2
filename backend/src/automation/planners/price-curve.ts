/**
 * A price series as a step function of time, with O(log n) cost integrals.
 * Slot gaps are "no price known": a run may not cross them.
 */
import { PriceSlot } from '../../prices/price.types';

const MS_PER_HOUR = 3_600_000;

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Energy cost of running at `powerW` for the price·ms integral `priceMs` (price per kWh). */
export function energyCost(priceMs: number, powerW: number): number {
  return (priceMs * powerW) / 1000 / MS_PER_HOUR;
}

export function energyKwh(durationMs: number, powerW: number): number {
  return (powerW / 1000) * (durationMs / MS_PER_HOUR);
}

export class PriceCurve {
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly prices: number[];
  /** Σ price × length (price·ms) and Σ length of the slots before index i. */
  private readonly cumCost: number[];
  private readonly cumCovered: number[];

  constructor(slots: readonly PriceSlot[]) {
    if (slots.length === 0) throw new PlanError('no price slots');
    this.starts = [];
    this.ends = [];
    this.prices = [];
    this.cumCost = [0];
    this.cumCovered = [0];
    slots.forEach((s, i) => {
      if (
        !Number.isSafeInteger(s.start) ||
        !Number.isSafeInteger(s.end) ||
        s.end <= s.start ||
        !Number.isFinite(s.price)
      ) {
        throw new PlanError(`price slot #${i} ${JSON.stringify(s)} is invalid`);
      }
      if (i > 0 && s.start < slots[i - 1].end)
        throw new PlanError(`price slot #${i} overlaps or is out of order`);
      this.starts.push(s.start);
      this.ends.push(s.end);
      this.prices.push(s.price);
      this.cumCost.push(this.cumCost[i] + s.price * (s.end - s.start));
      this.cumCovered.push(this.cumCovered[i] + (s.end - s.start));
    });
  }

  get first(): number {
    return this.starts[0];
  }

  get last(): number {
    return this.ends[this.ends.length - 1];
  }

  /** Every slot start and end, ascending, unique. */
  boundaries(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      if (out[out.length - 1] !== this.starts[i]) out.push(this.starts[i]);
      out.push(this.ends[i]);
    }
    return out;
  }

  /** ∫ price dt over [a, b] in price·ms, or NaN when part of [a, b] has no price. */
  integral(a: number, b: number): number {
    if (b <= a) return 0;
    const [costB, coveredB] = this.cumulative(b);
    const [costA, coveredA] = this.cumulative(a);
    return coveredB - coveredA === b - a ? costB - costA : NaN;
  }

  private cumulative(t: number): [number, number] {
    // last slot with start <= t
    let lo = 0;
    let hi = this.starts.length - 1;
    if (t < this.starts[0]) return [0, 0];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    if (t >= this.ends[lo]) return [this.cumCost[lo + 1], this.cumCovered[lo + 1]];
    const into = t - this.starts[lo];
    return [this.cumCost[lo] + this.prices[lo] * into, this.cumCovered[lo] + into];
  }
}

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

export interface PlanCosts {
  /** Cost of the plan, in the price's currency. */
  cost: number;
  /** Most expensive placement of the same run under the same constraints. */
  worstCost: number;
  /** Mean cost over all feasible placements (each planner defines its distribution). */
  averageCost: number;
  /** averageCost − cost. */
  savings: number;
  /** worstCost − cost. */
  savingsVsWorst: number;
  energyKwh: number;
}

export function planCosts(cost: number, worstCost: number, averageCost: number, kwh: number): PlanCosts {
  return {
    cost,
    worstCost,
    averageCost,
    savings: averageCost - cost,
    savingsVsWorst: worstCost - cost,
    energyKwh: kwh,
  };
}

export interface RunRequest {
  durationMs: number;
  powerW: number;
  /** Window; defaults to the span of the prices. */
  from?: number;
  to?: number;
}

/** Checks a run request and resolves its window. */
export function resolveWindow(curve: PriceCurve, req: RunRequest): { from: number; to: number } {
  const from = req.from ?? curve.first;
  const to = req.to ?? curve.last;
  if (!Number.isSafeInteger(req.durationMs) || req.durationMs <= 0)
    throw new PlanError(`duration ${req.durationMs} ms must be a positive whole number`);
  if (!Number.isFinite(req.powerW) || req.powerW <= 0)
    throw new PlanError(`power ${req.powerW} W must be positive`);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to))
    throw new PlanError(`window ${from}–${to} must be whole ms`);
  if (to - from < req.durationMs) {
    throw new PlanError(
      `window ${new Date(from).toISOString()}–${new Date(to).toISOString()} is shorter than the run (${req.durationMs / 60000} min)`,
    );
  }
  return { from, to };
}
