import { HEARTBEATS_PER_FAILSAFE, MIN_FAILSAFE_AFTER_S } from '@dinmeter/shared';

/**
 * Milliseconds between two heartbeats: HEARTBEAT_INTERVAL_S, or faster when a meter has a shorter
 * failsafe, so that HEARTBEATS_PER_FAILSAFE heartbeats fall within it (one may be lost, the next may
 * be late by most of a period, and the failsafe still does not fire on a healthy backend).
 */
export function heartbeatIntervalMs(configuredS: number, shortestFailsafeS: number | undefined): number {
  const configuredMs = configuredS * 1000;
  if (shortestFailsafeS === undefined) return configuredMs;
  // A failsafe below the minimum is refused by REST and meter alike; never beat faster than for the minimum.
  const failsafeS = Math.max(shortestFailsafeS, MIN_FAILSAFE_AFTER_S);
  return Math.min(configuredMs, Math.floor((failsafeS * 1000) / HEARTBEATS_PER_FAILSAFE));
}
