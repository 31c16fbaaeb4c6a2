import {
  CalibrationParams,
  CircuitHealth,
  CircuitReading,
  CommandAckMessage,
  EventMessage,
  RelaysMessage,
} from '@dinmeter/shared';

/** One metering poll of all circuits (the ATM90E26 chain: core/metering). */
export interface MeteringSource {
  poll(nowMs: number): { readings: CircuitReading[]; health: CircuitHealth[] };
}

/** The relay manager (core/relays) as the app drives it. */
export interface RelayControl {
  start(nowMs: number): void;
  handleCommand(payload: Uint8Array | string, retained: boolean, nowMs: number): void;
  handlePlan(payload: Uint8Array | string, retained: boolean, nowMs: number): void;
  handleHeartbeat(payload: Uint8Array | string, nowMs: number): void;
  /** A command or plan whose MAC did not verify: ack `unauthenticated` (a command with `id`) or report it; nothing else changes. */
  rejectUnauthenticated(kind: 'cmd' | 'plan', id: string | undefined, error: string, nowMs: number): void;
  observeCurrent(circuit: number, irmsA: number, nowMs: number): void;
  tick(nowMs: number): void;
  snapshot(): RelaysMessage;
  /** Published in `status` (failsafe_min_s), so every backend heartbeats often enough for it. */
  shortestFailsafeSeconds(): number;
}

export interface RelayEmitter {
  relays(message: RelaysMessage): void;
  ack(message: CommandAckMessage): void;
  event(message: EventMessage): void;
}

export type { CalibrationParams };
