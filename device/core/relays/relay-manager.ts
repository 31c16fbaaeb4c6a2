import {
  CIRCUIT_COUNT,
  CircuitConfig,
  CircuitPlan,
  Command,
  CommandAckCode,
  CommandAckMessage,
  decodeMessage,
  EventMessage,
  EventType,
  MAX_PAYLOAD_BYTES,
  MIN_FAILSAFE_AFTER_S,
  PlanMessage,
  PROTOCOL_VERSION,
  RelayReason,
  RelaysMessage,
  utf8Decode,
} from '@dinmeter/shared';
import { OvercurrentGuard } from './overcurrent-guard';
import { planPointAt } from './plan-schedule';
import { effectiveConfig, mergeConfig } from './relay-config';
import { EffectiveCircuitConfig, RelayManagerOptions, RelayManagerStats } from './relay-manager.types';
import { RelayStore } from './relay-store';
import { SwitchLimiter } from './switch-limiter';

/** Wall-clock range the protocol accepts (2000-01-01 .. 2100-01-01); outside it the clock counts as unknown. */
const WALL_MIN_MS = 946684800000;
const WALL_MAX_MS = 4102444800000;
/**
 * `ts` of a relays message while the device has no wall time yet (no RTC, SNTP pending): the
 * schema requires a timestamp, and the state is worth publishing at once. 2000-01-01T00:00:00Z
 * reads as "time unknown"; events instead wait in a queue and get their real time later.
 */
export const UNKNOWN_WALL_TS = WALL_MIN_MS;
const EVENT_QUEUE_LIMIT = 32;

interface Circuit {
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

type SwitchResult = 'switched' | 'unchanged' | 'tripped' | 'limited';

/**
 * The relay manager (docs/invariants.md invariant 2): power-on state, heartbeat failsafe, local overcurrent
 * protection with a latch, relay wear limits, command gating (retained, expired, stale seq,
 * invalid) and the offline plan. Portable: no timers, the app calls `tick(nowMs)` with monotonic
 * ms; wall time (expiry, plans) comes from `clock.wallMs()`. See README.md in this folder for the
 * behaviour in words.
 */
export class RelayManager {
  readonly stats: RelayManagerStats = {
    commandsApplied: 0,
    commandsRefused: 0,
    retainedIgnored: 0,
    unreadable: 0,
    commandsUnauthenticated: 0,
    plansUnauthenticated: 0,
    plansAccepted: 0,
    plansRefused: 0,
    plansStale: 0,
    heartbeatsInvalid: 0,
    eventsDropped: 0,
  };
  private readonly store: RelayStore;
  private readonly circuits: Circuit[] = [];
  private plan: PlanMessage | undefined;
  private readonly planByCircuit = new Map<number, CircuitPlan>();
  private lastSeq = 0;
  private lastHeartbeatMs = 0;
  private started = false;
  private relaysDirty = false;
  private readonly queuedEvents: { atMs: number; event: Omit<EventMessage, 'ts'> }[] = [];

  constructor(private readonly options: RelayManagerOptions) {
    const n = options.circuits;
    if (!Number.isInteger(n) || n < 1 || n > CIRCUIT_COUNT) {
      throw new RangeError(`circuits must be an integer 1..${CIRCUIT_COUNT}, got ${n}`);
    }
    this.store = new RelayStore(options.settings, n, (key, message) =>
      this.event(
        this.options.clock.monotonicMs(),
        'fault',
        undefined,
        `settings write of ${key} failed: ${message}`,
      ),
    );
  }

