import { analyzeTrace, TraceAnalysisError } from './offline';
import { cycles, DAY, MIN, render, T0 } from './testing';

/** A week of a fridge, then two days; `change` alters what happens from day 7, noon. */
function fridgeWeek(change?: (run: { start: number; durationMs: number; powerW: number }) => void) {
  const runs = cycles(T0, T0 + 9 * DAY, { onMin: 25, offMin: 40, powerW: 80, jitter: 0.05 });
  const at = T0 + 7 * DAY + 12 * 60 * MIN;
  if (change) for (const r of runs) if (r.start >= at) change(r);
  // 15 s readings (a meter set to a 15 s interval) keep the test quick.
  return { samples: render(runs, T0, T0 + 9 * DAY, { stepMs: 15_000 }), at };
}

describe(analyzeTrace.name, () => {
  it('should raise nothing on clean held-out days', () => {
    expect(analyzeTrace(fridgeWeek().samples, { trainDays: 7 }).anomalies).toEqual([]);
  });

  it('should flag runs 40 % longer with the evidence, after the change', () => {
    const { samples, at } = fridgeWeek((r) => (r.durationMs *= 1.4));
    const alerts = analyzeTrace(samples, { trainDays: 7 }).anomalies.filter((a) => a.kind === 'long_runs');
    expect(alerts).toHaveLength(1);
    expect(alerts[0].end).toBeGreaterThan(at + 65 * MIN); // the mean of the last 3 runs: two longer ones are enough
    expect(alerts[0].score).toBeGreaterThanOrEqual(4);
    const ratio = alerts[0].evidence.now / alerts[0].evidence.baseline;
    expect(ratio).toBeGreaterThan(1.2);
    expect(ratio).toBeLessThanOrEqual(1.41);
    expect(alerts[0].message).toMatch(/runs last 3\d min over the last 3 runs, baseline 25 min at this time of day \(\+\d+ %\)/);
  });

  it('should flag 20 % more power and not a 5 % change', () => {
    const up = analyzeTrace(fridgeWeek((r) => (r.powerW *= 1.2)).samples, { trainDays: 7 }).anomalies;
    expect(up.map((a) => a.kind)).toContain('high_power');
    expect(analyzeTrace(fridgeWeek((r) => (r.powerW *= 1.05)).samples, { trainDays: 7 }).anomalies).toEqual([]);
  });

  it('should flag a run that never stops and an appliance that stopped appearing', () => {
    const stuck = fridgeWeek((r) => (r.durationMs = 40 * 60 * MIN)).samples;
    expect(analyzeTrace(stuck, { trainDays: 7 }).anomalies.map((a) => a.kind)).toContain('never_stops');
    const gone = fridgeWeek((r) => (r.powerW = 0)).samples;
    expect(analyzeTrace(gone, { trainDays: 7 }).anomalies.map((a) => a.kind)).toEqual(['missing']);
  });

  it('should flag standby creeping up by 5 W', () => {
    const { samples, at } = fridgeWeek();
    const crept = samples.map((s) => ({ ts: s.ts, powerW: s.powerW + (s.ts >= at ? 5 : 0) }));
    const alerts = analyzeTrace(crept, { trainDays: 7 }).anomalies;
    expect(alerts.map((a) => a.kind)).toEqual(['standby_creep']);
    expect(alerts[0].evidence).toMatchObject({ metric: 'standby_w', baseline: 0, limit: 3 });
    expect(alerts[0].evidence.now).toBeGreaterThanOrEqual(3);
    expect(alerts[0].end).toBeGreaterThan(at);
  });

  it('should honour a tuned threshold (minChange) from the settings', () => {
    const { samples } = fridgeWeek((r) => (r.durationMs *= 1.4));
    const settings = { minChange: { durationS: 0.6, powerW: 0.1, energyWh: 0.6, intervalS: 0.25 } };
    expect(analyzeTrace(samples, { trainDays: 7, settings }).anomalies.filter((a) => a.kind === 'long_runs')).toEqual([]);
  });

  it('should refuse a trace too short to learn from', () => {
    const { samples } = fridgeWeek();
    expect(() => analyzeTrace(samples.slice(0, 1000))).toThrow(TraceAnalysisError);
    expect(() => analyzeTrace(samples, { trainDays: 9 })).toThrow(/leaves nothing to check/);
  });
});
