/**
 * Energy registers (datasheet 5.4): 16-bit, clear on read, one LSB = 0.1 pulse, where the
 * meter constant gives pulses per kWh. Each is read exactly once per poll and never retried:
 * a read that may have reached the chip has already cleared it.
 *
 * Saturation: at the rated maximum, 60 A at 253 V (230 V + 10 %) = 15.18 kW, and 3200 imp/kWh,
 * the chip counts 15.18 × 3200 / 3600 = 13.5 pulses/s = 135 LSB/s. Even at the Irms register's
 * full scale (65.535 A × 253 V = 16.6 kW → 147 LSB/s), a 16-bit register (65 535 LSB) lasts
 * 65535 / 147 ≈ 445 s. The firmware polls every second, a 445× margin; a poll gap longer than
 * about 7 minutes at full load is the point where counts could be lost.
 */
import { REG } from './atm90e26.registers';

export type EnergyKey = 'activeImport' | 'activeExport' | 'activeAbsolute' | 'reactiveImport' | 'reactiveExport' | 'reactiveAbsolute';

export const ENERGY_REGISTERS: readonly { readonly key: EnergyKey; readonly register: number }[] = Object.freeze([
  { key: 'activeImport', register: REG.APenergy },
  { key: 'activeExport', register: REG.ANenergy },
  { key: 'activeAbsolute', register: REG.ATenergy },
  { key: 'reactiveImport', register: REG.RPenergy },
  { key: 'reactiveExport', register: REG.RNenergy },
  { key: 'reactiveAbsolute', register: REG.RTenergy },
] as const);

/** Counts since the previous poll, in the chip's unit of 0.1 pulse (exact integers). */
export type EnergyDelta = Record<EnergyKey, number>;

/**
 * The absolute registers accumulate |P| with their own rounding, so forward + reverse may differ
 * from absolute by a count or two; a bigger difference means a corrupted read.
 */
export const ENERGY_CROSS_CHECK_TOLERANCE = 2;

/** Wh (or varh) per count: 0.1 pulse × 1000 Wh/kWh / meter constant, times the CT ratio. */
export function whPerCount(meterConstant: number, ctRatio: number): number {
  return (100 / meterConstant) * ctRatio;
}
