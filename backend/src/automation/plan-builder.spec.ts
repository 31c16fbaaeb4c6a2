import { PriceSlot } from '../prices/price.types';
import { CircuitAutomation, CircuitRuntime } from './automation.types';
import { dailyWindows, periodAt } from './local-time';
import { applyCut, buildCircuitPlan, planCheapestWindows, planFingerprint } from './plan-builder';
import { cheapestSlots } from './planners';
import { savingsFigures } from './savings.calculator';
import { expandSchedule } from './schedule-expander';

const H = 3_600_000;
const T0 = Date.parse('2025-11-26T00:00:00Z');
/** 48 hourly slots from T0: expensive by day, cheapest at 03:00 and 27:00. */
const PRICES: PriceSlot[] = Array.from({ length: 48 }, (_, k) => ({ start: T0 + k * H, end: T0 + (k + 1) * H, price: k % 24 === 3 ? 0.01 : 0.1 + (k % 24) / 100 }));
const rt = (): CircuitRuntime => ({ windows: [], alerts: [] });

describe('plan-builder', () => {
  describe(planCheapestWindows.name, () => {
    const rule = { durationMinutes: 60, from: '22:00', to: '06:00', timezone: 'UTC' };

    it('should place the run in the cheapest hour of tonight\'s window and wait for tomorrow\'s prices', () => {
      const now = T0 + 12 * H;
      const { windows, waitUntil } = planCheapestWindows(rule, [], { now, prices: PRICES, defaultTimeZone: 'UTC' });
      expect(windows).toHaveLength(1);
      expect(windows[0]).toMatchObject({ windowStart: T0 + 22 * H, windowEnd: T0 + 30 * H, on: [{ start: T0 + 27 * H, end: T0 + 28 * H }] });
      expect(windows[0].cost).toBeCloseTo(0.01, 12);
      expect(waitUntil).toBe(T0 + 46 * H); // the next window opens beyond the known prices
    });

    it('should keep a plan whose run has started even when prices change', () => {
      const first = planCheapestWindows(rule, [], { now: T0 + 12 * H, prices: PRICES, defaultTimeZone: 'UTC' }).windows;
      const changed = PRICES.map((s) => (s.start === T0 + 25 * H ? { ...s, price: -1 } : s));
      const before = planCheapestWindows(rule, first, { now: T0 + 23 * H, prices: changed, defaultTimeZone: 'UTC' }).windows;
      expect(before[0].on).toEqual([{ start: T0 + 25 * H, end: T0 + 26 * H }]);
      const during = planCheapestWindows(rule, before, { now: T0 + 25.5 * H, prices: PRICES, defaultTimeZone: 'UTC' }).windows;
      expect(during[0]).toBe(before[0]);
    });

    it('should run from the window start when the window opened without prices', () => {
      const { windows } = planCheapestWindows(rule, [], { now: T0 + 46 * H + 1, prices: PRICES, defaultTimeZone: 'UTC' });
      expect(windows[0].on).toEqual([{ start: T0 + 46 * H + 1000, end: T0 + 47 * H + 1000 }]);
      expect(windows[0].note).toBeUndefined(); // still covered until 48 h: planned on prices
      const late = planCheapestWindows(rule, [], { now: T0 + 48 * H, prices: PRICES, defaultTimeZone: 'UTC' }).windows;
      expect(late[0].on).toEqual([{ start: T0 + 48 * H, end: T0 + 49 * H }]);
      expect(late[0].note).toMatch(/runs from the window start/);
    });

    it('should plan non-contiguous blocks like cheapestSlots', () => {
      const nc = { ...rule, durationMinutes: 120, nonContiguous: true, maxBlocks: 2 };
      const { windows } = planCheapestWindows(nc, [], { now: T0 + 12 * H, prices: PRICES, defaultTimeZone: 'UTC' });
      const direct = cheapestSlots(PRICES, { durationMs: 2 * H, powerW: 1000, from: T0 + 22 * H, to: T0 + 30 * H, maxBlocks: 2 });
      expect(windows[0].on).toEqual(direct.blocks);
    });
  });

  describe(buildCircuitPlan.name, () => {
    const inputs = { now: T0 + 12 * H, prices: PRICES, defaultTimeZone: 'UTC' };

    it('should leave manual circuits out of the plan', () => {
      expect(buildCircuitPlan(1, { mode: 'manual', updatedAt: 0 }, rt(), inputs)).toBeUndefined();
    });

    it('should turn a threshold rule into the slots below the price, valid until the prices end', () => {
      const rule: CircuitAutomation = { mode: 'threshold', threshold: { belowPrice: 0.05 }, updatedAt: 0 };
      expect(buildCircuitPlan(2, rule, rt(), inputs)).toEqual({ circuit: 2, on: [{ start: T0 + 27 * H, end: T0 + 28 * H }], valid_until: T0 + 48 * H });
    });

    it('should expand a cron schedule over two days and keep the circuit off while a guard cut holds', () => {
      const rule: CircuitAutomation = { mode: 'schedule', schedule: { on: ['0 7 * * *'], off: ['0 9 * * *'], timezone: 'UTC' }, updatedAt: 0 };
      const plan = buildCircuitPlan(3, rule, rt(), inputs)!;
      expect(plan.on).toEqual([{ start: T0 + 31 * H, end: T0 + 33 * H }]);
      expect(plan.valid_until).toBe(T0 + 48 * H);
      const cut = buildCircuitPlan(3, rule, { ...rt(), cutUntil: T0 + 32 * H }, inputs)!;
      expect(cut.on).toEqual([{ start: T0 + 32 * H, end: T0 + 33 * H }]);
    });
  });

  describe(planFingerprint.name, () => {
    it('should ignore intervals that have ended', () => {
      const a = [{ circuit: 1, on: [{ start: 0, end: 10 }, { start: 20, end: 30 }], valid_until: 40 }];
      const b = [{ circuit: 1, on: [{ start: 20, end: 30 }], valid_until: 40 }];
      expect(planFingerprint(a, 15)).toBe(planFingerprint(b, 15));
      expect(planFingerprint(a, 5)).not.toBe(planFingerprint(b, 5));
    });
  });

  describe(applyCut.name, () => {
    it('should drop the on-time before the cut ends', () => {
      expect(applyCut([{ start: 0, end: 10 }, { start: 20, end: 30 }], 25, 0)).toEqual([{ start: 25, end: 30 }]);
      expect(applyCut([{ start: 0, end: 10 }], undefined, 0)).toEqual([{ start: 0, end: 10 }]);
    });
  });
});

