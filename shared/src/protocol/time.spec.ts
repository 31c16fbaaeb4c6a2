import { decodeMessage } from './codec';
import { exampleMessage } from './protocol.examples';
import { isKnownTime, TIME_UNKNOWN_MS, TIMESTAMP_MAX_MS } from './time';

describe('time', () => {
  describe(isKnownTime.name, () => {
    it('should tell a wall time from the time-unknown stamp and a clock counting up from it in 2000', () => {
      expect(isKnownTime(TIME_UNKNOWN_MS)).toBe(false);
      expect(isKnownTime(Date.UTC(2000, 11, 31, 23, 59))).toBe(false);
      expect(isKnownTime(Date.UTC(2001, 0, 1, 0, 0, 1))).toBe(true);
      expect(isKnownTime(Date.UTC(2024, 0, 1))).toBe(true);
    });
  });

  it('should let the protocol accept the time-unknown stamp and nothing outside 2000..2100', () => {
    const at = (ts: number) => decodeMessage('telemetry', JSON.stringify({ ...exampleMessage('telemetry'), ts })).ok;
    expect([at(TIME_UNKNOWN_MS), at(TIME_UNKNOWN_MS - 1), at(TIMESTAMP_MAX_MS), at(TIMESTAMP_MAX_MS + 1)]).toEqual([true, false, true, false]);
  });
});
