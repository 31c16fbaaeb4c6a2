/**
 * `npm run --silent anomalies -- <trace.csv|-> [--train-days N]`: learns from the first N days of a power
 * trace (default: all but the last) and prints one JSON array of the anomalies found in the rest:
 * `{start, end, kind, score, message, appliance?, evidence}` with ISO 8601 times.
 * Bad input: a message on stderr, exit 2 (arguments) or 1 (the trace).
 */
import { parseArgs } from 'node:util';
import { positiveInt, readInput, runCli, UsageError } from '../prices/cli-support';
import { analyzeTrace } from './analysis/offline';
import { parsePowerTrace } from './analysis/power-trace';

const USAGE = 'usage: anomalies <trace.csv|-> [--train-days N]';

export function anomaliesCli(argv: string[]): string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'train-days': { type: 'string' } } });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(USAGE);
  const trainDays = positiveInt('train-days', parsed.values['train-days']);
  const samples = parsePowerTrace(readTrace(parsed.positionals[0]));
  const { anomalies } = analyzeTrace(samples, { trainDays });
  return JSON.stringify(
    anomalies.map((a) => ({
      start: new Date(a.start).toISOString(),
      end: new Date(a.end).toISOString(),
      kind: a.kind,
      score: a.score,
      message: a.message,
      ...(a.appliance ? { appliance: a.appliance } : {}),
      evidence: a.evidence,
    })),
  );
}

/** Reads the trace; a missing file is an input error with the path, not a stack trace. */
export function readTrace(path: string): string {
  try {
    return readInput(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path} is a directory` : `${path}: ${(error as Error).message}`);
  }
}

if (require.main === module) runCli('anomalies', () => anomaliesCli(process.argv.slice(2)));
