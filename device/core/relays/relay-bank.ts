import {
  CircuitConfig,
  EventMessage,
  EventType,
  PROTOCOL_VERSION,
  RelayReason,
  RelaysMessage,
  RelayState,
  TIME_UNKNOWN_MS,
  TIMESTAMP_MIN_MS,
} from '@dinmeter/shared';
import { Publisher } from '../outbox/outbox';
import { knownWallMs } from '../outbox/wall-time';
import { Clock, RelayDriver, SettingsStore } from '../ports';
import { OvercurrentGuard } from './overcurrent-guard';
import { EffectiveCircuitConfig } from './relay-manager.types';
import { RelayStore } from './relay-store';
import { SwitchLimiter } from './switch-limiter';

/** Events kept while the wall clock is unknown, at most (the oldest is dropped). */
const EVENT_QUEUE_LIMIT = 32;

export interface Circuit {
  readonly circuit: number;
  on: boolean;
  reason: RelayReason;
  tripped: boolean;
  /** As stored (partial); `effective` has the defaults filled in. */
  config: CircuitConfig;
  effective: EffectiveCircuitConfig;
  readonly guard: OvercurrentGuard;
  readonly limiter: SwitchLimiter;
  /** No heartbeat for this circuit's failsafe.afterSeconds. */
  inFailsafe: boolean;
  /** A failsafe switch the wear limits have not allowed yet: retried every tick. */
  pending: boolean | undefined;
  /** Wall ms until which a manual command overrides the plan (the plan's next boundary). */
  overrideUntilMs: number | undefined;
  /** Version of the plan this circuit runs now; undefined when no valid plan drives it. */
  planVersion: number | undefined;
}

export type SwitchResult = 'switched' | 'unchanged' | 'tripped' | 'limited';

export interface RelayBankOptions {
  relays: RelayDriver;
  settings: SettingsStore;
  clock: Clock;
  publisher: Publisher;
  /** Relays on this device. */
  circuits: number;
}

/**
 * The relays' state and what leaves the relay manager: switching under the wear limits, the
 * persisted states and trip latches, the retained `relays` message and the events (queued, bounded,
 * while the wall clock is unknown). Shared by the relay manager and its plan runner.
 */
export class RelayBank {
  readonly circuits: Circuit[] = [];
  readonly store: RelayStore;
  /** Events dropped from the queue kept while the wall clock is unknown. */
  eventsDropped = 0;
  private relaysDirty = false;
  private readonly queuedEvents: { atMs: number; event: Omit<EventMessage, 'ts'> }[] = [];

  constructor(private readonly o: RelayBankOptions) {
    this.store = new RelayStore(o.settings, o.circuits, (key, message) =>
      this.event(o.clock.monotonicMs(), 'fault', undefined, `settings write of ${key} failed: ${message}`),
    );
  }

  /** The circuit, or a RangeError naming the bad number. */
  at(circuit: number): Circuit {
    const c = this.circuits[circuit - 1];
    if (!Number.isInteger(circuit) || c === undefined) {
      throw new RangeError(
        `circuit must be an integer 1..${this.o.circuits}${this.circuits.length > 0 ? '' : ' (after start())'}, got ${circuit}`,
      );
    }
    return c;
  }

  stateOf(circuit: number): RelayState | undefined {
    const c = Number.isInteger(circuit) ? this.circuits[circuit - 1] : undefined;
    return c === undefined ? undefined : c.on ? 'on' : 'off';
  }

  /** Drives one relay at boot (no switching counted, no event). */
  powerOn(circuit: Circuit): void {
    this.o.relays.set(circuit.circuit, circuit.on);
    this.circuits.push(circuit);
    this.relaysDirty = true;
  }

  /** Something in the `relays` message changed (trip latch, plan version): publish once on flush. */
  markChanged(): void {
    this.relaysDirty = true;
  }

  trySwitch(circuit: Circuit, on: boolean, reason: RelayReason, nowMs: number): SwitchResult {
    // Nothing to switch without a relay: plans and the failsafe leave such a circuit alone.
    if (on === circuit.on || !circuit.effective.relayFitted) return 'unchanged';
    if (on && circuit.tripped) return 'tripped';
    if (this.switchWaitMs(circuit, nowMs) > 0) return 'limited';
    this.switchRelay(circuit, on, reason, nowMs);
    return 'switched';
  }

