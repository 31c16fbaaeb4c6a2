import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrices } from '../../prices/price-format';
import { PriceSlot } from '../../prices/price.types';
import { cheapestSlots, cheapestWindow, PlanError, PriceCurve, sitePowerCap, threshold } from './index';
import { seededRandom as prng } from '../../../../device/core/util/seeded-random';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1);
const FIXTURES = join(__dirname, '../../../../../shared/fixtures/prices');

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
const int = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

/** Mixed 15/60-minute slots, negative prices included, sometimes a gap. */
function randomSlots(rnd: () => number, count: number, gaps: boolean, lengthsMin = [15, 60]): PriceSlot[] {
  const slots: PriceSlot[] = [];
  let t = T0;
  for (let i = 0; i < count; i++) {
    if (gaps && rnd() < 0.08) t += 15 * MIN;
    const len = pick(rnd, lengthsMin) * MIN;
    slots.push({ start: t, end: t + len, price: Math.round((rnd() * 0.55 - 0.05) * 1e4) / 1e4 });
    t += len;
  }
  return slots;
}

function bruteCost(slots: PriceSlot[], a: number, b: number, powerW: number): number {
  let priceMs = 0;
  let covered = 0;
  for (const s of slots) {
    const lo = Math.max(a, s.start);
    const hi = Math.min(b, s.end);
    if (hi > lo) {
      priceMs += s.price * (hi - lo);
      covered += hi - lo;
    }
  }
  return covered === b - a ? (priceMs * powerW) / 1000 / 3_600_000 : NaN;
}

const close = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 9);

describe('cheapestWindow', () => {
  it('should match a brute-force search over every 5-minute start on random series', () => {
    for (let n = 0; n < 300; n++) {
      const rnd = prng(1000 + n);
      const slots = randomSlots(rnd, int(rnd, 2, 30), n % 3 === 0);
      const span = slots[slots.length - 1].end - T0;
      const from = T0 + int(rnd, 0, Math.floor(span / (5 * MIN) / 3)) * 5 * MIN;
      const to = slots[slots.length - 1].end - int(rnd, 0, 4) * 5 * MIN;
      const durationMs = int(rnd, 1, Math.max(1, Math.floor((to - from) / (5 * MIN)))) * 5 * MIN;
      const powerW = int(rnd, 100, 3000);
      const starts: number[] = [];
      for (let t = from; t + durationMs <= to; t += 5 * MIN) starts.push(t);
      const costs = starts.map((t) => bruteCost(slots, t, t + durationMs, powerW));
      const feasible = costs.filter((c) => !Number.isNaN(c));
      if (feasible.length === 0) {
        expect(() => cheapestWindow(slots, { durationMs, powerW, from, to })).toThrow(PlanError);
        continue;
      }
      let area = 0;
      let measure = 0;
      for (let i = 0; i + 1 < costs.length; i++) {
        if (Number.isNaN(costs[i]) || Number.isNaN(costs[i + 1])) continue;
        area += ((costs[i] + costs[i + 1]) / 2) * 5 * MIN;
        measure += 5 * MIN;
      }
      const average = measure > 0 ? area / measure : feasible.reduce((s, c) => s + c, 0) / feasible.length;
      const plan = cheapestWindow(slots, { durationMs, powerW, from, to });
      close(plan.cost, Math.min(...feasible));
      close(plan.worstCost, Math.max(...feasible));
      close(plan.averageCost, average);
      close(bruteCost(slots, plan.start, plan.end, powerW), plan.cost);
      expect(plan.end - plan.start).toBe(durationMs);
      expect(plan.start).toBeGreaterThanOrEqual(from);
      expect(plan.end).toBeLessThanOrEqual(to);
      close(plan.savings, plan.averageCost - plan.cost);
      expect(plan.savings).toBeGreaterThanOrEqual(-1e-12);
    }
  });

  it('should find the cheapest 3 hours of the Swiss PT60M fixture at 01:00Z on 2025-11-26', () => {
    const { slots } = parsePrices(readFileSync(join(FIXTURES, 'response-PT60M.xml'), 'utf8'));
    const plan = cheapestWindow(slots, { durationMs: 180 * MIN, powerW: 1000 });
    expect(new Date(plan.start).toISOString()).toBe('2025-11-26T01:00:00.000Z');
    close(plan.cost, 0.09997 + 0.0998 + 0.09981); // positions 3–5: 99.97, 99.8, 99.81 EUR/MWh for 1 kWh each
    expect(plan.energyKwh).toBe(3);
  });

  it('should place a partial-slot run across a cheap slot edge on the 25-hour PVPC day', () => {
    const { slots } = parsePrices(readFileSync(join(FIXTURES, 'PVPC_DATA_2021_10_31.json'), 'utf8'));
    const plan = cheapestWindow(slots, { durationMs: 90 * MIN, powerW: 2000 });
    const brute = [];
    for (let t = slots[0].start; t + 90 * MIN <= slots[24].end; t += 30 * MIN)
      brute.push(bruteCost(slots, t, t + 90 * MIN, 2000));
    close(plan.cost, Math.min(...brute));
  });

  it('should refuse a window shorter than the run', () => {
    expect(() =>
      cheapestWindow([{ start: T0, end: T0 + 60 * MIN, price: 1 }], { durationMs: 61 * MIN, powerW: 1 }),
    ).toThrow(/shorter than the run/);
  });
});

