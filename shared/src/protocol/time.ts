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

/** The year 2000, a leap year: a clock never set counts up from TIME_UNKNOWN_MS (an RTC reset to 2000). */
const YEAR_2000_MS = 366 * 86_400_000;

/**
 * Whether a protocol timestamp is a wall time: not TIME_UNKNOWN_MS, nor within the year a clock
 * never set counts up from it (2000), so its age means something.
 */
export function isKnownTime(ts: number): boolean {
  return ts > TIME_UNKNOWN_MS + YEAR_2000_MS;
}
