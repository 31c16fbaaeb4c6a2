/**
 * The command gate on its own (core/commands): op registration, re-sent commands, the MAC hand-off
 * and plans. The relay ops through the gate are covered in core/relays/relay-commands.xs-test.ts.
 * Portable: runs in Node and XS.
 */
import { RelayState, sealSigned, utf8Encode } from '@dinmeter/shared';
import { checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { ManualClock, MemorySettingsStore, RecordingEmitter } from '../relays/testing';
import { hmacSha256, portableCrypto } from '../security/sha256';
import { SignedMessageVerifier } from '../security/signed-messages';
import { CommandGate } from './command-gate';

const KEY = new Uint8Array(32).fill(9);
const WALL = Date.UTC(2025, 0, 15);

function gateRig() {
  const emit = new RecordingEmitter();
  const clock = new ManualClock(1000, WALL);
  const settings = new MemorySettingsStore();
  const states = new Map<number, RelayState>([[1, 'off']]);
  const plans: string[] = [];
  const rejectedPlans: string[] = [];
  const gate = new CommandGate({
    publisher: emit,
    clock,
    verifier: new SignedMessageVerifier(portableCrypto, KEY),
    settings,
    circuits: { stateOf: (circuit) => states.get(circuit) },
    plans: {
      handlePlan: (body) => plans.push(typeof body === 'string' ? body : String(body.length)),
      rejectUnauthenticatedPlan: (error) => rejectedPlans.push(error),
    },
  });
  const command = (fields: Record<string, unknown>) =>
    JSON.stringify({ v: 1, id: 'k', seq: 1, expires: WALL + 60_000, op: 'ping', ...fields });
  const signed = (kind: 'cmd' | 'plan', text: string, key = KEY) =>
    utf8Encode(sealSigned(kind, text, (input) => hmacSha256(key, input)));
  return { gate, emit, clock, settings, states, plans, rejectedPlans, command, signed };
}

const tests: XsTest[] = [
  {
    name: 'gate: an op is registered with one line; its handler gets the decoded command; a second registration throws',
    run() {
      const { gate, emit, states, command } = gateRig();
      const seen: number[] = [];
      gate.register('reset_trip', (c) => {
        seen.push(c.circuit);
        states.set(c.circuit, 'on');
        return undefined;
      });
      gate.start();
      gate.handleCommand(command({ op: 'reset_trip', circuit: 1 }), false, 0);
      checkEqual(JSON.stringify(seen), '[1]');
      checkEqual(emit.lastAck?.ok, true);
      checkEqual(emit.lastAck?.state, 'on', 'the ack reports the state after the handler');
      checkThrows(
        () => gate.register('reset_trip', () => undefined),
        /reset_trip/,
        'registering an op twice',
      );
    },
  },
  {
    name: 'gate: an op without a handler is unsupported; a handler refusal is the ack; both consume the seq',
    run() {
      const { gate, emit, settings, command } = gateRig();
      gate.register('config', () => ({ code: 'invalid', error: 'no such option' }));
      gate.start();
      gate.handleCommand(
        command({ id: 'a', seq: 5, op: 'calibrate', circuit: 1, calibration: {} }),
        false,
        0,
      );
      checkEqual(emit.lastAck?.code, 'unsupported');
      checkEqual(emit.lastAck?.circuit, 1);
      gate.handleCommand(command({ id: 'b', seq: 6, op: 'config', circuit: 1, config: {} }), false, 0);
      checkEqual(emit.lastAck?.code, 'invalid');
      checkEqual(emit.lastAck?.error, 'no such option');
      checkEqual(settings.get('rl.seq'), '6', 'seq consumed and persisted');
      gate.handleCommand(command({ id: 'c', seq: 6 }), false, 0);
      checkEqual(emit.lastAck?.code, 'stale_seq');
      gate.handleCommand(command({ id: 'd', seq: 7, op: 'relay', circuit: 2, state: 'on' }), false, 0);
      checkEqual(emit.lastAck?.code, 'invalid', 'a circuit the meter lacks');
      checkEqual(emit.lastAck?.circuit, undefined);
      checkEqual(gate.stats.commandsRefused, 4);
    },
  },
  {
    name: 'gate: a re-sent command (same id and seq) gets its first ack again and runs once; a re-issue is new',
    run() {
      const { gate, emit, command } = gateRig();
      let runs = 0;
      gate.register('reset_trip', () => {
        runs++;
        return undefined;
      });
      gate.start();
      const first = command({ id: 'r', seq: 3, op: 'reset_trip', circuit: 1 });
      gate.handleCommand(first, false, 0);
      gate.handleCommand(first, false, 0);
      checkEqual(runs, 1, 'applied once');
      checkEqual(emit.acks.length, 2, 'acked twice');
      checkEqual(JSON.stringify(emit.acks[1]), JSON.stringify(emit.acks[0]), 'the same ack');
      checkEqual(gate.stats.repeatsAnswered, 1);
      gate.handleCommand(command({ id: 'r', seq: 4, op: 'reset_trip', circuit: 1 }), false, 0);
      checkEqual(runs, 2, 'a new seq is a new command');
      gate.handleCommand(command({ id: 'r', seq: 3, op: 'reset_trip', circuit: 1, extra: 1 }), false, 0);
      checkEqual(emit.lastAck?.ok, true, 'id + seq is the identity: the first ack again');
    },
  },
  {
    name: 'gate: only MAC-verified bytes go on; a forgery is acked unauthenticated, never remembered, nothing consumed',
    run() {
      const { gate, emit, settings, plans, rejectedPlans, command, signed } = gateRig();
      gate.start();
      const text = command({ id: 'p', seq: 9 });
      gate.onMessage('cmd', signed('cmd', text, new Uint8Array(32).fill(1)), false, 0);
      checkEqual(emit.lastAck?.code, 'unauthenticated');
      checkEqual(settings.get('rl.seq'), undefined, 'no seq consumed');
      gate.onMessage('cmd', signed('cmd', text, new Uint8Array(32).fill(1)), true, 0);
      checkEqual(emit.acks.length, 1, 'a retained forgery is not acked');
      gate.onMessage('cmd', signed('cmd', text), false, 0);
      checkEqual(emit.lastAck?.ok, true, 'the genuine command after a forgery of the same id + seq');
      checkEqual(gate.stats.commandsUnauthenticated, 2);
      gate.onMessage('plan', signed('plan', '{"v":1}'), true, 0);
      gate.onMessage('plan', signed('cmd', '{"v":1}'), true, 0);
      checkEqual(JSON.stringify(plans), '["7"]', 'the verified plan body goes to the plan sink');
      checkEqual(rejectedPlans.length, 1, 'a plan signed as a command is rejected');
    },
  },
  {
    name: 'gate: a message before start() is a programmer error',
    run() {
      const { gate, command } = gateRig();
      checkThrows(() => gate.handleCommand(command({}), false, 0), /before start/);
    },
  },
];

export default tests;