describe(expandSchedule.name, () => {
  it('should start from the state the last firing left (on since yesterday evening)', () => {
    expect(expandSchedule(['0 22 * * *'], ['0 6 * * *'], 'UTC', T0, T0 + 24 * H)).toEqual([
      { start: T0, end: T0 + 6 * H },
      { start: T0 + 22 * H, end: T0 + 24 * H },
    ]);
  });

  it('should follow local time across a DST change (Europe/Copenhagen, 2025-03-30)', () => {
    const day = Date.parse('2025-03-29T00:00:00Z');
    const on = expandSchedule(['0 7 * * *'], ['0 8 * * *'], 'Europe/Copenhagen', day, day + 48 * H);
    expect(on.map((i) => new Date(i.start).toISOString())).toEqual(['2025-03-29T06:00:00.000Z', '2025-03-30T05:00:00.000Z']);
  });

  it('should refuse an expression that fires every second', () => {
    expect(() => expandSchedule(['* * * * * *'], ['0 0 * * *'], 'UTC', T0, T0 + 48 * H)).toThrow(/fires more than/);
  });
});

describe('local-time', () => {
  it('should give a 25-hour window over the autumn DST change', () => {
    const [w] = dailyWindows('00:00', '24:00', 'Europe/Madrid', Date.parse('2021-10-31T12:00:00Z'), Date.parse('2021-10-31T12:00:01Z'));
    expect((w.end - w.start) / H).toBe(25);
  });

  it('should find the local week and month', () => {
    const t = Date.parse('2025-11-26T12:00:00Z'); // a Wednesday
    expect(periodAt('week', t, 'UTC')).toEqual({ start: Date.parse('2025-11-24T00:00:00Z'), end: Date.parse('2025-12-01T00:00:00Z') });
    expect(periodAt('month', t, 'Europe/Copenhagen')).toEqual({ start: Date.parse('2025-10-31T23:00:00Z'), end: Date.parse('2025-11-30T23:00:00Z') });
  });
});

describe(savingsFigures.name, () => {
  const prices: PriceSlot[] = [
    { start: 0, end: H, price: 0.1 },
    { start: H, end: 2 * H, price: 0.3 },
    { start: 2 * H, end: 3 * H, price: 0.2 },
  ];

  it('should price the energy per slot and compare it with the worst and average placement', () => {
    // 1 kW for the first hour, off afterwards: 1 kWh at 0.1.
    const readings = [
      { ts: 0, energyWh: 500 },
      { ts: H / 2, energyWh: 1000 },
      { ts: H, energyWh: 1500 },
      { ts: 2 * H, energyWh: 1500 },
      { ts: 3 * H, energyWh: 1500 },
    ];
    const f = savingsFigures(readings, prices, 0, 3 * H);
    expect(f.energyKwh).toBeCloseTo(1, 12);
    expect(f.onMinutes).toBeCloseTo(60, 9);
    expect(f.actualCost).toBeCloseTo(0.1, 12);
    expect(f.worstCost).toBeCloseTo(0.3, 12);
    expect(f.averageCost).toBeCloseTo(0.2, 12);
    expect(f.savings).toBeCloseTo(0.1, 12);
    // The same definitions as cheapestSlots without constraints.
    const same = cheapestSlots(prices, { durationMs: H, powerW: 1000, from: 0, to: 3 * H });
    expect(f.worstCost).toBeCloseTo(same.worstCost, 9);
    expect(f.averageCost).toBeCloseTo(same.averageCost, 9);
  });

  it('should split a reading interval across slots and report energy without a price', () => {
    const f = savingsFigures([{ ts: H / 2, energyWh: 0 }, { ts: 4 * H, energyWh: 3500 }], prices, 0, 4 * H);
    expect(f.actualCost).toBeCloseTo(0.5 * 0.1 + 0.3 + 0.2, 12);
    expect(f.unpricedKwh).toBeCloseTo(1, 12);
  });

  it('should ignore a counter that went backwards', () => {
    expect(savingsFigures([{ ts: 0, energyWh: 100 }, { ts: H, energyWh: 5 }], prices, 0, 3 * H).energyKwh).toBe(0);
  });
});
