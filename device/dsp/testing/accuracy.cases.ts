/**
 * The accuracy battery: synthetic signals with analytically known IEEE 1459 quantities.
 * One table drives the XS/Node vectors (assertions) and the accuracy report (figures).
 */
import { WaveformAnalyzer } from '../waveform.analyzer';
import { portableWaveformKernels, WaveformKernels } from '../waveform.kernels';
import { createWaveformMetrics, WaveformMetrics } from '../waveform.types';
import { ChannelSpec, Harmonic, phaseCutDimmerHarmonics, SignalSpec, synthesise, SignalTruth, truthOf } from './signal.synth';

export const RATED_CURRENT_A = 32;
const RATE_HZ = 10_000;
const BURST_SAMPLES = 2_000; // 200 ms at 10 kHz
/** ADC ranges of the battery: ±400 V and ±64 A over 12 bits (LSB 0.195 V and 31 mA). */
const VOLTAGE_ADC = { fullScale: 400, bits: 12 };
const CURRENT_ADC = { fullScale: 64, bits: 12 };
const VOLTAGE_NOISE_V = 0.2;
const CURRENT_NOISE_A = 0.02;
const DEG = Math.PI / 180;

/** Largest accepted errors; Infinity = not asserted for this case (still reported). */
export interface Tolerance {
  powerRelative: number;
  /** Used instead of powerRelative when finite (light loads, where 0.5 % of reading is below the ADC). */
  powerAbsoluteW: number;
  voltageRmsRelative: number;
  currentRmsRelative: number;
  frequencyHz: number;
  /** |Q1 error| / S. */
  reactiveOfApparent: number;
  displacementPowerFactor: number;
  /** THD with harmonic bins 2…40. */
  thd: number;
}

export const STANDARD_TOLERANCE: Tolerance = {
  powerRelative: 0.005,
  powerAbsoluteW: Infinity,
  voltageRmsRelative: 0.002,
  currentRmsRelative: 0.002,
  frequencyHz: 0.01,
  reactiveOfApparent: 0.005,
  displacementPowerFactor: 0.005,
  thd: 0.005,
};

export interface AccuracyCase {
  name: string;
  spec: SignalSpec;
  tolerance: Tolerance;
}

interface CaseInput {
  name: string;
  current: Harmonic[];
  voltage?: Harmonic[];
  frequencyHz?: number;
  /** 'adc' = 12-bit ADC plus noise on both channels (default); 'float' = exact samples. */
  samples?: 'adc' | 'float';
  dcV?: number;
  dcA?: number;
  /** Voltage noise rms (default VOLTAGE_NOISE_V). */
  noiseV?: number;
  tolerance?: Partial<Tolerance>;
}

const sine = (rms: number, phaseDeg = 0, order = 1): Harmonic => ({ order, rms, phaseRad: phaseDeg * DEG });
const MAINS_230 = [sine(230)];

const INPUTS: CaseInput[] = [
  { name: 'resistive 230 V 10 A 50 Hz', current: [sine(10)] },
  { name: 'inductive PF 0.5 (lag 60°) 10 A', current: [sine(10, -60)] },
  { name: 'capacitive PF 0.8 (lead 36.9°) 5 A', current: [sine(5, 36.87)] },
  {
    name: 'switch-mode supply, odd harmonics 3…13 (THD_I 110 %)',
    current: [sine(2, -8), sine(1.6, 170, 3), sine(1.2, -15, 5), sine(0.8, 160, 7), sine(0.4, -30, 9), sine(0.2, 150, 11), sine(0.1, 0, 13)],
  },
  { name: 'phase-cut dimmer α = 90°, 1 kW lamp', current: phaseCutDimmerHarmonics(Math.SQRT2 * 230 / 52.9, 90 * DEG, 39) },
  { name: 'phase-cut dimmer α = 135° at 60 Hz', current: phaseCutDimmerHarmonics(10, 135 * DEG, 39), frequencyHz: 60 },
  { name: 'light load 20 mA, exact samples', current: [sine(0.02)], samples: 'float' },
  {
    name: 'light load 20 mA, 12-bit + noise',
    current: [sine(0.02)],
    tolerance: { powerAbsoluteW: 0.5, currentRmsRelative: Infinity, reactiveOfApparent: Infinity, displacementPowerFactor: Infinity, thd: Infinity },
  },
  { name: '5 % of rated (1.6 A) at PF 0.5', current: [sine(0.05 * RATED_CURRENT_A, -60)], tolerance: { thd: 0.02 } },
  { name: 'rated 32 A at PF 0.8', current: [sine(RATED_CURRENT_A, -36.87)] },
  { name: 'over-rated 40 A resistive', current: [sine(40)] },
  { name: 'mains 49.5 Hz, 10 A PF 0.9', current: [sine(10, -25.84)], frequencyHz: 49.5 },
  { name: 'mains 50.5 Hz, 10 A PF 0.9', current: [sine(10, -25.84)], frequencyHz: 50.5 },
  { name: 'mains 60 Hz 120 V, 15 A', voltage: [sine(120)], current: [sine(15, -20)], frequencyHz: 60 },
  { name: 'DC offsets +4 V / −0.15 A', current: [sine(8, -30)], dcV: 4, dcA: -0.15 },
  {
    name: 'distorted voltage (5th 4 %, 7th 3 %) and current',
    voltage: [sine(230), sine(9.2, 20, 5), sine(6.9, -40, 7)],
    current: [sine(6, -15), sine(1.5, 60, 3), sine(0.9, 10, 5), sine(0.5, -70, 7)],
  },
  { name: 'export (PV inverter) 12 A', current: [sine(12, 180)] },
  { name: 'noisy mains: 2 V rms on the voltage, 49.9 Hz', current: [sine(10, -30)], noiseV: 2, frequencyHz: 49.9, tolerance: { thd: 0.01 } },
];

