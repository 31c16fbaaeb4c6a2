import { CircuitReading, ctModel, ctRangeA } from '@dinmeter/shared';

export type CtFlag = 'ct-reversed?' | 'below-ct-range';

/** Active power below this (W) is not noise: the CT is probably clamped the wrong way. */
export const REVERSED_POWER_W = -20;
/** Currents under this (A) are an idle circuit's noise, not a load (10 × the Irms register's 1 mA step). */
export const IDLE_CURRENT_A = 0.01;

/**
 * The CT check of the commissioning web app (docs/commissioning.md#ct-check): a loaded circuit with
 * negative active power may have its CT reversed (or export, e.g. solar: hence the question mark); a
 * load's current under 1 % of the CT's rating is outside its range.
 */
export function ctFlags(reading: CircuitReading | undefined, ctModelId: string): CtFlag[] {
  if (!reading) return [];
  const flags: CtFlag[] = [];
  if (reading.power_w <= REVERSED_POWER_W) flags.push('ct-reversed?');
  const model = ctModel(ctModelId);
  if (model && reading.current_a >= IDLE_CURRENT_A && reading.current_a < ctRangeA(model).minA) flags.push('below-ct-range');
  return flags;
}
