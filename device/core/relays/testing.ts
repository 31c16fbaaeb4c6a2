/**
 * In-memory ports and a recording publisher for tests of the relay manager and the command gate.
 * Portable (runs in XS): the publisher encodes every message with the shared codec, so a test
 * fails as soon as something is produced that the outbox could not send.
 */
import {
  CalibrationParams,
  CommandAckMessage,
  decodeMessage,
  DeviceTopicKind,
  encodeMessage,
  EventMessage,
  MessageByKind,
  PlanMessage,
  RelaysMessage,
} from '@dinmeter/shared';
import { CommandGate } from '../commands/command-gate';
import { refusal } from '../commands/command-gate.types';
import { Publisher } from '../outbox/outbox';
import { Clock, RelayDriver, SettingsStore } from '../ports';
import { portableCrypto } from '../security/sha256';
import { SignedMessageVerifier } from '../security/signed-messages';
import { RelayManager } from './relay-manager';
import { registerRelayOps } from './relay-ops';

export class MemorySettingsStore implements SettingsStore {
  readonly values = new Map<string, string>();
  /** Every set(), in order: tests assert that nothing is written per tick. */
  readonly writes: { key: string; value: string }[] = [];

  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
    this.writes.push({ key, value });
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

export class RecordingRelayDriver implements RelayDriver {
  /** Output level per circuit as last set; undefined = never driven. */
  readonly outputs = new Map<number, boolean>();
  readonly calls: { circuit: number; on: boolean }[] = [];

  set(circuit: number, on: boolean): void {
    this.outputs.set(circuit, on);
    this.calls.push({ circuit, on });
  }
  isOn(circuit: number): boolean {
    return this.outputs.get(circuit) === true;
  }
}

/** Monotonic and wall time moved by hand; the wall clock can start unset (no RTC, SNTP pending). */
export class ManualClock implements Clock {
  /** `wall` undefined = not set yet (a default parameter would turn an explicit undefined into a time). */
  constructor(
    public monoMs: number,
    public wall: number | undefined,
  ) {}
  wallMs(): number | undefined {
    return this.wall;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  /** Advances both clocks (the wall clock only if it is set). */
  advance(ms: number): number {
    this.monoMs += ms;
    if (this.wall !== undefined) this.wall += ms;
    return this.monoMs;
  }
}

/** Records what is published, by kind, decoded again from the encoded payload. */
export class RecordingEmitter implements Publisher {
  readonly relaysMessages: RelaysMessage[] = [];
  readonly acks: CommandAckMessage[] = [];
  readonly events: EventMessage[] = [];

