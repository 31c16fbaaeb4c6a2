/** `cmd` commands to a meter and their `cmd/ack` (docs/protocol.md, docs/relay-safety.md). */
import { bool, literal, obj, optional, Schema, str, tagged } from '../schema';
import { CalibrationParams, calibrationSchema } from './calibration';
import { CircuitConfig, circuitConfigSchema } from './circuit-config';
import { circuitNumber, commandId, issuedSeq, PROTOCOL_VERSION, timestampMs, version } from './fields';
import { FirmwareOrder, firmwareOrderShape } from './ota';
import { RelayState } from './relays';

interface CommandBase {
  v: typeof PROTOCOL_VERSION;
  id: string;
  /** Per-device, strictly increasing: a command whose seq is not above the last applied one is refused. */
  seq: number;
  /** Absolute expiry (ms). An expired command is never applied. */
  expires: number;
}
export type Command =
  | (CommandBase & { op: 'relay'; circuit: number; state: RelayState })
  | (CommandBase & { op: 'reset_trip'; circuit: number })
  | (CommandBase & { op: 'config'; circuit: number; config: CircuitConfig })
  | (CommandBase & { op: 'calibrate'; circuit: number; calibration: CalibrationParams })
  | (CommandBase & { op: 'ping' })
  | (CommandBase & { op: 'firmware' } & FirmwareOrder);
export type CommandOp = Command['op'];

const base = { v: version, id: commandId, seq: issuedSeq, expires: timestampMs };
export const commandSchema: Schema<Command> = tagged('op', {
  relay: obj({ ...base, op: literal('relay'), circuit: circuitNumber, state: literal('on', 'off') }),
  reset_trip: obj({ ...base, op: literal('reset_trip'), circuit: circuitNumber }),
  config: obj({ ...base, op: literal('config'), circuit: circuitNumber, config: circuitConfigSchema }),
  calibrate: obj({ ...base, op: literal('calibrate'), circuit: circuitNumber, calibration: calibrationSchema }),
  ping: obj({ ...base, op: literal('ping') }),
  firmware: obj({ ...base, op: literal('firmware'), ...firmwareOrderShape }),
}) as Schema<Command>;

/**
 * Machine-readable reasons of a refused command (`cmd/ack` `code`), see docs/relay-safety.md:
 * - `invalid`: fails validation, or names a circuit the meter does not have
 * - `no_time`: the meter has no wall time yet, so the expiry cannot be checked
 * - `expired`: `expires` is in the past
 * - `stale_seq`: `seq` is not above the last applied one
 * - `tripped`: switching on a circuit latched by overcurrent protection
 * - `rate_limited`: the switching would break the relay wear limits
 * - `failsafe_too_short`: `failsafe.afterSeconds` below MIN_FAILSAFE_AFTER_S
 * - `calibration_failed`: the metering chip refused the calibration
 * - `unsupported`: the meter cannot do this operation
 * - `no_relay`: the circuit has no relay fitted (config `relayFitted: false`)
 * - `unauthenticated`: no valid MAC with the meter's command key (docs/security.md "Signed commands");
 *   nothing was checked or changed beyond that
 */
export const COMMAND_ACK_CODES = [
  'invalid',
  'no_time',
  'expired',
  'stale_seq',
  'tripped',
  'rate_limited',
  'failsafe_too_short',
  'calibration_failed',
  'unsupported',
  'no_relay',
  'unauthenticated',
] as const;
export type CommandAckCode = (typeof COMMAND_ACK_CODES)[number];

export interface CommandAckMessage {
  v: typeof PROTOCOL_VERSION;
  id: string;
  ok: boolean;
  /** Machine-readable reason when ok is false: one of COMMAND_ACK_CODES (a newer meter may add codes). */
  code?: string;
  error?: string;
  ts?: number;
  circuit?: number;
  /** The relay's actual state after the command. */
  state?: RelayState;
}
export const commandAckSchema: Schema<CommandAckMessage> = obj({
  v: version,
  id: str({ minLength: 1, maxLength: 64 }),
  ok: bool(),
  code: optional(str({ maxLength: 32 })),
  error: optional(str({ maxLength: 500 })),
  ts: optional(timestampMs),
  circuit: optional(circuitNumber),
  state: optional(literal('on', 'off')),
});
