/**
 * Clock on Moddable `Time` and `sntp`: monotonic from Time.ticks (ms since boot), wall time
 * only after SNTP has set the clock (the board has no RTC).
 */
import SNTP from 'sntp';
import Time from 'time';
import type { Clock } from '../../core/ports';

/** Wall clocks before 2020 are unset clocks, not real time. */
const PLAUSIBLE_MS = Date.UTC(2020, 0, 1);

export class SntpClock implements Clock {
  private synced = false;
  private sntp?: SNTP;

  /** Starts SNTP against `host`; `onSync` runs each time the clock is set. */
  start(host: string, onSync?: () => void): void {
    this.sntp = new SNTP({ host }, (message, value) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        this.synced = true;
        onSync?.();
      }
    });
  }

  /** SNTP started but the clock not set yet. (Holding the SNTP instance also keeps it alive.) */
  get syncing(): boolean {
    return this.sntp !== undefined && !this.synced;
  }

  wallMs(): number | undefined {
    if (!this.synced) return undefined;
    const now = Date.now();
    return now >= PLAUSIBLE_MS ? now : undefined;
  }

  /** `Time.ticks` counts from boot on the ESP32 but from the epoch on lin: count from this clock's creation (at boot). */
  private readonly bootTicks = Time.ticks;

  monotonicMs(): number {
    return Time.ticks - this.bootTicks;
  }
}
