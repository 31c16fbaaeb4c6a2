import { numberOption, parseCli, runCli, UsageError, wantsHelp } from './cli';

const SPEC = {
  name: 'tool',
  usage: 'usage: tool [--url URL] [--raw-keep D] [--print] <file>\n  more help',
  options: { url: { type: 'string' }, 'raw-keep': { type: 'string' }, print: { type: 'boolean' } },
  positionals: [0, 1],
} as const;

describe('parseCli', () => {
  it('should return the values and positionals of a good command line', () => {
    expect(parseCli(SPEC, ['--url', 'http://x', '--print', 'a.csv'])).toEqual({
      values: { url: 'http://x', print: true },
      positionals: ['a.csv'],
    });
    expect(parseCli(SPEC, ['--raw-keep=30d']).values['raw-keep']).toBe('30d');
  });

  it('should refuse an unknown flag and suggest the one meant', () => {
    expect(() => parseCli(SPEC, ['--raw-keeps', '30d'])).toThrow(new UsageError('unknown option --raw-keeps (did you mean --raw-keep?)'));
    expect(() => parseCli(SPEC, ['--zzz'])).toThrow(new UsageError('unknown option --zzz'));
    expect(() => parseCli({ name: 'x', usage: 'usage: x', options: {} }, ['--json'])).toThrow('unknown option --json (this command takes no options)');
  });

  it('should refuse a missing value, a value on a boolean and a surplus argument', () => {
    expect(() => parseCli(SPEC, ['--url'])).toThrow(UsageError);
    expect(() => parseCli(SPEC, ['--url'])).toThrow(/--url <value>' argument missing/);
    expect(() => parseCli(SPEC, ['--print=yes'])).toThrow(/--print' does not take an argument/);
    expect(() => parseCli(SPEC, ['--url', '-x'])).toThrow(/^option '--url' argument is ambiguous\. [^\n]*'--url=-XYZ'/);
    expect(() => parseCli(SPEC, ['a', 'b'])).toThrow('too many arguments: "b"');
    expect(() => parseCli({ ...SPEC, positionals: undefined }, ['a'])).toThrow('unexpected argument "a"');
    expect(() => parseCli({ ...SPEC, positionals: [2, 2] }, ['a'])).toThrow('expected 2 argument(s), got 1');
  });
});

describe('wantsHelp', () => {
  it('should see --help and -h anywhere before --', () => {
    expect(wantsHelp(['--url', 'x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['--helpful'])).toBe(false);
  });
});

describe('numberOption', () => {
  it('should check range and integrality and name the option', () => {
    expect(numberOption('count', undefined, { min: 1, max: 5 })).toBeUndefined();
    expect(numberOption('count', '3', { min: 1, max: 5, integer: true })).toBe(3);
    expect(() => numberOption('count', '2.5', { min: 1, max: 5, integer: true })).toThrow('--count must be a whole number from 1 to 5, got "2.5"');
    expect(() => numberOption('rate', '', { min: 1, max: 5 })).toThrow(UsageError);
    expect(() => numberOption('rate', 'abc', { min: 1, max: 5 })).toThrow(UsageError);
    expect(() => numberOption('rate', '6', { min: 1, max: 5 })).toThrow(UsageError);
  });
});

describe('runCli', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('should print the usage for --help and never run main, even with a bad flag beside it', async () => {
    const main = jest.fn();
    await runCli(SPEC, main, ['--bogus', '--help']);
    expect(main).not.toHaveBeenCalled();
    expect(out).toBe(`${SPEC.usage}\n`);
    expect(err).toBe('');
    expect(process.exitCode).toBe(0);
  });

  it('should exit 2 with the problem and the synopsis for a bad command line, without running main', async () => {
    const main = jest.fn();
    await runCli(SPEC, main, ['--raw-keeps', '30d']);
    expect(main).not.toHaveBeenCalled();
    expect(err).toBe('tool: unknown option --raw-keeps (did you mean --raw-keep?)\nusage: tool [--url URL] [--raw-keep D] [--print] <file>\n(tool --help for more)\n');
    expect(process.exitCode).toBe(2);
  });

  it('should exit 2 for a UsageError from main and 1 for any other error, without a stack', async () => {
    await runCli(SPEC, () => {
      throw new UsageError('--url must be http');
    }, []);
    expect(process.exitCode).toBe(2);
    expect(err).toMatch(/^tool: --url must be http\n/);
    err = '';
    await runCli(SPEC, async () => {
      throw new Error('connect ECONNREFUSED');
    }, []);
    expect(process.exitCode).toBe(1);
    expect(err).toBe('tool: connect ECONNREFUSED\n');
  });

  it("should use main's number as the exit code", async () => {
    await runCli(SPEC, () => 3, ['--print']);
    expect(process.exitCode).toBe(3);
  });
});
