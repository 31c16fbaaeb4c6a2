/**
 * The one argument parser of every command-line tool in this repository (Node only: the portable
 * core never imports it). Built on node:util parseArgs in strict mode, with one behaviour for all:
 * - `--help` or `-h` prints the usage on stdout and exits 0 before the tool does anything;
 * - an unknown flag, a missing or bad value, a wrong number of arguments: one line on stderr naming
 *   the problem, then the usage, exit 2;
 * - any other failure: `<name>: <message>` on stderr, exit 1, never a stack trace.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
}

export interface CliSpec<O extends Record<string, OptionSpec>> {
  /** Prefix of every error line: `retention: …`. */
  name: string;
  /** What --help prints: the synopsis line first, then anything that helps. */
  usage: string;
  options: O;
  /** Allowed number of positional arguments, [min, max]; none when absent. */
  positionals?: readonly [number, number];
}

export type CliValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export interface CliArgs<O extends Record<string, OptionSpec>> {
  values: CliValues<O>;
  positionals: string[];
}

/** A bad command line: exit 2 with the usage. */
export class UsageError extends Error {}

/** True when the command line asks for help (before a `--` that ends the options). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Parses argv against spec; throws UsageError with a plain message. */
export function parseCli<O extends Record<string, OptionSpec>>(spec: CliSpec<O>, argv: readonly string[]): CliArgs<O> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }, Object.keys(spec.options)));
  }
  const [min, max] = spec.positionals ?? [0, 0];
  const n = parsed.positionals.length;
  if (n > max) {
    const extra = parsed.positionals.slice(max).map((p) => JSON.stringify(p)).join(' ');
    throw new UsageError(max === 0 ? `unexpected argument ${extra}` : `too many arguments: ${extra}`);
  }
  if (n < min) throw new UsageError(`expected ${min === max ? min : `at least ${min}`} argument(s), got ${n}`);
  return { values: parsed.values as CliValues<O>, positionals: parsed.positionals };
}

function describeParseError(error: Error & { code?: string }, known: string[]): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'(-[^']*)'/.exec(error.message)?.[1] ?? error.message;
    const name = flag.replace(/^-+/, '');
    const near = closest(name, known);
    const hint = near ? ` (did you mean --${near}?)` : known.length === 0 ? ' (this command takes no options)' : '';
    return `unknown option ${flag}${hint}`;
  }
  // "Option '--url <value>' argument missing", "Option '--print' does not take an argument", …
  return error.message.replace(/^Option /, 'option ').replace(/\s*\n\s*/g, ' ');
}

/** The known option within edit distance 2 of name, if any (typos like --raw-keeps). */
function closest(name: string, known: string[]): string | undefined {
  let best: { option: string; distance: number } | undefined;
  for (const option of known) {
    const distance = editDistance(name, option);
    if (distance <= 2 && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * Runs a tool: --help, parsing and the error policy above. main's number result is the exit code.
 * Long-running tools return once they are set up; the process then lives on its handles.
 */
export async function runCli<O extends Record<string, OptionSpec>>(
  spec: CliSpec<O>,
  main: (args: CliArgs<O>) => unknown,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${spec.usage.trimEnd()}\n`);
    process.exitCode = 0;
    return;
  }
  try {
    const code = await main(parseCli(spec, argv));
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError) {
      process.stderr.write(`${spec.name}: ${message}\n${spec.usage.split('\n')[0]}\n(${spec.name} --help for more)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${spec.name}: ${message}\n`);
      process.exitCode = 1;
    }
  }
}

/** A number option within [min, max] (integer when asked); undefined when absent. */
export function numberOption(
  name: string,
  text: string | undefined,
  range: { min: number; max: number; integer?: boolean },
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    const kind = range.integer ? 'a whole number' : 'a number';
    throw new UsageError(`--${name} must be ${kind} from ${range.min} to ${range.max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** An option that must be given. */
export function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}