  /** Loads what was persisted, puts every relay in its power-on state, publishes the states once. */
  start(nowMs: number): void {
    if (this.started) throw new Error('RelayManager.start() called twice');
    const saved = this.store.load();
    this.lastSeq = saved.lastSeq;
    if (saved.plan) this.adoptPlan(saved.plan);
    for (let i = 0; i < this.options.circuits; i++) {
      const config = saved.configs[i];
      const effective = effectiveConfig(config, this.options.factoryDefaults);
      const tripped = saved.tripped[i];
      const mode = effective.powerOnState;
      // A tripped circuit stays off whatever its power-on state: only reset_trip clears the latch.
      const restored = saved.states[i] ?? this.options.restoreWithoutSavedState === 'on';
      const on = !tripped && (mode === 'on' || (mode === 'restore' && restored === true));
      const circuit: Circuit = {
        circuit: i + 1,
        on,
        reason: tripped ? 'protection' : mode === 'restore' ? 'restore' : 'power_on',
        tripped,
        config,
        effective,
        guard: new OvercurrentGuard(),
        limiter: new SwitchLimiter(),
        inFailsafe: false,
        pending: undefined,
        overrideUntilMs: undefined,
        planVersion: undefined,
      };
      this.options.relays.set(circuit.circuit, on);
      this.circuits.push(circuit);
    }
    // Before the first heartbeat the failsafe timer counts from boot.
    this.lastHeartbeatMs = nowMs;
    this.started = true;
    for (const problem of saved.problems) this.event(nowMs, 'fault', undefined, problem);
    this.relaysDirty = true;
    this.flush(nowMs);
  }

  handleCommand(payload: Uint8Array | string, retained: boolean, nowMs: number): void {
    this.assertStarted();
    // A retained command may be years old: never applied, and not acked (nobody is waiting for it).
    if (retained) {
      this.stats.retainedIgnored++;
      return;
    }
    const decoded = decodeMessage('cmd', payload);
    if (!decoded.ok) {
      const id = readCommandId(payload);
      if (id === undefined) this.stats.unreadable++;
      else this.refuse(id, undefined, 'invalid', decoded.errors.join('; '));
      return;
    }
    const command = decoded.value;
    const circuit = 'circuit' in command ? this.circuits[command.circuit - 1] : undefined;
    if ('circuit' in command && circuit === undefined) {
      return this.refuse(
        command.id,
        undefined,
        'invalid',
        `circuit ${command.circuit} does not exist on this device`,
      );
    }
    const wall = this.wallMs();
    if (wall === undefined) {
      return this.refuse(
        command.id,
        circuit,
        'no_time',
        'the device has no wall time yet, so expiry cannot be checked',
      );
    }
    if (command.expires < wall) {
      return this.refuse(
        command.id,
        circuit,
        'expired',
        `expired at ${command.expires}, device time is ${wall}`,
      );
    }
    if (command.seq <= this.lastSeq) {
      return this.refuse(
        command.id,
        circuit,
        'stale_seq',
        `seq ${command.seq} is not above the last applied ${this.lastSeq}`,
      );
    }
    // The seq is consumed once a command passed the gates, even if the operation then fails:
    // a replay must never execute later, in another context.
    this.lastSeq = command.seq;
    this.store.saveSeq(command.seq);
    this.execute(command, circuit, wall, nowMs);
    this.flush(nowMs);
  }

  /** Plans are retained on purpose (the device may boot offline later), so `retained` changes nothing here. */
  handlePlan(payload: Uint8Array | string, _retained: boolean, nowMs: number): void {
    this.assertStarted();
    const decoded = decodeMessage('plan', payload);
    const errors = decoded.ok ? this.planErrors(decoded.value) : decoded.errors;
    if (!decoded.ok || errors.length > 0) {
      this.stats.plansRefused++;
      this.event(nowMs, 'fault', undefined, `plan refused: ${errors[0]}`, {
        error_count: errors.length,
        errors: errors.join('; '),
      });
      return this.flush(nowMs);
    }
    const plan = decoded.value;
    const current = this.plan?.version;
    if (current !== undefined && plan.version <= current) {
      // The same version again is the retained copy re-delivered on every connect: nothing to do.
      if (plan.version < current) {
        this.stats.plansStale++;
        this.event(nowMs, 'plan', undefined, `plan ${plan.version} ignored: plan ${current} is newer`, {
          ignored_version: plan.version,
          version: current,
        });
      }
      return this.flush(nowMs);
    }
    this.adoptPlan(plan);
    this.store.savePlan(plan);
    this.stats.plansAccepted++;
    for (const circuit of this.circuits) {
      // The newest instruction wins: a manual override of the previous plan ends here.
      circuit.overrideUntilMs = undefined;
    }
    this.event(nowMs, 'plan', undefined, `plan ${plan.version} accepted`, {
      version: plan.version,
      circuits: plan.circuits.map((c) => c.circuit).join(','),
    });
    this.step(nowMs);
    this.flush(nowMs);
  }

