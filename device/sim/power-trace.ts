/**
 * One day of measured appliance power, played back by time of day with linear interpolation.
 * Parses the tracebase CSV format (see shared/fixtures/power-traces/SOURCES.md):
 * `DD/MM/YYYY HH:MM:SS;P_1s;P_8s`, `;`-separated, no header, CRLF, local time, watts.
 */
export class PowerTrace {
  private constructor(
    readonly name: string,
    /** Seconds into the day, non-decreasing. */
    private readonly seconds: Float64Array,
    private readonly watts: Float32Array,
  ) {}

  /** Uses the 1-s power column (it keeps the compressor start-up spikes). */
  static parseTracebase(name: string, text: string): PowerTrace {
    const seconds: number[] = [];
    const watts: number[] = [];
    const lines = text.split('\n');
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].trim();
      if (line === '') continue;
      const match = /^\d{2}\/\d{2}\/\d{4} (\d{2}):(\d{2}):(\d{2});(-?\d+(?:\.\d+)?);/.exec(line);
      if (!match) throw new Error(`${name} line ${n + 1} is not a tracebase row: "${line.slice(0, 60)}"`);
      const t = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
      if (seconds.length > 0 && t < seconds[seconds.length - 1]) throw new Error(`${name} line ${n + 1} goes back in time`);
      seconds.push(t);
      watts.push(Number(match[4]));
    }
    if (seconds.length < 2) throw new Error(`${name} holds fewer than two rows`);
    return new PowerTrace(name, Float64Array.from(seconds), Float32Array.from(watts));
  }

  get rows(): number {
    return this.seconds.length;
  }

  /** Power at `secondOfDay`, interpolated; wraps around midnight between the last and first row. */
  wattsAt(secondOfDay: number): number {
    const s = this.seconds;
    const w = this.watts;
    const last = s.length - 1;
    if (secondOfDay < s[0] || secondOfDay >= s[last]) {
      const span = s[0] + 86400 - s[last];
      const into = secondOfDay >= s[last] ? secondOfDay - s[last] : secondOfDay + 86400 - s[last];
      return w[last] + ((w[0] - w[last]) * into) / span;
    }
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= secondOfDay) lo = mid;
      else hi = mid;
    }
    const span = s[hi] - s[lo];
    return span > 0 ? w[lo] + ((w[hi] - w[lo]) * (secondOfDay - s[lo])) / span : w[hi];
  }

  /** Mean power over the day (W), by the trapezoid rule over the rows. */
  meanWatts(): number {
    let energy = 0;
    for (let k = 1; k < this.seconds.length; k++) energy += ((this.watts[k] + this.watts[k - 1]) / 2) * (this.seconds[k] - this.seconds[k - 1]);
    return energy / (this.seconds[this.seconds.length - 1] - this.seconds[0]);
  }
}

/** The real traces that drive the trace-played appliances. */
export interface ApplianceTraces {
  fridge?: PowerTrace;
  kettle?: PowerTrace;
  washer?: PowerTrace;
}
