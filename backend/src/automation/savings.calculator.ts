/**
 * Pure: what the energy a circuit really used cost, against the same energy placed at the worst
 * and at the average place in the same window.
 *
 * Energy deltas between consecutive counter readings are spread evenly over their interval and
 * priced per slot. The circuit's on-time D is the time in which it drew power; P = E / D. "Worst"
 * is D at P in the most expensive time of the window, "average" is E × the window's time-weighted
 * mean price: the definitions of cheapestSlots without block constraints (every on-time placement
 * equally likely) and of the threshold planner, so the figures compare with the plans'.
 */
import { PriceSlot } from '../prices/price.types';

export interface EnergyReading {
  ts: number;
  energyWh: number;
}

export interface SavingsFigures {
  energyKwh: number;
  /** Energy used where no price is known (not in the costs). */
  unpricedKwh: number;
  onMinutes: number;
  actualCost: number;
  worstCost: number;
  averageCost: number;
  /** averageCost − actualCost. */
  savings: number;
  savingsVsWorst: number;
}

/** Below this mean power over a reading interval the circuit counts as off. */
const ON_THRESHOLD_W = 1;
const HOUR_MS = 3_600_000;

export function savingsFigures(readings: readonly EnergyReading[], prices: readonly PriceSlot[], from: number, to: number): SavingsFigures {
  const window = prices
    .map((s) => ({ start: Math.max(s.start, from), end: Math.min(s.end, to), price: s.price }))
    .filter((s) => s.end > s.start);
  let energyWh = 0;
  let pricedWh = 0;
  let actual = 0;
  let onMs = 0;
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1];
    const b = readings[i];
    const delta = b.energyWh - a.energyWh;
    const length = b.ts - a.ts;
    if (!(delta > 0) || !(length > 0)) continue; // counter reset or duplicate: nothing to attribute
    const start = Math.max(a.ts, from);
    const end = Math.min(b.ts, to);
    if (end <= start) continue;
    const perMs = delta / length;
    energyWh += perMs * (end - start);
    if ((delta / length) * HOUR_MS > ON_THRESHOLD_W) onMs += end - start;
    for (const s of window) {
      const overlap = Math.min(end, s.end) - Math.max(start, s.start);
      if (overlap <= 0) continue;
      pricedWh += perMs * overlap;
      actual += (perMs * overlap * s.price) / 1000;
    }
  }
  const pricedMs = window.reduce((sum, s) => sum + s.end - s.start, 0);
  const meanPrice = pricedMs > 0 ? window.reduce((sum, s) => sum + s.price * (s.end - s.start), 0) / pricedMs : 0;
  const pricedKwh = pricedWh / 1000;
  const average = pricedKwh * meanPrice;
  // Worst: the priced energy at its mean power, in the most expensive time of the window.
  let worst = 0;
  const powerKw = onMs > 0 ? pricedKwh / (Math.min(onMs, pricedMs) / HOUR_MS) : 0;
  let left = Math.min(onMs, pricedMs);
  for (const s of [...window].sort((x, y) => y.price - x.price)) {
    if (left <= 0) break;
    const take = Math.min(left, s.end - s.start);
    worst += (powerKw * take * s.price) / HOUR_MS;
    left -= take;
  }
  return {
    energyKwh: energyWh / 1000,
    unpricedKwh: (energyWh - pricedWh) / 1000,
    onMinutes: onMs / 60_000,
    actualCost: actual,
    worstCost: worst,
    averageCost: average,
    savings: average - actual,
    savingsVsWorst: worst - actual,
  };
}