function channel(harmonics: Harmonic[], adc: boolean, noiseRms: number, range: ChannelSpec['adc'], dc: number): ChannelSpec {
  return adc ? { harmonics, dc, noiseRms, adc: range } : { harmonics, dc };
}

export const ACCURACY_CASES: AccuracyCase[] = INPUTS.map((input, index) => {
  const adc = (input.samples ?? 'adc') === 'adc';
  return {
    name: input.name,
    tolerance: { ...STANDARD_TOLERANCE, ...input.tolerance },
    spec: {
      frequencyHz: input.frequencyHz ?? 50,
      rateHz: RATE_HZ,
      samples: BURST_SAMPLES,
      startPhaseRad: (index * 2.399) % (2 * Math.PI), // a different crossing position per case
      seed: 1000 + index,
      voltage: channel(input.voltage ?? MAINS_230, adc, input.noiseV ?? VOLTAGE_NOISE_V, VOLTAGE_ADC, input.dcV ?? 0),
      current: channel(input.current, adc, CURRENT_NOISE_A, CURRENT_ADC, input.dcA ?? 0),
    },
  };
});

/** Errors of one case (same units as Tolerance). */
export interface CaseErrors {
  truth: SignalTruth;
  measured: WaveformMetrics;
  powerRelative: number;
  powerAbsoluteW: number;
  voltageRmsRelative: number;
  currentRmsRelative: number;
  frequencyHz: number;
  reactiveOfApparent: number;
  displacementPowerFactor: number;
  thdVoltage: number;
  thdCurrent: number;
  /** THD of the IEEE 1459 residual mode minus its analytic value including noise and quantisation. */
  residualThdVoltage: number;
  residualThdCurrent: number;
}

/** Runs one case through a harmonic-bin analyzer and an IEEE-1459-residual analyzer (on the given DSP kernels). */
export function measureCase(accuracyCase: AccuracyCase, kernels: WaveformKernels = portableWaveformKernels): CaseErrors {
  const { spec } = accuracyCase;
  const v = new Float64Array(spec.samples);
  const i = new Float64Array(spec.samples);
  synthesise(spec, v, i);
  const truth = truthOf(spec);
  const measured = new WaveformAnalyzer({ maxSamples: spec.samples, thdMaxHarmonic: 40, kernels }).analyze(v, i, spec.samples, spec.rateHz, createWaveformMetrics());
  const residual = new WaveformAnalyzer({ maxSamples: spec.samples, kernels }).analyze(v, i, spec.samples, spec.rateHz, createWaveformMetrics());
  const relative = (actual: number, expected: number): number => Math.abs(actual - expected) / Math.abs(expected);
  return {
    truth,
    measured,
    powerRelative: relative(measured.activePowerW, truth.activePowerW),
    powerAbsoluteW: Math.abs(measured.activePowerW - truth.activePowerW),
    voltageRmsRelative: relative(measured.voltageRmsV, truth.voltageRmsV),
    currentRmsRelative: relative(measured.currentRmsA, truth.currentRmsA),
    frequencyHz: Math.abs(measured.frequencyHz - spec.frequencyHz),
    reactiveOfApparent: Math.abs(measured.reactivePowerVar - truth.reactivePowerVar) / truth.apparentPowerVa,
    displacementPowerFactor: Math.abs(measured.displacementPowerFactor - truth.displacementPowerFactor),
    thdVoltage: Math.abs(measured.thdVoltage - truth.thdVoltage),
    thdCurrent: Math.abs(measured.thdCurrent - truth.thdCurrent),
    residualThdVoltage: Math.abs(residual.thdVoltage - residualThd(spec.voltage, truth.fundamentalVoltageRmsV, truth.thdVoltage)),
    residualThdCurrent: Math.abs(residual.thdCurrent - residualThd(spec.current, truth.fundamentalCurrentRmsA, truth.thdCurrent)),
  };
}

/** Expected IEEE 1459 residual THD: harmonics plus noise and quantisation power (LSB²/12). */
function residualThd(channelSpec: ChannelSpec, fundamentalRms: number, thd: number): number {
  const noise = channelSpec.noiseRms ?? 0;
  const lsb = channelSpec.adc ? (2 * channelSpec.adc.fullScale) / 2 ** channelSpec.adc.bits : 0;
  const harmonic = thd * fundamentalRms;
  return Math.sqrt(harmonic * harmonic + noise * noise + (lsb * lsb) / 12) / fundamentalRms;
}
