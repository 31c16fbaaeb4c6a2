import { goertzelMagnitudes } from './harmonic.goertzel';
import { SampleBuffer } from './waveform.types';
import { createCycleWindow, findCycleWindow } from './zero-crossing.tracker';

/**
 * The per-sample loops of `WaveformAnalyzer`: everything that touches each sample of a burst.
 * The scalar work around them (edge weights, phasors, IEEE 1459 figures) stays in the analyzer.
 *
 * Two implementations, held to the same vectors (waveform.analyzer.xs-test.ts):
 * - `portableWaveformKernels` (here): TypeScript, the reference; Node, xsnap, xst;
 * - `dsp/waveform.kernels.native` (waveform.kernels.native.c): Moddable C host functions, the same
 *   arithmetic in doubles, for the firmware image (esp32 and the lin virtual board).
 * Outputs go to caller-owned Float64Arrays (no allocation, no object properties from C).
 */
export interface WaveformKernels {
  readonly name: string;
  /** out[0] = Σv, out[1] = Σi, out[2] = min v, out[3] = max v over samples 0…n−1 (n ≥ 1). */
  levels(voltageV: SampleBuffer, currentA: SampleBuffer, n: number, out: Float64Array): void;
  /**
   * Rising crossings of v through `levelV` (zero-crossing.tracker.ts `findCycleWindow`):
   * out[0] = cycles, out[1] = first crossing, out[2] = last crossing, out[3] = period (samples).
   */
  cycleWindow(
    voltageV: SampleBuffer,
    n: number,
    levelV: number,
    hysteresisV: number,
    fitHalfWidth: number,
    out: Float64Array,
  ): void;
  /**
   * Over samples k0…k1 with the DC levels removed: out[0] = Σv, out[1] = Σi, out[2] = Σv², out[3] = Σi²,
   * out[4] = Σv·i, then the Goertzel states (coefficient = 2·cos ω) s1, s2 of v (out[5], out[6])
   * and of i (out[7], out[8]).
   */
  accumulate(
    voltageV: SampleBuffer,
    currentA: SampleBuffer,
    k0: number,
    k1: number,
    dcV: number,
    dcI: number,
    coefficient: number,
    out: Float64Array,
  ): void;
  /** |Σ x_k·e^(−jωk)| of a (out[0]) and b (out[1]) over 0…n−1 (harmonic.goertzel.ts). */
  goertzelMagnitudes(a: SampleBuffer, b: SampleBuffer, n: number, omega: number, out: Float64Array): void;
}

/** Length of the `out` array each kernel needs (the largest, `accumulate`'s). */
export const KERNEL_OUT_LENGTH = 9;

/** The portable cycle window's result object (the kernels are not re-entrant, like the analyzer). */
const scratchWindow = createCycleWindow();

export const portableWaveformKernels: WaveformKernels = Object.freeze({
  name: 'portable',
  levels(voltageV: SampleBuffer, currentA: SampleBuffer, n: number, out: Float64Array): void {
    let sumV = 0;
    let sumI = 0;
    let minV = voltageV[0];
    let maxV = minV;
    for (let k = 0; k < n; k++) {
      const v = voltageV[k];
      sumV += v;
      sumI += currentA[k];
      if (v < minV) minV = v;
      else if (v > maxV) maxV = v;
    }
    out[0] = sumV;
    out[1] = sumI;
    out[2] = minV;
    out[3] = maxV;
  },
  cycleWindow(
    voltageV: SampleBuffer,
    n: number,
    levelV: number,
    hysteresisV: number,
    fitHalfWidth: number,
    out: Float64Array,
  ): void {
    const window = findCycleWindow(voltageV, n, levelV, hysteresisV, fitHalfWidth, scratchWindow);
    out[0] = window.cycles;
    out[1] = window.startSample;
    out[2] = window.endSample;
    out[3] = window.periodSamples;
  },
  accumulate(
    voltageV: SampleBuffer,
    currentA: SampleBuffer,
    k0: number,
    k1: number,
    dcV: number,
    dcI: number,
    coefficient: number,
    out: Float64Array,
  ): void {
    let sumV = 0;
    let sumI = 0;
    let sumVV = 0;
    let sumII = 0;
    let sumVI = 0;
    let v1 = 0;
    let v2 = 0;
    let i1 = 0;
    let i2 = 0;
    for (let k = k0; k <= k1; k++) {
      const v = voltageV[k] - dcV;
      const i = currentA[k] - dcI;
      sumV += v;
      sumI += i;
      sumVV += v * v;
      sumII += i * i;
      sumVI += v * i;
      const v0 = v + coefficient * v1 - v2;
      v2 = v1;
      v1 = v0;
      const i0 = i + coefficient * i1 - i2;
      i2 = i1;
      i1 = i0;
    }
    out[0] = sumV;
    out[1] = sumI;
    out[2] = sumVV;
    out[3] = sumII;
    out[4] = sumVI;
    out[5] = v1;
    out[6] = v2;
    out[7] = i1;
    out[8] = i2;
  },
  goertzelMagnitudes,
});
