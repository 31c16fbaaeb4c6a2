/**
 * The instants the protocol accepts (docs/protocol.md): 2000-01-01 .. 2100-01-01 UTC in ms, which
 * rejects seconds-instead-of-milliseconds and garbage clocks.
 */
export const TIMESTAMP_MIN_MS = 946684800000;
export const TIMESTAMP_MAX_MS = 4102444800000;

/**
 * "Time unknown": the `ts` a meter stamps while it has no wall time yet (no RTC, SNTP pending),
 * the lowest instant the protocol accepts (docs/relay-safety.md).
 */
export const TIME_UNKNOWN_MS = TIMESTAMP_MIN_MS;

/** Whether a protocol timestamp is a wall time, not TIME_UNKNOWN_MS. */
export function isKnownTime(ts: number): boolean {
  return ts > TIME_UNKNOWN_MS;
}
