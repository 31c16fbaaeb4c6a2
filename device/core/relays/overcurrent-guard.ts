/**
 * Local overcurrent protection of one circuit, judged on the metering poll alone (no network):
 * trips when Irms stays above the limit for longer than the delay. A short inrush (motor start,
 * SMPS charging, a kettle's cold element) is shorter than the delay and does not trip: the delay
 * plays the role of a breaker's time-current curve (IEC 60898-1), while the breaker itself still
 * clears short circuits in milliseconds — this protection is slower by design and is not a breaker.
 */
export class OvercurrentGuard {
  /** Monotonic ms of the first sample of the current run above the limit. */
  private aboveSinceMs: number | undefined;

  /** Feeds one Irms sample; returns true when the circuit must trip now. */
  observe(irmsA: number, nowMs: number, limitA: number | undefined, delayMs: number): boolean {
    // A NaN/Infinity reading is a metering fault, not evidence either way: it neither trips nor resets.
    if (!Number.isFinite(irmsA)) return false;
    if (limitA === undefined || irmsA <= limitA) {
      this.aboveSinceMs = undefined;
      return false;
    }
    if (this.aboveSinceMs === undefined) this.aboveSinceMs = nowMs;
    // "Longer than the delay": strictly greater; a zero delay trips on the first sample above.
    return delayMs === 0 || nowMs - this.aboveSinceMs > delayMs;
  }

  reset(): void {
    this.aboveSinceMs = undefined;
  }
}
