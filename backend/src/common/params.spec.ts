import { BadRequestException } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe, parseInstant } from './params';

describe(CircuitParamPipe.name, () => {
  describe('transform', () => {
    const pipe = new CircuitParamPipe();

    it.each([
      ['1', 1],
      ['10', 10],
      ['07', 7],
    ])('should turn %p into %p', (value, circuit) => {
      expect(pipe.transform(value)).toBe(circuit);
    });

    it.each(['0', '11', '1.5', '-1', ' 1', '1 ', '', 'one', '1e1', '0x1', '+1', '99999999999999999999'])('should reject %p', (value) => {
      expect(() => pipe.transform(value)).toThrow(BadRequestException);
      expect(() => pipe.transform(value)).toThrow(`circuit must be an integer from 1 to 10, got ${JSON.stringify(value)}`);
    });
  });
});

describe(DeviceIdPipe.name, () => {
  describe('transform', () => {
    const pipe = new DeviceIdPipe();

    it('should pass a valid id through', () => {
      expect(pipe.transform('meter-01')).toBe('meter-01');
    });

    it.each(['backend', 'a/b', 'a+b', '#', 'a b', '', 'x'.repeat(65)])('should reject %p', (value) => {
      expect(() => pipe.transform(value)).toThrow(new BadRequestException(`invalid device id ${JSON.stringify(value)}`));
    });
  });
});

describe('parseInstant', () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0);

  it.each([
    ['now', now],
    ['-30s', now - 30_000],
    ['-15m', now - 15 * 60_000],
    ['-1h', now - 3_600_000],
    ['-7d', now - 7 * 86_400_000],
    ['-0h', now],
    ['1717243200000', 1_717_243_200_000],
    ['2024-06-01T10:00:00Z', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T12:00:00+02:00', Date.UTC(2024, 5, 1, 10)],
    ['2024-06-01T10:00:00.250Z', Date.UTC(2024, 5, 1, 10, 0, 0, 250)],
    ['2024-06-01', Date.UTC(2024, 5, 1)],
  ])('should read %p', (value, expected) => {
    expect(parseInstant(value, now, 'from')).toBe(expected);
  });

  it.each(['', 'yesterday', '1h', '+1h', '-1w', '-1.5h', '- 1h', '-h', 'NOW', '2024-13-01', '2024-06-01Tgarbage', 'June 1, 2024', '12345', '-1717243200000'])(
    'should reject %p with a message naming the parameter',
    (value) => {
      expect(() => parseInstant(value, now, 'from')).toThrow(BadRequestException);
      expect(() => parseInstant(value, now, 'from')).toThrow(`from must be an ISO 8601 instant, epoch ms or s, "now" or like "-1h"; got ${JSON.stringify(value)}`);
    },
  );

  // BUG (reported, not fixed: intent unclear): 10- to 12-digit numbers are taken as epoch ms, so
  // epoch seconds ("1717243200", 2024) silently become January 1970. The protocol rejects
  // seconds-for-ms; the API should too (accept 13 digits only, or read 10 digits as seconds).
  it('should not read epoch seconds as milliseconds', () => {
    expect(parseInstant('1717243200', now, 'from')).not.toBe(1_717_243_200);
  });
});