/** Every subset of grid units: [min, max, mean] of feasible selections, or undefined when none. */
function bruteSelections(
  slots: PriceSlot[],
  from: number,
  stepMs: number,
  units: number,
  onUnits: number,
  minBlock: number,
  maxBlocks: number | undefined,
  powerW: number,
) {
  const unitCost = Array.from({ length: units }, (_, u) =>
    bruteCost(slots, from + u * stepMs, from + (u + 1) * stepMs, powerW),
  );
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (let mask = 0; mask < 1 << units; mask++) {
    let bits = 0;
    let cost = 0;
    let blocks = 0;
    let run = 0;
    let ok = true;
    for (let u = 0; u <= units && ok; u++) {
      const on = u < units && (mask >> u) & 1;
      if (on) {
        bits++;
        cost += unitCost[u];
        run++;
        if (Number.isNaN(unitCost[u])) ok = false;
      } else if (run > 0) {
        blocks++;
        if (run < minBlock) ok = false;
        run = 0;
      }
    }
    if (!ok || bits !== onUnits || (maxBlocks !== undefined && blocks > maxBlocks)) continue;
    min = Math.min(min, cost);
    max = Math.max(max, cost);
    sum += cost;
    count++;
  }
  return count ? { min, max, mean: sum / count } : undefined;
}

