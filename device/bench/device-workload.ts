/**
 * One simulated second of the full device workload, portable so the same code runs in Node and
 * bundled into XS: advance the simulated board, poll the ten chips through driver + chip model,
 * run one 200 ms 10 kHz waveform burst per circuit through the DSP (device/dsp WaveformAnalyzer),
 * and JSON-encode a telemetry record with the shared codec.
 *
 * The bursts are synthesised from the simulated circuits once at set-up: on the device they
 * come from the ADC by DMA, so their synthesis is not device work and is kept out of the timing.
 */
import { encodeMessageBytes, TelemetryMessage } from '@dinmeter/shared';
import { BOARD_CALIBRATION } from '../board/front-end';
import { Metering } from '../core/metering/metering';
import { WaveformAnalyzer } from '../dsp/waveform.analyzer';
import { createWaveformMetrics } from '../dsp/waveform.types';
import { createSimulatedBoard } from '../sim/simulated-board';

export const BURST_RATE_HZ = 10_000;
export const BURST_SAMPLES = 2_000; // 200 ms
/** IEC 61000-4-7 harmonic orders up to 40, as the device computes them. */
export const THD_MAX_HARMONIC = 40;

export interface PhaseTotalsMs {
  simulation: number;
  chipPoll: number;
  dsp: number;
  encode: number;
}

export interface DeviceWorkload {
  /** Runs `seconds` simulated seconds; returns wall time per phase (ms, Date.now resolution). */
  run(seconds: number): PhaseTotalsMs;
  readonly simulatedSeconds: number;
  /** A checksum of the results so the work cannot be optimised away and runs can be compared. */
  readonly digest: number;
}

export function createDeviceWorkload(startMs = 1_718_000_000_000, seed = 1): DeviceWorkload {
  const board = createSimulatedBoard({ startMs, seed });
  const metering = new Metering({ bus: board.bus, selects: board.selects, calibration: BOARD_CALIBRATION });
  metering.start(startMs);
  const analyzer = new WaveformAnalyzer({ maxSamples: BURST_SAMPLES, thdMaxHarmonic: THD_MAX_HARMONIC });
  const metrics = createWaveformMetrics();
  const voltage: Float32Array[] = [];
  const current: Float32Array[] = [];
  for (let c = 1; c <= 10; c++) {
    voltage.push(new Float32Array(BURST_SAMPLES));
    current.push(new Float32Array(BURST_SAMPLES));
    board.world.circuit(c).forceCurrentA(undefined);
    board.sampleWaveform(c, startMs, BURST_RATE_HZ, voltage[c - 1], current[c - 1]);
  }
  let now = startMs;
  let seq = 0;
  let digest = 0;
  let simulated = 0;

  return {
    get simulatedSeconds() {
      return simulated;
    },
    get digest() {
      return digest;
    },
    run(seconds: number): PhaseTotalsMs {
      const totals: PhaseTotalsMs = { simulation: 0, chipPoll: 0, dsp: 0, encode: 0 };
      for (let s = 0; s < seconds; s++) {
        now += 1000;
        let t = Date.now();
        board.advanceTo(now);
        let u = Date.now();
        totals.simulation += u - t;
        const snapshot = metering.poll(now);
        t = Date.now();
        totals.chipPoll += t - u;
        for (let c = 0; c < 10; c++) {
          analyzer.analyze(voltage[c], current[c], BURST_SAMPLES, BURST_RATE_HZ, metrics);
          digest += metrics.activePowerW;
        }
        u = Date.now();
        totals.dsp += u - t;
        const message: TelemetryMessage = { v: 1, seq: ++seq, acked_seq: 0, ts: now, interval_s: 1, circuits: snapshot.readings };
        digest += encodeMessageBytes('telemetry', message).length;
        totals.encode += Date.now() - u;
        simulated++;
      }
      return totals;
    },
  };
}
