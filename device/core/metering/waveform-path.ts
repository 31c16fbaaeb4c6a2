/**
 * The waveform path (docs/atm90e26.md "Measurement paths"; 16 kSPS on the board): bursts of one circuit at a time through
 * the portable DSP, and appliance step-change events from their active power. One circuit per
 * `step()` keeps each event-loop turn short (the ESP32 task watchdog is armed); buffers are
 * allocated once. Portable.
 */
import { EventMessage, PROTOCOL_VERSION } from '@dinmeter/shared';
import { createStepChange, StepChangeDetector } from '../../dsp/step-change.detector';
import { WaveformAnalyzer } from '../../dsp/waveform.analyzer';
import { createWaveformMetrics } from '../../dsp/waveform.types';
import type { WaveformMetrics } from '../../dsp/waveform.types';
import type { WaveformKernels } from '../../dsp/waveform.kernels';
import { WaveformSampler } from '../ports';

/** How fast the settled reactive level follows small changes per window (the P detector's default). */
const REACTIVE_TRACKING_GAIN = 0.2;

export interface WaveformPathOptions {
  sampler: WaveformSampler;
  circuits: number;
  /** Burst length (default 200 ms: 10 cycles at 50 Hz, 12 at 60 Hz) at the sampler's rate. */
  burstMs?: number;
  /** Active-power change that counts as an appliance switching (default 50 W). */
  stepThresholdW?: number;
  /** The DSP's per-sample loops (default: the portable TypeScript reference). */
  kernels?: WaveformKernels;
  emit(event: EventMessage): void;
}

export class WaveformPath {
  private readonly analyzer: WaveformAnalyzer;
  private readonly voltage: Float32Array;
  private readonly current: Float32Array;
  private readonly metrics: WaveformMetrics[];
  private readonly detectors: StepChangeDetector[];
  /** Settled fundamental reactive power per circuit, tracked like the detector's P level (for ΔQ). */
  private readonly reactiveLevelVar: Float64Array;
  private readonly reactivePrimed: Uint8Array;
  private readonly step_ = createStepChange();
  private readonly rateHz: number;
  private next = 0;

  constructor(private readonly o: WaveformPathOptions) {
    this.rateHz = o.sampler.rateHz;
    if (!(this.rateHz >= 1000 && this.rateHz <= 100_000)) throw new RangeError(`sampler rate must be 1 kHz … 100 kHz: ${this.rateHz}`);
    const samples = Math.round((this.rateHz * (o.burstMs ?? 200)) / 1000);
    if (!(samples >= 64 && samples <= 100_000)) throw new RangeError(`burst of ${samples} samples is out of range`);
    this.analyzer = new WaveformAnalyzer({ maxSamples: samples, kernels: o.kernels });
    this.voltage = new Float32Array(samples);
    this.current = new Float32Array(samples);
    this.metrics = Array.from({ length: o.circuits }, () => createWaveformMetrics());
    this.detectors = Array.from({ length: o.circuits }, () => new StepChangeDetector({ thresholdW: o.stepThresholdW ?? 50 }));
    this.reactiveLevelVar = new Float64Array(o.circuits);
    this.reactivePrimed = new Uint8Array(o.circuits);
  }

  /** The last analysis of a circuit (status 'no-signal' until its first burst). */
  latest(circuit: number): Readonly<WaveformMetrics> {
    return this.metrics[circuit - 1];
  }

  /** Samples and analyses the next circuit in turn; `wallMs` stamps events. */
  step(wallMs: number): void {
    const index = this.next;
    this.next = (this.next + 1) % this.o.circuits;
    const circuit = index + 1;
    if (!this.o.sampler.sample(circuit, this.voltage, this.current)) return;
    const metrics = this.analyzer.analyze(this.voltage, this.current, this.voltage.length, this.rateHz, this.metrics[index]);
    if (metrics.status !== 'ok') return;
    const change = this.detectors[index].update(metrics.activePowerW, this.step_);
    // ΔQ tells a motor or compressor (inductive) from a heater of the same ΔP: the backend clusters on it.
    const reactiveVar = metrics.reactivePowerVar;
    if (!this.reactivePrimed[index]) this.reactiveLevelVar[index] = reactiveVar;
    this.reactivePrimed[index] = 1;
    const reactiveBeforeVar = this.reactiveLevelVar[index];
    // While a P step waits for confirmation the Q level holds, so ΔQ spans the whole step.
    if (change.detected) this.reactiveLevelVar[index] = reactiveVar;
    else if (this.detectors[index].pendingWindows === 0) this.reactiveLevelVar[index] = reactiveBeforeVar + REACTIVE_TRACKING_GAIN * (reactiveVar - reactiveBeforeVar);
    if (!change.detected) return;
    this.o.emit({
      v: PROTOCOL_VERSION,
      ts: Math.round(wallMs),
      type: 'step_change',
      circuit,
      message: `${change.deltaW > 0 ? 'load on' : 'load off'}: ${Math.round(change.fromW)} W → ${Math.round(change.toW)} W`,
      data: {
        from_w: round(change.fromW),
        to_w: round(change.toW),
        delta_w: round(change.deltaW),
        delta_var: round(reactiveVar - reactiveBeforeVar),
        pf: round(metrics.powerFactor, 3),
        thd_i: round(metrics.thdCurrent, 3),
      },
    });
  }
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
