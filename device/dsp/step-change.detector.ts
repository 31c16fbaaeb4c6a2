/** Result of one `StepChangeDetector.update` (reused by the caller). */
export interface StepChange {
  detected: boolean;
  /** Level before and after the step (W) and their difference; meaningful when detected. */
  fromW: number;
  toW: number;
  deltaW: number;
}

export function createStepChange(): StepChange {
  return { detected: false, fromW: 0, toW: 0, deltaW: 0 };
}

export interface StepChangeOptions {
  /** A change larger than this (W) between the settled level and new windows is a step. */
  thresholdW: number;
  /** Consecutive windows beyond the threshold before the step is reported (default 2, so a one-window spike is not an appliance). */
  confirmWindows?: number;
  /** How fast the settled level follows small changes, 0…1 per window (default 0.2): slow drift never fires. */
  trackingGain?: number;
}

/** Reports appliance switching: P moving by more than a threshold between per-window readings. */
export class StepChangeDetector {
  private readonly thresholdW: number;
  private readonly confirmWindows: number;
  private readonly trackingGain: number;
  private levelW = 0;
  private primed = false;
  private pending = 0;
  private pendingSumW = 0;

  constructor(options: StepChangeOptions) {
    const { thresholdW, confirmWindows = 2, trackingGain = 0.2 } = options;
    if (!(thresholdW > 0 && thresholdW < Infinity)) throw new RangeError(`thresholdW must be > 0, got ${thresholdW}`);
    if (!Number.isInteger(confirmWindows) || confirmWindows < 1) throw new RangeError(`confirmWindows must be an integer ≥ 1, got ${confirmWindows}`);
    if (!(trackingGain >= 0 && trackingGain <= 1)) throw new RangeError(`trackingGain must be within 0…1, got ${trackingGain}`);
    this.thresholdW = thresholdW;
    this.confirmWindows = confirmWindows;
    this.trackingGain = trackingGain;
  }

  /** Windows beyond the threshold still waiting for confirmation (0 when settled). */
  get pendingWindows(): number {
    return this.pending;
  }

  /** Feeds one window's active power; `out.detected` is true on the window that confirms a step. */
  update(powerW: number, out: StepChange): StepChange {
    out.detected = false;
    if (!this.primed) {
      this.levelW = powerW;
      this.primed = true;
      return out;
    }
    if (Math.abs(powerW - this.levelW) <= this.thresholdW) {
      this.pending = 0;
      this.pendingSumW = 0;
      this.levelW += this.trackingGain * (powerW - this.levelW);
      return out;
    }
    this.pending++;
    this.pendingSumW += powerW;
    if (this.pending < this.confirmWindows) return out;
    const newLevel = this.pendingSumW / this.pending;
    out.detected = true;
    out.fromW = this.levelW;
    out.toW = newLevel;
    out.deltaW = newLevel - this.levelW;
    this.levelW = newLevel;
    this.pending = 0;
    this.pendingSumW = 0;
    return out;
  }

  reset(): void {
    this.primed = false;
    this.pending = 0;
    this.pendingSumW = 0;
  }
}
