/**
 * Throughput of WaveformAnalyzer on the host (figures, not a test).
 * Run: node -r @swc-node/register device/dsp/waveform.bench.ts
 * Portable (Date.now only), so the same loop can be bundled into XS.
 * Budget on the device: 10 circuits × 10 kHz = 100 000 sample pairs per second.
 */
import { ACCURACY_CASES } from './testing/accuracy.cases';
import { synthesise } from './testing/signal.synth';
import { WaveformAnalyzer } from './waveform.analyzer';
import { createWaveformMetrics } from './waveform.types';

const spec = ACCURACY_CASES[3].spec; // SMPS current, 200 ms at 10 kHz
const v = new Float32Array(spec.samples);
const i = new Float32Array(spec.samples);
synthesise(spec, v, i);
const metrics = createWaveformMetrics();
const REAL_TIME_PAIRS_PER_S = 10 * 10_000;

for (const thdMaxHarmonic of [0, 40]) {
  const analyzer = new WaveformAnalyzer({ maxSamples: spec.samples, thdMaxHarmonic });
  for (let k = 0; k < 200; k++) analyzer.analyze(v, i, spec.samples, spec.rateHz, metrics); // warm-up
  const windows = 2_000;
  const start = Date.now();
  for (let k = 0; k < windows; k++) analyzer.analyze(v, i, spec.samples, spec.rateHz, metrics);
  const seconds = (Date.now() - start) / 1000;
  const pairsPerSecond = (windows * spec.samples) / seconds;
  console.log(
    `thdMaxHarmonic=${String(thdMaxHarmonic).padEnd(2)} ${(pairsPerSecond / 1e6).toFixed(2)} M sample pairs/s on this host, ` +
      `${(pairsPerSecond / REAL_TIME_PAIRS_PER_S).toFixed(0)}× real time for 10 circuits × 10 kHz`,
  );
}
