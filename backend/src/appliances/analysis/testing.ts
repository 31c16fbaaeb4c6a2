/** Synthetic circuits for unit tests: a fridge-like rhythm and occasional loads, on a 5 s grid. */
import { PowerSample } from './power-trace';

export const T0 = Date.UTC(2024, 0, 1);
export const MIN = 60_000;
export const DAY = 86_400_000;

export interface SyntheticRun {
  start: number;
  durationMs: number;
  powerW: number;
}

/** A compressor: `onMin` on at `powerW`, `offMin` off, jittered deterministically by the cycle number. */
export function cycles(from: number, to: number, o: { onMin: number; offMin: number; powerW: number; jitter?: number }): SyntheticRun[] {
  const out: SyntheticRun[] = [];
  let t = from;
  for (let k = 0; t < to; k++) {
    const wobble = 1 + (o.jitter ?? 0.03) * Math.sin(k * 2.399);
    out.push({ start: t, durationMs: o.onMin * MIN * wobble, powerW: o.powerW });
    t += (o.onMin + o.offMin) * MIN * wobble;
  }
  return out;
}

export function render(runs: SyntheticRun[], from: number, to: number, o: { idleW?: number; stepMs?: number } = {}): PowerSample[] {
  const step = o.stepMs ?? 5000;
  const out: PowerSample[] = [];
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  let first = 0;
  for (let t = from; t < to; t += step) {
    let p = o.idleW ?? 0;
    while (first < sorted.length && sorted[first].start + sorted[first].durationMs + DAY < t) first++;
    for (let k = first; k < sorted.length && sorted[k].start <= t; k++) if (t < sorted[k].start + sorted[k].durationMs) p += sorted[k].powerW;
    out.push({ ts: t, powerW: p });
  }
  return out;
}
