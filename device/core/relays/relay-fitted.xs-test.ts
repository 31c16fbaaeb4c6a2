/** A circuit without a relay (config `relayFitted: false`, set by the setup portal or the web app's circuit setup). */
import { check, checkEqual, XsTest } from '../../xs/harness';
import { relayRig } from './testing';

const MIN = 60_000;

const tests: XsTest[] = [
  {
    name: 'relay fitted: no relay → relay commands refused with no_relay, reported live with relay_fitted false',
    run() {
      const rig = relayRig();
      checkEqual(rig.command({ op: 'config', circuit: 2, config: { relayFitted: false } })?.ok, true);
      checkEqual(rig.emit.lastRelays?.circuits[1].relay_fitted, false, 'relays report the circuit as having no relay');
      checkEqual(rig.emit.lastRelays?.circuits[1].state, 'on', 'always live');
      checkEqual(rig.emit.lastRelays?.circuits[0].relay_fitted, undefined, 'a fitted relay is not flagged');
      rig.driver.calls.length = 0;
      for (const state of ['off', 'on']) {
        const ack = rig.command({ op: 'relay', circuit: 2, state });
        checkEqual(ack?.ok, false);
        checkEqual(ack?.code, 'no_relay');
        check(/circuit 2 has no relay/.test(ack?.error ?? ''), ack?.error ?? '');
      }
      checkEqual(rig.driver.calls.length, 0, 'nothing switched');
      checkEqual(rig.command({ op: 'relay', circuit: 3, state: 'on' })?.ok, true, 'the other circuits switch as before');
      checkEqual(rig.command({ op: 'config', circuit: 2, config: { relayFitted: true } })?.ok, true);
      checkEqual(rig.command({ op: 'relay', circuit: 2, state: 'off' })?.ok, true, 'fitted again: switchable');
      checkEqual(rig.emit.lastRelays?.circuits[1].relay_fitted, undefined);
    },
  },
  {
    name: 'relay fitted: plans and the failsafe leave a circuit without a relay alone; it boots live',
    run() {
      const rig = relayRig();
      rig.command({ op: 'config', circuit: 1, config: { relayFitted: false, failsafe: { mode: 'off', afterSeconds: 10 } } });
      const wall = rig.clock.wall as number;
      rig.plan({ version: 1, circuits: [{ circuit: 1, on: [{ start: wall + MIN, end: wall + 2 * MIN }], valid_until: wall + 60 * MIN }] });
      rig.driver.calls.length = 0;
      rig.run(3 * MIN);
      checkEqual(rig.driver.calls.filter((c) => c.circuit === 1).length, 0, 'no switching of circuit 1 by plan or failsafe');
      checkEqual(rig.manager.isOn(1), true);
      const after = rig.reboot();
      checkEqual(after.manager.isOn(1), true, 'boots live');
      checkEqual(after.emit.lastRelays?.circuits[0].relay_fitted, false);
      checkEqual(after.command({ op: 'relay', circuit: 1, state: 'off' })?.code, 'no_relay', 'still refused after a reboot');
    },
  },
];

export default tests;
