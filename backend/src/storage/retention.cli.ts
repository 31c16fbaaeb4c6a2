/**
 * Applies the retention policies and continuous queries of infra/influxdb/README.md to an InfluxDB 1.x.
 *   node -r @swc-node/register backend/src/storage/retention.cli.ts [--url http://127.0.0.1:8086] [--db dinmeter]
 *        [--raw-keep 30d] [--backfill-from 2024-01-01T00:00:00Z] [--print]
 * --print only prints the statements; --backfill-from recomputes the downsampled tiers from that instant
 * to now (continuous queries only look back a few minutes: records replayed after a long outage need it).
 */
import { Influx1Store } from './influx1.store';
import { DEFAULT_HISTORY, DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan, retentionStatements } from './retention';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const url = arg('url') ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8086';
  const plan: RetentionPlan = { db: arg('db') ?? process.env.INFLUX_DB ?? 'dinmeter', rawKeep: arg('raw-keep'), tiers: [...DEFAULT_TIERS], history: { ...DEFAULT_HISTORY } };
  if (process.argv.includes('--print')) {
    const s = retentionStatements(plan);
    const lines = [s.createDatabase, s.alterRaw, s.history?.createRp, ...s.tiers.flatMap((t) => [t.createRp, t.createCq])].filter(Boolean);
    process.stdout.write(`${lines.join(';\n')};\n`);
    return;
  }
  const store = new Influx1Store({ url, db: plan.db, token: process.env.INFLUX_TOKEN });
  for (const statement of (await ensureRetention((q) => store.query(q), plan)).changed) process.stdout.write(`${statement}\n`);
  const from = arg('backfill-from');
  if (from !== undefined) {
    const range = { from: Date.parse(from), to: Date.now() };
    if (Number.isNaN(range.from)) throw new Error(`--backfill-from ${JSON.stringify(from)} is not an ISO date`);
    for (const i of plan.tiers.keys()) {
      const statement = downsampleSelect(plan, i, range);
      await store.query(statement);
      process.stdout.write(`${statement}\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`retention: ${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
