import { CircuitConfig, circuitConfigSchema, Result, validate } from '@dinmeter/shared';
import { EffectiveCircuitConfig } from './relay-manager.types';

/**
 * Defaults of a circuit nobody configured. `off` at power-on and `hold` on heartbeat loss: the
 * device never switches a load on by itself unless told to (docs/invariants.md invariant 2).
 */
export const DEFAULT_CIRCUIT_CONFIG: Readonly<EffectiveCircuitConfig> = Object.freeze({
  relayFitted: true,
  powerOnState: 'off',
  failsafe: Object.freeze({ mode: 'hold', afterSeconds: 120 }),
  overcurrentDelayMs: 2000,
  minSwitchIntervalSeconds: 0,
  maxSwitchesPerHour: 60,
});

/** `defaults`: the product's factory settings over the built-in ones (see RelayManagerOptions.factoryDefaults). */
export function effectiveConfig(stored: CircuitConfig, defaults: Partial<EffectiveCircuitConfig> = {}): EffectiveCircuitConfig {
  const base = { ...DEFAULT_CIRCUIT_CONFIG, ...defaults };
  return {
    ...base,
    ...stored,
    failsafe: { ...(stored.failsafe ?? base.failsafe) },
  };
}

/**
 * Shallow merge of a partial update into what is stored (a field absent from the update keeps its
 * value; `failsafe` is replaced whole, the schema requires both of its fields). Returns the merged
 * config or every validation error.
 */
export function mergeConfig(stored: CircuitConfig, update: CircuitConfig): Result<CircuitConfig> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(update)) if (value !== undefined) merged[key] = value;
  return validate(circuitConfigSchema, merged);
}
