import { Clock } from '../ports';

/** Wall-clock range the protocol accepts (2000-01-01 .. 2100-01-01); outside it the clock counts as unknown. */
export const WALL_MIN_MS = 946684800000;
export const WALL_MAX_MS = 4102444800000;
/**
 * `ts` of a message that must go out while the device has no wall time yet (no RTC, SNTP pending):
 * the schema requires a timestamp. 2000-01-01T00:00:00Z reads as "time unknown".
 */
export const UNKNOWN_WALL_TS = WALL_MIN_MS;

/** The wall clock in whole ms, or undefined while it is unknown or outside the protocol's range. */
export function knownWallMs(clock: Clock): number | undefined {
  const wall = clock.wallMs();
  if (wall === undefined || !(wall >= WALL_MIN_MS && wall < WALL_MAX_MS)) return undefined;
  return Math.round(wall);
}
