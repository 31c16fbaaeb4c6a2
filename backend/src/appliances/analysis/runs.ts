/**
 * Splits one circuit's power readings into appliance runs and idle stretches, one reading at a time,
 * so the backend (live telemetry) and the offline commands (a whole trace) share it. Pure.
 *
 * A run starts when power rises more than `onDeltaW` above the circuit's idle level and ends when it
 * has stayed back at idle for `mergeGapS`: the pauses of a washing machine's drum stay inside its run,
 * a fridge's half-hour off time does not.
 */
import { median } from './robust';

export interface Run {
  start: number;
  /** The first idle reading after the run (ms). */
  end: number;
  durationS: number;
  /** Energy above the idle level (Wh). */
  energyWh: number;
  /** Median power above idle while running: robust to a compressor's start-up spike. */
  powerW: number;
  peakW: number;
  /** The circuit's idle level the run stood on. */
  idleW: number;
  /** From the meter's step_change event at the start, when one was matched (backend only). */
  pf?: number;
  thdI?: number;
  deltaVar?: number;
}

/** Mean power of the circuit while nothing ran, per clock hour. */
export interface IdleWindow {
  start: number;
  end: number;
  meanW: number;
  samples: number;
}

export interface OngoingRun {
  start: number;
  /** Time of the latest reading. */
  now: number;
  elapsedS: number;
  powerW: number;
  energyWh: number;
}

export interface SegmenterOptions {
  /** Rise above idle that counts as a load running (W). Default 15. */
  onDeltaW?: number;
  /** Idle time that ends a run (s). Default 180 (a washing machine pauses up to about 2 min between phases). */
  mergeGapS?: number;
  /** A reading stands for at most this long when integrating energy (s): a telemetry gap is not energy. Default 60. */
  maxHoldS?: number;
  /** Length of an idle window (s). Default 3600. */
  idleWindowS?: number;
}

export interface SegmenterOutput {
  runs: Run[];
  idle: IdleWindow[];
}

const HOUR_MS = 3_600_000;
/** Powers kept per run for its median; longer runs are thinned, so memory stays bounded. */
const MAX_KEPT = 2048;

interface OpenRun {
  start: number;
  idleW: number;
  lastActive: number;
  /** First idle reading after lastActive, if any. */
  idleSince?: number;
  energyWh: number;
  peakW: number;
  kept: number[];
  stride: number;
  seen: number;
  /** median(kept), computed when asked and kept until the next kept power (a sort per reading was the hot spot). */
  medianW?: number;
}

export class RunSegmenter {
  private readonly onDeltaW: number;
  private readonly mergeGapMs: number;
  private readonly maxHoldMs: number;
  private readonly idleWindowMs: number;
  private idleW?: number;
  private lastTs?: number;
  private lastPowerW = 0;
  private open?: OpenRun;
  private idleStart?: number;
  private idleSum = 0;
  private idleCount = 0;

  constructor(options: SegmenterOptions = {}) {
    this.onDeltaW = options.onDeltaW ?? 15;
    this.mergeGapMs = (options.mergeGapS ?? 180) * 1000;
    this.maxHoldMs = (options.maxHoldS ?? 60) * 1000;
    this.idleWindowMs = (options.idleWindowS ?? 3600) * 1000;
    if (!(this.onDeltaW > 0)) throw new RangeError(`onDeltaW must be > 0, got ${options.onDeltaW}`);
    if (!(this.mergeGapMs >= 0)) throw new RangeError(`mergeGapS must be ≥ 0, got ${options.mergeGapS}`);
    if (!(this.idleWindowMs >= 60_000)) throw new RangeError(`idleWindowS must be ≥ 60, got ${options.idleWindowS}`);
  }

