/**
 * CT models the portal offers, with the calibration each needs on this board: the ATM90E26 reads
 * the CT's voltage across the board's 12 Ω burden, and the board's nominal calibration assumes the
 * SCT-013-000 (6 mV/A, device/board/front-end.ts). `ctRatio` scales current, power and energy by
 * nominal mV/A ÷ this CT's mV/A (atm90e26.energy.ts). The installer confirms with the CT check.
 * Provisional home: to be driven by the shared CT table once it lands in shared/.
 */
import type { CalibrationParams } from '@dinmeter/shared';
import { BOARD_FRONT_END } from '../../board/front-end';
import type { CtChoice } from './setup-form';

/** The board's burden resistor (schematics: RBk). */
const BURDEN_OHM = 12;

export interface CtModel extends CtChoice {
  /** Millivolts at the ATM90E26 input per ampere in the conductor. */
  mvPerA: number;
}

/** Current-output CT: secondary current per primary ampere through the board's burden. */
const currentOutput = (primaryA: number, secondaryMa: number) => (secondaryMa / primaryA) * BURDEN_OHM;
/** Voltage-output CT (internal burden): its burden in parallel with the board's. */
const voltageOutput = (turns: number, internalOhm: number) =>
  ((1 / turns) * 1000 * (internalOhm * BURDEN_OHM)) / (internalOhm + BURDEN_OHM);

export const CT_MODELS: readonly CtModel[] = Object.freeze([
  { id: 'sct-013-000', label: 'SCT-013-000 100 A : 50 mA', mvPerA: currentOutput(100, 50) },
  { id: 'sct-016', label: 'SCT-016 120 A : 40 mA', mvPerA: currentOutput(120, 40) },
  { id: 'sct-019', label: 'SCT-019 200 A : 33 mA', mvPerA: currentOutput(200, 33.3) },
  // 1800 turns, 1 V at 30 A: about 60 Ω inside (YHDC data sheet).
  { id: 'sct-013-030', label: 'SCT-013-030 30 A : 1 V', mvPerA: voltageOutput(1800, 60) },
]);

/** The calibration change a CT model needs (undefined: not a model of the list). */
export function calibrationForCt(id: string): CalibrationParams | undefined {
  const model = CT_MODELS.find((m) => m.id === id);
  if (!model) return undefined;
  return { ctRatio: Math.round((BOARD_FRONT_END.currentMvPerA / model.mvPerA) * 1e4) / 1e4 };
}
