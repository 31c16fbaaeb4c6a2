import { TIMESTAMP_MAX_MS, TIMESTAMP_MIN_MS } from '@dinmeter/shared';
import { Clock } from '../ports';

/**
 * The wall clock in whole ms, or undefined while it is unknown (no RTC, SNTP pending) or outside
 * the range the protocol accepts. Messages that must go out without it carry TIME_UNKNOWN_MS.
 */
export function knownWallMs(clock: Clock): number | undefined {
  const wall = clock.wallMs();
  if (wall === undefined || !(wall >= TIMESTAMP_MIN_MS && wall < TIMESTAMP_MAX_MS)) return undefined;
  return Math.round(wall);
}
