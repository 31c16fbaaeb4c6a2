import { SampleBuffer } from './waveform.types';

/**
 * |Σ x_k·e^(−jωk)| over k = 0..n−1 for two channels at once (Goertzel recurrence: one multiply and
 * two adds per sample and channel, no sine or cosine per sample). ω in rad/sample, any real value,
 * not only DFT bin centres. Writes the magnitudes to out[0] (channel a) and out[1] (channel b).
 */
export function goertzelMagnitudes(a: SampleBuffer, b: SampleBuffer, n: number, omega: number, out: Float64Array): void {
  const coefficient = 2 * Math.cos(omega);
  let a1 = 0;
  let a2 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let k = 0; k < n; k++) {
    const a0 = a[k] + coefficient * a1 - a2;
    a2 = a1;
    a1 = a0;
    const b0 = b[k] + coefficient * b1 - b2;
    b2 = b1;
    b1 = b0;
  }
  // |X|² = s1² + s2² − 2cos(ω)·s1·s2 (the final phase factor has unit modulus).
  out[0] = Math.sqrt(Math.max(0, a1 * a1 + a2 * a2 - coefficient * a1 * a2));
  out[1] = Math.sqrt(Math.max(0, b1 * b1 + b2 * b2 - coefficient * b1 * b2));
}
