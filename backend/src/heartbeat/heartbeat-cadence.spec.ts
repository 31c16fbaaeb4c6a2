import { HEARTBEATS_PER_FAILSAFE, MIN_FAILSAFE_AFTER_S } from '@dinmeter/shared';
import { heartbeatIntervalMs } from './heartbeat-cadence';

describe('heartbeatIntervalMs', () => {
  it('should keep HEARTBEAT_INTERVAL_S while no failsafe is configured', () => {
    expect(heartbeatIntervalMs(10, undefined)).toBe(10_000);
  });

  it('should keep HEARTBEAT_INTERVAL_S when every failsafe is long enough for it', () => {
    expect(heartbeatIntervalMs(10, 120)).toBe(10_000);
    expect(heartbeatIntervalMs(10, 30)).toBe(10_000);
  });

  it.each([
    [5, 1666],
    [6, 2000],
    [29, 9666],
  ])('should beat %i times within a failsafe of %i s', (failsafeS, expectedMs) => {
    const intervalMs = heartbeatIntervalMs(10, failsafeS);
    expect(intervalMs).toBe(expectedMs);
    expect(intervalMs * HEARTBEATS_PER_FAILSAFE).toBeLessThanOrEqual(failsafeS * 1000);
  });

  it('should leave room for one lost heartbeat and a late one within the shortest failsafe', () => {
    const intervalMs = heartbeatIntervalMs(10, MIN_FAILSAFE_AFTER_S);
    // Last heard at 0, the next one lost, the one after late by 90 % of a period: still inside.
    expect(2 * intervalMs + 0.9 * intervalMs).toBeLessThan(MIN_FAILSAFE_AFTER_S * 1000);
  });

  it('should never beat faster than the shortest allowed failsafe needs', () => {
    expect(heartbeatIntervalMs(10, 1)).toBe(heartbeatIntervalMs(10, MIN_FAILSAFE_AFTER_S));
  });

  it('should keep a configured interval that is already shorter', () => {
    expect(heartbeatIntervalMs(1, 5)).toBe(1000);
  });
});
