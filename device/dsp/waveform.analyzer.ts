import { KERNEL_OUT_LENGTH, portableWaveformKernels, WaveformKernels } from './waveform.kernels';
import { clearWaveformMetrics, SampleBuffer, WaveformMetrics } from './waveform.types';

export interface WaveformAnalyzerOptions {
  /** Largest burst `analyze` accepts; scratch buffers are sized once from it. */
  maxSamples: number;
  /**
   * 0 (default): THD per IEEE 1459-2010 §3.1.2.2, V_H = √(V² − V1²): no extra work, but noise and
   * interharmonics count as distortion. 2…50: THD from the harmonic bins 2…this order (IEC
   * 61000-4-7 uses 40), capped below Nyquist; costs about two Goertzel passes per order.
   */
  thdMaxHarmonic?: number;
  /** Plausible mains range; crossings outside it mean the voltage channel is not mains. */
  minFrequencyHz?: number;
  maxFrequencyHz?: number;
  /** Fewest whole cycles a window may have (default 2). */
  minCycles?: number;
  /**
   * The per-sample loops (default: the portable TypeScript reference). The firmware passes the
   * native ones (`dsp/waveform.kernels.native`, C host functions).
   */
  kernels?: WaveformKernels;
}

/** Hysteresis of the crossing detector, as a fraction of the voltage half range (peak). */
const HYSTERESIS_FRACTION = 0.25;
const SQRT2 = Math.SQRT2;

/**
 * Per-window power quantities of one circuit from simultaneous v/i samples (IEEE 1459-2010).
 *
 * The window is the whole number of voltage cycles between the first and last rising zero crossing
 * of the burst (fractional sample instants). Integrals over it use the trapezoid rule with the two
 * partial end intervals interpolated linearly, which folds into four edge weights: the sum of the
 * weights equals the window length exactly, so means are unbiased by where the crossings fall
 * between samples. The fundamental phasors come from a single-bin DFT at exactly K cycles per
 * window (Goertzel recurrence, not per-sample trig).
 *
 * Create one per task (it is not re-entrant) and reuse it for all circuits: `analyze` allocates
 * nothing.
 */
export class WaveformAnalyzer {
  readonly maxSamples: number;
  readonly thdMaxHarmonic: number;
  /** Rms of each harmonic order of the last window (index = order, 0 and unused orders are 0); only filled when thdMaxHarmonic > 0. */
  readonly harmonicVoltageRmsV: Float64Array;
  readonly harmonicCurrentRmsA: Float64Array;

  private readonly minFrequencyHz: number;
  private readonly maxFrequencyHz: number;
  private readonly minCycles: number;
  private readonly kernels: WaveformKernels;
  /** Results of the kernels. */
  private readonly scratch = new Float64Array(KERNEL_OUT_LENGTH);
  private readonly weightedV: Float64Array;
  private readonly weightedI: Float64Array;

  // Weighted sums of the current window (samples with the first-pass DC removed).
  private sumW = 0;
  private sumV = 0;
  private sumI = 0;
  private sumVV = 0;
  private sumII = 0;
  private sumVI = 0;
  private sumCos = 0;
  private sumSin = 0;
  private sumVCos = 0;
  private sumVSin = 0;
  private sumICos = 0;
  private sumISin = 0;

  constructor(options: WaveformAnalyzerOptions) {
    const { maxSamples, thdMaxHarmonic = 0, minFrequencyHz = 40, maxFrequencyHz = 70, minCycles = 2, kernels = portableWaveformKernels } = options;
    if (!Number.isInteger(maxSamples) || maxSamples < 16) throw new RangeError(`maxSamples must be an integer ≥ 16, got ${maxSamples}`);
    if (!Number.isInteger(thdMaxHarmonic) || thdMaxHarmonic < 0 || thdMaxHarmonic === 1 || thdMaxHarmonic > 50) {
      throw new RangeError(`thdMaxHarmonic must be 0 or an integer 2…50, got ${thdMaxHarmonic}`);
    }
    if (!(minFrequencyHz > 0 && maxFrequencyHz > minFrequencyHz)) {
      throw new RangeError(`frequency range must satisfy 0 < min < max, got ${minFrequencyHz}…${maxFrequencyHz}`);
    }
    if (!Number.isInteger(minCycles) || minCycles < 1) throw new RangeError(`minCycles must be an integer ≥ 1, got ${minCycles}`);
    this.maxSamples = maxSamples;
    this.thdMaxHarmonic = thdMaxHarmonic;
    this.minFrequencyHz = minFrequencyHz;
    this.maxFrequencyHz = maxFrequencyHz;
    this.minCycles = minCycles;
    this.kernels = kernels;
    const scratch = thdMaxHarmonic > 0 ? maxSamples + 2 : 0;
    this.weightedV = new Float64Array(scratch);
    this.weightedI = new Float64Array(scratch);
    this.harmonicVoltageRmsV = new Float64Array(thdMaxHarmonic + 1);
    this.harmonicCurrentRmsA = new Float64Array(thdMaxHarmonic + 1);
  }

