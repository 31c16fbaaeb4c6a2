import { CircuitPlan, decodeMessage, PlanMessage } from '@dinmeter/shared';
import { planPointAt } from './plan-schedule';
import { Circuit, RelayBank } from './relay-bank';

export interface PlanStats {
  plansAccepted: number;
  plansRefused: number;
  /** Valid plans older than the running one. */
  plansStale: number;
}

/**
 * The offline plan (README "Plans"): accepts a newer valid plan, persists it, and each tick drives
 * the circuits it covers with the device's own wall clock until `valid_until`; then they fall back
 * to their failsafe mode. A manual command overrides a plan until the plan's next boundary.
 */
export class RelayPlanRunner {
  readonly stats: PlanStats = { plansAccepted: 0, plansRefused: 0, plansStale: 0 };
  private plan: PlanMessage | undefined;
  private readonly byCircuit = new Map<number, CircuitPlan>();

  constructor(
    private readonly bank: RelayBank,
    /** Relays on this device. */
    private readonly circuits: number,
  ) {}

  get version(): number | undefined {
    return this.plan?.version;
  }

  /** The plan saved before the reboot (already validated by the store). */
  restore(plan: PlanMessage): void {
    this.adopt(plan);
  }

  /**
   * Plans are retained on purpose (the device may boot offline later): the same version again is
   * a no-op. Returns whether the plan was adopted.
   */
  handle(payload: Uint8Array | string, nowMs: number): boolean {
    const { bank } = this;
    const decoded = decodeMessage('plan', payload);
    const errors = decoded.ok ? this.errors(decoded.value) : decoded.errors;
    if (!decoded.ok || errors.length > 0) {
      this.stats.plansRefused++;
      bank.event(nowMs, 'fault', undefined, `plan refused: ${errors[0]}`, {
        error_count: errors.length,
        errors: errors.join('; '),
      });
      return false;
    }
    const plan = decoded.value;
    const current = this.plan?.version;
    if (current !== undefined && plan.version <= current) {
      // The same version again is the retained copy re-delivered on every connect: nothing to do.
      if (plan.version < current) {
        this.stats.plansStale++;
        bank.event(nowMs, 'plan', undefined, `plan ${plan.version} ignored: plan ${current} is newer`, {
          ignored_version: plan.version,
          version: current,
        });
      }
      return false;
    }
    this.adopt(plan);
    bank.store.savePlan(plan);
    this.stats.plansAccepted++;
    // The newest instruction wins: a manual override of the previous plan ends here.
    for (const circuit of bank.circuits) circuit.overrideUntilMs = undefined;
    bank.event(nowMs, 'plan', undefined, `plan ${plan.version} accepted`, {
      version: plan.version,
      circuits: plan.circuits.map((c) => c.circuit).join(','),
    });
    return true;
  }

  /** A manual command switched `circuit`: the plan drives it again from its next boundary. */
  overrideUntilNextBoundary(circuit: Circuit, wallMs: number): void {
    const plan = this.byCircuit.get(circuit.circuit);
    circuit.overrideUntilMs = plan ? planPointAt(plan, wallMs)?.nextBoundaryMs : undefined;
  }

  /** Runs the plan for one circuit; returns whether a valid plan drives it. */
  run(circuit: Circuit, wall: number | undefined, nowMs: number): boolean {
    const { bank } = this;
    const entry = wall === undefined ? undefined : this.byCircuit.get(circuit.circuit);
    const point = entry && wall !== undefined ? planPointAt(entry, wall) : undefined;
    if (point === undefined) {
      if (circuit.planVersion !== undefined) {
        const version = circuit.planVersion;
        circuit.planVersion = undefined;
        circuit.overrideUntilMs = undefined;
        bank.markChanged();
        if (entry !== undefined) {
          // Expired while it ran: past valid_until the circuit takes its failsafe mode.
          const { mode } = circuit.effective.failsafe;
          bank.event(nowMs, 'plan', circuit.circuit, `plan ${version} expired: failsafe ${mode}`, {
            version,
            mode,
          });
          bank.fallBack(circuit);
        }
      }
      return false;
    }
    const version = (this.plan as PlanMessage).version;
    if (circuit.planVersion !== version) {
      circuit.planVersion = version;
      bank.markChanged();
    }
    circuit.pending = undefined;
    if (circuit.overrideUntilMs !== undefined) {
      if ((wall as number) < circuit.overrideUntilMs) return true;
      circuit.overrideUntilMs = undefined;
    }
    // Refused while tripped, deferred by the wear limits: both simply retried on the next tick.
    bank.trySwitch(circuit, point.on, 'plan', nowMs);
    return true;
  }

  private adopt(plan: PlanMessage): void {
    this.plan = plan;
    this.byCircuit.clear();
    for (const entry of plan.circuits) this.byCircuit.set(entry.circuit, entry);
  }

  private errors(plan: PlanMessage): string[] {
    return plan.circuits
      .filter((c) => c.circuit > this.circuits)
      .map((c) => `circuit ${c.circuit} does not exist on this device`);
  }
}
