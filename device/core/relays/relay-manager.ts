import {
  CIRCUIT_COUNT,
  CircuitConfig,
  MIN_FAILSAFE_AFTER_S,
  RelaysMessage,
  RelayState,
  decodeMessage,
} from '@dinmeter/shared';
import { CommandContext, CommandRefusal, PlanSink } from '../commands/command-gate.types';
import { OvercurrentGuard } from './overcurrent-guard';
import { Circuit, RelayBank } from './relay-bank';
import { effectiveConfig, mergeConfig } from './relay-config';
import { EffectiveCircuitConfig, RelayManagerOptions, RelayManagerStats } from './relay-manager.types';
import { RelayPlanRunner } from './relay-plan-runner';
import { SwitchLimiter } from './switch-limiter';

/**
 * The relay manager (docs/invariants.md invariant 2): power-on state, heartbeat failsafe, local
 * overcurrent protection with a latch, relay wear limits, the relay ops of commands (the command
 * gate checks and acks them: core/commands) and the offline plan. Portable: no timers, the app
 * calls `tick(nowMs)` with monotonic ms; wall time (plans) comes from `clock.wallMs()`. See
 * README.md in this folder for the behaviour in words.
 */
export class RelayManager implements PlanSink {
  private readonly bank: RelayBank;
  private readonly plans: RelayPlanRunner;
  private readonly counters = { plansUnauthenticated: 0, heartbeatsInvalid: 0 };
  private lastHeartbeatMs = 0;
  private started = false;

  constructor(private readonly options: RelayManagerOptions) {
    const n = options.circuits;
    if (!Number.isInteger(n) || n < 1 || n > CIRCUIT_COUNT) {
      throw new RangeError(`circuits must be an integer 1..${CIRCUIT_COUNT}, got ${n}`);
    }
    this.bank = new RelayBank({
      relays: options.relays,
      settings: options.settings,
      clock: options.clock,
      publisher: options.publisher,
      circuits: n,
    });
    this.plans = new RelayPlanRunner(this.bank, n);
  }

  get stats(): RelayManagerStats {
    return { ...this.counters, ...this.plans.stats, eventsDropped: this.bank.eventsDropped };
  }

  /** Loads what was persisted, puts every relay in its power-on state, publishes the states once. */
  start(nowMs: number): void {
    if (this.started) throw new Error('RelayManager.start() called twice');
    const saved = this.bank.store.load();
    if (saved.plan) this.plans.restore(saved.plan);
    for (let i = 0; i < this.options.circuits; i++) {
      const config = saved.configs[i];
      const effective = effectiveConfig(config, this.options.factoryDefaults);
      const tripped = saved.tripped[i];
      const mode = effective.powerOnState;
      // A tripped circuit stays off whatever its power-on state: only reset_trip clears the latch.
      const restored = saved.states[i] ?? this.options.restoreWithoutSavedState === 'on';
      // Without a relay the circuit is always live.
      const on = !effective.relayFitted || (!tripped && (mode === 'on' || (mode === 'restore' && restored === true)));
      this.bank.powerOn({
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
      });
    }
    // Before the first heartbeat the failsafe timer counts from boot.
    this.lastHeartbeatMs = nowMs;
    this.started = true;
    for (const problem of saved.problems) this.bank.event(nowMs, 'fault', undefined, problem);
    this.bank.flush(nowMs);
  }

  // ---- command ops (registered with the command gate: relay-ops.ts) --------------------------

  /** `relay`: refused without a relay, while tripped or held back by the wear limits; the same state again is no switching. */
  switchByCommand(circuitNumber: number, on: boolean, at: CommandContext): CommandRefusal | undefined {
    const circuit = this.at(circuitNumber);
    const refused = this.commandSwitch(circuit, on, at);
    this.bank.flush(at.nowMs);
    return refused;
  }

