/**
 * The ONE table of measurement registers: reading, scaling and naming are driven from it.
 * Field names match the shared telemetry fields (shared/src/protocol/metrics.ts) plus `angle_deg`.
 */
import { REG } from './atm90e26.registers';

export type RegisterEncoding = 'unsigned' | 'twos-complement' | 'sign-magnitude';

/**
 * How the firmware rescales a register after the chip: `current` quantities are multiplied by
 * the CT ratio (for CTs whose full scale exceeds the 65.535 A register, docs/atm90e26.md "The chip"); `power`
 * quantities also by the power-register meter-constant correction (see atm90e26.calibration.ts).
 */
export type Rescale = 'none' | 'current' | 'power';

export type ReadingField = 'voltage_v' | 'current_a' | 'power_w' | 'reactive_var' | 'apparent_va' | 'pf' | 'freq_hz' | 'angle_deg';

export interface MeasurementDef {
  readonly field: ReadingField;
  readonly register: number;
  /** Physical units per LSB. */
  readonly scale: number;
  readonly encoding: RegisterEncoding;
  readonly unit: string;
  readonly rescale: Rescale;
  /** What a CT clamped the wrong way does to it (calibration `ctReversed`): flips its sign, or turns the angle by 180°. */
  readonly reversed?: 'sign' | 'half-turn';
}

/** Datasheet 5.5 (L line). Items marked **unverified** in docs/atm90e26.md are flagged here too. */
export const MEASUREMENTS: readonly MeasurementDef[] = Object.freeze([
  { field: 'voltage_v', register: REG.Urms, scale: 0.01, encoding: 'unsigned', unit: 'V', rescale: 'none' },
  { field: 'current_a', register: REG.Irms, scale: 0.001, encoding: 'unsigned', unit: 'A', rescale: 'current' },
  { field: 'power_w', register: REG.Pmean, scale: 1, encoding: 'twos-complement', unit: 'W', rescale: 'power', reversed: 'sign' },
  { field: 'reactive_var', register: REG.Qmean, scale: 1, encoding: 'twos-complement', unit: 'var', rescale: 'power', reversed: 'sign' },
  // Smean: 1 VA per LSB is **unverified**.
  { field: 'apparent_va', register: REG.Smean, scale: 1, encoding: 'unsigned', unit: 'VA', rescale: 'power' },
  // PowerF: bit 15 is the sign, bits 14:0 the magnitude in 0.001.
  { field: 'pf', register: REG.PowerF, scale: 0.001, encoding: 'sign-magnitude', unit: '', rescale: 'none', reversed: 'sign' },
  { field: 'freq_hz', register: REG.Freq, scale: 0.01, encoding: 'unsigned', unit: 'Hz', rescale: 'none' },
  // Pangle: 0.1° per LSB is **unverified**.
  { field: 'angle_deg', register: REG.Pangle, scale: 0.1, encoding: 'twos-complement', unit: '°', rescale: 'none', reversed: 'half-turn' },
].map((def) => Object.freeze(def as MeasurementDef)));

export type Reading = Record<ReadingField, number>;

/** A reading as a correctly clamped CT would have given it. */
export function unreversed(def: MeasurementDef, value: number): number {
  if (def.reversed === 'sign') return value === 0 ? 0 : -value;
  if (def.reversed === 'half-turn') return value > 0 ? value - 180 : value + 180;
  return value;
}

export function decodeWord(word: number, encoding: RegisterEncoding): number {
  switch (encoding) {
    case 'unsigned':
      return word;
    case 'twos-complement':
      return word & 0x8000 ? word - 0x10000 : word;
    case 'sign-magnitude':
      return word & 0x8000 ? -(word & 0x7fff) : word;
  }
}

/** Inverse of decodeWord for the chip model: clamps to what the register can hold. */
export function encodeWord(value: number, encoding: RegisterEncoding): number {
  const n = Math.round(value);
  switch (encoding) {
    case 'unsigned':
      return Math.min(0xffff, Math.max(0, n));
    case 'twos-complement':
      return Math.min(0x7fff, Math.max(-0x8000, n)) & 0xffff;
    case 'sign-magnitude': {
      const magnitude = Math.min(0x7fff, Math.abs(n));
      return n < 0 ? 0x8000 | magnitude : magnitude;
    }
  }
}
