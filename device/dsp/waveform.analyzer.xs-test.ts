import { check, checkClose, checkEqual, checkRelative, checkThrows, XsTest } from '../xs/harness';
import { EnergyAccumulator } from './energy.accumulator';
import { ACCURACY_CASES, AccuracyCase, measureCase } from './testing/accuracy.cases';
import { SignalSpec, synthesise, truthOf } from './testing/signal.synth';
import { WaveformAnalyzer, WaveformAnalyzerOptions } from './waveform.analyzer';
import { portableWaveformKernels, WaveformKernels } from './waveform.kernels';
import { createWaveformMetrics } from './waveform.types';

function accuracyVector(accuracyCase: AccuracyCase, kernels: WaveformKernels): XsTest {
  return {
    name: `WaveformAnalyzer accuracy: ${accuracyCase.name}`,
    run() {
      const t = accuracyCase.tolerance;
      const e = measureCase(accuracyCase, kernels);
      checkEqual(e.measured.status, 'ok', 'status');
      if (Number.isFinite(t.powerAbsoluteW)) checkClose(e.powerAbsoluteW, 0, t.powerAbsoluteW, 'P error (W)');
      else checkClose(e.powerRelative, 0, t.powerRelative, 'P relative error');
      checkClose(e.voltageRmsRelative, 0, t.voltageRmsRelative, 'Vrms relative error');
      checkClose(e.currentRmsRelative, 0, t.currentRmsRelative, 'Irms relative error');
      checkClose(e.frequencyHz, 0, t.frequencyHz, 'f error (Hz)');
      checkClose(e.reactiveOfApparent, 0, t.reactiveOfApparent, 'Q1 error / S');
      checkClose(e.displacementPowerFactor, 0, t.displacementPowerFactor, 'dpf error');
      checkClose(e.thdVoltage, 0, t.thd, 'THD_V error');
      checkClose(e.thdCurrent, 0, t.thd, 'THD_I error');
      if (Number.isFinite(t.thd)) {
        checkClose(e.residualThdVoltage, 0, t.thd, 'IEEE 1459 residual THD_V error');
        checkClose(e.residualThdCurrent, 0, t.thd, 'IEEE 1459 residual THD_I error');
      }
    },
  };
}

/** A clean 230 V / 10 A lagging 30° signal, 50 Hz, exact samples (status and structure vectors). */
function cleanSpec(overrides: Partial<SignalSpec> = {}): SignalSpec {
  return {
    frequencyHz: 50,
    rateHz: 10_000,
    samples: 2_000,
    startPhaseRad: 0.7,
    seed: 1,
    voltage: { harmonics: [{ order: 1, rms: 230, phaseRad: 0 }] },
    current: { harmonics: [{ order: 1, rms: 10, phaseRad: -Math.PI / 6 }] },
    ...overrides,
  };
}

function runWith(spec: SignalSpec, analyzer: WaveformAnalyzer) {
  const v = new Float64Array(spec.samples);
  const i = new Float64Array(spec.samples);
  synthesise(spec, v, i);
  return analyzer.analyze(v, i, spec.samples, spec.rateHz, createWaveformMetrics());
}

/**
 * The analyzer's vectors on one set of DSP kernels: the portable TypeScript ones (default export:
 * Node and xsnap), the native C ones inside the lin image (device/bench/native-selftest.ts).
 */
