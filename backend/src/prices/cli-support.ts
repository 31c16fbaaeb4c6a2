/** What the prices and plan CLIs share: input reading, argument errors, the exit-code policy. */
import { readFileSync } from 'node:fs';

/** A bad argument: exit code 2. */
export class UsageError extends Error {}

/** Reads a file, or stdin for "-". */
export function readInput(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

export function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v))
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Runs a CLI body: its result on stdout, an error message (no stack) on stderr with exit 2 or 1. */
export function runCli(name: string, body: () => string): void {
  try {
    process.stdout.write(body() + '\n');
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
