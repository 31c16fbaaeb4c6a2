/**
 * In-memory ports and a recording emitter for tests of the relay manager. Portable (runs in XS):
 * the emitter validates every message against the shared schema, so a test fails as soon as the
 * manager produces something the app could not encode.
 */
import {
  CalibrationParams,
  CommandAckMessage,
  EventMessage,
  MessageKind,
  PlanMessage,
  RelaysMessage,
  validateMessage,
} from '@dinmeter/shared';
import { Clock, RelayDriver, SettingsStore } from '../ports';
import { RelayManager } from './relay-manager';
import { RelayEmitter, RelayManagerOptions } from './relay-manager.types';

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

export class RecordingEmitter implements RelayEmitter {
  readonly relaysMessages: RelaysMessage[] = [];
  readonly acks: CommandAckMessage[] = [];
  readonly events: EventMessage[] = [];

  relays(message: RelaysMessage): void {
    this.relaysMessages.push(checked('relays', message));
  }
  ack(message: CommandAckMessage): void {
    this.acks.push(checked('cmd/ack', message));
  }
  event(message: EventMessage): void {
    this.events.push(checked('events', message));
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

function checked<T>(kind: MessageKind, message: T): T {
  const result = validateMessage(kind, message);
  if (!result.ok) throw new Error(`emitted an invalid ${kind} message: ${result.errors.join('; ')}`);
  return message;
}

export interface RelayRig {
  manager: RelayManager;
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
  onCalibrate?: RelayManagerOptions['onCalibrate'];
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
    emit,
    onCalibrate:
      options.onCalibrate ??
      ((circuit, params) => {
        calibrations.push({ circuit, params });
        return undefined;
      }),
  });
  let seq = Number(settings.get('rl.seq') ?? '0');
  const rig: RelayRig = {
    manager,
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
      const message = {
        v: 1,
        id: `c${seq + 1}`,
        seq: seq + 1,
        expires: (clock.wall ?? Date.UTC(2025, 0, 15)) + 60_000,
        ...fields,
      };
      if (fields.seq === undefined) seq++;
      manager.handleCommand(JSON.stringify(message), commandOptions.retained === true, clock.monoMs);
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
  if (options.start !== false) manager.start(clock.monoMs);
  return rig;
}
