import { filterMatches, unshared } from './topic-filter';

describe('topic-filter', () => {
  describe(filterMatches.name, () => {
    it.each([
      ['dinmeter/+/status', 'dinmeter/m1/status', true],
      ['dinmeter/+/status', 'dinmeter/m1/cmd/ack', false],
      ['dinmeter/+/cmd/ack', 'dinmeter/m1/cmd/ack', true],
      ['dinmeter/#', 'dinmeter/m1/ha/3/set', true],
      ['dinmeter/#', 'dinmeter', true],
      ['dinmeter/backend/status', 'dinmeter/backend/status', true],
      ['dinmeter/backend/status', 'dinmeter/backend/status/x', false],
      ['$share/g/dinmeter/+/telemetry', 'dinmeter/m1/telemetry', true],
      ['#', '$SYS/broker/uptime', false],
    ])('should match %s against %s: %s', (filter, topic, expected) => {
      expect(filterMatches(filter, topic)).toBe(expected);
    });
  });

  describe(unshared.name, () => {
    it('should strip the share group only', () => {
      expect([unshared('$share/g/dinmeter/+/events'), unshared('dinmeter/+/events')]).toEqual(['dinmeter/+/events', 'dinmeter/+/events']);
    });
  });
});
