import { check, checkEqual, XsTest } from '../../xs/harness';
import { OvercurrentGuard } from './overcurrent-guard';
import { relayRig } from './testing';

function protectedRig(delayMs?: number) {
  const rig = relayRig();
  const config: Record<string, unknown> = {
    overcurrentA: 16,
    minSwitchIntervalSeconds: 3600,
    powerOnState: 'on',
  };
  if (delayMs !== undefined) config.overcurrentDelayMs = delayMs;
  rig.command({ op: 'config', circuit: 1, config });
  rig.command({ op: 'relay', circuit: 1, state: 'on' });
  return rig;
}

/** Feeds one Irms sample per second (the metering poll) for `seconds`. */
function feed(rig: ReturnType<typeof relayRig>, irmsA: number, seconds: number): void {
  for (let s = 0; s < seconds; s++) {
    rig.manager.observeCurrent(1, irmsA, rig.clock.monoMs);
    rig.advance(1000);
  }
}

const tests: XsTest[] = [
  {
    name: 'protection: trips only when above the limit for longer than the delay (default 2000 ms)',
    run() {
      const rig = protectedRig();
      feed(rig, 20, 3); // samples at 0, 1000, 2000 ms: 2000 ms above is not longer than 2000 ms
      checkEqual(rig.driver.outputs.get(1), true, 'not yet');
      rig.manager.observeCurrent(1, 20, rig.clock.monoMs); // 3000 ms above
      checkEqual(
        rig.driver.outputs.get(1),
        false,
        'tripped, though the wear limit forbids switching for an hour',
      );
      const snapshot = rig.manager.snapshot().circuits[0];
      checkEqual(snapshot.tripped, true);
      checkEqual(snapshot.reason, 'protection');
      const trips = rig.emit.eventsOf('protection_trip');
      checkEqual(trips.length, 1);
      checkEqual(trips[0].circuit, 1);
      checkEqual(trips[0].data?.relay_was_on, true);
      feed(rig, 30, 5);
      checkEqual(rig.emit.eventsOf('protection_trip').length, 1, 'one event per trip');
    },
  },
  {
    name: 'protection: short spikes and exactly-at-limit current do not trip',
    run() {
      const rig = protectedRig();
      for (let i = 0; i < 50; i++) {
        feed(rig, 40, 2); // 1000 ms above: an inrush
        feed(rig, 10, 1);
      }
      feed(rig, 16, 30);
      checkEqual(rig.driver.outputs.get(1), true);
      checkEqual(rig.manager.snapshot().circuits[0].tripped, false);
      feed(rig, Number.NaN, 10);
      checkEqual(rig.manager.snapshot().circuits[0].tripped, false, 'a NaN reading is not an overcurrent');
    },
  },
  {
    name: 'protection: no overcurrentA → no protection; delay 0 trips on the first sample',
    run() {
      const rig = relayRig();
      rig.command({ op: 'relay', circuit: 2, state: 'on' });
      for (let i = 0; i < 10; i++) rig.manager.observeCurrent(2, 99, rig.clock.advance(1000));
      checkEqual(rig.driver.outputs.get(2), true);
      const quick = protectedRig(0);
      quick.manager.observeCurrent(1, 16.5, quick.clock.monoMs);
      checkEqual(quick.driver.outputs.get(1), false);
    },
  },
  {
    name: 'protection: while tripped every switch-on is refused; the latch survives a reboot; reset_trip clears it',
    run() {
      const rig = protectedRig(0);
      rig.command({ op: 'config', circuit: 1, config: { minSwitchIntervalSeconds: 0 } });
      rig.manager.observeCurrent(1, 50, rig.clock.monoMs);
      const refused = rig.command({ op: 'relay', circuit: 1, state: 'on' });
      checkEqual(refused?.code, 'tripped');
      checkEqual(refused?.state, 'off');
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'off' })?.ok, true, 'off is fine');

      const after = rig.reboot();
      checkEqual(after.driver.outputs.get(1), false, 'power-on on is ignored while tripped');
      checkEqual(after.manager.snapshot().circuits[0].tripped, true, 'latched across reboot');
      checkEqual(after.manager.snapshot().circuits[0].reason, 'protection');
      checkEqual(after.command({ op: 'relay', circuit: 1, state: 'on' })?.code, 'tripped');

      const reset = after.command({ op: 'reset_trip', circuit: 1 });
      checkEqual(reset?.ok, true);
      checkEqual(reset?.state, 'off', 'stays off after reset');
      checkEqual(after.driver.outputs.get(1), false);
      checkEqual(after.emit.eventsOf('protection_reset').length, 1);
      checkEqual(after.command({ op: 'relay', circuit: 1, state: 'on' })?.ok, true, 'switchable again');
      checkEqual(after.reboot().manager.snapshot().circuits[0].tripped, false, 'reset persisted');
    },
  },
  {
    name: 'protection: a plan cannot switch a tripped circuit on',
    run() {
      const rig = protectedRig(0);
      rig.manager.observeCurrent(1, 50, rig.clock.monoMs);
      const wall = rig.clock.wall as number;
      rig.plan({
        version: 1,
        circuits: [
          { circuit: 1, on: [{ start: wall, end: wall + 3_600_000 }], valid_until: wall + 7_200_000 },
        ],
      });
      rig.run(60_000);
      checkEqual(rig.driver.outputs.get(1), false);
    },
  },
  {
    name: 'protection: OvercurrentGuard restarts its timer when the current drops',
    run() {
      const guard = new OvercurrentGuard();
      check(!guard.observe(20, 0, 10, 500), 'first sample');
      check(!guard.observe(20, 400, 10, 500), 'below delay');
      check(!guard.observe(5, 450, 10, 500), 'dropped');
      check(!guard.observe(20, 600, 10, 500), 'restarted');
      check(!guard.observe(20, 1100, 10, 500), 'exactly the delay');
      check(guard.observe(20, 1101, 10, 500), 'longer than the delay');
    },
  },
];

export default tests;
