/**
 * The measurement registers the driver reads, taken from the shared metric table
 * (shared/src/protocol/metrics.ts: register, encoding, LSB, rescale per telemetry field).
 */
import { ChipRegisterSource, CIRCUIT_METRICS, CtReversal, isRegisterMetric, RegisterEncoding, RegisterMetric, Rescale } from '@dinmeter/shared';
import { REG } from './atm90e26.registers';

export type { RegisterEncoding, Rescale };

export type ReadingField = RegisterMetric['field'];

export interface MeasurementDef {
  readonly field: ReadingField;
  readonly register: number;
  /** Physical units per LSB. */
  readonly scale: number;
  readonly encoding: RegisterEncoding;
  readonly unit: string;
  readonly rescale: Rescale;
  readonly reversed?: CtReversal;
}

const reversedOf = (source: ChipRegisterSource): CtReversal | undefined => ('reversed' in source ? source.reversed : undefined);

/** Datasheet 5.5 (L line), in table order. Items marked **unverified** in docs/atm90e26.md are flagged in the table. */
export const MEASUREMENTS: readonly MeasurementDef[] = Object.freeze(
  CIRCUIT_METRICS.filter(isRegisterMetric).map(({ field, unit, source }) =>
    Object.freeze({ field, register: REG[source.register], scale: source.lsb, encoding: source.encoding, unit, rescale: source.rescale, reversed: reversedOf(source) }),
  ),
);

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
