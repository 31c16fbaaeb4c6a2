/**
 * The meter's command path with signed messages (docs/security.md "Signed commands"): the command
 * gate verifies every command and plan before anything else and hands on only the verified bytes.
 * A forgery moves no relay, consumes no seq, and is acked `unauthenticated`; a
 * replayed signed command is refused by the seq check. Runs in Node and in XS.
 */
import {
  CommandAckMessage,
  decodeMessage,
  sealSigned,
  SignedKind,
  topics,
  utf8Encode,
} from '@dinmeter/shared';
import { check, checkEqual, XsTest } from '../../xs/harness';
import { MeterApp } from '../app/meter-app';
import { CommandGate } from '../commands/command-gate';
import { RecordingMqtt } from '../delivery/testing';
import { Outbox } from '../outbox/outbox';
import { RelayManager } from '../relays/relay-manager';
import { registerRelayOps } from '../relays/relay-ops';
import { ManualClock, MemorySettingsStore, RecordingRelayDriver } from '../relays/testing';
import { MemoryFlash } from '../storage/memory-flash';
import { RecordLog } from '../storage/record-log';
import { hmacSha256, portableCrypto } from './sha256';
import { SignedMessageVerifier } from './signed-messages';

const DEVICE = 'vm-1';
const KEY = new Uint8Array(32).fill(0x42);
const WRONG_KEY = new Uint8Array(32).fill(0x43);
const WALL = Date.UTC(2025, 0, 15);

/** `key` null: a meter never provisioned with a command key. */
function meter(key: Uint8Array | null = KEY, settings = new MemorySettingsStore()) {
  const clock = new ManualClock(1000, WALL);
  const mqtt = new RecordingMqtt();
  const driver = new RecordingRelayDriver();
  const log = new RecordLog({ flash: new MemoryFlash({ byteLength: 16 * 4096 }), circuits: 1 });
  log.open();
  const outbox = new Outbox({ deviceId: DEVICE, mqtt, clock });
  const relays = new RelayManager({
    circuits: 10,
    relays: driver,
    settings,
    clock,
    restoreWithoutSavedState: 'on',
    factoryDefaults: { powerOnState: 'restore' },
    publisher: outbox,
  });
  const gate = new CommandGate({
    publisher: outbox,
    clock,
    verifier: new SignedMessageVerifier(portableCrypto, key ?? undefined),
    settings,
    circuits: relays,
    plans: relays,
  });
  registerRelayOps(gate, relays);
  const app = new MeterApp({
    deviceId: DEVICE,
    firmware: 'test',
    bootId: 'b',
    clock,
    mqtt,
    outbox,
    metering: { poll: () => ({ readings: [], health: [] }) },
    relays,
    commands: gate,
    log,
    intervalS: 10,
  });
  app.start();
  const acks = (): CommandAckMessage[] =>
    mqtt.published
      .filter((p) => p.topic === topics.cmdAck(DEVICE))
      .map((p) => {
        const decoded = decodeMessage('cmd/ack', p.payload);
        if (!decoded.ok) throw new Error(decoded.errors.join('; '));
        return decoded.value;
      });
  const deliver = (kind: SignedKind, payload: string, retained = false) =>
    app.onMessage(kind === 'cmd' ? topics.cmd(DEVICE) : topics.plan(DEVICE), utf8Encode(payload), retained);
  const events = () => mqtt.published.filter((p) => p.topic === topics.events(DEVICE)).map((p) => p.payload);
  return { app, relays, gate, driver, clock, acks, deliver, events, settings };
}

const body = (seq: number, state: 'on' | 'off', circuit = 3) =>
  JSON.stringify({ v: 1, id: `c${seq}`, seq, expires: WALL + 60_000, op: 'relay', circuit, state });
const signed = (kind: SignedKind, text: string, key = KEY) =>
  sealSigned(kind, text, (input) => hmacSha256(key, input));
const planBody = (version: number) =>
  JSON.stringify({
    v: 1,
    version,
    issued: WALL,
    circuits: [{ circuit: 3, valid_until: WALL + 3_600_000, on: [] }],
  });

