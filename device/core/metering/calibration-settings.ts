import { CalibrationParams, calibrationSchema, validate } from '@dinmeter/shared';
import { SettingsStore } from '../ports';

/** NVS key of a circuit's calibration (≤ 15 characters). */
const CAL_KEY = (circuit: number) => `cal.${circuit}`;

/** What applies a calibration to a circuit's chip (Metering); false when the chip did not accept it. */
export interface CalibrationTarget {
  setCalibration(circuit: number, params: CalibrationParams): boolean;
}

/**
 * The `calibrate` op and its persistence: a validated calibration goes to the chip, and what the
 * chip accepted is merged into the circuit's saved one, re-applied at every boot.
 */
export class CalibrationSettings {
  constructor(
    private readonly target: CalibrationTarget,
    private readonly settings: SettingsStore,
  ) {}

  /** Applies and saves `params`; returns why not (the ack's error), or undefined. */
  apply(circuit: number, params: CalibrationParams): string | undefined {
    const checked = validate(calibrationSchema, params);
    if (!checked.ok) return checked.errors.join('; ');
    try {
      if (!this.target.setCalibration(circuit, checked.value))
        return `circuit ${circuit}: the chip did not accept the calibration`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const merged = { ...this.saved(circuit), ...checked.value };
    this.settings.set(CAL_KEY(circuit), JSON.stringify(merged));
    return undefined;
  }

  /** Boot: re-applies every saved calibration; returns the circuits whose saved one was unusable (they keep the board default). */
  restore(circuits: number): number[] {
    const unusable: number[] = [];
    for (let circuit = 1; circuit <= circuits; circuit++) {
      const saved = this.settings.get(CAL_KEY(circuit));
      if (saved !== undefined && !this.reapply(circuit, saved)) unusable.push(circuit);
    }
    return unusable;
  }

  private reapply(circuit: number, saved: string): boolean {
    const checked = validate(calibrationSchema, parseJson(saved));
    try {
      return checked.ok && this.target.setCalibration(circuit, checked.value);
    } catch {
      return false;
    }
  }

  private saved(circuit: number): CalibrationParams {
    const parsed = parseJson(this.settings.get(CAL_KEY(circuit)) ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as CalibrationParams) : {};
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
