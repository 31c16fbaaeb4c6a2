/**
 * The coarsest time grid on which a plan with on/off switching is still exact.
 *
 * Why a grid loses nothing: fix which slot every switching instant falls in and the order of the
 * instants. The cost is then linear in the instants, and every constraint (block length ≥ L,
 * total = d, blocks in order, window ends, slot edges, and for several circuits "i ends before j
 * starts") is a bound on one instant or on the difference of two. Such a polytope's vertices have
 * coordinates that are integer combinations of the bounds (a difference-constraint system; the one
 * "total on-time = d" row meets a contiguous chain of them with coefficient ±1), so some optimum lies
 * on the grid g = gcd of every slot edge and window end (relative to the origin), d and L.
 */
import { gcd, PlanError, PriceCurve } from './price-curve';

export interface PlanningGrid {
  origin: number;
  stepMs: number;
  /** Number of grid units between origin and the window end. */
  units: number;
  /** price·ms of each unit, NaN where no price is known. */
  unitCost: Float64Array;
}

/** Grids bigger than this are refused rather than allowed to take minutes and gigabytes. */
export const MAX_GRID_UNITS = 20_000;

export function planningGrid(curve: PriceCurve, from: number, to: number, lengthsMs: number[]): PlanningGrid {
  let step = to - from;
  for (const len of lengthsMs) step = gcd(step, len);
  for (const b of curve.boundaries()) if (b > from && b < to) step = gcd(step, b - from);
  const units = (to - from) / step;
  if (units > MAX_GRID_UNITS) {
    throw new PlanError(
      `the plan needs a ${step / 1000}-second grid (${units} steps): use durations and slot edges on whole minutes/quarter-hours`,
    );
  }
  const unitCost = new Float64Array(units);
  for (let u = 0; u < units; u++) unitCost[u] = curve.integral(from + u * step, from + (u + 1) * step);
  return { origin: from, stepMs: step, units, unitCost };
}
