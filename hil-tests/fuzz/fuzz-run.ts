/** What every fuzz surface shares: a seeded fast-check run, escape and rejection tracking, the heap. */
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface FuzzOptions {
  seed: number;
  runs: number;
}

export interface SurfaceResult {
  runs: number;
  failures: number;
  /** fast-check's report of the first failure (counterexample, seed and path to replay it). */
  failure?: string;
}

/**
 * One check per generated input: returns a description of what went wrong, or undefined. Throws,
 * rejections that escape the code under test, and a returned problem are all failures.
 */
export async function runSurface<T>(arbitrary: fc.Arbitrary<T>, check: (input: T) => Promise<string | undefined>, options: FuzzOptions): Promise<SurfaceResult> {
  const escaped: string[] = [];
  const onRejection = (reason: unknown) => escaped.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (error: Error) => escaped.push(`uncaught exception: ${error.stack}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  let runs = 0;
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (input) => {
        runs++;
        const problem = await check(input);
        await new Promise((resolve) => setImmediate(resolve)); // a rejection is reported after a turn
        const escapedNow = escaped.splice(0);
        if (problem ?? escapedNow[0]) throw new Error(problem ?? escapedNow.join('\n'));
      }),
      { seed: options.seed, numRuns: options.runs, endOnFailure: true },
    );
    return { runs, failures: 0 };
  } catch (error) {
    // fast-check's report (seed, path, counterexample shortened: a payload may be megabytes), then what failed.
    const report = (error as Error).message.split('\n').map((line) => (line.length > 600 ? `${line.slice(0, 600)}…` : line));
    const cause = (error as Error).cause;
    return { runs, failures: 1, failure: `${report.join('\n')}${cause instanceof Error ? `\n${cause.message.slice(0, 4000)}` : ''}` };
  } finally {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  }
}

let gc: (() => void) | undefined;
/** heapUsed after a full collection (exposes V8's gc once, without a node flag). */
export function heapUsedAfterGc(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The top-level keys of two JSON state snapshots that differ, shortened for a failure message. */
export function describeChange(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  const short = (v: unknown) => (JSON.stringify(v) ?? 'undefined').slice(0, 400);
  return Object.keys({ ...a, ...b })
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${short(a[k])} → ${short(b[k])}`)
    .join('\n');
}
