import { check, checkEqual, XsTest } from '../../xs/harness';
import { TIME_UNKNOWN_MS } from '@dinmeter/shared';
import { RelayManager } from './relay-manager';
import { ManualClock, MemorySettingsStore, RecordingEmitter, RecordingRelayDriver, relayRig } from './testing';

const tests: XsTest[] = [
  {
    name: 'relays: nothing saved → every relay is driven off at start, states published once',
    run() {
      const rig = relayRig();
      checkEqual(rig.driver.calls.length, 10, 'every relay is driven to a known state');
      for (let c = 1; c <= 10; c++) checkEqual(rig.driver.outputs.get(c), false, `circuit ${c}`);
      checkEqual(rig.emit.relaysMessages.length, 1, 'relays published once at start');
      const first = rig.emit.relaysMessages[0].circuits[0];
      checkEqual(first.state, 'off');
      checkEqual(first.reason, 'power_on');
      checkEqual(first.tripped, false);
    },
  },
  {
    name: 'relays: power-on off / on / restore across a reboot (same SettingsStore)',
    run() {
      const rig = relayRig();
      check(
        rig.command({ op: 'config', circuit: 1, config: { powerOnState: 'on' } })?.ok === true,
        'config 1',
      );
      check(
        rig.command({ op: 'config', circuit: 2, config: { powerOnState: 'restore' } })?.ok === true,
        'config 2',
      );
      check(
        rig.command({ op: 'config', circuit: 3, config: { powerOnState: 'restore' } })?.ok === true,
        'config 3',
      );
      check(
        rig.command({ op: 'config', circuit: 4, config: { powerOnState: 'off' } })?.ok === true,
        'config 4',
      );
      // Before the reboot: 2 and 4 on, 1 and 3 off.
      for (const c of [2, 4])
        check(rig.command({ op: 'relay', circuit: c, state: 'on' })?.ok === true, `on ${c}`);
      const after = rig.reboot();
      checkEqual(after.driver.outputs.get(1), true, 'power-on on');
      checkEqual(after.driver.outputs.get(2), true, 'restore of on');
      checkEqual(after.driver.outputs.get(3), false, 'restore of off');
      checkEqual(after.driver.outputs.get(4), false, 'power-on off although it was on');
      checkEqual(after.manager.snapshot().circuits[1].reason, 'restore');
      checkEqual(after.manager.snapshot().circuits[0].reason, 'power_on');
      // And the restored state is what the relay was last, again after a second reboot.
      after.command({ op: 'relay', circuit: 2, state: 'off' });
      checkEqual(after.reboot().driver.outputs.get(2), false, 'restore follows the last actual state');
    },
  },
  {
    name: 'relays: restore with nothing saved is off',
    run() {
      const settings = new MemorySettingsStore();
      settings.set('rl.cfg.5', JSON.stringify({ powerOnState: 'restore' }));
      const rig = relayRig({ settings });
      checkEqual(rig.driver.outputs.get(5), false);
    },
  },
  {
    name: 'relays: power-on states are applied in start(), before any message is handled',
    run() {
      const settings = new MemorySettingsStore();
      settings.set('rl.cfg.1', JSON.stringify({ powerOnState: 'on' }));
      const rig = relayRig({ settings, start: false });
      checkEqual(rig.driver.calls.length, 0, 'the constructor only stores its options');
      let threw = false;
      try {
        rig.gate.handleCommand('{}', false, 0);
      } catch {
        threw = true;
      }
      check(threw, 'a message before start() is a programmer error');
      rig.manager.start(0);
      checkEqual(rig.driver.outputs.get(1), true);
    },
  },
  {
    name: 'relays: unreadable settings → safe defaults and a fault event, never a crash',
    run() {
      const settings = new MemorySettingsStore();
      settings.set('rl.cfg.1', '{"powerOnState":"on"'); // truncated write
      settings.set('rl.cfg.2', JSON.stringify({ powerOnState: 'sometimes' }));
      settings.set('rl.state', '1x1');
      settings.set('rl.trip', '0?');
      settings.set('rl.seq', 'NaN');
      settings.set('rl.plan', '[]');
      const rig = relayRig({ settings });
      checkEqual(rig.manager.config(1).powerOnState, 'off', 'defaults for an unreadable config');
      checkEqual(rig.manager.config(2).powerOnState, 'off');
      checkEqual(rig.manager.snapshot().circuits[0].tripped, false, 'a readable 0 stays untripped');
      checkEqual(rig.manager.snapshot().circuits[1].tripped, true, 'an unreadable latch counts as tripped');
      checkEqual(rig.manager.snapshot().circuits[2].tripped, false, 'missing characters are untripped');
      checkEqual(rig.manager.planVersion(), undefined);
      checkEqual(rig.emit.eventsOf('fault').length, 6, 'one fault per unreadable value');
    },
  },
  {
    name: 'relays: without wall time the state is published with the "unknown" ts; events wait and get their real time',
    run() {
      const settings = new MemorySettingsStore();
      settings.set(
        'rl.cfg.1',
        JSON.stringify({ overcurrentA: 10, overcurrentDelayMs: 0, powerOnState: 'on' }),
      );
      const rig = relayRig({ settings, wall: undefined });
      checkEqual(rig.emit.lastRelays?.ts, TIME_UNKNOWN_MS);
      rig.manager.observeCurrent(1, 20, rig.clock.monoMs);
      checkEqual(rig.driver.outputs.get(1), false, 'protection works without wall time');
      checkEqual(rig.emit.events.length, 0, 'the trip event waits for a timestamp');
      const tripMono = rig.clock.monoMs;
      rig.clock.advance(5000);
      rig.clock.wall = Date.UTC(2025, 5, 1, 12, 0, 0);
      rig.manager.tick(rig.clock.monoMs);
      const trip = rig.emit.eventsOf('protection_trip')[0];
      check(trip !== undefined, 'trip event published once time is known');
      checkEqual(
        trip.ts,
        (rig.clock.wall as number) - (rig.clock.monoMs - tripMono),
        'stamped with its real time',
      );
    },
  },
  {
    name: 'relays: ticking writes nothing to the settings store',
    run() {
      const rig = relayRig();
      rig.command({ op: 'relay', circuit: 1, state: 'on' });
      const writes = rig.settings.writes.length;
      rig.run(600_000, 100);
      checkEqual(rig.settings.writes.length, writes, 'no write per tick');
    },
  },
  {
    name: 'relays: a failing settings write becomes a fault event, the relay still switches',
    run() {
      const settings = new MemorySettingsStore();
      const rig = relayRig({ settings });
      settings.set = () => {
        throw new Error('NVS full');
      };
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'on' })?.ok, true);
      checkEqual(rig.driver.outputs.get(1), true);
      const fault = rig.emit.eventsOf('fault')[0];
      check(/rl\.(seq|state).*NVS full/.test(fault?.message ?? ''), `fault reported: ${fault?.message}`);
    },
  },
  {
    name: 'relays: product defaults (restore, fresh meter on) — nothing saved → on, unreadable saved states → off',
    run() {
      const boot = (settings: MemorySettingsStore) => {
        const driver = new RecordingRelayDriver();
        const emit = new RecordingEmitter();
        new RelayManager({
          circuits: 10,
          relays: driver,
          settings,
          clock: new ManualClock(1000, Date.UTC(2025, 0, 15)),
          publisher: emit,
          factoryDefaults: { powerOnState: 'restore' },
          restoreWithoutSavedState: 'on',
        }).start(1000);
        return { driver, emit };
      };
      const fresh = boot(new MemorySettingsStore());
      for (let c = 1; c <= 10; c++) checkEqual(fresh.driver.outputs.get(c), true, `fresh meter, circuit ${c}`);
      const corrupt = new MemorySettingsStore();
      corrupt.set('rl.state', '1x1');
      const lost = boot(corrupt);
      for (let c = 1; c <= 10; c++) checkEqual(lost.driver.outputs.get(c), false, `unreadable state, circuit ${c}`);
      checkEqual(lost.emit.eventsOf('fault').length, 1, 'the unreadable state is reported');
      const grown = new MemorySettingsStore();
      grown.set('rl.state', '01');
      const partial = boot(grown);
      checkEqual(partial.driver.outputs.get(1), false, 'saved off');
      checkEqual(partial.driver.outputs.get(2), true, 'saved on');
      checkEqual(partial.driver.outputs.get(3), true, 'a circuit never saved (the device gained circuits) is fresh');
    },
  },
];

export default tests;
