import { parsePowerTrace, TraceFormatError } from './power-trace';

describe(parsePowerTrace.name, () => {
  it('should read a header CSV with ISO 8601 and epoch-ms times, in any column order', () => {
    const samples = parsePowerTrace('power_w,ts\n77,2024-01-01T00:00:00Z\n78.5,1704067205000\n0,2024-01-01 00:00:10\n');
    expect(samples).toEqual([
      { ts: Date.UTC(2024, 0, 1), powerW: 77 },
      { ts: Date.UTC(2024, 0, 1, 0, 0, 5), powerW: 78.5 },
      { ts: Date.UTC(2024, 0, 1, 0, 0, 10), powerW: 0 },
    ]);
  });

  it('should read the tracebase format (day first, CRLF, the 1 s column)', () => {
    const samples = parsePowerTrace('12/06/2012 00:00:10;77;75\r\n12/06/2012 00:00:15;80;76\r\n');
    expect(samples).toEqual([
      { ts: Date.UTC(2012, 5, 12, 0, 0, 10), powerW: 77 },
      { ts: Date.UTC(2012, 5, 12, 0, 0, 15), powerW: 80 },
    ]);
  });

  it.each([
    ['', /empty/],
    ['time,watts\n1,2\n', /line 1: expected a header with columns "ts" and "power_w"/],
    ['ts,power_w\n2024-01-01T00:00:00Z,1\nyesterday,2\n', /line 3: ts "yesterday" is neither ISO 8601 nor epoch milliseconds/],
    ['ts,power_w\n2024-01-01T00:00:00Z,1\n2024-01-01T00:00:05Z,abc\n', /line 3: power_w must be a number/],
    ['ts,power_w\n2024-01-01T00:00:10Z,1\n2024-01-01T00:00:05Z,1\n', /line 3: time goes backwards/],
    ['ts,power_w\n1704067200,1\n1704067205,1\n', /neither ISO 8601 nor epoch milliseconds/],
    ['31/02/2012 00:00:10;77;75\n', /not a valid date/],
    ['12/06/2012 00:00:10;77;75\n12/06/2012 00:00:15;x;75\n', /line 2: expected "DD\/MM\/YYYY hh:mm:ss;W;W"/],
    ['ts,power_w\n2024-01-01T00:00:00Z,1\n', /at least 2 are needed/],
  ])('should refuse %j with a message naming the problem', (text, message) => {
    expect(() => parsePowerTrace(text)).toThrow(TraceFormatError);
    expect(() => parsePowerTrace(text)).toThrow(message);
  });
});
