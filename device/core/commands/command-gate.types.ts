import { Command, CommandAckCode, CommandOp } from '@dinmeter/shared';

export type { CommandOp };
/** The command of one op, as the shared schema decoded it. */
export type CommandFor<Op extends CommandOp> = Extract<Command, { op: Op }>;

/** Why a handler did not apply a command: the ack's `code` and `error`. */
export interface CommandRefusal {
  code: CommandAckCode;
  error: string;
}

/** When the gate let a command through: `wallMs` is known (expiry was checked against it). */
export interface CommandContext {
  wallMs: number;
  nowMs: number;
}

/**
 * Applies one op. Returns undefined when applied, a refusal otherwise. Device faults become
 * refusals (e.g. `calibration_failed`), never throws: a throw is a programmer error.
 */
export type CommandHandler<Op extends CommandOp> = (
  command: CommandFor<Op>,
  context: CommandContext,
) => CommandRefusal | undefined;

/** Where verified plans go (the relay manager runs them), and plans whose MAC did not verify. */
export interface PlanSink {
  handlePlan(body: Uint8Array | string, retained: boolean, nowMs: number): void;
  rejectUnauthenticatedPlan(error: string, nowMs: number): void;
}

/** Counters for diagnostics: things refused or ignored without an ack. */
export interface CommandGateStats {
  commandsApplied: number;
  commandsRefused: number;
  /** Retained commands: never applied, never acked (a retained command may be years old). */
  retainedIgnored: number;
  /** Commands without a readable id (garbage, too large): no ack is possible. */
  unreadable: number;
  /** Commands whose MAC did not verify (also counted in commandsRefused when they had an id to ack). */
  commandsUnauthenticated: number;
  /** Re-sent commands answered with their remembered ack, not applied again. */
  repeatsAnswered: number;
}

/** `refusal('calibration_failed', problem)`: undefined when there is no problem. */
export function refusal(code: CommandAckCode, error: string | undefined): CommandRefusal | undefined {
  return error === undefined ? undefined : { code, error };
}
