import { check, checkEqual, XsTest } from '../../xs/harness';
import { SwitchLimiter } from './switch-limiter';
import { relayRig } from './testing';

const tests: XsTest[] = [
  {
    name: 'wear: a command inside the minimum switching interval is refused with rate_limited',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { minSwitchIntervalSeconds: 10 } });
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok, true);
      rig.advance(5000);
      const refused = rig.command({ op: 'relay', circuit: 1, state: 'off' });
      checkEqual(refused?.ok, false);
      checkEqual(refused?.code, 'rate_limited');
      checkEqual(refused?.state, 'on');
      check((refused?.error ?? '').indexOf('retry in 5 s') >= 0, `says when: ${refused?.error}`);
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok,
        true,
        'no switching needed: not limited',
      );
      rig.advance(5000);
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'off' })?.ok, true, 'allowed after 10 s');
    },
  },
  {
    name: 'wear: maxSwitchesPerHour is a sliding window',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { maxSwitchesPerHour: 4 } });
      const states = ['on', 'off', 'on', 'off'];
      for (const state of states) {
        checkEqual(rig.command({ op: 'relay', circuit: 1, state })?.ok, true, state);
        rig.advance(60_000);
      }
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.code,
        'rate_limited',
        'fifth within the hour',
      );
      rig.advance(3_600_000 - 4 * 60_000 - 1);
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.code,
        'rate_limited',
        '1 ms before the first leaves',
      );
      rig.advance(1);
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok,
        true,
        'first switching left the window',
      );
    },
  },
  {
    name: 'wear: a refused command still consumes its seq (a replay must not run later)',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { minSwitchIntervalSeconds: 60 } });
      rig.command({ op: 'relay', circuit: 1, state: 'on', seq: 100 });
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'off', seq: 101 })?.code, 'rate_limited');
      rig.advance(60_000);
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'off', seq: 101 })?.code, 'stale_seq');
    },
  },
  {
    name: 'wear: a plan switch is deferred until allowed, not dropped',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { minSwitchIntervalSeconds: 300 } });
      rig.command({ op: 'relay', circuit: 1, state: 'on' });
      const wall = rig.clock.wall as number;
      // The plan wants it off from now on: 300 s after the command's switching it happens.
      rig.plan({ version: 1, circuits: [{ circuit: 1, on: [], valid_until: wall + 3_600_000 }] });
      rig.run(299_000);
      checkEqual(rig.driver.outputs.get(1), true, 'held back');
      rig.run(1000);
      checkEqual(rig.driver.outputs.get(1), false, 'applied when allowed');
      checkEqual(rig.manager.snapshot().circuits[0].reason, 'plan');
    },
  },
  {
    name: 'wear: SwitchLimiter waits for the interval and for the window',
    run() {
      const limiter = new SwitchLimiter();
      checkEqual(limiter.waitMs(0, 10, 2), 0, 'fresh');
      limiter.record(0);
      checkEqual(limiter.waitMs(4000, 10, 2), 6000, 'interval');
      limiter.record(20_000);
      checkEqual(limiter.waitMs(30_000, 10, 2), 3_570_000, 'window: the switching at 0 must leave');
      checkEqual(limiter.waitMs(3_600_000, 10, 2), 0, 'window passed');
    },
  },
];

export default tests;
