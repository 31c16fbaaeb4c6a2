/**
 * Applies the retention policies and continuous queries of infra/influxdb/README.md to an InfluxDB 1.x.
 * --print only prints the statements; --backfill-from recomputes the downsampled tiers from that instant
 * to now (continuous queries only look back a few minutes: records replayed after a long outage need it).
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, UsageError } from '../../../shared/node/cli';
import { influx2Files } from './influx2-setup';
import { Influx1Store } from './influx1.store';
import { DEFAULT_HISTORY, DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan, retentionStatements } from './retention';

const SPEC = {
  name: 'retention',
  usage: `usage: retention [--url http://127.0.0.1:8086] [--db dinmeter] [--raw-keep 30d] [--backfill-from ISO-8601] [--print]
  (node -r @swc-node/register backend/src/storage/retention.cli.ts …)
  --url            InfluxDB 1.x (default: INFLUX_URL, else http://127.0.0.1:8086; INFLUX_TOKEN is sent when set)
  --db             database (default: INFLUX_DB, else dinmeter)
  --raw-keep       how long raw records stay in autogen (InfluxDB duration: 30d, 12w, INF)
  --backfill-from  recompute the downsampled tiers from this instant to now
  --print          print the statements and touch nothing
  --influx2 DIR    write the InfluxDB 2.x setup (setup.sh, tasks/*.flux) into DIR (infra/influxdb2) and touch nothing else`,
  options: {
    url: { type: 'string' },
    db: { type: 'string' },
    'raw-keep': { type: 'string' },
    'backfill-from': { type: 'string' },
    print: { type: 'boolean' },
    influx2: { type: 'string' },
  },
} as const;

void runCli(SPEC, async ({ values }) => {
  if (values.influx2 !== undefined) return writeInflux2Setup(values.influx2);
  const url = values.url ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086';
  const from = values['backfill-from'];
  const fromMs = from === undefined ? undefined : Date.parse(from);
  if (fromMs !== undefined && Number.isNaN(fromMs)) throw new UsageError(`--backfill-from ${JSON.stringify(from)} is not an ISO date`);
  const plan: RetentionPlan = {
    db: values.db ?? process.env.INFLUX_DB ?? 'dinmeter',
    rawKeep: values['raw-keep'],
    tiers: [...DEFAULT_TIERS],
    history: { ...DEFAULT_HISTORY },
  };
  let s: ReturnType<typeof retentionStatements>;
  try {
    s = retentionStatements(plan); // checks --db and --raw-keep before anything is sent
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.print) {
    const lines = [s.createDatabase, s.alterRaw, s.history?.createRp, ...s.tiers.flatMap((t) => [t.createRp, t.createCq])].filter(Boolean);
    process.stdout.write(`${lines.join(';\n')};\n`);
    return;
  }
  const store = new Influx1Store({ url, db: plan.db, token: process.env.INFLUX_TOKEN });
  for (const statement of (await ensureRetention((q) => store.query(q), plan)).changed) process.stdout.write(`${statement}\n`);
  if (fromMs !== undefined) {
    const range = { from: fromMs, to: Date.now() };
    for (const i of plan.tiers.keys()) {
      const statement = downsampleSelect(plan, i, range);
      await store.query(statement);
      process.stdout.write(`${statement}\n`);
    }
  }
});

function writeInflux2Setup(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--influx2 ${JSON.stringify(dir)}: no such directory`);
  for (const [file, text] of Object.entries(influx2Files())) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    if (file.endsWith('.sh')) chmodSync(path, 0o755);
    process.stdout.write(`wrote ${path}\n`);
  }
}