  /** `reset_trip`: clears the latch; the relay stays off until something switches it on. */
  resetTrip(circuitNumber: number, nowMs: number): undefined {
    const circuit = this.at(circuitNumber);
    if (circuit.tripped) {
      circuit.tripped = false;
      circuit.guard.reset();
      this.bank.saveTrips();
      this.bank.markChanged();
      this.bank.event(
        nowMs,
        'protection_reset',
        circuit.circuit,
        'trip latch reset by command; relay stays off until switched on',
      );
    }
    this.bank.flush(nowMs);
    return undefined;
  }

  /** `config`: a partial update, merged, validated and persisted; nothing of a refused one applies. */
  configure(circuitNumber: number, update: CircuitConfig, nowMs: number): CommandRefusal | undefined {
    const circuit = this.at(circuitNumber);
    const merged = mergeConfig(circuit.config, update);
    if (!merged.ok) return { code: 'invalid', error: merged.errors.join('; ') };
    const afterSeconds = update.failsafe?.afterSeconds;
    if (afterSeconds !== undefined && afterSeconds < MIN_FAILSAFE_AFTER_S) {
      // Heartbeats cannot be promised that often (see MIN_FAILSAFE_AFTER_S): it would switch on a healthy link.
      return {
        code: 'failsafe_too_short',
        error: `failsafe.afterSeconds ${afterSeconds} is below ${MIN_FAILSAFE_AFTER_S} s, the shortest this meter can honour without false failsafes`,
      };
    }
    circuit.config = merged.value;
    circuit.effective = effectiveConfig(merged.value, this.options.factoryDefaults);
    circuit.guard.reset();
    if (!circuit.effective.relayFitted) {
      // Without a relay the circuit is live: nothing pending, reported on (relay_fitted: false).
      circuit.on = true;
      circuit.pending = undefined;
    }
    if (update.relayFitted !== undefined) this.bank.markChanged();
    this.bank.store.saveConfig(circuit.circuit, merged.value);
    this.bank.event(nowMs, 'config', circuit.circuit, 'configuration changed', {
      fields: Object.keys(update).join(','),
    });
    this.bank.flush(nowMs);
    return undefined;
  }

  // ---- plans, heartbeats, currents -----------------------------------------------------------

  handlePlan(payload: Uint8Array | string, _retained: boolean, nowMs: number): void {
    this.assertStarted();
    if (this.plans.handle(payload, nowMs)) this.step(nowMs);
    this.bank.flush(nowMs);
  }

  /** A plan whose MAC did not verify (docs/security.md "Signed commands"): reported, nothing changes. */
  rejectUnauthenticatedPlan(error: string, nowMs: number): void {
    this.assertStarted();
    this.counters.plansUnauthenticated++;
    this.bank.event(nowMs, 'fault', undefined, `plan refused: unauthenticated: ${error}`);
    this.bank.flush(nowMs);
  }

  handleHeartbeat(payload: Uint8Array | string, nowMs: number): void {
    this.assertStarted();
    if (!decodeMessage('heartbeat', payload).ok) {
      this.counters.heartbeatsInvalid++;
      return;
    }
    // Judged on the device's monotonic clock: the heartbeat's own ts says nothing about this link.
    this.lastHeartbeatMs = nowMs;
    let returned = false;
    for (const circuit of this.bank.circuits) {
      if (!circuit.inFailsafe) continue;
      returned = true;
      circuit.inFailsafe = false;
      // The reason for the failsafe is gone: a switch still waiting for the wear limits is dropped.
      circuit.pending = undefined;
    }
    if (returned)
      this.bank.event(nowMs, 'failsafe', undefined, 'backend heartbeat returned; relays keep their state');
    this.bank.flush(nowMs);
  }

