import { segmentTrace } from './runs';
import { clusterRuns, matchSignature } from './signatures';
import { cycles, DAY, MIN, render, T0 } from './testing';

describe(clusterRuns.name, () => {
  const fridge = cycles(T0, T0 + 2 * DAY, { onMin: 25, offMin: 40, powerW: 80 });
  const kettle = [7, 8.5, 13, 19.2, 31, 32.5].map((h) => ({ start: T0 + h * 60 * MIN + 12 * MIN, durationMs: 2 * MIN, powerW: 2200 }));
  const { runs } = segmentTrace(render([...fridge, ...kettle], T0, T0 + 2 * DAY));

  it('should find a rhythmic fridge and an occasional kettle on one circuit', () => {
    const { clusters, unassigned } = clusterRuns(runs);
    expect(clusters.map((c) => [c.runs > 30, Math.round(c.signature.powerW), c.cyclic])).toEqual([
      [true, 80, true],
      [false, 2200, false],
    ]);
    // A boil during a fridge run merges with it (one run on one circuit): the others make the kettle.
    expect(clusters[1].runs).toBeGreaterThanOrEqual(3);
    expect(clusters[0].intervalS).toBeGreaterThan(60 * 60);
    expect(unassigned.length).toBeLessThanOrEqual(3);
  });

  it('should match a new run to its appliance, and a stranger to none', () => {
    const { clusters } = clusterRuns(runs);
    const signatures = clusters.map((c) => c.signature);
    expect(matchSignature(signatures, { powerW: 85, durationS: 27 * 60 })).toBe(0);
    expect(matchSignature(signatures, { powerW: 2100, durationS: 150 })).toBe(1);
    expect(matchSignature(signatures, { powerW: 600, durationS: 3600 })).toBe(-1);
  });

  it('should tell a motor from a heater of the same power by ΔQ from the meter', () => {
    const run = (k: number, deltaVar: number) => ({ start: T0 + k * 3600_000, end: T0 + k * 3600_000 + 600_000, durationS: 600, energyWh: 100, powerW: 600 + (k % 3), peakW: 700, idleW: 0, deltaVar });
    const mixed = [0, 1, 2, 3, 4, 5].map((k) => run(k, k % 2 ? 450 : 5));
    const { clusters } = clusterRuns(mixed);
    expect(clusters.map((c) => [c.runs, Math.round(c.signature.reactiveRatio! * 100) / 100])).toEqual([
      [3, 0.01],
      [3, 0.75],
    ]);
    const signatures = clusters.map((c) => c.signature);
    expect(matchSignature(signatures, { powerW: 610, durationS: 600, deltaVar: 440 })).toBe(1);
    expect(matchSignature(signatures, { powerW: 610, durationS: 600, deltaVar: 0 })).toBe(0);
  });
});
