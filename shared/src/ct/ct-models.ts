/**
 * Current transformer models an installer picks per circuit, and the ATM90E26 calibration that follows
 * from each on the dinmeter front end (docs/atm90e26.md "Calibration", docs/commissioning.md). Portable:
 * the backend computes the calibration it sends, the meter could compute the same.
 */
import type { CalibrationParams } from '../protocol/messages/calibration';

export type CtOutput = { kind: 'current'; ratedOutputA: number } | { kind: 'voltage'; ratedOutputV: number };

export interface CtModel {
  /** The maker's part number, the key the API and the web app use. */
  id: string;
  ratedCurrentA: number;
  output: CtOutput;
}

/**
 * The meter's current and voltage inputs (schematics/README.md; the board file device/board/front-end.ts
 * is checked against these): a 12 Ω burden on each current input, 193 mV at the voltage pin at 230 V,
 * PGA 1, 3200 imp/kWh.
 */
export const METER_FRONT_END = Object.freeze({ burdenOhms: 12, voltageMvAtVref: 193, vrefV: 230, pga: 1 as const, meterConstant: 3200 });

/**
 * The chip's power-on IgainL (datasheet 5.3) reads amperes right at 6 mV/A, the board's nominal CT
 * (SCT-013-000 into 12 Ω; the same assumption as the board's nominal calibration). IgainL scales
 * the current reading linearly, so another CT's gain follows from its mV/A.
 */
const IGAIN_L_POWER_ON = 0x7a13;
const IGAIN_L_REFERENCE_MV_PER_A = 6;

/** YHDC SCT-013 split-core family: -000 is a current output (needs the board's burden), the others have their own burden and give 1 V at rated current. */
export const CT_MODELS: readonly CtModel[] = Object.freeze(
  [
    { id: 'SCT-013-000', ratedCurrentA: 100, output: { kind: 'current', ratedOutputA: 0.05 } },
    ...[5, 10, 15, 20, 25, 30, 50, 60, 80, 100].map((amps) => ({
      id: `SCT-013-${String(amps).padStart(3, '0')}`,
      ratedCurrentA: amps,
      output: { kind: 'voltage', ratedOutputV: 1 },
    })),
  ].map((m) => Object.freeze(m as CtModel)),
);

export const CT_MODEL_IDS: readonly string[] = CT_MODELS.map((m) => m.id);

export function ctModel(id: string): CtModel | undefined {
  return CT_MODELS.find((m) => m.id === id);
}

/** Signal at the chip's current input per line ampere (mV/A): a current output through the board's burden, or the CT's own. */
export function ctMvPerA(model: CtModel, burdenOhms: number = METER_FRONT_END.burdenOhms): number {
  if (model.output.kind === 'current') return (model.output.ratedOutputA / model.ratedCurrentA) * burdenOhms * 1000;
  return (model.output.ratedOutputV / model.ratedCurrentA) * 1000;
}

/**
 * Below 1 % of its rating a CT's ratio error is not specified (IEC 61869-2 gives class 1 from 5 %, the
 * extended "S" classes from 1 %): a current there is flagged, and a smaller CT reads it better.
 */
export function ctRangeA(model: CtModel): { minA: number; ratedA: number } {
  return { minA: model.ratedCurrentA * 0.01, ratedA: model.ratedCurrentA };
}

export type CtCalibration = Required<Pick<CalibrationParams, 'plconst' | 'igainL' | 'pga' | 'ctRatio' | 'meterConstant'>>;

/**
 * The calibration registers for `model`: PLconst by ESPHome's formula
 * (838860800 × PGA × mV_at_1A × mV_at_Vref / (meter constant × Vref)) and IgainL scaled from the chip's
 * power-on value. The CT ratio stays 1: the circuits are rated 60 A, under the Irms register's 65.535 A.
 * Unit calibration against a reference (docs/hardware.md) goes on top of this.
 */
export function ctCalibration(model: CtModel): CtCalibration {
  const { pga, voltageMvAtVref, vrefV, meterConstant } = METER_FRONT_END;
  const mvPerA = ctMvPerA(model);
  const igainL = Math.round((IGAIN_L_POWER_ON * IGAIN_L_REFERENCE_MV_PER_A) / mvPerA);
  if (igainL < 1 || igainL > 0xffff) throw new RangeError(`${model.id}: IgainL ${igainL} does not fit 16 bits`);
  const plconst = Math.round((838860800 * pga * mvPerA * voltageMvAtVref) / (meterConstant * vrefV));
  return { plconst, igainL, pga, ctRatio: 1, meterConstant };
}
