/**
 * `npm run --silent anomalies -- <trace.csv|-> [--train-days N]`: learns from the first N days of a power
 * trace (default: all but the last) and prints one JSON array of the anomalies found in the rest:
 * `{start, end, kind, score, message, appliance?, evidence}` with ISO 8601 times.
 * Bad arguments or an unreadable file: exit 2; a bad trace: exit 1; a message on stderr either way.
 */
import { CliArgs, runCli } from '../../../shared/node/cli';
import { positiveInt, readInput } from '../prices/cli-support';
import { analyzeTrace } from './analysis/offline';
import { parsePowerTrace } from './analysis/power-trace';

export const ANOMALIES_CLI = {
  name: 'anomalies',
  usage: `usage: anomalies <trace.csv|-> [--train-days N]
  <trace.csv>   CSV with a header naming ts (ISO 8601 or epoch ms) and power_w, or tracebase lines
                "DD/MM/YYYY hh:mm:ss;W;W"; "-" reads stdin
  --train-days  days learnt from, from the first midnight (default: all but the last)
  Prints a JSON array of {start, end, kind, score, message, appliance?, evidence}. See docs/anomalies.md.`,
  options: { 'train-days': { type: 'string' } },
  positionals: [1, 1],
} as const;

export function anomaliesCli({ values, positionals }: CliArgs<typeof ANOMALIES_CLI.options>): string {
  const trainDays = positiveInt('train-days', values['train-days']);
  const samples = parsePowerTrace(readInput(positionals[0]));
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

if (require.main === module) {
  void runCli(ANOMALIES_CLI, (args) => {
    process.stdout.write(`${anomaliesCli(args)}\n`);
  });
}