  /** Feeds one reading; readings must come in time order (an older one, or a second at the same time, is ignored). */
  push(ts: number, powerW: number): SegmenterOutput {
    const out: SegmenterOutput = { runs: [], idle: [] };
    if (this.lastTs !== undefined && ts <= this.lastTs) return out;
    const dtMs = this.lastTs === undefined ? 0 : Math.min(ts - this.lastTs, this.maxHoldMs);
    this.flushIdleWindow(ts, out);
    if (this.idleW === undefined) this.idleW = powerW;
    const active = powerW > this.idleW + this.onDeltaW;
    const open = this.open;
    if (open) {
      open.energyWh += (Math.max(0, this.lastPowerW - open.idleW) * dtMs) / HOUR_MS;
      if (active) {
        open.lastActive = ts;
        open.idleSince = undefined;
        this.keep(open, powerW);
      } else {
        open.idleSince ??= ts;
        if (ts - open.idleSince >= this.mergeGapMs) {
          out.runs.push(this.close(open));
          this.open = undefined;
        }
      }
    } else if (active) {
      this.open = { start: ts, idleW: this.idleW, lastActive: ts, energyWh: 0, peakW: powerW, kept: [], stride: 1, seen: 0 };
      this.keep(this.open, powerW);
    }
    if (!this.open) this.trackIdle(ts, powerW, dtMs);
    this.lastTs = ts;
    this.lastPowerW = powerW;
    return out;
  }

  /** When the run in progress began, without its median power: cheap enough to ask on every reading. */
  ongoingSpan(): { start: number; elapsedS: number } | undefined {
    if (!this.open || this.lastTs === undefined) return undefined;
    return { start: this.open.start, elapsedS: (this.lastTs - this.open.start) / 1000 };
  }

  /** The run in progress, if any (for "never stops"). */
  ongoing(): OngoingRun | undefined {
    const open = this.open;
    if (!open || this.lastTs === undefined) return undefined;
    return {
      start: open.start,
      now: this.lastTs,
      elapsedS: (this.lastTs - open.start) / 1000,
      powerW: this.medianOf(open) - open.idleW,
      energyWh: open.energyWh,
    };
  }

  /** Ends the trace: closes the idle window (an open run stays open: it has not ended). */
  finish(): SegmenterOutput {
    const out: SegmenterOutput = { runs: [], idle: [] };
    if (this.lastTs !== undefined) this.flushIdleWindow(Number.POSITIVE_INFINITY, out);
    return out;
  }

  private trackIdle(ts: number, powerW: number, dtMs: number): void {
    // Falls at once (a load switched off or the circuit is quieter), rises with a 1-hour time constant:
    // standby creeping up moves the level slowly, an appliance switching on does not.
    if (powerW < this.idleW!) this.idleW = powerW;
    else this.idleW! += (powerW - this.idleW!) * Math.min(1, dtMs / HOUR_MS);
    this.idleStart ??= Math.floor(ts / this.idleWindowMs) * this.idleWindowMs;
    this.idleSum += powerW;
    this.idleCount++;
  }

  private flushIdleWindow(ts: number, out: SegmenterOutput): void {
    if (this.idleStart === undefined || ts < this.idleStart + this.idleWindowMs) return;
    if (this.idleCount > 0) {
      out.idle.push({ start: this.idleStart, end: this.idleStart + this.idleWindowMs, meanW: this.idleSum / this.idleCount, samples: this.idleCount });
    }
    this.idleStart = undefined;
    this.idleSum = 0;
    this.idleCount = 0;
  }

  private keep(open: OpenRun, powerW: number): void {
    open.peakW = Math.max(open.peakW, powerW);
    if (open.seen++ % open.stride !== 0) return;
    open.kept.push(powerW);
    open.medianW = undefined;
    if (open.kept.length >= MAX_KEPT) {
      open.kept = open.kept.filter((_, k) => k % 2 === 0);
      open.stride *= 2;
    }
  }

  private medianOf(open: OpenRun): number {
    return (open.medianW ??= median(open.kept));
  }

  private close(open: OpenRun): Run {
    const end = open.idleSince ?? open.lastActive;
    return {
      start: open.start,
      end,
      durationS: (end - open.start) / 1000,
      energyWh: open.energyWh,
      powerW: this.medianOf(open) - open.idleW,
      peakW: open.peakW,
      idleW: open.idleW,
    };
  }
}

/** Every run and idle window of a whole trace (runs still open at its end are left out). */
export function segmentTrace(samples: readonly { ts: number; powerW: number }[], options?: SegmenterOptions): SegmenterOutput & { ongoing?: OngoingRun } {
  const segmenter = new RunSegmenter(options);
  const all: SegmenterOutput = { runs: [], idle: [] };
  for (const s of samples) {
    const out = segmenter.push(s.ts, s.powerW);
    all.runs.push(...out.runs);
    all.idle.push(...out.idle);
  }
  const ongoing = segmenter.ongoing();
  const last = segmenter.finish();
  all.idle.push(...last.idle);
  return { ...all, ongoing };
}