  /**
   * A command or plan whose MAC did not verify (the app checks before anything else,
   * docs/security.md "Signed commands"): counted, acked `unauthenticated` when the command has a
   * readable id, reported as a fault event when it is a plan. Nothing else changes: no seq, no plan.
   */
  rejectUnauthenticated(kind: 'cmd' | 'plan', id: string | undefined, error: string, nowMs: number): void {
    this.assertStarted();
    if (kind === 'cmd') {
      this.stats.commandsUnauthenticated++;
      if (id !== undefined) this.refuse(id, undefined, 'unauthenticated', error);
    } else {
      this.stats.plansUnauthenticated++;
      this.event(nowMs, 'fault', undefined, `plan refused: unauthenticated: ${error}`);
    }
    this.flush(nowMs);
  }

  handleHeartbeat(payload: Uint8Array | string, nowMs: number): void {
    this.assertStarted();
    if (!decodeMessage('heartbeat', payload).ok) {
      this.stats.heartbeatsInvalid++;
      return;
    }
    // Judged on the device's monotonic clock: the heartbeat's own ts says nothing about this link.
    this.lastHeartbeatMs = nowMs;
    let returned = false;
    for (const circuit of this.circuits) {
      if (!circuit.inFailsafe) continue;
      returned = true;
      circuit.inFailsafe = false;
      // The reason for the failsafe is gone: a switch still waiting for the wear limits is dropped.
      circuit.pending = undefined;
    }
    if (returned)
      this.event(nowMs, 'failsafe', undefined, 'backend heartbeat returned; relays keep their state');
    this.flush(nowMs);
  }

  /** Called with every metering poll. Protection trips are never delayed by the wear limits. */
  observeCurrent(circuitNumber: number, irmsA: number, nowMs: number): void {
    this.assertStarted();
    const circuit = this.at(circuitNumber);
    if (circuit.tripped) return;
    const { overcurrentA, overcurrentDelayMs } = circuit.effective;
    if (!circuit.guard.observe(irmsA, nowMs, overcurrentA, overcurrentDelayMs)) return;
    const relayWasOn = circuit.on;
    if (relayWasOn) {
      this.options.relays.set(circuit.circuit, false);
      circuit.on = false;
      circuit.limiter.record(nowMs);
    }
    circuit.reason = 'protection';
    circuit.tripped = true;
    circuit.pending = undefined;
    circuit.guard.reset();
    this.saveTrips();
    this.relaysDirty = true;
    this.event(
      nowMs,
      'protection_trip',
      circuit.circuit,
      `overcurrent: ${irmsA.toFixed(2)} A above ${overcurrentA} A for more than ${overcurrentDelayMs} ms`,
      {
        current_a: irmsA,
        limit_a: overcurrentA as number,
        delay_ms: overcurrentDelayMs,
        relay_was_on: relayWasOn,
      },
    );
    this.flush(nowMs);
  }

  /** Failsafe, plan execution and deferred switches. Call often (every 10–1000 ms). */
  tick(nowMs: number): void {
    this.assertStarted();
    this.step(nowMs);
    this.flush(nowMs);
  }

  isOn(circuit: number): boolean {
    return this.at(circuit).on;
  }

  snapshot(): RelaysMessage {
    return {
      v: PROTOCOL_VERSION,
      ts: this.wallMs() ?? UNKNOWN_WALL_TS,
      circuits: this.circuits.map((c) => ({
        circuit: c.circuit,
        state: c.on ? 'on' : 'off',
        reason: c.reason,
        tripped: c.tripped,
        ...(c.planVersion !== undefined ? { plan_version: c.planVersion } : {}),
      })),
    };
  }