  /**
   * Analyses `n` simultaneous samples of voltage (V) and current (A) taken at `rateHz`.
   * Throws only on programmer errors (bad n or rate); signal problems set `out.status`.
   */
  analyze(voltageV: SampleBuffer, currentA: SampleBuffer, n: number, rateHz: number, out: WaveformMetrics): WaveformMetrics {
    if (!Number.isInteger(n) || n < 0 || n > this.maxSamples || n > voltageV.length || n > currentA.length) {
      throw new RangeError(`n must be an integer 0…${Math.min(this.maxSamples, voltageV.length, currentA.length)}, got ${n}`);
    }
    if (!(rateHz > 0 && rateHz < Infinity)) throw new RangeError(`rateHz must be a positive finite number, got ${rateHz}`);
    this.harmonicVoltageRmsV.fill(0);
    this.harmonicCurrentRmsA.fill(0);
    if (n < 3) return clearWaveformMetrics(out, 'too-few-cycles');

    // Pass 1: DC level and range of the voltage, DC of the current (a first estimate over the
    // whole burst; the exact whole-cycle DC is removed later).
    const scratch = this.scratch;
    this.kernels.levels(voltageV, currentA, n, scratch);
    const dcV = scratch[0] / n;
    const dcI = scratch[1] / n;
    const halfRangeV = (scratch[3] - scratch[2]) / 2;
    if (!(halfRangeV > 0)) return clearWaveformMetrics(out, 'no-signal');

    // Pass 2: whole cycles from the rising crossings of the voltage.
    // Crossing fit over ±1/24 cycle at the highest plausible frequency (±15°, at least 2 samples).
    const fitHalfWidth = Math.max(1, Math.floor(rateHz / this.maxFrequencyHz / 24));
    this.kernels.cycleWindow(voltageV, n, dcV, HYSTERESIS_FRACTION * halfRangeV, fitHalfWidth, scratch);
    const cycles = scratch[0];
    if (cycles < this.minCycles) return clearWaveformMetrics(out, 'too-few-cycles');
    const frequencyHz = rateHz / scratch[3];
    if (!(frequencyHz >= this.minFrequencyHz && frequencyHz <= this.maxFrequencyHz)) {
      return clearWaveformMetrics(out, 'frequency-out-of-range');
    }

    // Pass 3: weighted sums over [t0, t1]. Trapezoid with linearly interpolated ends:
    // k0 − 1 gets α²/2, k0 gets (1 + 2α − α²)/2, interior samples 1, and mirrored at the end.
    const t0 = scratch[1];
    const t1 = scratch[2];
    const lengthSamples = t1 - t0;
    const k0 = Math.ceil(t0);
    const k1 = Math.floor(t1);
    const alpha = k0 - t0;
    const beta = t1 - k1;
    // DFT frequency: exactly `cycles` periods per window, so DC and harmonics are orthogonal to it.
    const omega = (2 * Math.PI * cycles) / lengthSamples;
    this.accumulateInterior(voltageV, currentA, k0, k1, dcV, dcI, omega, t0);
    this.accumulateEdge(voltageV, currentA, k0 - 1, (alpha * alpha) / 2, dcV, dcI, omega, t0);
    this.accumulateEdge(voltageV, currentA, k0, -((1 - alpha) * (1 - alpha)) / 2, dcV, dcI, omega, t0);
    this.accumulateEdge(voltageV, currentA, k1, -((1 - beta) * (1 - beta)) / 2, dcV, dcI, omega, t0);
    if (beta > 0) this.accumulateEdge(voltageV, currentA, k1 + 1, (beta * beta) / 2, dcV, dcI, omega, t0);

    // Means over the window; the residual DC of each channel is removed from every figure.
    const length = this.sumW; // equals lengthSamples up to rounding
    const meanV = this.sumV / length;
    const meanI = this.sumI / length;
    const voltageRms = Math.sqrt(Math.max(0, this.sumVV / length - meanV * meanV));
    const currentRms = Math.sqrt(Math.max(0, this.sumII / length - meanI * meanI));
    const activePower = this.sumVI / length - meanV * meanI;

    // Fundamental phasors X = Σ w·(x − mean)·e^(−jθ); rms phasor = √2·X/L.
    const vRe = this.sumVCos - meanV * this.sumCos;
    const vIm = -(this.sumVSin - meanV * this.sumSin);
    const iRe = this.sumICos - meanI * this.sumCos;
    const iIm = -(this.sumISin - meanI * this.sumSin);
    const scale = 2 / (length * length);
    // P1 + jQ1 = V1·conj(I1) (IEEE 1459 §3.1.2.3; Q1 > 0 when the current lags).
    const fundamentalActive = scale * (vRe * iRe + vIm * iIm);
    const fundamentalReactive = scale * (vIm * iRe - vRe * iIm);
    const fundamentalV = (SQRT2 * Math.sqrt(vRe * vRe + vIm * vIm)) / length;
    const fundamentalI = (SQRT2 * Math.sqrt(iRe * iRe + iIm * iIm)) / length;

    let thdV: number;
    let thdI: number;
    if (this.thdMaxHarmonic > 0) {
      this.harmonicSpectrum(voltageV, currentA, k0, k1, alpha, beta, dcV + meanV, dcI + meanI, omega, length);
      thdV = ratioOfHarmonics(this.harmonicVoltageRmsV, fundamentalV);
      thdI = ratioOfHarmonics(this.harmonicCurrentRmsA, fundamentalI);
    } else {
      thdV = residualRatio(voltageRms, fundamentalV);
      thdI = residualRatio(currentRms, fundamentalI);
    }

    const apparent = voltageRms * currentRms;
    const fundamentalApparent = fundamentalV * fundamentalI;
    out.status = 'ok';
    out.voltageRmsV = voltageRms;
    out.currentRmsA = currentRms;
    out.activePowerW = activePower;
    out.apparentPowerVa = apparent;
    out.reactivePowerVar = fundamentalReactive;
    out.nonActivePowerVa = Math.sqrt(Math.max(0, apparent * apparent - activePower * activePower));
    out.powerFactor = apparent > 0 ? activePower / apparent : 0;
    out.displacementPowerFactor = fundamentalApparent > 0 ? fundamentalActive / fundamentalApparent : 0;
    out.frequencyHz = frequencyHz;
    out.thdVoltage = thdV;
    out.thdCurrent = thdI;
    out.fundamentalVoltageRmsV = fundamentalV;
    out.fundamentalCurrentRmsA = fundamentalI;
    out.fundamentalActivePowerW = fundamentalActive;
    out.cycles = cycles;
    out.windowStartSample = t0;
    out.windowEndSample = t1;
    out.dcVoltageV = dcV + meanV;
    out.dcCurrentA = dcI + meanI;
    return out;
  }

