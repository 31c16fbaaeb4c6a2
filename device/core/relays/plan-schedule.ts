import { CircuitPlan } from '@dinmeter/shared';

export interface PlanPoint {
  /** The plan wants the relay on (inside an `on` interval, which is half-open: [start, end)). */
  on: boolean;
  /** Wall ms of the next instant where the plan's answer changes (an interval edge or valid_until). */
  nextBoundaryMs: number;
}

/**
 * What a circuit's plan says at wall time `wallMs`; undefined once the plan is no longer valid
 * (wallMs >= valid_until). Intervals are sorted and disjoint (the plan schema checks it), so a
 * binary search finds the answer: cheap enough to call on every tick with 192 intervals.
 */
export function planPointAt(plan: CircuitPlan, wallMs: number): PlanPoint | undefined {
  if (wallMs >= plan.valid_until) return undefined;
  const intervals = plan.on;
  // Index of the last interval that starts at or before wallMs, or -1.
  let lo = 0;
  let hi = intervals.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (intervals[mid].start <= wallMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found >= 0 && wallMs < intervals[found].end) {
    return { on: true, nextBoundaryMs: Math.min(intervals[found].end, plan.valid_until) };
  }
  const next = intervals[found + 1];
  return {
    on: false,
    nextBoundaryMs: next === undefined ? plan.valid_until : Math.min(next.start, plan.valid_until),
  };
}
