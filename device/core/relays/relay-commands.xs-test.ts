import { MIN_FAILSAFE_AFTER_S, utf8Encode } from '@dinmeter/shared';
import { check, checkEqual, XsTest } from '../../xs/harness';
import { CommandGate } from '../commands/command-gate';
import { portableCrypto } from '../security/sha256';
import { SignedMessageVerifier } from '../security/signed-messages';
import { MemorySettingsStore, relayRig } from './testing';

const tests: XsTest[] = [
  {
    name: 'commands: relay on/off is applied and acked with the actual state',
    run() {
      const rig = relayRig();
      const ack = rig.command({ id: 'a-1', op: 'relay', circuit: 3, state: 'on' });
      checkEqual(ack?.id, 'a-1');
      checkEqual(ack?.ok, true);
      checkEqual(ack?.circuit, 3);
      checkEqual(ack?.state, 'on');
      checkEqual(rig.driver.outputs.get(3), true);
      checkEqual(rig.emit.lastRelays?.circuits[2].state, 'on', 'relays published on change');
      checkEqual(rig.emit.lastRelays?.circuits[2].reason, 'command');
      checkEqual(rig.emit.eventsOf('relay').length, 1);
      checkEqual(rig.command({ op: 'relay', circuit: 3, state: 'off' })?.state, 'off');
      checkEqual(rig.driver.outputs.get(3), false);
    },
  },
  {
    name: 'commands: retained → never applied, no ack, counted',
    run() {
      const rig = relayRig();
      rig.driver.calls.length = 0;
      const ack = rig.command({ op: 'relay', circuit: 1, state: 'on' }, { retained: true });
      checkEqual(ack, undefined, 'no ack for a retained command');
      checkEqual(rig.driver.calls.length, 0);
      checkEqual(rig.gate.stats.retainedIgnored, 1);
    },
  },
  {
    name: 'commands: expired → refused; expiring exactly now → still applied',
    run() {
      const rig = relayRig();
      const wall = rig.clock.wall as number;
      const ack = rig.command({ op: 'relay', circuit: 1, state: 'on', expires: wall - 1 });
      checkEqual(ack?.ok, false);
      checkEqual(ack?.code, 'expired');
      checkEqual(ack?.state, 'off', 'the ack reports the actual state');
      checkEqual(rig.driver.outputs.get(1), false);
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'on', expires: wall })?.ok, true);
    },
  },
  {
    name: 'commands: unknown wall time → refused with no_time',
    run() {
      const rig = relayRig({ wall: undefined });
      const ack = rig.command({ op: 'relay', circuit: 1, state: 'on', expires: Date.UTC(2030, 0, 1) });
      checkEqual(ack?.code, 'no_time');
      checkEqual(rig.driver.outputs.get(1), false);
    },
  },
  {
    name: 'commands: stale and replayed seq are refused',
    run() {
      const rig = relayRig();
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'on', seq: 10 })?.ok, true);
      rig.command({ op: 'relay', circuit: 1, state: 'off', seq: 11 });
      rig.driver.calls.length = 0;
      const replay = rig.command({ op: 'relay', circuit: 1, state: 'on', seq: 10 });
      checkEqual(replay?.code, 'stale_seq');
      checkEqual(
        rig.command({ op: 'relay', circuit: 1, state: 'on', seq: 11 })?.code,
        'stale_seq',
        'equal seq',
      );
      checkEqual(rig.driver.calls.length, 0);
      checkEqual(rig.command({ op: 'relay', circuit: 1, state: 'on', seq: 12 })?.ok, true);
    },
  },
  {
    name: 'commands: the last applied seq survives a reboot',
    run() {
      const rig = relayRig();
      rig.command({ op: 'ping', seq: 41 });
      rig.command({ op: 'relay', circuit: 2, state: 'on', seq: 42 });
      const after = rig.reboot();
      checkEqual(after.command({ op: 'relay', circuit: 2, state: 'on', seq: 42 })?.code, 'stale_seq');
      checkEqual(after.command({ op: 'relay', circuit: 2, state: 'on', seq: 43 })?.ok, true);
    },
  },
  {
    name: 'commands: a circuit the device does not have is invalid',
    run() {
      const rig = relayRig({ circuits: 4 });
      const ack = rig.command({ op: 'relay', circuit: 5, state: 'on' });
      checkEqual(ack?.code, 'invalid');
      checkEqual(rig.command({ op: 'relay', circuit: 11, state: 'on' })?.code, 'invalid', 'schema range');
    },
  },
  {
    name: 'commands: config merges, validates, persists and acks',
    run() {
      const rig = relayRig();
      checkEqual(
        rig.command({ op: 'config', circuit: 2, config: { overcurrentA: 16, label: 'oven' } })?.ok,
        true,
      );
      checkEqual(
        rig.command({ op: 'config', circuit: 2, config: { failsafe: { mode: 'off', afterSeconds: 60 } } })
          ?.ok,
        true,
      );
      const config = rig.manager.config(2);
      checkEqual(config.overcurrentA, 16, 'earlier field kept');
      checkEqual(config.label, 'oven');
      checkEqual(config.failsafe.mode, 'off');
      checkEqual(config.overcurrentDelayMs, 2000, 'default filled in');
      checkEqual(config.maxSwitchesPerHour, 60);
      checkEqual(rig.emit.eventsOf('config').length, 2);
      const bad = rig.command({
        op: 'config',
        circuit: 2,
        config: { failsafe: { mode: 'off', afterSeconds: 0 } },
      });
      checkEqual(bad?.code, 'invalid');
      check((bad?.error ?? '').indexOf('afterSeconds') >= 0, `error names the field: ${bad?.error}`);
      checkEqual(rig.manager.config(2).failsafe.afterSeconds, 60, 'unchanged after a bad config');
      checkEqual(rig.reboot().manager.config(2).overcurrentA, 16, 'persisted');
    },
  },
  {
    name: 'commands: a failsafe shorter than the meter can honour is refused with failsafe_too_short, and changes nothing',
    run() {
      const rig = relayRig();
      rig.command({
        op: 'config',
        circuit: 3,
        config: { failsafe: { mode: 'off', afterSeconds: 60 }, label: 'pump' },
      });
      const events = rig.emit.eventsOf('config').length;
      const short = rig.command({
        op: 'config',
        circuit: 3,
        config: { failsafe: { mode: 'off', afterSeconds: MIN_FAILSAFE_AFTER_S - 1 }, label: 'heater' },
      });
      checkEqual(short?.ok, false);
      checkEqual(short?.code, 'failsafe_too_short');
      check(
        (short?.error ?? '').indexOf(`${MIN_FAILSAFE_AFTER_S} s`) >= 0,
        `error names the minimum: ${short?.error}`,
      );
      checkEqual(rig.manager.config(3).failsafe.afterSeconds, 60, 'failsafe unchanged');
      checkEqual(rig.manager.config(3).label, 'pump', 'the rest of the refused config is not applied either');
      checkEqual(rig.emit.eventsOf('config').length, events, 'no config event');
      checkEqual(rig.reboot().manager.config(3).failsafe.afterSeconds, 60, 'nothing persisted');
      // The refused failsafe never runs: 4 s without a heartbeat leave the relay as it is.
      const again = relayRig();
      again.command({ op: 'relay', circuit: 3, state: 'on' });
      checkEqual(
        again.command({ op: 'config', circuit: 3, config: { failsafe: { mode: 'off', afterSeconds: 1 } } })
          ?.code,
        'failsafe_too_short',
      );
      again.run(4000, 100);
      checkEqual(again.driver.outputs.get(3), true, 'relay untouched');
      const minimum = again.command({
        op: 'config',
        circuit: 3,
        config: { failsafe: { mode: 'off', afterSeconds: MIN_FAILSAFE_AFTER_S } },
      });
      checkEqual(minimum?.ok, true, 'the minimum itself is accepted');
    },
  },
  {
    name: 'commands: calibrate goes to its handler; its error, a throw, or no handler give a clear error ack',
    run() {
      const rig = relayRig();
      checkEqual(rig.command({ op: 'calibrate', circuit: 4, calibration: { ugain: 26400 } })?.ok, true);
      checkEqual(rig.calibrations[0].circuit, 4);
      checkEqual(rig.calibrations[0].params.ugain, 26400);
      const failing = relayRig({ onCalibrate: () => 'CS1 checksum mismatch' });
      const ack = failing.command({ op: 'calibrate', circuit: 1, calibration: { ugain: 1 } });
      checkEqual(ack?.code, 'calibration_failed');
      checkEqual(ack?.error, 'CS1 checksum mismatch');
      const throwing = relayRig({
        onCalibrate: () => {
          throw new Error('SPI timeout');
        },
      });
      checkEqual(
        throwing.command({ op: 'calibrate', circuit: 1, calibration: { ugain: 1 } })?.error,
        'SPI timeout',
      );
      // A meter without the calibrate op (the gate has no handler for it): unsupported.
      const bare = relayRig();
      const gate = new CommandGate({
        publisher: bare.emit,
        clock: bare.clock,
        verifier: new SignedMessageVerifier(portableCrypto, undefined),
        settings: new MemorySettingsStore(),
        circuits: bare.manager,
        plans: bare.manager,
      });
      gate.start();
      gate.handleCommand(
        JSON.stringify({
          v: 1,
          id: 'x',
          seq: 1,
          expires: Date.UTC(2025, 0, 16),
          op: 'calibrate',
          circuit: 1,
          calibration: {},
        }),
        false,
        0,
      );
      checkEqual(bare.emit.lastAck?.code, 'unsupported');
    },
  },
  {
    name: 'commands: ping is acked without circuit',
    run() {
      const rig = relayRig();
      const ack = rig.command({ op: 'ping' });
      checkEqual(ack?.ok, true);
      checkEqual(ack?.circuit, undefined);
    },
  },
  {
    name: 'commands: malformed payloads → error ack when an id is readable, counted otherwise, never a relay change',
    run() {
      const rig = relayRig();
      rig.driver.calls.length = 0;
      const wall = rig.clock.wall as number;
      const valid = { v: 1, id: 'm', seq: 1000, expires: wall + 60000, op: 'relay', circuit: 1, state: 'on' };
      const withId: unknown[] = [
        { ...valid, op: 'explode' },
        { ...valid, circuit: '1' },
        { ...valid, circuit: 0 },
        { ...valid, circuit: 1.5 },
        { ...valid, state: true },
        { ...valid, state: 'ON' },
        { ...valid, seq: -1 },
        { ...valid, seq: 0 },
        { ...valid, seq: '1001' },
        { ...valid, seq: 2 ** 60 },
        { ...valid, expires: Math.floor(wall / 1000) + 60 }, // seconds instead of ms
        { ...valid, expires: 'tomorrow' },
        { ...valid, v: 2 },
        { ...valid, extra: 1 },
        { ...valid, __proto__: { admin: true }, hack: 1 },
        { id: 'm' },
        { ...valid, op: 'config', config: { overcurrentA: -5 } },
        { ...valid, op: 'config', config: { powerOnState: 'maybe' } },
        { ...valid, op: 'config', config: 'on' },
        { ...valid, op: 'calibrate', calibration: { pga: 3 } },
      ];
      const texts: string[] = withId.map((m) => JSON.stringify(m));
      texts.push(JSON.stringify(valid).replace('1000', '1e999')); // Infinity after JSON.parse
      for (const text of texts) {
        const before = rig.emit.acks.length;
        rig.gate.handleCommand(text, false, rig.clock.monoMs);
        checkEqual(rig.emit.acks.length, before + 1, `exactly one ack for ${text}`);
        checkEqual(rig.emit.lastAck?.ok, false, text);
        checkEqual(rig.emit.lastAck?.code, 'invalid', text);
      }
      // Not JSON, or no usable id: nobody to answer, so counted instead of acked.
      const unreadable = [
        JSON.stringify(valid).replace('"circuit":1', '"circuit":NaN'),
        JSON.stringify({ ...valid, id: 'x'.repeat(65), op: 'nope' }),
        JSON.stringify({ ...valid, id: 7, op: 'nope' }),
        '[]',
        'null',
        '',
      ];
      for (const text of unreadable) rig.gate.handleCommand(text, false, rig.clock.monoMs);
      checkEqual(rig.emit.acks.length, texts.length, 'no ack without an id');
      checkEqual(rig.gate.stats.unreadable, unreadable.length);
      checkEqual(rig.driver.calls.length, 0, 'the relay driver saw no call');
    },
  },
  {
    name: 'commands: fuzz — random bytes, mutations, huge payloads never switch a relay nor throw',
    run() {
      const rig = relayRig();
      rig.driver.calls.length = 0;
      rig.emit.clear();
      let state = 0x9e3779b9;
      const random = () => {
        // xorshift32: deterministic, portable.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return (state >>> 0) / 0x100000000;
      };
      const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
      const wall = rig.clock.wall as number;
      const oddValues: unknown[] = [
        null,
        true,
        -1,
        0,
        1e308,
        -0,
        '',
        'OFF',
        '💥',
        [],
        {},
        [1, 2],
        { a: 1 },
        'x'.repeat(300),
      ];
      let sent = 0;
      for (let i = 0; i < 400; i++) {
        let payload: Uint8Array | string;
        const kind = i % 4;
        if (kind === 0) {
          const bytes = new Uint8Array(Math.floor(random() * 200));
          for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(random() * 256);
          payload = bytes;
        } else if (kind === 1) {
          const message: Record<string, unknown> = {
            v: 1,
            id: `f${i}`,
            seq: 5000 + i,
            expires: wall + 60000,
            op: 'relay',
            circuit: 1 + Math.floor(random() * 10),
            state: 'on',
          };
          const key = pick(['v', 'seq', 'expires', 'op', 'circuit', 'state', 'config', 'zzz']);
          message[key] = pick(oddValues);
          payload = JSON.stringify(message);
        } else if (kind === 2) {
          const text = JSON.stringify({
            v: 1,
            id: `g${i}`,
            seq: 9000 + i,
            expires: wall + 60000,
            op: 'ping',
          });
          const cut = Math.floor(random() * (text.length - 1));
          payload = utf8Encode(
            text.slice(0, cut) + pick(['', '"', '{', '\u0000', ']', '\\']) + text.slice(cut + 1),
          );
        } else {
          payload = JSON.stringify({
            v: 1,
            id: `h${i}`,
            seq: 1,
            expires: wall,
            op: 'relay',
            circuit: 1,
            state: 'on',
            pad: 'x'.repeat(5000),
          });
        }
        sent++;
        rig.gate.handleCommand(payload, false, rig.clock.monoMs);
      }
      const s = rig.gate.stats;
      checkEqual(rig.driver.calls.length, 0, 'the relay driver saw no call');
      checkEqual(
        rig.emit.acks.filter((a) => a.ok).length,
        s.commandsApplied,
        'ok acks are only for applied commands',
      );
      check(
        rig.emit.acks.every((a) => a.ok === false || a.circuit === undefined || a.state === 'off'),
        'no relay on',
      );
      checkEqual(rig.emit.acks.length + s.unreadable, sent, 'every message is acked or counted, once');
      check(s.unreadable >= 100, `random bytes and huge payloads are unreadable (${s.unreadable})`);
    },
  },
];

export default tests;