describe('cheapestSlots', () => {
  it('should match brute force over all selections (blocks, max blocks, gaps, 5-minute grid) on random series', () => {
    let constrained = 0;
    for (let n = 0; n < 250; n++) {
      const rnd = prng(5000 + n);
      const slots = randomSlots(rnd, int(rnd, 2, 8), n % 4 === 0, [15, 15, 15, 60]);
      const from = slots[0].start + pick(rnd, [0, 15]) * MIN;
      const to = Math.min(slots[slots.length - 1].end, from + 60 * MIN);
      if (to - from < 10 * MIN) continue;
      const units = (to - from) / (5 * MIN);
      const onUnits = int(rnd, 1, units);
      const minBlockUnits = rnd() < 0.7 ? int(rnd, 2, Math.max(2, Math.min(onUnits, 5))) : 1;
      const maxBlocks = rnd() < 0.7 ? int(rnd, 1, 2) : undefined;
      const req = {
        durationMs: onUnits * 5 * MIN,
        powerW: 1500,
        from,
        to,
        minBlockMs: minBlockUnits > 1 ? minBlockUnits * 5 * MIN : undefined,
        maxBlocks,
      };
      const fine = bruteSelections(slots, from, 5 * MIN, units, onUnits, minBlockUnits, maxBlocks, 1500);
      if (!fine) {
        expect(() => cheapestSlots(slots, req)).toThrow(PlanError);
        continue;
      }
      const plan = cheapestSlots(slots, req);
      // The planner's coarser grid loses nothing: same optimum and worst as the 5-minute grid.
      close(plan.cost, fine.min);
      close(plan.worstCost, fine.max);
      // averageCost is defined on the planner's grid: check it there.
      const coarse = bruteSelections(
        slots,
        from,
        plan.gridMs,
        (to - from) / plan.gridMs,
        req.durationMs / plan.gridMs,
        Math.max(1, (req.minBlockMs ?? 0) / plan.gridMs),
        maxBlocks,
        1500,
      )!;
      close(plan.averageCost, coarse.mean);
      // The blocks it returns are the plan it prices, and respect the constraints.
      const total = plan.blocks.reduce((s, b) => s + b.end - b.start, 0);
      expect(total).toBe(req.durationMs);
      close(
        plan.blocks.reduce((s, b) => s + bruteCost(slots, b.start, b.end, 1500), 0),
        plan.cost,
      );
      for (const b of plan.blocks) expect(b.end - b.start).toBeGreaterThanOrEqual(req.minBlockMs ?? 0);
      if (maxBlocks !== undefined) expect(plan.blocks.length).toBeLessThanOrEqual(maxBlocks);
      if (plan.cost > bruteSelections(slots, from, 5 * MIN, units, onUnits, 1, undefined, 1500)!.min + 1e-9)
        constrained++;
    }
    expect(constrained).toBeGreaterThan(10); // the constraints really bound in many cases
  });

  it('should take the cheapest quarter-hours of the DE-LU PT15M fixture when unconstrained', () => {
    const { slots } = parsePrices(readFileSync(join(FIXTURES, 'response-PT15M.xml'), 'utf8'));
    const day = slots.slice(0, 96);
    const plan = cheapestSlots(day, { durationMs: 120 * MIN, powerW: 1000 });
    const cheapest8 = day
      .map((s) => s.price)
      .sort((a, b) => a - b)
      .slice(0, 8);
    close(plan.cost, cheapest8.reduce((s, p) => s + p, 0) / 4);
    const meanPrice = day.reduce((s, x) => s + x.price, 0) / 96;
    close(plan.averageCost, meanPrice * 2); // 2 kWh at the window's mean price
    const one = cheapestSlots(day, { durationMs: 120 * MIN, powerW: 1000, maxBlocks: 1 });
    close(one.cost, cheapestWindow(day, { durationMs: 120 * MIN, powerW: 1000 }).cost);
  });
});

