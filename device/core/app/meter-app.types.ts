import { CircuitHealth, CircuitReading, RelaysMessage, SignedKind } from '@dinmeter/shared';

/** One metering poll of all circuits (the ATM90E26 chain: core/metering). */
export interface MeteringSource {
  poll(nowMs: number): { readings: CircuitReading[]; health: CircuitHealth[] };
}

/** The relay manager (core/relays) as the app drives it. */
export interface RelayControl {
  start(nowMs: number): void;
  handleHeartbeat(payload: Uint8Array | string, nowMs: number): void;
  observeCurrent(circuit: number, irmsA: number, nowMs: number): void;
  tick(nowMs: number): void;
  snapshot(): RelaysMessage;
  /** Published in `status` (failsafe_min_s), so every backend heartbeats often enough for it. */
  shortestFailsafeSeconds(): number;
}

/** The command gate (core/commands) as the app drives it: every cmd and plan message goes in here. */
export interface CommandInbox {
  start(): void;
  onMessage(kind: SignedKind, payload: Uint8Array, retained: boolean, nowMs: number): void;
}
