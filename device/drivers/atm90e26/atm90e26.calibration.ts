/**
 * Per-circuit calibration as validated data. The wire shape is shared `CalibrationParams`
 * (register values + CT ratio + meter constant); here it is resolved against defaults and
 * turned into the two checksummed register blocks.
 */
import { CalibrationParams, calibrationSchema, validate } from '@dinmeter/shared';
import {
  CS1_BLOCK,
  CS2_BLOCK,
  MEASUREMENT_DEFAULTS,
  METERING_DEFAULTS,
  MMODE_PGA_MASK,
  MMODE_PGA_SHIFT,
  PGA_CODE,
  PgaGain,
  REG,
} from './atm90e26.registers';

export type Atm90e26Calibration = Required<CalibrationParams> & { pga: PgaGain };

/** The chip's own power-on values (datasheet 5.2/5.3), CT ratio 1, 3200 imp/kWh. */
export const CHIP_DEFAULT_CALIBRATION: Readonly<Atm90e26Calibration> = Object.freeze({
  plconst: 0x0015d174,
  lgain: 0,
  lphi: 0,
  ugain: 0x6720,
  igainL: 0x7a13,
  uoffset: 0,
  ioffsetL: 0,
  poffsetL: 0,
  qoffsetL: 0,
  pga: 1,
  ctRatio: 1,
  meterConstant: 3200,
  ctReversed: false,
});

/**
 * The meter constant that the chip's power registers (Pmean/Qmean/Smean) are scaled for.
 * **Unverified assumption** (kept only here and in the chip model): the chip derives watts from
 * PLconst, which encodes the meter constant, so it must assume one; the datasheet's application
 * default is 3200 imp/kWh. The driver rescales power readings by this over the configured constant.
 */
export const POWER_REGISTER_METER_CONSTANT = 3200;

/** Validates and fills in defaults. Throws (programmer/config error) listing every problem. */
export function resolveCalibration(
  params: CalibrationParams | undefined,
  base: Readonly<Atm90e26Calibration> = CHIP_DEFAULT_CALIBRATION,
): Atm90e26Calibration {
  const result = validate(calibrationSchema, params ?? {});
  if (!result.ok) throw new RangeError(`invalid ATM90E26 calibration: ${result.errors.join('; ')}`);
  const merged = { ...base };
  for (const [key, value] of Object.entries(result.value)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged as Atm90e26Calibration;
}

export interface FrontEnd {
  pga: PgaGain;
  /** Current-channel signal at the chip pin per ampere of line current, before the PGA (mV/A). */
  currentMvPerA: number;
  /** Voltage-channel signal at the chip pin at `vrefV` (mV). */
  voltageMvAtVref: number;
  vrefV: number;
  meterConstant: number;
}

/**
 * ESPHome's PLconst formula: 838860800 × PGA × mV_at_1A × mV_at_Vref / (meter_constant × Vref).
 * E.g. 6 mV/A, 193 mV at 230 V, 3200 imp/kWh, PGA 1 → ≈ 1 319 838.
 */
export function plconstFor(frontEnd: FrontEnd): number {
  const { pga, currentMvPerA, voltageMvAtVref, vrefV, meterConstant } = frontEnd;
  if (!(currentMvPerA > 0 && voltageMvAtVref > 0 && vrefV > 0 && meterConstant > 0)) {
    throw new RangeError(`front end values must be positive: ${JSON.stringify(frontEnd)}`);
  }
  return Math.round((838860800 * pga * currentMvPerA * voltageMvAtVref) / (meterConstant * vrefV));
}

/**
 * Linear gain correction against a reference meter (docs/atm90e26.md "Calibration": Ugain and IgainL scale linearly):
 * the new register value for a gain that currently reads `measured` where the truth is `reference`.
 */
export function correctedGain(register: number, measured: number, reference: number): number {
  if (!(measured > 0 && reference > 0)) throw new RangeError(`readings must be positive: measured ${measured}, reference ${reference}`);
  const value = Math.round((register * reference) / measured);
  if (value < 1 || value > 0xffff) throw new RangeError(`corrected gain ${value} does not fit 16 bits`);
  return value;
}

/**
 * Lgain correction for an energy error (**unverified** encoding, same as the chip model):
 * Lgain is two's complement and scales energy and power by (1 + Lgain / 32768).
 */
export function correctedLgain(lgain: number, measuredWh: number, referenceWh: number): number {
  if (!(measuredWh > 0 && referenceWh > 0)) throw new RangeError(`energies must be positive: ${measuredWh}, ${referenceWh}`);
  const current = 1 + toSigned16(lgain) / 32768;
  const wanted = (current * referenceWh) / measuredWh;
  const value = Math.round((wanted - 1) * 32768);
  if (value < -32768 || value > 32767) throw new RangeError(`Lgain correction ${value} out of range`);
  return value & 0xffff;
}

export function toSigned16(word: number): number {
  return word & 0x8000 ? word - 0x10000 : word;
}

/** The 11 words 0x21–0x2B in address order, defaults included (CS1 covers every one). */
export function meteringBlock(cal: Atm90e26Calibration): number[] {
  const words = CS1_BLOCK.map((address) => METERING_DEFAULTS[address]);
  const set = (address: number, value: number): void => {
    words[address - REG.PLconstH] = value;
  };
  set(REG.PLconstH, (cal.plconst >>> 16) & 0xffff);
  set(REG.PLconstL, cal.plconst & 0xffff);
  set(REG.Lgain, cal.lgain);
  set(REG.Lphi, cal.lphi);
  set(REG.MMode, (METERING_DEFAULTS[REG.MMode] & ~MMODE_PGA_MASK) | (PGA_CODE[cal.pga] << MMODE_PGA_SHIFT));
  return words;
}

/** The 10 words 0x31–0x3A in address order (CS2 covers every one). */
export function measurementBlock(cal: Atm90e26Calibration): number[] {
  const words = CS2_BLOCK.map((address) => MEASUREMENT_DEFAULTS[address]);
  const set = (address: number, value: number): void => {
    words[address - REG.Ugain] = value;
  };
  set(REG.Ugain, cal.ugain);
  set(REG.IgainL, cal.igainL);
  set(REG.Uoffset, cal.uoffset);
  set(REG.IoffsetL, cal.ioffsetL);
  set(REG.PoffsetL, cal.poffsetL);
  set(REG.QoffsetL, cal.qoffsetL);
  return words;
}
