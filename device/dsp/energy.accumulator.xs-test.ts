import { checkClose, checkEqual, checkThrows, XsTest } from '../xs/harness';
import { EnergyAccumulator } from './energy.accumulator';

const vectors: XsTest[] = [
  {
    name: 'EnergyAccumulator: 1 W for one hour in 3.6 ms steps is exactly 1 Wh',
    run() {
      const energy = new EnergyAccumulator();
      for (let step = 0; step < 1_000_000; step++) energy.add(1, 3.6);
      checkEqual(energy.importMicroWh, 1_000_000, 'whole µWh');
      checkClose(energy.energyImportWh, 1, 1e-9, 'Wh');
    },
  },
  {
    name: 'EnergyAccumulator: 5.6 µWh steps on a 4 GWh counter do not drift',
    run() {
      // 4 GWh on the counter: a double there resolves 0.5 µWh, so adding 5.6 µWh steps to one
      // float total would round every step.
      const start = 4e15;
      const energy = new EnergyAccumulator(start);
      for (let step = 0; step < 100_000; step++) energy.add(0.1, 200); // 0.1 W for 200 ms
      const expected = (100_000 * 0.1 * 200) / 3.6; // 555 555.6 µWh
      checkClose(energy.importMicroWh - start, Math.floor(expected), 1, 'accumulated µWh');
    },
  },
  {
    name: 'EnergyAccumulator: negative power counts as export, restored counters continue',
    run() {
      const energy = new EnergyAccumulator(5_000_000, 7);
      energy.add(-1800, 2_000); // 1 Wh exported
      energy.add(3600, 1_000); // 1 Wh imported
      checkEqual(energy.exportMicroWh, 1_000_007, 'export µWh');
      checkEqual(energy.importMicroWh, 6_000_000, 'import µWh');
    },
  },
  {
    name: 'EnergyAccumulator: rejects non-finite power, negative durations and bad counters',
    run() {
      const energy = new EnergyAccumulator();
      checkThrows(() => energy.add(NaN, 200), /got NaN/);
      checkThrows(() => energy.add(100, -1), /got -1/);
      checkThrows(() => new EnergyAccumulator(-1), /got -1/);
      checkThrows(() => new EnergyAccumulator(0, 0.5), /got 0.5/);
    },
  },
];

export default vectors;