  /** How long the wear limits hold a switching of this circuit back (0 = allowed now). */
  switchWaitMs(circuit: Circuit, nowMs: number): number {
    const { minSwitchIntervalSeconds, maxSwitchesPerHour } = circuit.effective;
    return circuit.limiter.waitMs(nowMs, minSwitchIntervalSeconds, maxSwitchesPerHour);
  }

  switchRelay(circuit: Circuit, on: boolean, reason: RelayReason, nowMs: number): void {
    this.o.relays.set(circuit.circuit, on);
    circuit.on = on;
    circuit.reason = reason;
    circuit.limiter.record(nowMs);
    this.relaysDirty = true;
    this.event(nowMs, 'relay', circuit.circuit, undefined, { state: on ? 'on' : 'off', reason });
  }

  /** Overcurrent: off at once, never held back by the wear limits, and latched. */
  trip(circuit: Circuit, nowMs: number): void {
    if (circuit.on) {
      this.o.relays.set(circuit.circuit, false);
      circuit.on = false;
      circuit.limiter.record(nowMs);
    }
    circuit.reason = 'protection';
    circuit.tripped = true;
    circuit.pending = undefined;
    circuit.guard.reset();
    this.saveTrips();
    this.relaysDirty = true;
  }

  /** Queues the failsafe mode's switch (hold = keep the state as it is). */
  fallBack(circuit: Circuit): void {
    const { mode } = circuit.effective.failsafe;
    circuit.pending = mode === 'hold' ? undefined : mode === 'on';
  }

  saveTrips(): void {
    this.store.saveTrips(this.circuits.map((c) => c.tripped));
  }

  snapshot(): RelaysMessage {
    return {
      v: PROTOCOL_VERSION,
      ts: this.wallMs() ?? TIME_UNKNOWN_MS,
      circuits: this.circuits.map((c) => ({
        circuit: c.circuit,
        state: c.on ? 'on' : 'off',
        reason: c.reason,
        tripped: c.tripped,
        ...(c.effective.relayFitted ? {} : { relay_fitted: false }),
        ...(c.planVersion !== undefined ? { plan_version: c.planVersion } : {}),
      })),
    };
  }

  /** Events need a wall-clock ts: without one they wait (bounded) and are stamped once time is known. */
  event(
    nowMs: number,
    type: EventType,
    circuit: number | undefined,
    message: string | undefined,
    data?: Record<string, string | number | boolean>,
  ): void {
    const event: Omit<EventMessage, 'ts'> = { v: PROTOCOL_VERSION, type };
    if (circuit !== undefined) event.circuit = circuit;
    if (message !== undefined) event.message = clip(message, 200);
    if (data !== undefined) {
      const clipped: Record<string, string | number | boolean> = {};
      for (const key of Object.keys(data)) {
        const value = data[key];
        clipped[key] = typeof value === 'string' ? clip(value, 200) : value;
      }
      event.data = clipped;
    }
    if (this.queuedEvents.length >= EVENT_QUEUE_LIMIT) {
      this.queuedEvents.shift();
      this.eventsDropped++;
    }
    this.queuedEvents.push({ atMs: nowMs, event });
  }

  /** Publishes what changed: the relay states once per call (one settings write too), then the events. */
  flush(nowMs: number): void {
    if (this.relaysDirty) {
      this.relaysDirty = false;
      // Once per call, not per switching: a failsafe switching all ten relays is one write.
      this.store.saveStates(this.circuits.map((c) => c.on));
      this.o.publisher.send('relays', this.snapshot());
    }
    const wall = this.wallMs();
    if (wall === undefined) return;
    for (const { atMs, event } of this.queuedEvents.splice(0)) {
      const ts = Math.max(TIMESTAMP_MIN_MS, wall - (nowMs - atMs));
      this.o.publisher.send('events', { ...event, ts });
    }
  }

  wallMs(): number | undefined {
    return knownWallMs(this.o.clock);
  }
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
