/**
 * Non-contiguous: `durationMs` of running inside [from, to], split into blocks of at least
 * `minBlockMs`, at most `maxBlocks` blocks, at minimum energy cost.
 *
 * Exact by dynamic programming on the planning grid (see planning-grid.ts for why the grid is exact):
 * units u = 0..U−1, D units to select, blocks ≥ L units, ≤ K blocks. States per unit boundary i:
 *   off[i][j][k]  the first i units hold j selected units in k blocks, unit i−1 off;
 *   on[i][j][k]   the same with unit i−1 on and its block already ≥ L long.
 *   off[i] = min(off[i−1], on[i−1]);  on[i][j][k] = min(on[i−1][j−1][k] + c[i−1], off[i−L][j−L][k−1] + c[i−L..i−1]).
 * Each feasible selection is exactly one path, so the same recurrence with (count, mean) instead of
 * min gives the exact mean. Time O(U·D·K), memory O(U·D·K) bytes of back-pointers (K = 1 when the
 * number of blocks is free). Without binding constraints this equals taking the D cheapest units.
 *
 * worstCost: the most expensive selection under the same constraints (same DP, max).
 * averageCost: the mean over all feasible selections on the grid, each equally likely; without
 * constraints that is D × the mean unit cost of the window (every unit equally likely).
 */
import { PriceSlot } from '../../prices/price.types';
import { planningGrid } from './planning-grid';
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

export interface SlotsRequest extends RunRequest {
  /** Shortest block once switched on (compressor protection, pump priming…). */
  minBlockMs?: number;
  /** Most blocks (switch-ons) in the window. */
  maxBlocks?: number;
}

export interface Interval {
  start: number;
  end: number;
}

export interface SlotsPlan extends PlanCosts {
  blocks: Interval[];
  /** The planning grid step used (ms). */
  gridMs: number;
}

/** DP cells (U × D × K) above which the plan is refused as too fine. */
export const MAX_DP_CELLS = 30_000_000;

export function cheapestSlots(slots: readonly PriceSlot[] | PriceCurve, req: SlotsRequest): SlotsPlan {
  const curve = slots instanceof PriceCurve ? slots : new PriceCurve(slots);
  const { from, to } = resolveWindow(curve, req);
  const minBlock = req.minBlockMs ?? 0;
  if (!Number.isSafeInteger(minBlock) || minBlock < 0 || minBlock > req.durationMs) {
    throw new PlanError(
      `minimum block ${minBlock} ms must be between 0 and the duration ${req.durationMs} ms`,
    );
  }
  if (req.maxBlocks !== undefined && (!Number.isInteger(req.maxBlocks) || req.maxBlocks < 1)) {
    throw new PlanError(`maximum number of blocks ${req.maxBlocks} must be a positive integer`);
  }
  const grid = planningGrid(curve, from, to, minBlock > 0 ? [req.durationMs, minBlock] : [req.durationMs]);
  const problem: Problem = {
    c: grid.unitCost,
    D: req.durationMs / grid.stepMs,
    L: Math.max(1, minBlock / grid.stepMs),
    K: req.maxBlocks,
  };
  if (grid.units * (problem.D + 1) * ((problem.K ?? 0) + 1) > MAX_DP_CELLS) {
    throw new PlanError(
      `plan too large (${grid.units} steps × ${problem.D} on-steps): use a coarser duration or fewer blocks`,
    );
  }
  const best = optimise(problem, 1);
  if (!best)
    throw new PlanError(
      'no selection satisfies the duration, block and price-coverage constraints in the window',
    );
  const worst = optimise(problem, -1)!;
  const mean = meanCost(problem);

  const blocks: Interval[] = [];
  best.selected.forEach((on, u) => {
    if (!on) return;
    const start = grid.origin + u * grid.stepMs;
    const last = blocks[blocks.length - 1];
    if (last && last.end === start) last.end += grid.stepMs;
    else blocks.push({ start, end: start + grid.stepMs });
  });
  const cost = (priceMs: number) => energyCost(priceMs, req.powerW);
  return {
    blocks,
    gridMs: grid.stepMs,
    ...planCosts(cost(best.value), cost(-worst.value), cost(mean), energyKwh(req.durationMs, req.powerW)),
  };
}

interface Problem {
  /** price·ms per grid unit, NaN = no price. */
  c: Float64Array;
  D: number;
  L: number;
  K: number | undefined;
}