const tests: XsTest[] = [
  {
    name: 'signed commands: a correctly signed command switches and is acked ok',
    run() {
      const m = meter();
      check(m.relays.isOn(3), 'restored on');
      m.deliver('cmd', signed('cmd', body(10, 'off')));
      check(!m.relays.isOn(3), 'switched off');
      const ack = m.acks().pop();
      check(ack !== undefined && ack.ok && ack.id === 'c10', `ack ${JSON.stringify(ack)}`);
    },
  },
  {
    name: 'signed commands: forgeries change nothing and are acked unauthenticated (wrong key, no MAC, other bytes, a plan MAC)',
    run() {
      const m = meter();
      const forgeries = [
        signed('cmd', body(10, 'off'), WRONG_KEY),
        body(11, 'off'),
        signed('cmd', body(12, 'on')).replace('"state":"on"', '"state":"off"'),
        signed('plan', body(13, 'off')),
      ];
      for (const payload of forgeries) m.deliver('cmd', payload);
      check(m.relays.isOn(3), 'relay did not move');
      checkEqual(m.driver.calls.filter((c) => c.circuit === 3).length, 1, 'only the power-on drive');
      const acks = m.acks();
      checkEqual(
        acks.map((a) => `${a.id}:${a.ok}:${a.code}`).join(','),
        'c10:false:unauthenticated,c11:false:unauthenticated,c12:false:unauthenticated,c13:false:unauthenticated',
      );
      checkEqual(m.gate.stats.commandsUnauthenticated, 4, 'counted');
      checkEqual(m.settings.get('rl.seq'), undefined, 'no seq consumed');
      // The seq of a forgery is not burnt: the real command with that seq still applies.
      m.deliver('cmd', signed('cmd', body(10, 'off')));
      check(!m.relays.isOn(3), 'the genuine seq 10 applies');
    },
  },
  {
    name: 'signed commands: a retained forgery is not acked; one without a readable id is only counted',
    run() {
      const m = meter();
      m.deliver('cmd', body(10, 'off'), true);
      m.deliver('cmd', 'garbage');
      checkEqual(m.acks().length, 0, 'no acks');
      checkEqual(m.gate.stats.commandsUnauthenticated, 2, 'counted');
      check(m.relays.isOn(3), 'relay did not move');
    },
  },
  {
    name: 'signed commands: a replayed signed command is refused by the seq check and moves nothing',
    run() {
      const settings = new MemorySettingsStore();
      const first = meter(KEY, settings);
      const captured = signed('cmd', body(10, 'off'));
      first.deliver('cmd', captured);
      first.deliver('cmd', signed('cmd', body(11, 'on')));
      check(first.relays.isOn(3), 'on again by seq 11');
      // After a reboot (no ack cache), the captured bytes arrive again: valid MAC, old seq.
      const rebooted = meter(KEY, settings);
      rebooted.deliver('cmd', captured);
      check(rebooted.relays.isOn(3), 'the replay did not switch off');
      const ack = rebooted.acks().pop();
      check(ack !== undefined && !ack.ok && ack.code === 'stale_seq', `ack ${JSON.stringify(ack)}`);
    },
  },
  {
    name: 'signed commands: a meter without a command key refuses every command and plan',
    run() {
      const m = meter(null);
      m.deliver('cmd', signed('cmd', body(10, 'off')));
      m.deliver('plan', signed('plan', planBody(5)), true);
      check(m.relays.isOn(3), 'relay did not move');
      checkEqual(
        m
          .acks()
          .map((a) => a.code)
          .join(','),
        'unauthenticated',
      );
      checkEqual(m.relays.planVersion(), undefined, 'no plan');
    },
  },
  {
    name: 'signed plans: a signed plan is accepted, a forged or cmd-signed one is ignored and reported',
    run() {
      const m = meter();
      m.deliver('plan', signed('cmd', planBody(5)), true);
      m.deliver('plan', planBody(6), true);
      m.deliver('plan', signed('plan', planBody(7), WRONG_KEY), true);
      checkEqual(m.relays.planVersion(), undefined, 'no forged plan adopted');
      checkEqual(m.relays.stats.plansUnauthenticated, 3, 'counted');
      checkEqual(
        m.events().filter((e) => e.includes('plan refused: unauthenticated')).length,
        3,
        'reported as fault events',
      );
      check(m.relays.isOn(3), 'relay did not move');
      m.deliver('plan', signed('plan', planBody(8)), true);
      checkEqual(m.relays.planVersion(), 8, 'the signed plan runs');
      check(!m.relays.isOn(3), 'the plan switched circuit 3 off');
    },
  },
];

export default tests;