export function waveformVectors(kernels: WaveformKernels): XsTest[] {
  const newAnalyzer = (options: WaveformAnalyzerOptions): WaveformAnalyzer => new WaveformAnalyzer({ ...options, kernels });
  const run = (spec: SignalSpec, analyzer = newAnalyzer({ maxSamples: spec.samples })) => runWith(spec, analyzer);
  return [
    ...ACCURACY_CASES.map((accuracyCase) => accuracyVector(accuracyCase, kernels)),
    {
      name: 'WaveformAnalyzer: window spans whole cycles between rising voltage crossings',
      run() {
        const m = run(cleanSpec());
        checkEqual(m.cycles, 9, 'cycles in 200 ms starting mid-cycle');
        checkClose(m.windowEndSample - m.windowStartSample, 9 * 200, 1e-6, 'window length (samples)');
        // Rising crossing of sin(0.7 + 2π·50·k/10 kHz): first at k = (2π − 0.7)·200/(2π).
        checkClose(m.windowStartSample, ((2 * Math.PI - 0.7) * 200) / (2 * Math.PI), 1e-3, 'first crossing (samples)');
      },
    },
    {
      name: 'WaveformAnalyzer: sign of Q1 follows IEEE 1459 (lagging +, leading −), P < 0 on export',
      run() {
        const lagging = run(cleanSpec());
        check(lagging.reactivePowerVar > 1000, `lagging Q1 ${lagging.reactivePowerVar}`);
        const leading = run(cleanSpec({ current: { harmonics: [{ order: 1, rms: 10, phaseRad: Math.PI / 6 }] } }));
        check(leading.reactivePowerVar < -1000, `leading Q1 ${leading.reactivePowerVar}`);
        const exporting = run(cleanSpec({ current: { harmonics: [{ order: 1, rms: 10, phaseRad: Math.PI } ] } }));
        checkRelative(exporting.activePowerW, -2300, 1e-6, 'export P');
        checkRelative(exporting.powerFactor, -1, 1e-6, 'export PF');
      },
    },
    {
      name: 'WaveformAnalyzer: Float32 buffers give the Float64 figures',
      run() {
        const spec = cleanSpec();
        const v = new Float32Array(spec.samples);
        const i = new Float32Array(spec.samples);
        synthesise(spec, v, i);
        const m = newAnalyzer({ maxSamples: 4096 }).analyze(v, i, spec.samples, spec.rateHz, createWaveformMetrics());
        checkRelative(m.activePowerW, 2300 * Math.cos(Math.PI / 6), 1e-5, 'P');
        checkRelative(m.voltageRmsV, 230, 1e-5, 'Vrms');
      },
    },
    {
      name: 'WaveformAnalyzer: one instance reused across circuits keeps no state between windows',
      run() {
        const analyzer = newAnalyzer({ maxSamples: 2_000, thdMaxHarmonic: 40 });
        const first = run(ACCURACY_CASES[3].spec, analyzer).activePowerW;
        run(cleanSpec({ frequencyHz: 60, startPhaseRad: 2 }), analyzer);
        checkEqual(run(ACCURACY_CASES[3].spec, analyzer).activePowerW, first, 'P after another circuit');
      },
    },
    {
      name: 'WaveformAnalyzer: harmonic table holds each order and stops below Nyquist',
      run() {
        const smps = ACCURACY_CASES[3].spec; // 3rd harmonic 1.6 A
        const analyzer = newAnalyzer({ maxSamples: 2_000, thdMaxHarmonic: 40 });
        run(smps, analyzer);
        checkRelative(analyzer.harmonicCurrentRmsA[3], 1.6, 0.005, '3rd harmonic');
        checkClose(analyzer.harmonicCurrentRmsA[4], 0, 0.01, '4th harmonic');
        // 1 kHz sampling of 50 Hz: orders up to 9 only (10 × 50 Hz is Nyquist).
        const slow = cleanSpec({ rateHz: 1_000, samples: 200 });
        const slowAnalyzer = newAnalyzer({ maxSamples: 200, thdMaxHarmonic: 40 });
        run(slow, slowAnalyzer);
        checkEqual(slowAnalyzer.harmonicVoltageRmsV[10], 0, 'order 10 not computed');
        checkClose(slowAnalyzer.harmonicVoltageRmsV[9], 0, 1e-6, 'order 9 of a pure sine');
      },
    },
    {
      name: 'WaveformAnalyzer: energy over consecutive 200 ms windows within 0.5 % of P·t',
      run() {
        // One continuous 1 s signal (5 A lagging 45°, 49.7 Hz) cut into five bursts.
        const spec = cleanSpec({ samples: 10_000, frequencyHz: 49.7, current: { harmonics: [{ order: 1, rms: 5, phaseRad: -Math.PI / 4 }], noiseRms: 0.02, adc: { fullScale: 64, bits: 12 } } });
        const v = new Float64Array(spec.samples);
        const i = new Float64Array(spec.samples);
        synthesise(spec, v, i);
        const analyzer = newAnalyzer({ maxSamples: 2_000 });
        const metrics = createWaveformMetrics();
        const energy = new EnergyAccumulator();
        for (let burst = 0; burst < 5; burst++) {
          analyzer.analyze(v.subarray(burst * 2_000), i.subarray(burst * 2_000), 2_000, spec.rateHz, metrics);
          energy.add(metrics.activePowerW, 200);
        }
        checkRelative(energy.energyImportWh, truthOf(spec).activePowerW / 3600, 0.005, 'energy (Wh)');
      },
    },
    {
      name: 'WaveformAnalyzer: heavy voltage noise at any crossing position stays finite and near truth',
      run() {
        const analyzer = newAnalyzer({ maxSamples: 2_000 });
        for (let k = 0; k < 30; k++) {
          const spec = cleanSpec({ startPhaseRad: k * 0.2094, seed: k, voltage: { harmonics: [{ order: 1, rms: 230, phaseRad: 0 }], noiseRms: 5 } });
          const m = run(spec, analyzer);
          checkEqual(m.status, 'ok', `status at start phase ${spec.startPhaseRad}`);
          checkRelative(m.activePowerW, 2300 * Math.cos(Math.PI / 6), 0.005, `P at start phase ${spec.startPhaseRad}`);
          checkClose(m.frequencyHz, 50, 0.02, `f at start phase ${spec.startPhaseRad}`);
        }
      },
    },
    {
      name: 'WaveformAnalyzer: signal conditions become a status, figures zero',
      run() {
        const analyzer = newAnalyzer({ maxSamples: 2_000 });
        const flat = new Float64Array(2_000);
        checkEqual(analyzer.analyze(flat, flat, 2_000, 10_000, createWaveformMetrics()).status, 'no-signal', 'flat voltage');
        const short = run(cleanSpec({ samples: 250 }), analyzer);
        checkEqual(short.status, 'too-few-cycles', '25 ms burst');
        checkEqual(short.activePowerW, 0, 'P of a failed window');
        checkEqual(run(cleanSpec({ frequencyHz: 20 }), analyzer).status, 'frequency-out-of-range', '20 Hz');
        checkEqual(analyzer.analyze(flat, flat, 2, 10_000, createWaveformMetrics()).status, 'too-few-cycles', 'n = 2');
      },
    },
    {
      name: 'WaveformAnalyzer: programmer errors throw with the bad value',
      run() {
        const analyzer = newAnalyzer({ maxSamples: 100 });
        const buffer = new Float64Array(200);
        const metrics = createWaveformMetrics();
        checkThrows(() => analyzer.analyze(buffer, buffer, 150, 10_000, metrics), /got 150/);
        checkThrows(() => analyzer.analyze(buffer, buffer, 100, 0, metrics), /rateHz .* got 0/);
        checkThrows(() => analyzer.analyze(buffer, buffer, 100, NaN, metrics), /got NaN/);
        checkThrows(() => newAnalyzer({ maxSamples: 1000, thdMaxHarmonic: 1 }), /got 1/);
        checkThrows(() => newAnalyzer({ maxSamples: 1.5 }), /got 1.5/);
      },
    },
  ];
}

export default waveformVectors(portableWaveformKernels);
