/** The meter's retained `relays` state (docs/relay-safety.md). */
import { CIRCUIT_COUNT } from '../metrics';
import { arr, bool, int, literal, obj, optional, Schema } from '../schema';
import { circuitNumber, PROTOCOL_VERSION, timestampMs, version } from './fields';

export type RelayState = 'on' | 'off';

export const RELAY_REASONS = ['power_on', 'command', 'failsafe', 'protection', 'plan', 'restore'] as const;
export type RelayReason = (typeof RELAY_REASONS)[number];

export interface RelayCircuitState {
  circuit: number;
  state: RelayState;
  reason: RelayReason;
  tripped?: boolean;
  /** false: no relay on this circuit (always live); absent: fitted. */
  relay_fitted?: boolean;
  plan_version?: number;
}
export interface RelaysMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  circuits: RelayCircuitState[];
}
export const relaysSchema: Schema<RelaysMessage> = obj({
  v: version,
  ts: timestampMs,
  circuits: arr(
    obj({
      circuit: circuitNumber,
      state: literal('on', 'off'),
      reason: literal(...RELAY_REASONS),
      tripped: optional(bool()),
      relay_fitted: optional(bool()),
      plan_version: optional(int({ min: 0 })),
    }),
    { minItems: 1, maxItems: CIRCUIT_COUNT },
  ),
});
