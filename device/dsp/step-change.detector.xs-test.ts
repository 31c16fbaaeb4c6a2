import { check, checkClose, checkEqual, checkThrows, XsTest } from '../xs/harness';
import { createStepChange, StepChangeDetector } from './step-change.detector';

/** Feeds a power series; returns the indices where a step was reported and the last step. */
function feed(detector: StepChangeDetector, series: number[]) {
  const out = createStepChange();
  const at: number[] = [];
  let last = { fromW: 0, toW: 0, deltaW: 0 };
  series.forEach((powerW, index) => {
    if (detector.update(powerW, out).detected) {
      at.push(index);
      last = { fromW: out.fromW, toW: out.toW, deltaW: out.deltaW };
    }
  });
  return { at, last };
}

const vectors: XsTest[] = [
  {
    name: 'StepChangeDetector: a kettle switching on is one step, confirmed on the second window',
    run() {
      const { at, last } = feed(new StepChangeDetector({ thresholdW: 50 }), [100, 102, 98, 2100, 2104, 2098, 2101]);
      checkEqual(at.join(','), '4', 'detected at');
      checkClose(last.toW, 2102, 1e-9, 'new level');
      check(Math.abs(last.deltaW - 2002) < 5, `delta ${last.deltaW}`);
    },
  },
  {
    name: 'StepChangeDetector: a one-window spike and slow drift are not steps; switching off is negative',
    run() {
      const drift = Array.from({ length: 100 }, (_, k) => 100 + 3 * k); // +300 W in 100 windows
      checkEqual(feed(new StepChangeDetector({ thresholdW: 50 }), [100, 100, 900, 100, 100, ...drift]).at.length, 0, 'steps');
      const off = feed(new StepChangeDetector({ thresholdW: 50 }), [2000, 2000, 150, 150]);
      checkEqual(off.at.join(','), '3', 'detected at');
      checkClose(off.last.deltaW, -1850, 1e-9, 'delta');
    },
  },
  {
    name: 'StepChangeDetector: bad options throw with the value',
    run() {
      checkThrows(() => new StepChangeDetector({ thresholdW: 0 }), /got 0/);
      checkThrows(() => new StepChangeDetector({ thresholdW: 10, confirmWindows: 0 }), /got 0/);
    },
  },
];

export default vectors;
