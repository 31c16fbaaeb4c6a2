import { RunSegmenter, segmentTrace } from './runs';
import { MIN, render, T0 } from './testing';

describe(RunSegmenter.name, () => {
  it('should cut runs above idle and measure their duration, power and energy', () => {
    const samples = render(
      [
        { start: T0 + 10 * MIN, durationMs: 30 * MIN, powerW: 80 },
        { start: T0 + 90 * MIN, durationMs: 2 * MIN, powerW: 2000 },
      ],
      T0,
      T0 + 3 * 60 * MIN,
      { idleW: 5 },
    );
    const { runs, idle } = segmentTrace(samples);
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({ start: T0 + 10 * MIN, durationS: 30 * 60, powerW: 80, idleW: 5 });
    expect(runs[0].energyWh).toBeCloseTo(40, 0); // 80 W for 30 min
    expect(runs[1]).toMatchObject({ durationS: 120, powerW: 2000 });
    expect(idle.map((w) => [(w.start - T0) / MIN, Math.round(w.meanW)])).toEqual([[0, 5], [60, 5], [120, 5]]);
  });

  it('should keep short pauses inside one run and split at longer ones', () => {
    const runs = [
      { start: T0 + 10 * MIN, durationMs: 10 * MIN, powerW: 300 },
      { start: T0 + 21.5 * MIN, durationMs: 10 * MIN, powerW: 300 }, // 90 s pause: same wash
      { start: T0 + 40 * MIN, durationMs: 10 * MIN, powerW: 300 }, // 8.5 min pause: a new run
    ];
    const out = segmentTrace(render(runs, T0, T0 + 80 * MIN));
    expect(out.runs.map((r) => Math.round(r.durationS / 60))).toEqual([22, 10]);
  });

  it('should report a run still going at the end as ongoing, not as a run', () => {
    const out = segmentTrace(render([{ start: T0 + 5 * MIN, durationMs: 60 * MIN, powerW: 200 }], T0, T0 + 30 * MIN));
    expect(out.runs).toHaveLength(0);
    expect(out.ongoing).toMatchObject({ start: T0 + 5 * MIN, powerW: 200 });
    expect(out.ongoing!.elapsedS).toBeGreaterThan(24 * 60);
  });

  it('should ignore a reading older than the last one (a replayed record)', () => {
    const s = new RunSegmenter();
    s.push(T0, 0);
    s.push(T0 + 5000, 100);
    s.push(T0 + 1000, 0);
    expect(s.ongoing()?.start).toBe(T0 + 5000);
  });

  it('should ignore a second reading at the same time (a replay taken twice) and count its energy once', () => {
    const once = new RunSegmenter();
    const twice = new RunSegmenter();
    for (const s of [once, twice]) {
      s.push(T0, 0);
      s.push(T0 + 10_000, 100);
      s.push(T0 + 20_000, 100);
    }
    twice.push(T0 + 20_000, 900);
    for (const s of [once, twice]) s.push(T0 + 30_000, 100);
    expect(twice.ongoing()).toEqual(once.ongoing());
  });

  it('should tell the span of the run in progress, the same as ongoing() without its median', () => {
    const s = new RunSegmenter();
    expect(s.ongoingSpan()).toBeUndefined();
    s.push(T0, 0);
    s.push(T0 + 10_000, 100);
    s.push(T0 + 70_000, 120);
    expect(s.ongoingSpan()).toEqual({ start: T0 + 10_000, elapsedS: 60 });
    expect(s.ongoing()).toMatchObject({ start: T0 + 10_000, elapsedS: 60, powerW: 110 });
  });

  it('should refuse nonsense options', () => {
    expect(() => new RunSegmenter({ onDeltaW: 0 })).toThrow(/onDeltaW/);
  });
});
