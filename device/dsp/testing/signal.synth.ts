import { seededRandom } from '../../core/util/seeded-random';
/**
 * Test-signal synthesis and its analytic ground truth, written independently of the analyzer
 * (Math.sin per sample, closed-form sums). Portable: used by the XS vectors and by Node specs.
 */

/** mulberry32 (device/core/util/seeded-random.ts). */
export const mulberry32 = seededRandom;

/** Standard normal deviates by Box–Muller from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  let spare = 0;
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const u = 1 - uniform(); // (0, 1]: log stays finite
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    hasSpare = true;
    return radius * Math.cos(angle);
  };
}

/** One harmonic component x_h(θ) = √2·rms·sin(h·θ + phaseRad), θ the fundamental phase. */
export interface Harmonic {
  order: number;
  rms: number;
  phaseRad: number;
}

export interface ChannelSpec {
  harmonics: Harmonic[];
  dc?: number;
  /** Gaussian noise, rms. */
  noiseRms?: number;
  /** ADC model: clamp to ±fullScale, round to 2^bits codes, rescale. */
  adc?: { fullScale: number; bits: number };
}

export interface SignalSpec {
  frequencyHz: number;
  rateHz: number;
  samples: number;
  /** Fundamental phase at sample 0 (rad). */
  startPhaseRad: number;
  seed: number;
  voltage: ChannelSpec;
  current: ChannelSpec;
}

/** Fills v and i (length ≥ spec.samples). */
export function synthesise(
  spec: SignalSpec,
  v: Float64Array | Float32Array,
  i: Float64Array | Float32Array,
): void {
  const normal = gaussian(mulberry32(spec.seed));
  const radPerSample = (2 * Math.PI * spec.frequencyHz) / spec.rateHz;
  for (let k = 0; k < spec.samples; k++) {
    const theta = spec.startPhaseRad + radPerSample * k;
    v[k] = channelSample(spec.voltage, theta, normal);
    i[k] = channelSample(spec.current, theta, normal);
  }
}

function channelSample(channel: ChannelSpec, theta: number, normal: () => number): number {
  let x = channel.dc ?? 0;
  for (const h of channel.harmonics) x += Math.SQRT2 * h.rms * Math.sin(h.order * theta + h.phaseRad);
  if (channel.noiseRms) x += channel.noiseRms * normal();
  if (channel.adc) {
    const { fullScale, bits } = channel.adc;
    const lsb = (2 * fullScale) / 2 ** bits;
    const code = Math.round(Math.max(-fullScale, Math.min(fullScale - lsb, x)) / lsb);
    x = code * lsb;
  }
  return x;
}

/** Analytic IEEE 1459 quantities of a spec (noise and ADC excluded: they have zero mean). */
export interface SignalTruth {
  voltageRmsV: number;
  currentRmsA: number;
  activePowerW: number;
  reactivePowerVar: number;
  apparentPowerVa: number;
  powerFactor: number;
  displacementPowerFactor: number;
  thdVoltage: number;
  thdCurrent: number;
  fundamentalVoltageRmsV: number;
  fundamentalCurrentRmsA: number;
}

export function truthOf(spec: SignalSpec): SignalTruth {
  const v = spec.voltage.harmonics;
  const i = spec.current.harmonics;
  const v1 = fundamentalOf(v);
  const i1 = fundamentalOf(i);
  const voltageRms = Math.sqrt(sumSquares(v, 1));
  const currentRms = Math.sqrt(sumSquares(i, 1));
  // Components of different orders are orthogonal over whole cycles: P = Σ_h V_h·I_h·cos(φv_h − φi_h).
  let active = 0;
  for (const vh of v) {
    for (const ih of i)
      if (ih.order === vh.order) active += vh.rms * ih.rms * Math.cos(vh.phaseRad - ih.phaseRad);
  }
  const theta1 = v1.phaseRad - i1.phaseRad;
  const apparent = voltageRms * currentRms;
  return {
    voltageRmsV: voltageRms,
    currentRmsA: currentRms,
    activePowerW: active,
    reactivePowerVar: v1.rms * i1.rms * Math.sin(theta1),
    apparentPowerVa: apparent,
    powerFactor: apparent > 0 ? active / apparent : 0,
    displacementPowerFactor: Math.cos(theta1),
    thdVoltage: Math.sqrt(sumSquares(v, 2)) / v1.rms,
    thdCurrent: Math.sqrt(sumSquares(i, 2)) / i1.rms,
    fundamentalVoltageRmsV: v1.rms,
    fundamentalCurrentRmsA: i1.rms,
  };
}

function fundamentalOf(harmonics: Harmonic[]): Harmonic {
  for (const h of harmonics) if (h.order === 1) return h;
  return { order: 1, rms: 0, phaseRad: 0 };
}

function sumSquares(harmonics: Harmonic[], fromOrder: number): number {
  let sum = 0;
  for (const h of harmonics) if (h.order >= fromOrder) sum += h.rms * h.rms;
  return sum;
}

/**
 * Fourier series of a leading-edge (phase-cut) dimmer on a resistive load: i(θ) = Ip·sin θ for
 * θ in [α, π) and [π + α, 2π), 0 elsewhere. Odd orders only (half-wave symmetry). With
 * i = Σ a_h·cos hθ + b_h·sin hθ and G(m) = (cos mα − cos mπ)/m, C(m) = −sin(mα)/m, C(0) = π − α:
 * a_h = (Ip/π)·(G(h + 1) + G(1 − h)), b_h = (Ip/π)·(C(1 − h) − C(h + 1)).
 * E.g. b_1 = (Ip/π)·(π − α + sin 2α/2), a_1 = −(Ip/π)·sin²α (the fundamental lags).
 */
export function phaseCutDimmerHarmonics(peakA: number, firingAngleRad: number, maxOrder: number): Harmonic[] {
  const alpha = firingAngleRad;
  const g = (m: number): number => (m === 0 ? 0 : (Math.cos(m * alpha) - Math.cos(m * Math.PI)) / m);
  const c = (m: number): number => (m === 0 ? Math.PI - alpha : -Math.sin(m * alpha) / m);
  const harmonics: Harmonic[] = [];
  for (let h = 1; h <= maxOrder; h += 2) {
    const a = (peakA / Math.PI) * (g(h + 1) + g(1 - h));
    const b = (peakA / Math.PI) * (c(1 - h) - c(h + 1));
    // a·cos hθ + b·sin hθ = √(a² + b²)·sin(hθ + atan2(a, b)).
    harmonics.push({ order: h, rms: Math.sqrt(a * a + b * b) / Math.SQRT2, phaseRad: Math.atan2(a, b) });
  }
  return harmonics;
}

/** The same dimmer in the time domain (for numerical cross-checks of the series). */
export function phaseCutDimmerCurrent(peakA: number, firingAngleRad: number, theta: number): number {
  const phase = theta - 2 * Math.PI * Math.floor(theta / (2 * Math.PI));
  const halfPhase = phase >= Math.PI ? phase - Math.PI : phase;
  return halfPhase >= firingAngleRad ? peakA * Math.sin(phase) : 0;
}
