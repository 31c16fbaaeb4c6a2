import { CircuitReading, ctModel, ctRangeA } from '@dinmeter/shared';

export type CtFlag = 'ct-reversed?' | 'below-ct-range';

/** Active power below this (W) on a loaded circuit is not noise: the CT is probably clamped the wrong way. */
export const REVERSED_POWER_W = -20;

/**
 * The CT check of the commissioning web app (docs/commissioning.md#ct-check): a loaded circuit with
 * negative active power may have its CT reversed (or export, e.g. solar: hence the question mark); a
 * current above zero but under 1 % of the CT's rating is outside its range.
 */
export function ctFlags(reading: CircuitReading | undefined, ctModelId: string): CtFlag[] {
  if (!reading) return [];
  const flags: CtFlag[] = [];
  if (reading.power_w <= REVERSED_POWER_W) flags.push('ct-reversed?');
  const model = ctModel(ctModelId);
  if (model && reading.current_a > 0 && reading.current_a < ctRangeA(model).minA) flags.push('below-ct-range');
  return flags;
}
