const HOUR_MS = 3_600_000;

/**
 * Relay wear limits of one circuit: a minimum interval between two switchings and at most N
 * switchings in any sliding hour. A mechanical relay is rated for a finite number of operations
 * under load (IEC 61810-1 electrical endurance, typically 10^5): a runaway automation toggling
 * every second would use that up in a day. Times are monotonic ms; the history lives in RAM only.
 */
export class SwitchLimiter {
  /** Monotonic times of the switchings in the last hour, oldest first. */
  private readonly history: number[] = [];

  /** Ms until a switch is allowed under these limits; 0 = now. */
  waitMs(nowMs: number, minIntervalSeconds: number, maxPerHour: number): number {
    this.prune(nowMs);
    let wait = 0;
    const last = this.history[this.history.length - 1];
    if (last !== undefined) wait = Math.max(wait, last + minIntervalSeconds * 1000 - nowMs);
    if (this.history.length >= maxPerHour) {
      // The oldest switching that must leave the window before one more fits.
      wait = Math.max(wait, this.history[this.history.length - maxPerHour] + HOUR_MS - nowMs);
    }
    return wait;
  }

  record(nowMs: number): void {
    this.history.push(nowMs);
  }

  private prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.history.length && this.history[drop] <= nowMs - HOUR_MS) drop++;
    if (drop > 0) this.history.splice(0, drop);
  }
}
