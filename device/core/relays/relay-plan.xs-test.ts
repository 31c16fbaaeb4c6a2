import { CircuitPlan } from '@dinmeter/shared';
import { check, checkEqual, XsTest } from '../../xs/harness';
import { planPointAt } from './plan-schedule';
import { relayRig } from './testing';

const MIN = 60_000;
const HOUR = 3_600_000;

/** Circuit 1 on during [+1 min, +2 min) and [+3 min, +4 min) from the rig's wall time; valid one hour. */
function twoWindows(wall: number, version = 1, validMs = HOUR) {
  return {
    version,
    circuits: [
      {
        circuit: 1,
        on: [
          { start: wall + MIN, end: wall + 2 * MIN },
          { start: wall + 3 * MIN, end: wall + 4 * MIN },
        ],
        valid_until: wall + validMs,
      },
    ],
  };
}

const tests: XsTest[] = [
  {
    name: 'plan: planPointAt — half-open intervals, next boundary, valid_until',
    run() {
      const plan: CircuitPlan = {
        circuit: 1,
        on: [
          { start: 100, end: 200 },
          { start: 300, end: 500 },
        ],
        valid_until: 400,
      };
      const at = (t: number) => planPointAt(plan, t);
      checkEqual(at(0)?.on, false);
      checkEqual(at(0)?.nextBoundaryMs, 100);
      checkEqual(at(100)?.on, true, 'start is inside');
      checkEqual(at(199)?.nextBoundaryMs, 200);
      checkEqual(at(200)?.on, false, 'end is outside');
      checkEqual(at(250)?.nextBoundaryMs, 300);
      checkEqual(at(350)?.on, true);
      checkEqual(at(350)?.nextBoundaryMs, 400, 'valid_until cuts the interval');
      checkEqual(at(400), undefined, 'expired');
      checkEqual(planPointAt({ circuit: 2, on: [], valid_until: 10 }, 5)?.nextBoundaryMs, 10, 'no intervals');
    },
  },
  {
    name: 'plan: runs on time without any network, and overrides the heartbeat failsafe',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { failsafe: { mode: 'off', afterSeconds: 10 } } });
      rig.command({ op: 'config', circuit: 2, config: { failsafe: { mode: 'on', afterSeconds: 10 } } });
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall, 7));
      checkEqual(rig.manager.planVersion(), 7);
      checkEqual(rig.emit.lastRelays?.circuits[0].plan_version, 7, 'which plan each circuit runs');
      checkEqual(rig.emit.lastRelays?.circuits[1].plan_version, undefined, 'circuit 2 is not in the plan');
      checkEqual(rig.emit.eventsOf('plan')[0].data?.version, 7);
      const seen: string[] = [];
      for (let t = 0; t < 5 * MIN; t += 1000) {
        rig.advance(1000);
        const on = rig.driver.outputs.get(1) === true;
        if (seen.length === 0 || seen[seen.length - 1].startsWith(on ? 'off' : 'on')) {
          seen.push(`${on ? 'on' : 'off'}@${(rig.clock.wall as number) - wall}`);
        }
      }
      checkEqual(seen.join(' '), 'off@1000 on@60000 off@120000 on@180000 off@240000');
      checkEqual(rig.driver.outputs.get(2), true, 'circuit 2 took its failsafe (no plan)');
    },
  },
  {
    name: 'plan: persisted, and runs after a reboot with no network at all',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall, 3));
      const after = rig.reboot();
      checkEqual(after.manager.planVersion(), 3);
      after.run(MIN + 1000);
      checkEqual(after.driver.outputs.get(1), true);
      checkEqual(after.manager.snapshot().circuits[0].reason, 'plan');
    },
  },
  {
    name: 'plan: no wall time → the plan waits (relay holds), then runs once time is known',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall - MIN - 1000, 3)); // on right now
      checkEqual(rig.driver.outputs.get(1), true);
      const after = rig.reboot({ start: false });
      after.clock.wall = undefined;
      after.manager.start(after.clock.monoMs);
      after.run(10_000);
      checkEqual(after.driver.outputs.get(1), false, 'power-on off; plan cannot be judged');
      after.clock.wall = wall + 10_000;
      after.advance(1000);
      checkEqual(after.driver.outputs.get(1), true, 'time known: inside the first window');
      after.run(MIN);
      checkEqual(after.driver.outputs.get(1), false, 'between the windows');
    },
  },
  {
    name: 'plan: past valid_until the circuit takes its failsafe mode (on / off / hold)',
    run() {
      // [failsafe mode, the plan's last window ends at +N min, state expected after valid_until (+10 min)]
      const cases = [
        ['on', 5, true],
        ['off', 10, false],
        ['hold', 10, true],
        ['hold', 5, false],
      ] as const;
      for (const [mode, endMin, expected] of cases) {
        const rig = relayRig();
        rig.command({ op: 'config', circuit: 1, config: { failsafe: { mode, afterSeconds: 7 * 86400 } } });
        const wall = rig.clock.wall as number;
        rig.plan({
          version: 1,
          circuits: [
            { circuit: 1, on: [{ start: wall, end: wall + endMin * MIN }], valid_until: wall + 10 * MIN },
          ],
        });
        checkEqual(rig.driver.outputs.get(1), true, `${mode}: on inside the plan`);
        rig.run(10 * MIN - 1000);
        checkEqual(rig.driver.outputs.get(1), endMin === 10, `${mode}: as planned just before valid_until`);
        checkEqual(rig.manager.snapshot().circuits[0].plan_version, 1);
        rig.advance(1000);
        checkEqual(rig.driver.outputs.get(1), expected, `${mode}/${endMin} at valid_until`);
        checkEqual(rig.manager.snapshot().circuits[0].plan_version, undefined, 'no plan runs any more');
        check(
          rig.emit.eventsOf('plan').some((e) => e.circuit === 1 && /expired/.test(e.message ?? '')),
          'expiry reported',
        );
        rig.run(HOUR);
        checkEqual(rig.driver.outputs.get(1), expected, 'and stays so');
      }
    },
  },
  {
    name: 'plan: an older version is ignored, the same version is a no-op',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall, 5));
      const writes = rig.settings.writes.length;
      const events = rig.emit.events.length;
      rig.plan(twoWindows(wall, 5));
      checkEqual(rig.settings.writes.length, writes, 'same version: nothing written');
      checkEqual(rig.emit.events.length, events, 'same version: nothing reported');
      rig.plan({
        version: 4,
        circuits: [{ circuit: 1, on: [{ start: wall, end: wall + HOUR }], valid_until: wall + HOUR }],
      });
      checkEqual(rig.manager.planVersion(), 5);
      checkEqual(rig.driver.outputs.get(1), false, 'the older plan did not switch anything');
      checkEqual(rig.manager.stats.plansStale, 1);
      checkEqual(rig.emit.eventsOf('plan').pop()?.data?.ignored_version, 4);
    },
  },
  {
    name: 'plan: an invalid plan is refused with a fault event and changes nothing',
    run() {
      const rig = relayRig({ circuits: 4 });
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall, 2));
      const writes = rig.settings.writes.length;
      rig.driver.calls.length = 0;
      const bad: string[] = [
        JSON.stringify({
          v: 1,
          version: 3,
          issued: wall,
          circuits: [
            {
              circuit: 1,
              on: [
                { start: wall, end: wall + 2 * MIN },
                { start: wall + MIN, end: wall + 3 * MIN },
              ],
              valid_until: wall + HOUR,
            },
          ],
        }),
        JSON.stringify({
          v: 1,
          version: 3,
          issued: wall,
          circuits: [{ circuit: 5, on: [{ start: wall, end: wall + MIN }], valid_until: wall + HOUR }],
        }),
        JSON.stringify({
          v: 1,
          version: 3,
          issued: wall,
          circuits: [{ circuit: 1, on: [{ start: wall + MIN, end: wall }], valid_until: wall + HOUR }],
        }),
        JSON.stringify({ v: 1, version: 3, issued: wall / 1000, circuits: [] }),
        JSON.stringify({ v: 2, version: 3, issued: wall, circuits: [] }),
        '{"v":1,"version":3',
        'x'.repeat(70_000),
      ];
      for (const payload of bad) rig.manager.handlePlan(payload, true, rig.clock.monoMs);
      checkEqual(rig.manager.stats.plansRefused, bad.length);
      checkEqual(rig.emit.eventsOf('fault').length, bad.length, 'one fault event each');
      check((rig.emit.eventsOf('fault')[1].message ?? '').indexOf('circuit 5') >= 0, 'names the problem');
      checkEqual(rig.manager.planVersion(), 2, 'the running plan stays');
      checkEqual(rig.settings.writes.length, writes, 'nothing persisted');
      checkEqual(rig.driver.calls.length, 0, 'no relay touched');
    },
  },
  {
    name: 'plan: a manual command overrides the plan until its next boundary',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall));
      rig.run(MIN + 10_000); // +70 s: inside the first window
      checkEqual(rig.driver.outputs.get(1), true);
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'off' })?.ok, true);
      rig.run(49_000); // +119 s
      checkEqual(rig.driver.outputs.get(1), false, 'the plan does not switch it back inside the window');
      rig.run(20_000); // +139 s: plan says off anyway
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok,
        true,
        'manual on between windows',
      );
      rig.run(30_000); // +169 s
      checkEqual(rig.driver.outputs.get(1), true, 'kept on until the next boundary');
      rig.run(80_000); // +249 s: past the second window's end at +240 s
      checkEqual(rig.driver.outputs.get(1), false, 'the plan drives again');
      checkEqual(rig.manager.snapshot().circuits[0].reason, 'plan');
    },
  },
  {
    name: 'plan: a new plan ends a manual override; circuits it leaves out keep their state',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      rig.plan({
        version: 1,
        circuits: [
          { circuit: 1, on: [{ start: wall, end: wall + HOUR }], valid_until: wall + HOUR },
          { circuit: 2, on: [{ start: wall, end: wall + HOUR }], valid_until: wall + HOUR },
        ],
      });
      rig.command({ op: 'relay', circuit: 1, state: 'off' });
      rig.run(10_000);
      checkEqual(rig.driver.outputs.get(1), false, 'override');
      rig.plan({
        version: 2,
        circuits: [{ circuit: 1, on: [{ start: wall, end: wall + HOUR }], valid_until: wall + HOUR }],
      });
      checkEqual(rig.driver.outputs.get(1), true, 'new plan drives at once');
      rig.run(10_000);
      checkEqual(rig.driver.outputs.get(2), true, 'circuit 2 left out: holds');
      checkEqual(rig.manager.snapshot().circuits[1].plan_version, undefined);
    },
  },
  {
    name: 'plan: when heartbeats return after a failsafe, a planned circuit follows its plan, others stay',
    run() {
      const rig = relayRig();
      for (const c of [1, 2])
        rig.command({ op: 'config', circuit: c, config: { failsafe: { mode: 'off', afterSeconds: 30 } } });
      rig.command({ op: 'relay', circuit: 2, state: 'on' });
      const wall = rig.clock.wall as number;
      rig.plan(twoWindows(wall));
      rig.run(90_000); // +90 s: failsafe since +30 s, plan window on
      checkEqual(rig.driver.outputs.get(1), true, 'plan runs through the failsafe');
      checkEqual(rig.driver.outputs.get(2), false, 'unplanned circuit took its failsafe');
      rig.heartbeat();
      rig.advance(1000);
      checkEqual(rig.driver.outputs.get(2), false, 'stays in its failsafe state');
      rig.heartbeat();
      rig.run(29_000); // +120 s: the window ended
      checkEqual(rig.driver.outputs.get(1), false, 'plan resumes its schedule');
    },
  },
];

export default tests;
