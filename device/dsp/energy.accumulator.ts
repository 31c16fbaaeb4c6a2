/**
 * Import/export energy from power samples without drift: a whole number of µWh plus a fractional
 * remainder below 1 µWh. Each `add` rounds only its own increment, so years of 200 ms steps sum to
 * the same total as one big step (a plain float sum loses the small increments once the total is
 * large). Whole µWh stay exact up to 2^53 µWh ≈ 9 GWh per direction.
 */
export class EnergyAccumulator {
  private importMicroWhWhole: number;
  private exportMicroWhWhole: number;
  private importFraction = 0;
  private exportFraction = 0;

  /** Starts from persisted counters (whole µWh), e.g. restored from flash after a reboot. */
  constructor(importMicroWh = 0, exportMicroWh = 0) {
    if (!Number.isSafeInteger(importMicroWh) || importMicroWh < 0) throw new RangeError(`importMicroWh must be a safe integer ≥ 0, got ${importMicroWh}`);
    if (!Number.isSafeInteger(exportMicroWh) || exportMicroWh < 0) throw new RangeError(`exportMicroWh must be a safe integer ≥ 0, got ${exportMicroWh}`);
    this.importMicroWhWhole = importMicroWh;
    this.exportMicroWhWhole = exportMicroWh;
  }

  /** Adds `powerW` held for `durationMs`; positive power is import, negative is export. */
  add(powerW: number, durationMs: number): void {
    if (!Number.isFinite(powerW)) throw new RangeError(`powerW must be finite, got ${powerW}`);
    if (!(durationMs >= 0 && durationMs < Infinity)) throw new RangeError(`durationMs must be finite and ≥ 0, got ${durationMs}`);
    // W·ms → µWh: × 1e6 / 3.6e6.
    const microWh = (powerW * durationMs) / 3.6;
    if (microWh >= 0) {
      const total = this.importFraction + microWh;
      const whole = Math.floor(total);
      this.importMicroWhWhole += whole;
      this.importFraction = total - whole;
    } else {
      const total = this.exportFraction - microWh;
      const whole = Math.floor(total);
      this.exportMicroWhWhole += whole;
      this.exportFraction = total - whole;
    }
  }

  /** Whole µWh imported so far (the value to persist). */
  get importMicroWh(): number {
    return this.importMicroWhWhole;
  }

  get exportMicroWh(): number {
    return this.exportMicroWhWhole;
  }

  get energyImportWh(): number {
    return (this.importMicroWhWhole + this.importFraction) / 1e6;
  }

  get energyExportWh(): number {
    return (this.exportMicroWhWhole + this.exportFraction) / 1e6;
  }
}