  /**
   * Unit-weight samples k0…k1, the hot loop (the kernels): plain sums plus one Goertzel recurrence
   * per channel for the fundamental (one multiply, two adds; no sine or cosine per sample).
   */
  private accumulateInterior(
    voltageV: SampleBuffer,
    currentA: SampleBuffer,
    k0: number,
    k1: number,
    dcV: number,
    dcI: number,
    omega: number,
    t0: number,
  ): void {
    const sums = this.scratch;
    this.kernels.accumulate(voltageV, currentA, k0, k1, dcV, dcI, 2 * Math.cos(omega), sums);
    const v1 = sums[5];
    const v2 = sums[6];
    const i1 = sums[7];
    const i2 = sums[8];
    this.sumW = k1 - k0 + 1;
    this.sumV = sums[0];
    this.sumI = sums[1];
    this.sumVV = sums[2];
    this.sumII = sums[3];
    this.sumVI = sums[4];
    // Goertzel: Σ x_k·e^(−jω(k − t0)) = e^(−jω(k1 − t0))·(s1 − e^(−jω)·s2).
    const cosW = Math.cos(omega);
    const sinW = Math.sin(omega);
    const cosEnd = Math.cos(omega * (k1 - t0));
    const sinEnd = Math.sin(omega * (k1 - t0));
    let re = v1 - cosW * v2;
    let im = sinW * v2;
    this.sumVCos = cosEnd * re + sinEnd * im;
    this.sumVSin = sinEnd * re - cosEnd * im; // Σ x·sin θ = −Im
    re = i1 - cosW * i2;
    im = sinW * i2;
    this.sumICos = cosEnd * re + sinEnd * im;
    this.sumISin = sinEnd * re - cosEnd * im;
    // Σ e^(jθ_k) for the DC correction, closed form: e^(jθ_k0)·(1 − e^(jωM))/(1 − e^(jω)), with
    // (1 − e^(jx)) = −2j·sin(x/2)·e^(jx/2) the ratio is sin(ωM/2)/sin(ω/2)·e^(jω(M − 1)/2).
    const count = k1 - k0 + 1;
    const magnitude = Math.sin((omega * count) / 2) / Math.sin(omega / 2);
    const middle = omega * (k0 - t0) + (omega * (count - 1)) / 2;
    this.sumCos = magnitude * Math.cos(middle);
    this.sumSin = magnitude * Math.sin(middle);
  }

