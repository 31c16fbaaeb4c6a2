/**
 * The whole waveform path in simulation: line and CT signals of the simulated board → two
 * ADS131M08 models → SPI frames → the driver → the board's channel map and scaling → the DSP.
 * What the virtual meter runs. Portable.
 */
import { WaveformAnalyzer } from '../dsp/waveform.analyzer';
import { createWaveformMetrics } from '../dsp/waveform.types';
import { createSimulatedBoard } from '../sim/simulated-board';
import { check, checkClose, checkEqual, checkRelative, XsTest } from '../xs/harness';
import { createBoardWaveformSampler } from './waveform-sampler';

/** Burst length: 100 ms (5 cycles at 50 Hz) keeps the vectors quick in XS; the DSP needs ≥ 2 cycles. */
function rig(burstS = 0.1) {
  const board = createSimulatedBoard({
    startMs: 1_800_000_000_000,
    circuits: [
      { kind: 'resistive', watts: 2000 },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'empty' },
      { kind: 'resistive', watts: 500 },
    ],
    supplyDriftFraction: 0,
    supplyNoiseFraction: 0,
  });
  const faults: string[] = [];
  const sampler = createBoardWaveformSampler({
    bus: board.adcBus,
    selects: board.adcSelects,
    dataReady: board.adcDataReady,
    onFault: (chip, f) => faults.push(`${chip}:${f.code}`),
  });
  const samples = Math.round(sampler.rateHz * burstS);
  return { board, sampler, faults, v: new Float32Array(samples), i: new Float32Array(samples) };
}

function analyse(v: Float32Array, i: Float32Array, rateHz: number) {
  const metrics = createWaveformMetrics();
  new WaveformAnalyzer({ maxSamples: v.length }).analyze(v, i, v.length, rateHz, metrics);
  return metrics;
}

const tests: XsTest[] = [
  {
    name: 'board waveform path: 16 kSPS bursts through both ADC models and the driver measure what the world draws',
    run() {
      const { board, sampler, faults, v, i } = rig();
      check(sampler.start(), 'both ADCs configured');
      checkEqual(sampler.rateHz, 16_000);
      board.advanceTo(1_800_000_001_000);
      // Circuit 1 is on chip 0, circuit 8 on chip 1 (board file), each with that chip's own voltage channel.
      for (const [circuit, watts] of [
        [1, 2000],
        [8, 500],
      ] as const) {
        check(sampler.sample(circuit, v, i), `burst of circuit ${circuit}`);
        const m = analyse(v, i, sampler.rateHz);
        checkEqual(m.status, 'ok', `circuit ${circuit}`);
        const truth = board.world.circuit(circuit).state;
        checkRelative(m.activePowerW, truth.pW, 0.005, `P circuit ${circuit} (${watts} W load)`);
        checkRelative(m.voltageRmsV, truth.vrms, 0.002, `Vrms circuit ${circuit}`);
        checkClose(m.powerFactor, 1, 0.002, `PF circuit ${circuit}`);
      }
      check(sampler.sample(2, v, i), 'an empty circuit samples too');
      checkClose(analyse(v, i, sampler.rateHz).activePowerW, 0, 0.5, 'no load, no power');
      checkEqual(faults.length, 0);
    },
  },
  {
    name: 'board waveform path: a dead ADC refuses its circuits only, and is re-configured once it answers again',
    run() {
      const { board, sampler, faults, v, i } = rig(0.02); // one cycle: this vector only counts bursts
      sampler.start();
      board.faults.setAdcFault(1, 'dead');
      check(!sampler.sample(8, v, i), 'chip 1 is dead');
      check(sampler.sample(1, v, i), 'chip 0 still samples');
      check(
        faults.some((f) => f.startsWith('1:')),
        `fault reported for chip 1: ${faults.join(' ')}`,
      );
      board.faults.setAdcFault(1, 'none');
      let bursts = 0;
      while (!sampler.sample(8, v, i) && bursts < 20) bursts++;
      check(bursts > 0 && bursts < 20, `retried and recovered after ${bursts} refused bursts`);
    },
  },
];

export default tests;
