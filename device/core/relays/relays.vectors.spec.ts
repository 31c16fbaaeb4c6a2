/**
 * Runs this folder's portable vectors (*.xs-test.ts) under jest. The same vectors run inside XS
 * through device/xs; this file only gives them per-test names in jest output.
 */
import { XsTest } from '../../xs/harness';
import boot from './relay-boot.xs-test';
import commands from './relay-commands.xs-test';
import failsafe from './relay-failsafe.xs-test';
import plan from './relay-plan.xs-test';
import protection from './relay-protection.xs-test';
import wear from './relay-wear.xs-test';

const suites: Record<string, XsTest[]> = { boot, commands, failsafe, protection, wear, plan };

describe('RelayManager vectors', () => {
  for (const [suite, tests] of Object.entries(suites)) {
    describe(suite, () => {
      for (const test of tests) it(test.name, () => test.run());
    });
  }
});