  /** Adds one sample with weight `w` (edge corrections; four calls per window). */
  private accumulateEdge(
    voltageV: SampleBuffer,
    currentA: SampleBuffer,
    k: number,
    w: number,
    dcV: number,
    dcI: number,
    omega: number,
    t0: number,
  ): void {
    const v = voltageV[k] - dcV;
    const i = currentA[k] - dcI;
    const c = w * Math.cos(omega * (k - t0));
    const s = w * Math.sin(omega * (k - t0));
    this.sumW += w;
    this.sumV += w * v;
    this.sumI += w * i;
    this.sumVV += w * v * v;
    this.sumII += w * i * i;
    this.sumVI += w * v * i;
    this.sumCos += c;
    this.sumSin += s;
    this.sumVCos += v * c;
    this.sumVSin += v * s;
    this.sumICos += i * c;
    this.sumISin += i * s;
  }

  /** Harmonic rms values 2…H (H below Nyquist) from Goertzel over the weighted, DC-free window. */
  private harmonicSpectrum(
    voltageV: SampleBuffer,
    currentA: SampleBuffer,
    k0: number,
    k1: number,
    alpha: number,
    beta: number,
    dcV: number,
    dcI: number,
    omega: number,
    length: number,
  ): void {
    // Copy k0 − 1 … k1 + 1 with the same edge weights as pass 3 (index 0 is sample k0 − 1).
    const count = k1 - k0 + 3;
    const wv = this.weightedV;
    const wi = this.weightedI;
    for (let k = k0; k <= k1; k++) {
      wv[k - k0 + 1] = voltageV[k] - dcV;
      wi[k - k0 + 1] = currentA[k] - dcI;
    }
    const firstWeight = (alpha * alpha) / 2;
    const lastWeight = (beta * beta) / 2;
    wv[0] = firstWeight * (voltageV[k0 - 1] - dcV);
    wi[0] = firstWeight * (currentA[k0 - 1] - dcI);
    wv[1] *= (1 + 2 * alpha - alpha * alpha) / 2;
    wi[1] *= (1 + 2 * alpha - alpha * alpha) / 2;
    wv[count - 2] *= (1 + 2 * beta - beta * beta) / 2;
    wi[count - 2] *= (1 + 2 * beta - beta * beta) / 2;
    wv[count - 1] = lastWeight > 0 ? lastWeight * (voltageV[k1 + 1] - dcV) : 0;
    wi[count - 1] = lastWeight > 0 ? lastWeight * (currentA[k1 + 1] - dcI) : 0;

    const orders = Math.min(this.thdMaxHarmonic, Math.ceil(Math.PI / omega) - 1);
    const toRms = SQRT2 / length;
    for (let h = 2; h <= orders; h++) {
      this.kernels.goertzelMagnitudes(wv, wi, count, h * omega, this.scratch);
      this.harmonicVoltageRmsV[h] = toRms * this.scratch[0];
      this.harmonicCurrentRmsA[h] = toRms * this.scratch[1];
    }
  }
}

/** √(Σ X_h²)/X1 over the harmonic table (0 when the fundamental is 0). */
function ratioOfHarmonics(harmonics: Float64Array, fundamental: number): number {
  let sum = 0;
  for (let h = 2; h < harmonics.length; h++) sum += harmonics[h] * harmonics[h];
  return fundamental > 0 ? Math.sqrt(sum) / fundamental : 0;
}

/** IEEE 1459 X_H/X1 with X_H = √(X² − X1²) (0 when the fundamental is 0). */
function residualRatio(rms: number, fundamental: number): number {
  return fundamental > 0 ? Math.sqrt(Math.max(0, rms * rms - fundamental * fundamental)) / fundamental : 0;
}
