/**
 * `npm run --silent appliances -- <trace.csv|->`: the candidate appliances of a power trace, as JSON:
 * `{runs, unassignedRuns, clusters: [{id, runs, powerW, durationS, energyWh, runsPerDay, cyclic,
 * intervalS?, peakHours, firstSeen, lastSeen}]}` (spreads as median, p10, p90; times ISO 8601).
 */
import { CliArgs, runCli } from '../../../shared/node/cli';
import { readInput } from '../prices/cli-support';
import { findAppliances } from './analysis/offline';
import { parsePowerTrace } from './analysis/power-trace';
import { ApplianceCluster } from './analysis/signatures';

export const APPLIANCES_CLI = {
  name: 'appliances',
  usage: `usage: appliances <trace.csv|->
  <trace.csv>  CSV with a header naming ts and power_w, or tracebase lines; "-" reads stdin
  Prints {runs, unassignedRuns, clusters: [{id, runs, powerW, durationS, energyWh, runsPerDay, cyclic, intervalS?, peakHours, firstSeen, lastSeen}]}.`,
  options: {},
  positionals: [1, 1],
} as const;

export function appliancesCli({ positionals }: CliArgs<typeof APPLIANCES_CLI.options>): string {
  const { clusters, runs, unassigned } = findAppliances(parsePowerTrace(readInput(positionals[0])));
  return JSON.stringify({ runs, unassignedRuns: unassigned.length, clusters: clusters.map(describe) });
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function describe(c: ApplianceCluster) {
  const spread = (s: { median: number; p10: number; p90: number }) => ({ median: r1(s.median), p10: r1(s.p10), p90: r1(s.p90) });
  return {
    id: c.id,
    runs: c.runs,
    powerW: spread(c.powerW),
    durationS: spread(c.durationS),
    energyWh: spread(c.energyWh),
    runsPerDay: r1(c.runsPerDay),
    cyclic: c.cyclic,
    ...(c.intervalS !== undefined ? { intervalS: Math.round(c.intervalS) } : {}),
    /** The hours with the most starts (the daily pattern). */
    peakHours: c.hourProfile
      .map((share, hour) => ({ hour, share }))
      .filter((h) => h.share > 0)
      .sort((a, b) => b.share - a.share || a.hour - b.hour)
      .slice(0, 3)
      .map((h) => h.hour),
    firstSeen: new Date(c.firstSeen).toISOString(),
    lastSeen: new Date(c.lastSeen).toISOString(),
  };
}

if (require.main === module) {
  void runCli(APPLIANCES_CLI, (args) => {
    process.stdout.write(`${appliancesCli(args)}\n`);
  });
}
