import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli, UsageError } from '../../../shared/node/cli';
import { cycles, DAY, MIN, render, T0 } from './analysis/testing';
import { ANOMALIES_CLI, anomaliesCli as anomaliesMain } from './anomalies.cli';
import { APPLIANCES_CLI, appliancesCli as appliancesMain } from './appliances.cli';

const anomaliesCli = (argv: string[]) => anomaliesMain(parseCli(ANOMALIES_CLI, argv));
const appliancesCli = (argv: string[]) => appliancesMain(parseCli(APPLIANCES_CLI, argv));

describe('appliances and anomalies CLIs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anomalies-cli-'));
  // Three days of a fridge whose runs grow 50 % longer on the last day; epoch-ms times.
  const runs = cycles(T0, T0 + 3 * DAY, { onMin: 25, offMin: 40, powerW: 80, jitter: 0.05 });
  for (const r of runs) if (r.start >= T0 + 2 * DAY) r.durationMs *= 1.5;
  const csv = join(dir, 'fridge.csv');
  writeFileSync(csv, 'ts,power_w\n' + render(runs, T0, T0 + 3 * DAY, { stepMs: 15_000 }).map((s) => `${s.ts},${s.powerW}`).join('\n'));

  it('should print the anomalies of the last day as one JSON array', () => {
    const out = JSON.parse(anomaliesCli([csv]));
    expect(out.length).toBeGreaterThanOrEqual(1);
    expect(out[0]).toMatchObject({ kind: 'long_runs', appliance: 'a1' });
    expect(Object.keys(out[0]).slice(0, 5)).toEqual(['start', 'end', 'kind', 'score', 'message']);
    expect(Date.parse(out[0].start)).toBeGreaterThanOrEqual(T0 + 2 * DAY - 65 * MIN);
  });

  it('should learn from --train-days and check only what follows', () => {
    expect(JSON.parse(anomaliesCli([csv, '--train-days', '1']))).not.toEqual([]);
    expect(() => anomaliesCli([csv, '--train-days', '3'])).toThrow(/leaves nothing to check/);
  });

  it('should print the clusters', () => {
    const out = JSON.parse(appliancesCli([csv]));
    expect(out.clusters[0]).toMatchObject({ id: 'a1', cyclic: true, powerW: { median: 80 } });
  });

  it('should refuse bad arguments and bad files with a message', () => {
    expect(() => anomaliesCli([])).toThrow(UsageError);
    expect(() => anomaliesCli([csv, '--train-days', 'two'])).toThrow(/--train-days must be a positive integer/);
    expect(() => anomaliesCli([csv, '--train-day', '2'])).toThrow(/did you mean --train-days/);
    expect(() => anomaliesCli([join(dir, 'missing.csv')])).toThrow(/cannot read .*missing.csv: ENOENT/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'ts,power_w\n2024-01-01T00:00:00Z,1\nnot-a-time,3\n');
    expect(() => appliancesCli([bad])).toThrow(/line 3/);
  });
});
