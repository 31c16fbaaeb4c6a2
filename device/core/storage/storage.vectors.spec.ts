/**
 * Runs this folder's portable vectors (*.xs-test.ts) under jest. The same vectors run inside XS
 * through device/xs; this file only gives them per-test names in jest output.
 */
import { XsTest } from '../../xs/harness';
import basics from './storage-basics.xs-test';
import energy from './energy-counters.xs-test';
import recordLog from './record-log.xs-test';
import powerCut from './record-log-power-cut.xs-test';

const suites: Record<string, XsTest[]> = { basics, recordLog, powerCut, energy };

describe('storage vectors', () => {
  for (const [suite, tests] of Object.entries(suites)) {
    describe(suite, () => {
      for (const test of tests) it(test.name, () => test.run());
    });
  }
});