  /** Effective configuration of a circuit, defaults filled in (a copy). */
  config(circuit: number): EffectiveCircuitConfig {
    return effectiveConfig(this.at(circuit).config, this.options.factoryDefaults);
  }

  /** The shortest failsafe.afterSeconds of any circuit: the backend must heartbeat often enough for it. */
  shortestFailsafeSeconds(): number {
    let shortest = Infinity;
    for (const circuit of this.circuits) shortest = Math.min(shortest, circuit.effective.failsafe.afterSeconds);
    return shortest;
  }

  planVersion(): number | undefined {
    return this.plan?.version;
  }

  // ---- commands ------------------------------------------------------------------------------

  private execute(command: Command, circuit: Circuit | undefined, wall: number, nowMs: number): void {
    switch (command.op) {
      case 'relay':
        return this.commandRelay(command.id, circuit as Circuit, command.state === 'on', wall, nowMs);
      case 'reset_trip': {
        const c = circuit as Circuit;
        if (c.tripped) {
          c.tripped = false;
          c.guard.reset();
          this.saveTrips();
          this.relaysDirty = true;
          this.event(
            nowMs,
            'protection_reset',
            c.circuit,
            'trip latch reset by command; relay stays off until switched on',
          );
        }
        return this.accept(command.id, c);
      }
      case 'config': {
        const c = circuit as Circuit;
        const merged = mergeConfig(c.config, command.config);
        if (!merged.ok) return this.refuse(command.id, c, 'invalid', merged.errors.join('; '));
        const afterSeconds = command.config.failsafe?.afterSeconds;
        if (afterSeconds !== undefined && afterSeconds < MIN_FAILSAFE_AFTER_S) {
          // Heartbeats cannot be promised that often (see MIN_FAILSAFE_AFTER_S): it would switch on a healthy link.
          return this.refuse(
            command.id,
            c,
            'failsafe_too_short',
            `failsafe.afterSeconds ${afterSeconds} is below ${MIN_FAILSAFE_AFTER_S} s, the shortest this meter can honour without false failsafes`,
          );
        }
        c.config = merged.value;
        c.effective = effectiveConfig(merged.value, this.options.factoryDefaults);
        c.guard.reset();
        this.store.saveConfig(c.circuit, merged.value);
        this.event(nowMs, 'config', c.circuit, 'configuration changed', {
          fields: Object.keys(command.config).join(','),
        });
        return this.accept(command.id, c);
      }
      case 'calibrate': {
        const c = circuit as Circuit;
        const { onCalibrate } = this.options;
        if (!onCalibrate)
          return this.refuse(command.id, c, 'unsupported', 'calibration is not available on this device');
        let problem: string | undefined;
        try {
          problem = onCalibrate(c.circuit, command.calibration);
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        if (problem !== undefined) return this.refuse(command.id, c, 'calibration_failed', problem);
        return this.accept(command.id, c);
      }
      case 'ping':
        return this.accept(command.id, undefined);
      case 'firmware': {
        const { op: _op, v: _v, id: _id, seq: _seq, expires: _expires, ...order } = command;
        const result = this.options.onFirmware?.(order) ?? { ok: false, code: 'unsupported', error: 'firmware updates are not available on this device' };
        return result.ok ? this.accept(command.id, undefined) : this.refuse(command.id, undefined, result.code, result.error);
      }
    }
  }

  private commandRelay(id: string, circuit: Circuit, on: boolean, wall: number, nowMs: number): void {
    if (on && circuit.tripped) {
      return this.refuse(
        id,
        circuit,
        'tripped',
        `circuit ${circuit.circuit} is tripped by overcurrent protection: send reset_trip first`,
      );
    }
    if (on !== circuit.on) {
      const { minSwitchIntervalSeconds, maxSwitchesPerHour } = circuit.effective;
      const waitMs = circuit.limiter.waitMs(nowMs, minSwitchIntervalSeconds, maxSwitchesPerHour);
      if (waitMs > 0) {
        return this.refuse(
          id,
          circuit,
          'rate_limited',
          `relay wear limit (${minSwitchIntervalSeconds} s between switchings, ${maxSwitchesPerHour} per hour): retry in ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      this.switchRelay(circuit, on, 'command', nowMs);
    }
    circuit.pending = undefined;
    // A manual command overrides the plan until the plan's next boundary; then the plan drives again.
    const plan = this.planByCircuit.get(circuit.circuit);
    const point = plan ? planPointAt(plan, wall) : undefined;
    circuit.overrideUntilMs = point?.nextBoundaryMs;
    this.accept(id, circuit);
  }

  private accept(id: string, circuit: Circuit | undefined): void {
    this.stats.commandsApplied++;
    this.options.emit.ack({ v: PROTOCOL_VERSION, id, ok: true, ...this.ackState(circuit) });
  }

  private refuse(id: string, circuit: Circuit | undefined, code: CommandAckCode, error: string): void {
    this.stats.commandsRefused++;
    this.options.emit.ack({
      v: PROTOCOL_VERSION,
      id,
      ok: false,
      code,
      error: clip(error, 500),
      ...this.ackState(circuit),
    });
  }

  private ackState(circuit: Circuit | undefined): Partial<CommandAckMessage> {
    const wall = this.wallMs();
    return {
      ...(wall !== undefined ? { ts: wall } : {}),
      ...(circuit ? { circuit: circuit.circuit, state: circuit.on ? 'on' : 'off' } : {}),
    };
  }

  // ---- plan, failsafe, switching -------------------------------------------------------------

  private adoptPlan(plan: PlanMessage): void {
    this.plan = plan;
    this.planByCircuit.clear();
    for (const entry of plan.circuits) this.planByCircuit.set(entry.circuit, entry);
  }

  private planErrors(plan: PlanMessage): string[] {
    return plan.circuits
      .filter((c) => c.circuit > this.options.circuits)
      .map((c) => `circuit ${c.circuit} does not exist on this device`);
  }

  private step(nowMs: number): void {
    const wall = this.wallMs();
    for (const circuit of this.circuits) {
      const planDrives = this.runPlan(circuit, wall, nowMs);
      const { mode, afterSeconds } = circuit.effective.failsafe;
      if (!circuit.inFailsafe && nowMs - this.lastHeartbeatMs >= afterSeconds * 1000) {
        circuit.inFailsafe = true;
        this.event(
          nowMs,
          'failsafe',
          circuit.circuit,
          `no backend heartbeat for ${afterSeconds} s: failsafe ${mode}`,
          {
            mode,
            after_s: afterSeconds,
            plan_runs: planDrives,
          },
        );
        // A valid plan keeps running offline: that is what plans are for.
        if (!planDrives) this.fallBack(circuit);
      }
      if (circuit.pending !== undefined) {
        const result = this.trySwitch(circuit, circuit.pending, 'failsafe', nowMs);
        if (result !== 'limited') circuit.pending = undefined;
      }
    }
  }

  /** Runs the plan for one circuit; returns whether a valid plan drives it. */
  private runPlan(circuit: Circuit, wall: number | undefined, nowMs: number): boolean {
    const entry = wall === undefined ? undefined : this.planByCircuit.get(circuit.circuit);
    const point = entry && wall !== undefined ? planPointAt(entry, wall) : undefined;
    if (point === undefined) {
      if (circuit.planVersion !== undefined) {
        const version = circuit.planVersion;
        circuit.planVersion = undefined;
        circuit.overrideUntilMs = undefined;
        this.relaysDirty = true;
        if (entry !== undefined) {
          // Expired while it ran: past valid_until the circuit takes its failsafe mode.
          const { mode } = circuit.effective.failsafe;
          this.event(nowMs, 'plan', circuit.circuit, `plan ${version} expired: failsafe ${mode}`, {
            version,
            mode,
          });
          this.fallBack(circuit);
        }
      }
      return false;
    }
    const version = (this.plan as PlanMessage).version;
    if (circuit.planVersion !== version) {
      circuit.planVersion = version;
      this.relaysDirty = true;
    }
    circuit.pending = undefined;
    if (circuit.overrideUntilMs !== undefined) {
      if ((wall as number) < circuit.overrideUntilMs) return true;
      circuit.overrideUntilMs = undefined;
    }
    // Refused while tripped, deferred by the wear limits: both simply retried on the next tick.
    this.trySwitch(circuit, point.on, 'plan', nowMs);
    return true;
  }

  /** Queues the failsafe mode's switch (hold = keep the state as it is). */
  private fallBack(circuit: Circuit): void {
    const { mode } = circuit.effective.failsafe;
    circuit.pending = mode === 'hold' ? undefined : mode === 'on';
  }

  private trySwitch(circuit: Circuit, on: boolean, reason: RelayReason, nowMs: number): SwitchResult {
    if (on === circuit.on) return 'unchanged';
    if (on && circuit.tripped) return 'tripped';
    const { minSwitchIntervalSeconds, maxSwitchesPerHour } = circuit.effective;
    if (circuit.limiter.waitMs(nowMs, minSwitchIntervalSeconds, maxSwitchesPerHour) > 0) return 'limited';
    this.switchRelay(circuit, on, reason, nowMs);
    return 'switched';
  }

  private switchRelay(circuit: Circuit, on: boolean, reason: RelayReason, nowMs: number): void {
    this.options.relays.set(circuit.circuit, on);
    circuit.on = on;
    circuit.reason = reason;
    circuit.limiter.record(nowMs);
    this.relaysDirty = true;
    this.event(nowMs, 'relay', circuit.circuit, undefined, { state: on ? 'on' : 'off', reason });
  }

  // ---- persistence, output -------------------------------------------------------------------

  private saveStates(): void {
    this.store.saveStates(this.circuits.map((c) => c.on));
  }

  private saveTrips(): void {
    this.store.saveTrips(this.circuits.map((c) => c.tripped));
  }

  /** Events need a wall-clock ts: without one they wait (bounded) and are stamped once time is known. */
  private event(
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
      this.stats.eventsDropped++;
    }
    this.queuedEvents.push({ atMs: nowMs, event });
  }

  private flush(nowMs: number): void {
    if (this.relaysDirty) {
      this.relaysDirty = false;
      // Once per call, not per switching: a failsafe switching all ten relays is one write.
      this.saveStates();
      this.options.emit.relays(this.snapshot());
    }
    const wall = this.wallMs();
    if (wall === undefined) return;
    for (const { atMs, event } of this.queuedEvents.splice(0)) {
      const ts = Math.max(WALL_MIN_MS, wall - (nowMs - atMs));
      this.options.emit.event({ ...event, ts });
    }
  }

  private wallMs(): number | undefined {
    const wall = this.options.clock.wallMs();
    if (wall === undefined || !(wall >= WALL_MIN_MS && wall < WALL_MAX_MS)) return undefined;
    return Math.round(wall);
  }

  private at(circuit: number): Circuit {
    const c = this.circuits[circuit - 1];
    if (!Number.isInteger(circuit) || c === undefined) {
      throw new RangeError(
        `circuit must be an integer 1..${this.options.circuits}${this.started ? '' : ' (after start())'}, got ${circuit}`,
      );
    }
    return c;
  }

  private assertStarted(): void {
    if (!this.started) throw new Error('RelayManager used before start()');
  }
}

/** The id of a command that failed validation, if one can be read: it is needed to ack the refusal. */
function readCommandId(payload: Uint8Array | string): string | undefined {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES.cmd) return undefined;
  const text = typeof payload === 'string' ? payload : utf8Decode(payload);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const id = (parsed as { id?: unknown }).id;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : undefined;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