  /** Called with every metering poll. Protection trips are never delayed by the wear limits. */
  observeCurrent(circuitNumber: number, irmsA: number, nowMs: number): void {
    this.assertStarted();
    const circuit = this.at(circuitNumber);
    if (circuit.tripped) return;
    const { overcurrentA, overcurrentDelayMs } = circuit.effective;
    if (!circuit.guard.observe(irmsA, nowMs, overcurrentA, overcurrentDelayMs)) return;
    const relayWasOn = circuit.on;
    this.bank.trip(circuit, nowMs);
    this.bank.event(
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
    this.bank.flush(nowMs);
  }

  /** Failsafe, plan execution and deferred switches. Call often (every 10–1000 ms). */
  tick(nowMs: number): void {
    this.assertStarted();
    this.step(nowMs);
    this.bank.flush(nowMs);
  }

  // ---- state -----------------------------------------------------------------------------------

  isOn(circuit: number): boolean {
    return this.at(circuit).on;
  }

  /** The relay's state, or undefined when this device has no such circuit (the gate's acks). */
  stateOf(circuit: number): RelayState | undefined {
    return this.bank.stateOf(circuit);
  }

  snapshot(): RelaysMessage {
    return this.bank.snapshot();
  }

  /** Effective configuration of a circuit, defaults filled in (a copy). */
  config(circuit: number): EffectiveCircuitConfig {
    return effectiveConfig(this.at(circuit).config, this.options.factoryDefaults);
  }

  /** The shortest failsafe.afterSeconds of any circuit: the backend must heartbeat often enough for it. */
  shortestFailsafeSeconds(): number {
    let shortest = Infinity;
    for (const circuit of this.bank.circuits)
      shortest = Math.min(shortest, circuit.effective.failsafe.afterSeconds);
    return shortest;
  }

  planVersion(): number | undefined {
    return this.plans.version;
  }

  private commandSwitch(circuit: Circuit, on: boolean, at: CommandContext): CommandRefusal | undefined {
    if (!circuit.effective.relayFitted) {
      return { code: 'no_relay', error: `circuit ${circuit.circuit} has no relay fitted (config relayFitted: false): it is always live` };
    }
    if (on && circuit.tripped) {
      return {
        code: 'tripped',
        error: `circuit ${circuit.circuit} is tripped by overcurrent protection: send reset_trip first`,
      };
    }
    if (on !== circuit.on) {
      const waitMs = this.bank.switchWaitMs(circuit, at.nowMs);
      if (waitMs > 0) {
        const { minSwitchIntervalSeconds, maxSwitchesPerHour } = circuit.effective;
        return {
          code: 'rate_limited',
          error: `relay wear limit (${minSwitchIntervalSeconds} s between switchings, ${maxSwitchesPerHour} per hour): retry in ${Math.ceil(waitMs / 1000)} s`,
        };
      }
      this.bank.switchRelay(circuit, on, 'command', at.nowMs);
    }
    circuit.pending = undefined;
    // A manual command overrides the plan until the plan's next boundary; then the plan drives again.
    this.plans.overrideUntilNextBoundary(circuit, at.wallMs);
    return undefined;
  }

  private step(nowMs: number): void {
    const wall = this.bank.wallMs();
    for (const circuit of this.bank.circuits) {
      const planDrives = this.plans.run(circuit, wall, nowMs);
      const { mode, afterSeconds } = circuit.effective.failsafe;
      if (!circuit.inFailsafe && nowMs - this.lastHeartbeatMs >= afterSeconds * 1000) {
        circuit.inFailsafe = true;
        this.bank.event(
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
        if (!planDrives) this.bank.fallBack(circuit);
      }
      if (circuit.pending !== undefined) {
        const result = this.bank.trySwitch(circuit, circuit.pending, 'failsafe', nowMs);
        if (result !== 'limited') circuit.pending = undefined;
      }
    }
  }

  private at(circuit: number): Circuit {
    return this.bank.at(circuit);
  }

  private assertStarted(): void {
    if (!this.started) throw new Error('RelayManager used before start()');
  }
}
