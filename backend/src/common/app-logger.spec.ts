import { createAppLogger } from './app-logger';

function capture(run: () => void): string {
  // Nest writes errors to stderr, the rest to stdout.
  const writes = [jest.spyOn(process.stdout, 'write'), jest.spyOn(process.stderr, 'write')].map((spy) => spy.mockImplementation(() => true));
  try {
    run();
    return writes.flatMap((write) => write.mock.calls.map((call) => String(call[0]))).join('');
  } finally {
    for (const write of writes) write.mockRestore();
  }
}

describe(createAppLogger.name, () => {
  it('should write one JSON object per line without colour when stdout is not a terminal', () => {
    const out = capture(() => createAppLogger('log', undefined, false).log('meter vm-1 online', 'DevicesService'));
    expect(out).not.toContain('\x1b[');
    expect(JSON.parse(out.trim())).toMatchObject({ level: 'log', message: 'meter vm-1 online', context: 'DevicesService', pid: process.pid });
  });

  it('should write coloured text lines on a terminal', () => {
    const out = capture(() => createAppLogger('log', undefined, true).log('meter vm-1 online', 'DevicesService'));
    expect(out).toContain('\x1b[');
    expect(out).toContain('[DevicesService]');
  });

  it('should write text without colour for LOG_FORMAT=pretty off a terminal, and JSON for LOG_FORMAT=json on one', () => {
    const pretty = capture(() => createAppLogger('log', 'pretty', false).warn('slow write', 'Storage'));
    expect(pretty).not.toContain('\x1b[');
    expect(pretty).toMatch(/WARN \[Storage\] slow write/);
    const json = capture(() => createAppLogger('log', 'json', true).warn('slow write', 'Storage'));
    expect(JSON.parse(json.trim())).toMatchObject({ level: 'warn', message: 'slow write' });
  });

  it('should drop messages below LOG_LEVEL', () => {
    const logger = createAppLogger('warn', 'json', false);
    expect(capture(() => logger.log('routine', 'X'))).toBe('');
    expect(capture(() => logger.error('broken', undefined, 'X'))).not.toBe('');
  });
});
