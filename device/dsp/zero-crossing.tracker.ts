import { SampleBuffer } from './waveform.types';

/** Whole-cycle window found from the rising crossings of the voltage. */
export interface CycleWindow {
  /** Whole cycles between the first and the last crossing (crossings − 1). */
  cycles: number;
  /** First and last rising crossing, fractional sample index. */
  startSample: number;
  endSample: number;
  /** Least-squares period over all crossings, in samples (0 when fewer than two crossings). */
  periodSamples: number;
}

export function createCycleWindow(): CycleWindow {
  return { cycles: 0, startSample: 0, endSample: 0, periodSamples: 0 };
}

/**
 * Finds the rising crossings of `v` through `levelV` and fits their period.
 *
 * - Hysteresis: a crossing counts only after the signal went below `levelV − hysteresisV`, so noise
 *   near zero cannot produce extra crossings.
 * - Each instant is the zero of a least-squares line through the `fitHalfWidth` samples on each
 *   side of the crossing (1 = plain linear interpolation between the two straddling samples).
 *   Near a crossing a sine is straight to third order, so a fit over ±10…15° cuts the noise
 *   jitter of two-point interpolation several-fold without bias.
 * - Any level gives whole cycles (crossings of a periodic signal at one level are one period
 *   apart), so a DC estimate taken over a partial cycle still windows whole cycles.
 * - The period is the least-squares slope of crossing instant against crossing index: with
 *   K cycles it averages the per-crossing jitter better than (last − first)/K.
 */
export function findCycleWindow(
  v: SampleBuffer,
  n: number,
  levelV: number,
  hysteresisV: number,
  fitHalfWidth: number,
  out: CycleWindow,
): CycleWindow {
  let crossings = 0;
  let first = 0;
  let last = 0;
  // Sums for the fit t_j − t_0 = a + period·j (j = crossing index).
  let sumJ = 0;
  let sumT = 0;
  let sumJT = 0;
  let sumJJ = 0;
  const armLevel = -hysteresisV;
  let previous = v[0] - levelV;
  let armed = previous < armLevel;
  for (let k = 1; k < n; k++) {
    const x = v[k] - levelV;
    if (armed) {
      if (x >= 0) {
        // previous < 0 ≤ x: the crossing lies in (k − 1, k].
        const t = crossingInstant(v, n, levelV, k, fitHalfWidth, k - 1 + previous / (previous - x));
        if (crossings === 0) first = t;
        last = t;
        const dt = t - first;
        sumJ += crossings;
        sumT += dt;
        sumJT += crossings * dt;
        sumJJ += crossings * crossings;
        crossings++;
        armed = false;
      }
    } else if (x < armLevel) {
      armed = true;
    }
    previous = x;
  }
  out.cycles = crossings > 0 ? crossings - 1 : 0;
  out.startSample = first;
  out.endSample = last;
  const denominator = crossings * sumJJ - sumJ * sumJ;
  out.periodSamples = crossings >= 2 ? (crossings * sumJT - sumJ * sumT) / denominator : 0;
  return out;
}

/**
 * Zero of the least-squares line through samples k − m … k + m − 1 (centred on k − ½), or
 * `fallback` (two-point interpolation) when the fit does not fit in the buffer, is not rising or
 * lands more than a sample away from the straddling pair.
 */
function crossingInstant(v: SampleBuffer, n: number, levelV: number, k: number, m: number, fallback: number): number {
  if (m <= 1 || k - m < 0 || k + m > n) return fallback;
  let sumY = 0;
  let sumXY = 0;
  let sumXX = 0;
  for (let j = k - m; j < k + m; j++) {
    const x = j - k + 0.5; // symmetric: Σx = 0
    const y = v[j] - levelV;
    sumY += y;
    sumXY += x * y;
    sumXX += x * x;
  }
  const slope = sumXY / sumXX;
  if (!(slope > 0)) return fallback;
  const t = k - 0.5 - sumY / (2 * m) / slope;
  // Within a sample of the straddling pair, else noise bent the fit: the window edges then keep
  // one sample of margin inside the buffer (the analyzer's edge weights read k0 − 1 and k1 + 1).
  return t > k - 2 && t < k + 1 ? t : fallback;
}