  send<K extends DeviceTopicKind>(kind: K, message: MessageByKind[K]): string {
    const payload = encodeMessage(kind, message);
    this.sendEncoded(kind, payload);
    return payload;
  }
  sendEncoded(kind: DeviceTopicKind, payload: string): void {
    if (kind === 'relays') this.relaysMessages.push(decoded('relays', payload));
    else if (kind === 'cmd/ack') this.acks.push(decoded('cmd/ack', payload));
    else if (kind === 'events') this.events.push(decoded('events', payload));
    else throw new Error(`unexpected ${kind} message from the relay manager or the command gate`);
  }
  get lastAck(): CommandAckMessage | undefined {
    return this.acks[this.acks.length - 1];
  }
  get lastRelays(): RelaysMessage | undefined {
    return this.relaysMessages[this.relaysMessages.length - 1];
  }
  eventsOf(type: EventMessage['type']): EventMessage[] {
    return this.events.filter((e) => e.type === type);
  }
  clear(): void {
    this.relaysMessages.length = 0;
    this.acks.length = 0;
    this.events.length = 0;
  }
}

function decoded<K extends 'relays' | 'cmd/ack' | 'events'>(kind: K, payload: string): MessageByKind[K] {
  const result = decodeMessage(kind, payload);
  if (!result.ok) throw new Error(`published an invalid ${kind} message: ${result.errors.join('; ')}`);
  return result.value;
}

export interface RelayRig {
  manager: RelayManager;
  /** The command gate in front of the manager, with the relay ops and `calibrate` (onCalibrate) registered. */
  gate: CommandGate;
  settings: MemorySettingsStore;
  driver: RecordingRelayDriver;
  clock: ManualClock;
  emit: RecordingEmitter;
  calibrations: { circuit: number; params: CalibrationParams }[];
  /** A new manager on the same settings (a reboot): fresh driver, emitter and monotonic clock. */
  reboot(options?: { start?: boolean }): RelayRig;
  /** Advances both clocks by `ms` and ticks. */
  advance(ms: number): void;
  /** Advances in `stepMs` ticks until `ms` have passed (as the app would). */
  run(ms: number, stepMs?: number): void;
  /** Sends a command (defaults: next seq, expires in 60 s, not retained). */
  command(fields: Record<string, unknown>, options?: { retained?: boolean }): CommandAckMessage | undefined;
  plan(plan: Partial<PlanMessage> & { version: number; circuits: PlanMessage['circuits'] }): void;
  heartbeat(): void;
}

export interface RelayRigOptions {
  circuits?: number;
  settings?: MemorySettingsStore;
  wall?: number | undefined;
  /** The `calibrate` op: returns an error text or undefined (default: records the call). */
  onCalibrate?: (circuit: number, params: CalibrationParams) => string | undefined;
  start?: boolean;
}

/** A started manager on in-memory ports: the common set-up of the relay tests. */
export function relayRig(options: RelayRigOptions = {}): RelayRig {
  const settings = options.settings ?? new MemorySettingsStore();
  const driver = new RecordingRelayDriver();
  const clock = new ManualClock(1000, 'wall' in options ? options.wall : Date.UTC(2025, 0, 15, 0, 0, 0));
  const emit = new RecordingEmitter();
  const calibrations: { circuit: number; params: CalibrationParams }[] = [];
  const manager = new RelayManager({
    circuits: options.circuits ?? 10,
    relays: driver,
    settings,
    clock,
    publisher: emit,
  });
  // The relay tests hand the gate verified bodies (handleCommand): no key needed.
  const gate = new CommandGate({
    publisher: emit,
    clock,
    verifier: new SignedMessageVerifier(portableCrypto, undefined),
    settings,
    circuits: manager,
    plans: manager,
  });
  registerRelayOps(gate, manager);
  const onCalibrate =
    options.onCalibrate ??
    ((circuit: number, params: CalibrationParams) => {
      calibrations.push({ circuit, params });
      return undefined;
    });
  gate.register('calibrate', (command) => {
    let problem: string | undefined;
    try {
      problem = onCalibrate(command.circuit, command.calibration);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    return refusal('calibration_failed', problem);
  });
  let seq = Number(settings.get('rl.seq') ?? '0');
  let sent = 0;
  const rig: RelayRig = {
    manager,
    gate,
    settings,
    driver,
    clock,
    emit,
    calibrations,
    reboot: (again = {}) => relayRig({ ...options, settings, wall: clock.wall, start: again.start ?? true }),
    advance(ms) {
      manager.tick(clock.advance(ms));
    },
    run(ms, stepMs = 1000) {
      for (let done = 0; done < ms; done += stepMs) rig.advance(Math.min(stepMs, ms - done));
    },
    command(fields, commandOptions = {}) {
      const before = emit.acks.length;
      if (typeof fields.seq === 'number') seq = Math.max(seq, fields.seq);
      // A fresh id per call: the gate answers a repeated id + seq with its first ack.
      const message = {
        v: 1,
        id: `c${++sent}`,
        seq: seq + 1,
        expires: (clock.wall ?? Date.UTC(2025, 0, 15)) + 60_000,
        ...fields,
      };
      if (fields.seq === undefined) seq++;
      gate.handleCommand(JSON.stringify(message), commandOptions.retained === true, clock.monoMs);
      return emit.acks.length > before ? emit.acks[emit.acks.length - 1] : undefined;
    },
    plan(plan) {
      const wall = clock.wall ?? Date.UTC(2025, 0, 15);
      manager.handlePlan(JSON.stringify({ v: 1, issued: wall, ...plan }), true, clock.monoMs);
    },
    heartbeat() {
      const wall = clock.wall ?? Date.UTC(2025, 0, 15);
      manager.handleHeartbeat(JSON.stringify({ v: 1, ts: wall, interval_s: 30 }), clock.monoMs);
    },
  };
  if (options.start !== false) {
    manager.start(clock.monoMs);
    gate.start();
  }
  return rig;
}
