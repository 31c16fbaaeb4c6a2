import { check, checkEqual, XsTest } from '../../xs/harness';
import { relayRig } from './testing';

const HOUR = 3_600_000;

function configured(mode: 'hold' | 'on' | 'off', afterSeconds: number, initiallyOn: boolean) {
  const rig = relayRig();
  rig.command({ op: 'config', circuit: 1, config: { failsafe: { mode, afterSeconds } } });
  if (initiallyOn) rig.command({ op: 'relay', circuit: 1, state: 'on' });
  return rig;
}

const tests: XsTest[] = [
  {
    name: 'failsafe: the shortest afterSeconds of all circuits is reported (for the backend heartbeat cadence)',
    run() {
      const rig = relayRig();
      checkEqual(rig.manager.shortestFailsafeSeconds(), 120, 'factory failsafe');
      rig.command({ op: 'config', circuit: 4, config: { failsafe: { mode: 'hold', afterSeconds: 30 } } });
      rig.command({ op: 'config', circuit: 7, config: { failsafe: { mode: 'off', afterSeconds: 5 } } });
      checkEqual(rig.manager.shortestFailsafeSeconds(), 5);
      checkEqual(rig.reboot().manager.shortestFailsafeSeconds(), 5, 'after a reboot');
    },
  },
  {
    name: 'failsafe: off after afterSeconds without heartbeat, not before (timer counts from boot)',
    run() {
      const rig = configured('off', 30, true);
      rig.run(29_999, 1000);
      checkEqual(rig.driver.outputs.get(1), true, 'still on 1 ms before');
      rig.advance(1);
      checkEqual(rig.driver.outputs.get(1), false, 'off at afterSeconds');
      checkEqual(rig.manager.snapshot().circuits[0].reason, 'failsafe');
      const event = rig.emit.eventsOf('failsafe').find((e) => e.circuit === 1);
      checkEqual(event?.data?.mode, 'off');
    },
  },
  {
    name: 'failsafe: on switches an off relay on',
    run() {
      const rig = configured('on', 60, false);
      rig.run(59_000);
      checkEqual(rig.driver.outputs.get(1), false);
      rig.run(1000);
      checkEqual(rig.driver.outputs.get(1), true);
    },
  },
  {
    name: 'failsafe: hold (the default: 120 s) keeps every state and only reports',
    run() {
      const rig = relayRig();
      rig.command({ op: 'relay', circuit: 2, state: 'on' });
      rig.driver.calls.length = 0;
      rig.run(119_000);
      checkEqual(rig.emit.eventsOf('failsafe').length, 0, 'not before 120 s');
      rig.run(1000);
      checkEqual(rig.emit.eventsOf('failsafe').length, 10, 'one event per circuit');
      checkEqual(rig.driver.calls.length, 0, 'no relay touched');
      checkEqual(rig.manager.isOn(2), true);
    },
  },
  {
    name: "failsafe: regular heartbeats keep it away; a heartbeat's own ts does not matter, an invalid one does not count",
    run() {
      const rig = configured('off', 30, true);
      for (let t = 0; t < 10 * 60_000; t += 20_000) {
        rig.run(20_000);
        // Its ts is days old (a backend with a wrong clock): liveness is judged on arrival time.
        rig.manager.handleHeartbeat(
          JSON.stringify({ v: 1, ts: Date.UTC(2024, 0, 1), interval_s: 20 }),
          rig.clock.monoMs,
        );
      }
      checkEqual(rig.driver.outputs.get(1), true, 'no failsafe while heartbeats arrive');
      for (let t = 0; t < 40_000; t += 10_000) {
        rig.run(10_000);
        rig.manager.handleHeartbeat('{"v":1,"ts":5,"interval_s":20}', rig.clock.monoMs);
      }
      checkEqual(rig.manager.stats.heartbeatsInvalid, 4);
      checkEqual(rig.driver.outputs.get(1), false, 'invalid heartbeats do not keep the relay');
    },
  },
  {
    name: 'failsafe: when heartbeats return the relay stays in its failsafe state; a later loss triggers again',
    run() {
      const rig = configured('off', 30, true);
      rig.run(30_000);
      checkEqual(rig.driver.outputs.get(1), false);
      rig.heartbeat();
      rig.run(10_000);
      checkEqual(rig.driver.outputs.get(1), false, 'no automatic flip back');
      check(
        rig.emit.eventsOf('failsafe').some((e) => e.circuit === undefined),
        'return reported',
      );
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok,
        true,
        'a command switches it again',
      );
      rig.heartbeat();
      rig.run(29_000);
      checkEqual(rig.driver.outputs.get(1), true);
      rig.run(1000);
      checkEqual(rig.driver.outputs.get(1), false, 'second loss, second failsafe');
    },
  },
  {
    name: 'failsafe: on never switches a tripped circuit',
    run() {
      const rig = relayRig();
      rig.command({
        op: 'config',
        circuit: 1,
        config: { failsafe: { mode: 'on', afterSeconds: 10 }, overcurrentA: 5, overcurrentDelayMs: 0 },
      });
      rig.manager.observeCurrent(1, 9, rig.clock.monoMs);
      rig.run(HOUR / 6);
      checkEqual(rig.driver.outputs.get(1), false);
    },
  },
  {
    name: 'failsafe: a switch held back by the wear limits happens once allowed, and is dropped when heartbeats return first',
    run() {
      const rig = relayRig();
      rig.command({
        op: 'config',
        circuit: 1,
        config: { failsafe: { mode: 'off', afterSeconds: 10 }, minSwitchIntervalSeconds: 60 },
      });
      rig.command({ op: 'relay', circuit: 1, state: 'on' });
      rig.run(10_000);
      checkEqual(rig.driver.outputs.get(1), true, 'deferred: switched on 10 s ago');
      rig.run(50_000);
      checkEqual(rig.driver.outputs.get(1), false, 'applied when the minimum interval has passed');

      const other = relayRig();
      other.command({
        op: 'config',
        circuit: 1,
        config: { failsafe: { mode: 'off', afterSeconds: 10 }, minSwitchIntervalSeconds: 60 },
      });
      other.command({ op: 'relay', circuit: 1, state: 'on' });
      other.run(10_000);
      for (let t = 0; t < 120_000; t += 5000) {
        other.heartbeat();
        other.run(5000);
      }
      checkEqual(other.driver.outputs.get(1), true, 'the backend came back before the switch was allowed');
    },
  },
  {
    name: 'failsafe: switching all ten relays at once is one settings write',
    run() {
      const rig = relayRig();
      for (let c = 1; c <= 10; c++) {
        rig.command({ op: 'config', circuit: c, config: { failsafe: { mode: 'off', afterSeconds: 10 } } });
        rig.command({ op: 'relay', circuit: c, state: 'on' });
      }
      const before = rig.settings.writes.length;
      rig.run(10_000);
      for (let c = 1; c <= 10; c++) checkEqual(rig.driver.outputs.get(c), false, `circuit ${c}`);
      const writes = rig.settings.writes.slice(before);
      checkEqual(writes.length, 1);
      checkEqual(writes[0].key, 'rl.state');
      checkEqual(writes[0].value, '0000000000');
    },
  },
];

export default tests;