describe('sitePowerCap', () => {
  it('should match brute force over all 5-minute start combinations on random series', () => {
    let binding = 0;
    for (let n = 0; n < 60; n++) {
      const rnd = prng(9000 + n);
      const slots = randomSlots(rnd, int(rnd, 3, 8), n % 5 === 0);
      const span = slots[slots.length - 1].end - T0;
      const circuits = Array.from({ length: int(rnd, 2, 3) }, (_, i) => {
        const from = T0 + int(rnd, 0, 4) * 15 * MIN;
        const to = Math.min(T0 + span, from + int(rnd, 8, 20) * 5 * MIN);
        return {
          id: `c${i}`,
          durationMs: int(rnd, 1, Math.floor((to - from) / (5 * MIN))) * 5 * MIN,
          powerW: int(rnd, 5, 20) * 100,
          from,
          to,
        };
      });
      const capW = Math.max(...circuits.map((c) => c.powerW)) + int(rnd, 0, 10) * 100;
      // brute force
      let best = Infinity;
      const starts = circuits.map((c) => {
        const xs: number[] = [];
        for (let t = c.from; t + c.durationMs <= c.to; t += 5 * MIN)
          if (!Number.isNaN(bruteCost(slots, t, t + c.durationMs, c.powerW))) xs.push(t);
        return xs;
      });
      const chosen: number[] = [];
      const rec = (k: number) => {
        if (k === circuits.length) {
          for (let t = T0; t < T0 + span; t += 5 * MIN) {
            let load = 0;
            circuits.forEach((c, i) => {
              if (chosen[i] <= t && t < chosen[i] + c.durationMs) load += c.powerW;
            });
            if (load > capW) return;
          }
          best = Math.min(
            best,
            circuits.reduce(
              (s, c, i) => s + bruteCost(slots, chosen[i], chosen[i] + c.durationMs, c.powerW),
              0,
            ),
          );
          return;
        }
        for (const t of starts[k]) {
          chosen[k] = t;
          rec(k + 1);
        }
      };
      rec(0);
      if (best === Infinity) {
        expect(() => sitePowerCap(slots, { circuits, capW })).toThrow(PlanError);
        continue;
      }
      const plan = sitePowerCap(slots, { circuits, capW });
      expect(plan.optimal).toBe(true);
      close(plan.cost, best);
      if (plan.cost > plan.lowerBound + 1e-9) binding++;
      expect(plan.worstCost).toBeGreaterThanOrEqual(plan.cost - 1e-9);
    }
    expect(binding).toBeGreaterThan(5);
  });

  it('should keep two 2 kW circuits under a 3 kW cap on the Swiss fixture and report a gap when the budget runs out', () => {
    const { slots } = parsePrices(readFileSync(join(FIXTURES, 'response-PT60M.xml'), 'utf8'));
    const day = { from: slots[0].start, to: slots[23].end };
    const circuits = [
      { id: 'boiler', durationMs: 180 * MIN, powerW: 2000, ...day },
      { id: 'ev', durationMs: 120 * MIN, powerW: 2000, ...day },
    ];
    const plan = sitePowerCap(slots, { circuits, capW: 3000 });
    const [a, b] = plan.circuits;
    expect(a.end <= b.start || b.end <= a.start).toBe(true); // never on together
    expect(plan.optimal).toBe(true);
    expect(plan.cost).toBeGreaterThan(plan.lowerBound); // both want 01:00–04:00
    const rushed = sitePowerCap(slots, { circuits, capW: 3000, maxNodes: 1 });
    expect(rushed.optimal).toBe(false);
    close(rushed.optimalityGap, rushed.cost - rushed.lowerBound);
    expect(rushed.cost).toBeGreaterThanOrEqual(plan.cost - 1e-12);
  });

  it('should refuse a circuit that alone exceeds the cap', () => {
    const slots = [{ start: T0, end: T0 + 60 * MIN, price: 1 }];
    expect(() =>
      sitePowerCap(slots, {
        capW: 1000,
        circuits: [{ id: 1, durationMs: MIN, powerW: 2000, from: T0, to: T0 + 60 * MIN }],
      }),
    ).toThrow(/exceeds the cap/);
  });
});

describe('threshold', () => {
  it('should switch on below the price, keep zero-price slots, and compare with the same on-time elsewhere', () => {
    const { slots } = parsePrices(readFileSync(join(FIXTURES, 'delivery_period_today.json'), 'utf8'), {
      area: 'SE4',
    });
    const plan = threshold(slots, { belowPrice: 0.1, powerW: 1000 });
    const cheap = slots.filter((s) => s.price < 0.1);
    expect(cheap.some((s) => s.price === 0)).toBe(true);
    expect(plan.blocks.reduce((s, b) => s + b.end - b.start, 0)).toBe(cheap.length * 60 * MIN);
    close(
      plan.cost,
      cheap.reduce((s, x) => s + x.price, 0),
    );
    const sorted = slots.map((s) => s.price).sort((a, b) => b - a);
    close(
      plan.worstCost,
      sorted.slice(0, cheap.length).reduce((s, p) => s + p, 0),
    );
    close(plan.averageCost, (cheap.length * slots.reduce((s, x) => s + x.price, 0)) / slots.length);
  });
});

describe(PriceCurve.name, () => {
  it('should give NaN for an integral across a gap', () => {
    const curve = new PriceCurve([
      { start: 0, end: 10, price: 1 },
      { start: 20, end: 30, price: 2 },
    ]);
    expect(curve.integral(5, 10)).toBe(5);
    expect(curve.integral(20, 25)).toBe(10);
    expect(curve.integral(5, 25)).toBeNaN();
  });
});
