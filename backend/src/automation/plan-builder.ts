/**
 * Pure: one circuit's rule + prices + time → the on-intervals the meter should run, and until when.
 * `cheapest` windows are planned once and kept (a run is never moved once it started); they are
 * re-planned only when the rule or the prices inside the window change before the run begins.
 */
import { CircuitPlan } from '@dinmeter/shared';
import { PriceSlot } from '../prices/price.types';
import { cheapestSlots, cheapestWindow, PlanError, threshold } from './planners';
import { CheapestRule, CircuitAutomation, CircuitRuntime, DAY_MS, MINUTE_MS, PlannedWindow } from './automation.types';
import { dailyWindows } from './local-time';
import { expandSchedule, OnInterval } from './schedule-expander';

/** Most intervals per circuit in one plan (shared/src/protocol/messages/plan.ts planSchema). */
export const MAX_PLAN_INTERVALS = 96;
/** Plans look this far ahead for daily windows. */
const LOOKAHEAD_MS = 36 * 3_600_000;
const DEFAULT_POWER_W = 1000;

export interface PlanInputs {
  now: number;
  prices: readonly PriceSlot[];
  defaultTimeZone: string;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

function slotsIn(prices: readonly PriceSlot[], from: number, to: number): PriceSlot[] {
  return prices.filter((s) => s.end > from && s.start < to);
}

function covered(prices: readonly PriceSlot[], from: number, to: number): boolean {
  let at = from;
  for (const s of prices) if (s.start <= at && s.end > at) at = s.end;
  return at >= to;
}

/** Plans (or keeps) the daily windows of a `cheapest` rule. */
export function planCheapestWindows(rule: CheapestRule, previous: readonly PlannedWindow[], inputs: PlanInputs): { windows: PlannedWindow[]; waitUntil?: number } {
  const { now, prices } = inputs;
  const tz = rule.timezone ?? inputs.defaultTimeZone;
  const windows: PlannedWindow[] = [];
  let waitUntil: number | undefined;
  for (const w of dailyWindows(rule.from, rule.to, tz, now, now + LOOKAHEAD_MS)) {
    const old = previous.find((p) => p.windowStart === w.start);
    const basis = hash(JSON.stringify(rule) + JSON.stringify(slotsIn(prices, w.start, w.end)));
    const started = old !== undefined && (old.on.length === 0 ? now >= w.start : old.on[0].start <= now);
    if (old && (old.basis === basis || started)) {
      windows.push(old);
      continue;
    }
    // Plan from the next whole second (non-contiguous: minute, so the DP's grid stays coarse).
    const step = rule.nonContiguous ? MINUTE_MS : 1000;
    const from = Math.max(w.start, Math.ceil(now / step) * step);
    const durationMs = Math.min(rule.durationMinutes * MINUTE_MS, w.end - from);
    if (durationMs <= 0) continue;
    const windowCovered = covered(prices, from, w.end);
    if (!windowCovered && now < w.start) {
      // Tomorrow's prices are not published yet: decide later (at the latest when the window opens).
      waitUntil = Math.min(waitUntil ?? Infinity, w.start);
      continue;
    }
    windows.push(planWindow(rule, w, from, durationMs, basis, windowCovered ? prices : slotsIn(prices, from, w.end)));
  }
  return { windows, waitUntil };
}

function planWindow(rule: CheapestRule, w: { start: number; end: number }, from: number, durationMs: number, basis: string, prices: readonly PriceSlot[]): PlannedWindow {
  const base = { windowStart: w.start, windowEnd: w.end, basis };
  const powerW = rule.powerW ?? DEFAULT_POWER_W;
  try {
    const slots = slotsIn(prices, from, w.end);
    if (rule.nonContiguous) {
      const plan = cheapestSlots(slots, {
        durationMs,
        powerW,
        from,
        to: w.end,
        minBlockMs: rule.minBlockMinutes ? rule.minBlockMinutes * MINUTE_MS : undefined,
        maxBlocks: rule.maxBlocks,
      });
      return { ...base, on: plan.blocks.map((b) => ({ start: b.start, end: b.end })), cost: plan.cost, worstCost: plan.worstCost, averageCost: plan.averageCost, savings: plan.savings };
    }
    const plan = cheapestWindow(slots, { durationMs, powerW, from, to: w.end });
    return { ...base, on: [{ start: plan.start, end: plan.end }], cost: plan.cost, worstCost: plan.worstCost, averageCost: plan.averageCost, savings: plan.savings };
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    // No usable prices while the window is open: run now rather than not at all (a water heater must heat).
    return { ...base, on: [{ start: from, end: from + durationMs }], note: `no plan from prices (${error.message}): runs from the window start` };
  }
}

/** On-intervals of the `threshold` rule over the prices known from now on; valid until they end. */
export function thresholdIntervals(belowPrice: number, powerW: number | undefined, inputs: PlanInputs): { on: OnInterval[]; validUntil?: number } {
  const { now, prices } = inputs;
  const current = prices.find((s) => s.end > now);
  if (!current) return { on: [] };
  let to = current.end;
  for (const s of prices) if (s.start <= to && s.end > to) to = s.end;
  const plan = threshold(slotsIn(prices, current.start, to), { belowPrice, powerW: powerW ?? DEFAULT_POWER_W, from: current.start, to });
  return { on: plan.blocks, validUntil: to };
}

/** Cron expansion takes ~100 ms per week of firings; it only changes with the rule and the day. */
const scheduleCache = new Map<string, OnInterval[]>();
function cachedSchedule(on: string[], off: string[], timeZone: string, from: number, to: number): OnInterval[] {
  const key = JSON.stringify([on, off, timeZone, from, to]);
  let result = scheduleCache.get(key);
  if (!result) {
    result = expandSchedule(on, off, timeZone, from, to);
    if (scheduleCache.size >= 200) scheduleCache.clear();
    scheduleCache.set(key, result);
  }
  return result.map((i) => ({ ...i }));
}

/** Removes the on-time before `cutUntil` (a guard keeps the circuit off until then). */
export function applyCut(on: readonly OnInterval[], cutUntil: number | undefined, now: number): OnInterval[] {
  if (cutUntil === undefined || cutUntil <= now) return [...on];
  return on.filter((i) => i.end > cutUntil).map((i) => ({ start: Math.max(i.start, cutUntil), end: i.end }));
}

/**
 * The circuit's part of the device plan, or undefined for `manual` (left out: the meter keeps its
 * state). Updates runtime.windows for `cheapest`.
 */
export function buildCircuitPlan(circuit: number, rule: CircuitAutomation, runtime: CircuitRuntime, inputs: PlanInputs): CircuitPlan | undefined {
  const { now } = inputs;
  let on: OnInterval[] = [];
  let validUntil = now + 3_600_000;
  if (rule.mode === 'manual') return undefined;
  if (rule.mode === 'schedule' && rule.schedule) {
    // Anchored at UTC midnight so the plan only changes once a day, not with every tick.
    const anchor = Math.floor(now / DAY_MS) * DAY_MS;
    validUntil = anchor + 2 * DAY_MS;
    on = cachedSchedule(rule.schedule.on, rule.schedule.off, rule.schedule.timezone ?? inputs.defaultTimeZone, anchor, validUntil);
  } else if (rule.mode === 'cheapest' && rule.cheapest) {
    const { windows, waitUntil } = planCheapestWindows(rule.cheapest, runtime.windows, inputs);
    runtime.windows = windows;
    on = windows.flatMap((w) => w.on);
    const ends = [...windows.map((w) => w.windowEnd), ...(waitUntil ? [waitUntil] : [])];
    if (ends.length) validUntil = Math.max(...ends);
  } else if (rule.mode === 'threshold' && rule.threshold) {
    const result = thresholdIntervals(rule.threshold.belowPrice, rule.threshold.powerW, inputs);
    on = result.on;
    if (result.validUntil) validUntil = result.validUntil;
  }
  on = applyCut(on, runtime.cutUntil, now).filter((i) => i.end > now);
  if (on.length > MAX_PLAN_INTERVALS) {
    on = on.slice(0, MAX_PLAN_INTERVALS);
    validUntil = Math.min(validUntil, on[on.length - 1].end);
  }
  return { circuit, on, valid_until: Math.max(validUntil, ...on.map((i) => i.end)) };
}

/** The part of a plan that still matters at `now`: used to decide whether a new plan must be pushed. */
export function planFingerprint(circuits: readonly CircuitPlan[], now: number): string {
  return JSON.stringify(
    [...circuits]
      .sort((a, b) => a.circuit - b.circuit)
      .map((c) => [c.circuit, c.valid_until, c.on.filter((i) => i.end > now).map((i) => [i.start, i.end])]),
  );
}
