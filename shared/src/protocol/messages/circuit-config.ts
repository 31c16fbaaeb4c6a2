/** A circuit's relay configuration, the payload of a `config` command (docs/relay-safety.md). */
import { bool, int, literal, num, obj, optional, Schema, str } from '../schema';

/**
 * The shortest `failsafe.afterSeconds` a meter honours; a `config` command with a shorter one is
 * refused with `failsafe_too_short` (the REST API refuses it with 400 before it is sent). The backend
 * heartbeats at least HEARTBEATS_PER_FAILSAFE times within the shortest failsafe on any meter, so
 * a 5 s failsafe gets a heartbeat every 1.67 s: one may be lost and the next be late by most of a
 * period without a false failsafe. Shorter than that, one lost heartbeat or a broker reconnect
 * (1 s retry, plus the re-subscription) would switch loads off a healthy backend.
 */
export const MIN_FAILSAFE_AFTER_S = 5;
export const MAX_FAILSAFE_AFTER_S = 7 * 86400;
export const HEARTBEATS_PER_FAILSAFE = 3;

export type PowerOnState = 'off' | 'on' | 'restore';
export type FailsafeMode = 'hold' | 'on' | 'off';

export interface CircuitConfig {
  label?: string;
  /** False: this circuit has no relay (relays are an optional module); it is always live. Absent: fitted. */
  relayFitted?: boolean;
  powerOnState?: PowerOnState;
  failsafe?: { mode: FailsafeMode; afterSeconds: number };
  overcurrentA?: number;
  /** How long the current must exceed overcurrentA before the relay trips. */
  overcurrentDelayMs?: number;
  minSwitchIntervalSeconds?: number;
  maxSwitchesPerHour?: number;
}
export const circuitConfigSchema: Schema<CircuitConfig> = obj({
  label: optional(str({ maxLength: 64 })),
  relayFitted: optional(bool()),
  powerOnState: optional(literal('off', 'on', 'restore')),
  // Well-formed from 1 s: whether a meter can honour a short one is its call (`failsafe_too_short`).
  failsafe: optional(obj({ mode: literal('hold', 'on', 'off'), afterSeconds: int({ min: 1, max: MAX_FAILSAFE_AFTER_S }) })),
  overcurrentA: optional(num({ min: 0.1, max: 100 })),
  overcurrentDelayMs: optional(int({ min: 0, max: 600000 })),
  minSwitchIntervalSeconds: optional(int({ min: 0, max: 86400 })),
  maxSwitchesPerHour: optional(int({ min: 1, max: 3600 })),
});
