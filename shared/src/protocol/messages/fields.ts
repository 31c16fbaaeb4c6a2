/**
 * The fields every message kind builds on (docs/protocol.md): the protocol version, circuit numbers,
 * sequence numbers and timestamps, command ids and short texts.
 */
import { CIRCUIT_COUNT } from '../metrics';
import { int, literal, str } from '../schema';
import { TIMESTAMP_MAX_MS, TIMESTAMP_MIN_MS } from '../time';

export const PROTOCOL_VERSION = 1;

export const version = literal(PROTOCOL_VERSION);
export const circuitNumber = int({ min: 1, max: CIRCUIT_COUNT });
/** A sequence number that may be 0 (nothing acknowledged yet). */
export const seq = int({ min: 0, max: Number.MAX_SAFE_INTEGER });
/** A sequence number or version as issued: 1, 2, 3 … */
export const issuedSeq = int({ min: 1, max: Number.MAX_SAFE_INTEGER });
/** 2000-01-01 .. 2100-01-01: rejects seconds-instead-of-milliseconds and garbage clocks. */
export const timestampMs = int({ min: TIMESTAMP_MIN_MS, max: TIMESTAMP_MAX_MS });
export const commandId = str({ minLength: 1, maxLength: 64, pattern: /^[A-Za-z0-9_.:-]+$/ });
export const shortText = str({ maxLength: 200 });

/** The refinement of a list keyed by circuit: each circuit at most once. */
export function repeatedCircuit(items: readonly { circuit: number }[]): string | undefined {
  const seen = new Set<number>();
  for (const item of items) {
    if (seen.has(item.circuit)) return `circuit ${item.circuit} appears twice`;
    seen.add(item.circuit);
  }
  return undefined;
}
