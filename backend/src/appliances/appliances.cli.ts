/**
 * `npm run --silent appliances -- <trace.csv|->`: the candidate appliances of a power trace, as JSON:
 * `{runs, unassignedRuns, clusters: [{id, runs, powerW, durationS, energyWh, runsPerDay, cyclic,
 * intervalS?, peakHours, firstSeen, lastSeen}]}` (spreads as median, p10, p90; times ISO 8601).
 */
import { parseArgs } from 'node:util';
import { runCli, UsageError } from '../prices/cli-support';
import { readTrace } from './anomalies.cli';
import { findAppliances } from './analysis/offline';
import { parsePowerTrace } from './analysis/power-trace';
import { ApplianceCluster } from './analysis/signatures';

const USAGE = 'usage: appliances <trace.csv|->';

export function appliancesCli(argv: string[]): string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: {} });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(USAGE);
  const { clusters, runs, unassigned } = findAppliances(parsePowerTrace(readTrace(parsed.positionals[0])));
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

if (require.main === module) runCli('appliances', () => appliancesCli(process.argv.slice(2)));
