/** Sample buffers the DSP accepts: volts or amps, one sample per element, uniform rate. */
export type SampleBuffer = Float32Array | Float64Array;

/**
 * Why a window gave no figures. A signal condition, not a programmer error: the metering loop
 * reports it as a state (e.g. mains absent), it never throws.
 */
export type WaveformStatus = 'ok' | 'no-signal' | 'too-few-cycles' | 'frequency-out-of-range';

/**
 * One window's quantities, SI units, names after IEEE 1459-2010 (single phase, §3.1).
 * DC offsets are removed from both channels before any figure is formed (an ADC/CT artefact on a
 * meter, not a load property). The analyzer overwrites the same object on every call.
 */
export interface WaveformMetrics {
  status: WaveformStatus;
  /** V: rms voltage over the whole-cycle window. */
  voltageRmsV: number;
  /** I: rms current. */
  currentRmsA: number;
  /** P: active power, mean of v·i (positive = import). */
  activePowerW: number;
  /** S = V·I. */
  apparentPowerVa: number;
  /** Q1 = V1·I1·sin θ1: fundamental reactive power, positive when current lags (inductive). */
  reactivePowerVar: number;
  /** N = √(S² − P²): non-active power (reactive + distortion). */
  nonActivePowerVa: number;
  /** PF = P/S (0 when S = 0). */
  powerFactor: number;
  /** dpf = cos θ1 = P1/S1 (0 when S1 = 0). */
  displacementPowerFactor: number;
  /** Mains frequency from the voltage zero crossings. */
  frequencyHz: number;
  /** THD_V = V_H/V1 as a fraction. */
  thdVoltage: number;
  /** THD_I = I_H/I1 as a fraction. */
  thdCurrent: number;
  /** V1, I1: rms of the fundamental components. */
  fundamentalVoltageRmsV: number;
  fundamentalCurrentRmsA: number;
  /** P1 = V1·I1·cos θ1. */
  fundamentalActivePowerW: number;
  /** Whole cycles in the window and its span in fractional sample indices. */
  cycles: number;
  windowStartSample: number;
  windowEndSample: number;
  /** DC offsets removed from each channel (mean over the window). */
  dcVoltageV: number;
  dcCurrentA: number;
}

export function createWaveformMetrics(): WaveformMetrics {
  return clearWaveformMetrics({} as WaveformMetrics, 'no-signal');
}

/** Puts every figure back to zero with the given status (a window that could not be measured). */
export function clearWaveformMetrics(out: WaveformMetrics, status: WaveformStatus): WaveformMetrics {
  out.status = status;
  out.voltageRmsV = 0;
  out.currentRmsA = 0;
  out.activePowerW = 0;
  out.apparentPowerVa = 0;
  out.reactivePowerVar = 0;
  out.nonActivePowerVa = 0;
  out.powerFactor = 0;
  out.displacementPowerFactor = 0;
  out.frequencyHz = 0;
  out.thdVoltage = 0;
  out.thdCurrent = 0;
  out.fundamentalVoltageRmsV = 0;
  out.fundamentalCurrentRmsA = 0;
  out.fundamentalActivePowerW = 0;
  out.cycles = 0;
  out.windowStartSample = 0;
  out.windowEndSample = 0;
  out.dcVoltageV = 0;
  out.dcCurrentA = 0;
  return out;
}
