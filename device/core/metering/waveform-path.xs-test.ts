import { EventMessage } from '@dinmeter/shared';
import { check, checkClose, checkEqual, XsTest } from '../../xs/harness';
import { WaveformSampler } from '../ports';
import { WaveformPath } from './waveform-path';

/** A load on circuit 1 whose power (and current lag, for an inductive one) the test sets; other circuits carry nothing. */
function resistiveSampler(): WaveformSampler & { powerW: number; lagRad: number; rateHz: number } {
  const sampler = {
    powerW: 100,
    lagRad: 0,
    rateHz: 10_000,
    sample(circuit: number, voltage: Float32Array, current: Float32Array): boolean {
      const rateHz = sampler.rateHz;
      // P = V·I·cos φ: the current that gives powerW at this lag.
      const peakA = circuit === 1 ? (sampler.powerW / 230 / Math.cos(sampler.lagRad)) * Math.SQRT2 : 0;
      for (let k = 0; k < voltage.length; k++) {
        const phase = (2 * Math.PI * 50 * k) / rateHz;
        voltage[k] = 230 * Math.SQRT2 * Math.sin(phase);
        current[k] = peakA * Math.sin(phase - sampler.lagRad);
      }
      return true;
    },
  };
  return sampler;
}

const tests: XsTest[] = [
  {
    name: 'waveform path: analyses one circuit per step, round robin',
    run() {
      const events: EventMessage[] = [];
      const path = new WaveformPath({ sampler: resistiveSampler(), circuits: 3, emit: (e) => events.push(e) });
      path.step(1_800_000_000_000);
      checkClose(path.latest(1).activePowerW, 100, 0.5, 'P circuit 1');
      checkEqual(path.latest(2).status, 'no-signal', 'circuit 2 not sampled yet');
      path.step(1_800_000_000_000);
      checkEqual(path.latest(2).status, 'ok', 'circuit 2 after its turn');
      checkEqual(events.length, 0, 'no event without a change');
    },
  },
  {
    name: 'waveform path: a kettle switching on is one step_change event with its size',
    run() {
      const sampler = resistiveSampler();
      const events: EventMessage[] = [];
      const path = new WaveformPath({ sampler, circuits: 1, emit: (e) => events.push(e) });
      for (let k = 0; k < 3; k++) path.step(1_800_000_000_000 + k);
      sampler.powerW = 2100;
      for (let k = 0; k < 4; k++) path.step(1_800_000_001_000 + k);
      checkEqual(events.length, 1, 'one event');
      checkEqual(events[0].type, 'step_change');
      checkEqual(events[0].circuit, 1);
      const delta = events[0].data?.delta_w as number;
      check(Math.abs(delta - 2000) < 20, `delta ${delta} W`);
      const deltaVar = events[0].data?.delta_var as number;
      check(Math.abs(deltaVar) < 20, `a kettle adds no reactive power, got ${deltaVar} var`);
    },
  },
  {
    name: 'waveform path: a motor switching on adds reactive power (ΔQ) to its step_change event',
    run() {
      const sampler = resistiveSampler();
      const events: EventMessage[] = [];
      const path = new WaveformPath({ sampler, circuits: 1, emit: (e) => events.push(e) });
      for (let k = 0; k < 3; k++) path.step(1_800_000_000_000 + k);
      // 100 W resistive, then 100 W + a 400 W motor at cos φ = 0.8 (Q = 400·tan φ = 300 var).
      sampler.powerW = 500;
      sampler.lagRad = Math.atan2(300, 500);
      for (let k = 0; k < 4; k++) path.step(1_800_000_001_000 + k);
      checkEqual(events.length, 1, 'one event');
      const deltaW = events[0].data?.delta_w as number;
      const deltaVar = events[0].data?.delta_var as number;
      check(Math.abs(deltaW - 400) < 10, `ΔP ${deltaW} W`);
      check(Math.abs(deltaVar - 300) < 10, `ΔQ ${deltaVar} var`);
    },
  },
];

export default tests;
