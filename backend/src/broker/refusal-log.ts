/**
 * At most `limit` lines per window, then one line saying how many were held back: a client flooding
 * refused publishes must not flood the log (nor the disk behind it).
 */
export class RefusalLog {
  private windowStart = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly limit = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  refused(line: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.write(`${this.suppressed} more refusals in the last ${Math.round((now - this.windowStart) / 1000)} s not logged`);
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.limit) {
      this.written++;
      this.write(line);
    } else {
      this.suppressed++;
    }
  }
}