/** Min of sign × cost over feasible selections, with the selection; undefined when none is feasible. */
function optimise(p: Problem, sign: 1 | -1): { value: number; selected: Uint8Array } | undefined {
  const { c, D, L, K } = p;
  const U = c.length;
  const Kd = K === undefined ? 1 : K + 1;
  const W = (D + 1) * Kd;
  const w = new Float64Array(U);
  const pre = new Float64Array(U + 1);
  for (let u = 0; u < U; u++) {
    w[u] = Number.isNaN(c[u]) ? Infinity : sign * c[u];
    pre[u + 1] = pre[u] + (Number.isFinite(w[u]) ? w[u] : 0);
  }
  const badPre = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) badPre[u + 1] = badPre[u] + (Number.isFinite(w[u]) ? 0 : 1);
  const blockCost = (a: number, b: number) => (badPre[b] - badPre[a] > 0 ? Infinity : pre[b] - pre[a]);

  const ring = L + 1;
  const off = new Float64Array(ring * W).fill(Infinity);
  let onPrev = new Float64Array(W).fill(Infinity);
  let onCur = new Float64Array(W);
  const choice = new Uint8Array((U + 1) * W); // bit 0: off came from on; bit 1: on started a block
  off[0] = 0;
  for (let i = 1; i <= U; i++) {
    const cur = (i % ring) * W;
    const prev = ((i - 1) % ring) * W;
    const back = ((i - L) % ring) * W;
    const wi = w[i - 1];
    const block = i >= L ? blockCost(i - L, i) : Infinity;
    for (let j = 0; j <= D; j++) {
      for (let k = 0; k < Kd; k++) {
        const x = j * Kd + k;
        let ch = 0;
        const a = off[prev + x];
        const b = onPrev[x];
        if (b < a) {
          off[cur + x] = b;
          ch = 1;
        } else off[cur + x] = a;
        let on = j >= 1 ? onPrev[x - Kd] + wi : Infinity;
        const kFrom = K === undefined ? k : k - 1;
        if (j >= L && kFrom >= 0 && block < Infinity) {
          const v = off[back + (j - L) * Kd + kFrom] + block;
          if (v < on) {
            on = v;
            ch |= 2;
          }
        }
        onCur[x] = on;
        choice[i * W + x] = ch;
      }
    }
    [onPrev, onCur] = [onCur, onPrev];
  }
  const last = (U % ring) * W;
  let value = Infinity;
  let k0 = 0;
  let isOn = false;
  for (let k = 0; k < Kd; k++) {
    const x = D * Kd + k;
    if (off[last + x] < value) [value, k0, isOn] = [off[last + x], k, false];
    if (onPrev[x] < value) [value, k0, isOn] = [onPrev[x], k, true];
  }
  if (value === Infinity) return undefined;

  const selected = new Uint8Array(U);
  for (let i = U, j = D, k = k0; i > 0;) {
    const ch = choice[i * W + j * Kd + k];
    if (!isOn) {
      isOn = (ch & 1) !== 0;
      i--;
    } else if (ch & 2) {
      selected.fill(1, i - L, i);
      i -= L;
      j -= L;
      if (K !== undefined) k--;
      isOn = false;
    } else {
      selected[i - 1] = 1;
      i--;
      j--;
    }
  }
  return { value, selected };
}

/**
 * Mean cost over all feasible selections, each equally likely. Counts overflow doubles
 * (C(192, 96) ≈ 1e56 is fine, C(1440, 720) is not), so each state keeps log(count) and the mean.
 */
function meanCost(p: Problem): number {
  const { c, D, L, K } = p;
  const U = c.length;
  const Kd = K === undefined ? 1 : K + 1;
  const W = (D + 1) * Kd;
  const ring = L + 1;
  const offLog = new Float64Array(ring * W).fill(-Infinity);
  const offMean = new Float64Array(ring * W);
  let onLogPrev = new Float64Array(W).fill(-Infinity);
  let onMeanPrev = new Float64Array(W);
  let onLogCur = new Float64Array(W);
  let onMeanCur = new Float64Array(W);
  offLog[0] = 0;
  const blockCost = (a: number, b: number) => {
    let s = 0;
    for (let u = a; u < b; u++) s += c[u];
    return s; // NaN when a unit has no price
  };
  // Merge (l1, m1) and (l2, m2): counts add, means weight by count.
  let outLog = 0;
  let outMean = 0;
  const merge = (l1: number, m1: number, l2: number, m2: number) => {
    if (l2 === -Infinity) [outLog, outMean] = [l1, m1];
    else if (l1 === -Infinity) [outLog, outMean] = [l2, m2];
    else {
      const top = Math.max(l1, l2);
      const w1 = Math.exp(l1 - top);
      const w2 = Math.exp(l2 - top);
      outLog = top + Math.log(w1 + w2);
      outMean = (m1 * w1 + m2 * w2) / (w1 + w2);
    }
  };
  for (let i = 1; i <= U; i++) {
    const cur = (i % ring) * W;
    const prev = ((i - 1) % ring) * W;
    const back = ((i - L) % ring) * W;
    const ci = c[i - 1];
    const block = i >= L ? blockCost(i - L, i) : NaN;
    for (let j = 0; j <= D; j++) {
      for (let k = 0; k < Kd; k++) {
        const x = j * Kd + k;
        merge(offLog[prev + x], offMean[prev + x], onLogPrev[x], onMeanPrev[x]);
        offLog[cur + x] = outLog;
        offMean[cur + x] = outMean;
        let l1 = -Infinity;
        let m1 = 0;
        if (j >= 1 && !Number.isNaN(ci)) [l1, m1] = [onLogPrev[x - Kd], onMeanPrev[x - Kd] + ci];
        let l2 = -Infinity;
        let m2 = 0;
        const kFrom = K === undefined ? k : k - 1;
        if (j >= L && kFrom >= 0 && !Number.isNaN(block)) {
          const y = back + (j - L) * Kd + kFrom;
          [l2, m2] = [offLog[y], offMean[y] + block];
        }
        merge(l1, m1, l2, m2);
        onLogCur[x] = outLog;
        onMeanCur[x] = outMean;
      }
    }
    [onLogPrev, onLogCur] = [onLogCur, onLogPrev];
    [onMeanPrev, onMeanCur] = [onMeanCur, onMeanPrev];
  }
  const last = (U % ring) * W;
  let totalLog = -Infinity;
  let totalMean = 0;
  for (let k = 0; k < Kd; k++) {
    const x = D * Kd + k;
    merge(totalLog, totalMean, offLog[last + x], offMean[last + x]);
    merge(outLog, outMean, onLogPrev[x], onMeanPrev[x]);
    [totalLog, totalMean] = [outLog, outMean];
  }
  return totalMean;
}
