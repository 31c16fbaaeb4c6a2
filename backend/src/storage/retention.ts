/**
 * Retention policies and continuous queries for InfluxDB 1.x (see infra/influxdb/README.md):
 * raw points (one per record, typically every 10 s) stay in the database's default policy; a CQ
 * folds them into 1-minute points in `rp_1m`, another folds those into 15-minute points in `rp_15m`.
 * Field names stay the same in every tier, so one series query works on each (pick the tier with `rp`).
 * The aggregation comes from the metrics table: counters (total_increasing) keep their last value,
 * everything else its mean; `power_w_max` keeps the peak.
 */
import { CIRCUIT_METRICS } from '@dinmeter/shared';
import { duration, quoteIdent, rowsOf, timeLiteralMs } from './influxql';
import { CIRCUIT_MEASUREMENT, InfluxStatementResult } from './storage.types';

export interface DownsampleTier {
  /** Retention policy the aggregates go to. */
  rp: string;
  /** Aggregation interval (GROUP BY time). */
  every: string;
  /** How long the policy keeps them: an InfluxQL duration or 'INF'. */
  keep: string;
  /** CQ window: each run recomputes the last `resampleFor`, catching points that arrived a little late. */
  resampleFor: string;
}

export interface RetentionPlan {
  db: string;
  /** New duration of the default (raw) policy, e.g. '30d'; undefined leaves it alone (no data is deleted). */
  rawKeep?: string;
  /** Each tier reads the one before it; the first reads the raw points. */
  tiers: DownsampleTier[];
}

export const DEFAULT_TIERS: readonly DownsampleTier[] = [
  { rp: 'rp_1m', every: '1m', keep: '400d', resampleFor: '2m' },
  { rp: 'rp_15m', every: '15m', keep: 'INF', resampleFor: '30m' },
];

function keepLiteral(keep: string): string {
  return keep === 'INF' ? 'INF' : duration(keep, 'retention');
}

/** `field → aggregate` for a tier; `fromRaw` is true for the first tier (raw points in, e.g. power_w → max → power_w_max). */
function selectList(fromRaw: boolean): string {
  const parts = CIRCUIT_METRICS.map((m) => {
    // Energy counters (Wh, varh) only grow: the interval's last value is the reading at its end.
    const counter = ('haStateClass' in m && m.haStateClass === 'total_increasing') || m.unit.endsWith('h');
    const fn = counter ? 'last' : 'mean';
    return `${fn}(${quoteIdent(m.field)}) AS ${quoteIdent(m.field)}`;
  });
  parts.push(`max(${quoteIdent(fromRaw ? 'power_w' : 'power_w_max')}) AS ${quoteIdent('power_w_max')}`);
  return parts.join(', ');
}

/** `"db"."rp"."circuit"`, or `"db".."circuit"` (the default policy) for the raw points. */
function source(db: string, rp: string | undefined): string {
  return `${quoteIdent(db)}.${rp === undefined ? '' : quoteIdent(rp)}.${quoteIdent(CIRCUIT_MEASUREMENT)}`;
}

/** The SELECT … INTO of tier `index`; with a range it backfills (e.g. after devices replayed old records). */
export function downsampleSelect(plan: RetentionPlan, index: number, range?: { from: number; to: number }): string {
  const tier = plan.tiers[index];
  const input = index === 0 ? undefined : plan.tiers[index - 1].rp;
  const where = range ? ` WHERE time >= ${timeLiteralMs(range.from)} AND time < ${timeLiteralMs(range.to)}` : '';
  return (
    `SELECT ${selectList(index === 0)} INTO ${source(plan.db, tier.rp)} FROM ${source(plan.db, input)}` +
    `${where} GROUP BY time(${duration(tier.every, 'every')}), ${quoteIdent('device')}, ${quoteIdent('circuit')}`
  );
}

export function cqName(tier: DownsampleTier): string {
  return `cq_${CIRCUIT_MEASUREMENT}_${tier.every}`;
}

/** Every statement ensureRetention may run, in order (also what the README shows). */
export function retentionStatements(plan: RetentionPlan, defaultRp = 'autogen') {
  const db = quoteIdent(plan.db);
  return {
    createDatabase: `CREATE DATABASE ${db}`,
    alterRaw: plan.rawKeep === undefined ? undefined : `ALTER RETENTION POLICY ${quoteIdent(defaultRp)} ON ${db} DURATION ${keepLiteral(plan.rawKeep)}`,
    tiers: plan.tiers.map((tier, i) => ({
      createRp: `CREATE RETENTION POLICY ${quoteIdent(tier.rp)} ON ${db} DURATION ${keepLiteral(tier.keep)} REPLICATION 1`,
      alterRp: `ALTER RETENTION POLICY ${quoteIdent(tier.rp)} ON ${db} DURATION ${keepLiteral(tier.keep)}`,
      dropCq: `DROP CONTINUOUS QUERY ${quoteIdent(cqName(tier))} ON ${db}`,
      createCq:
        `CREATE CONTINUOUS QUERY ${quoteIdent(cqName(tier))} ON ${db} ` +
        `RESAMPLE EVERY ${duration(tier.every, 'every')} FOR ${duration(tier.resampleFor, 'resampleFor')} ` +
        `BEGIN ${downsampleSelect(plan, i)} END`,
    })),
  };
}

export type RunInfluxQL = (influxql: string) => Promise<InfluxStatementResult[]>;

/**
 * Creates or updates the policies and continuous queries of `plan`. Idempotent: run it at every start
 * or from the CLI (backend/src/storage/retention.cli.ts). Returns what it did, one line per statement.
 */
export async function ensureRetention(run: RunInfluxQL, plan: RetentionPlan): Promise<string[]> {
  const done: string[] = [];
  const exec = async (statement: string) => {
    await run(statement);
    done.push(statement);
  };
  await exec(`CREATE DATABASE ${quoteIdent(plan.db)}`);
  const policies = rowsOf((await run(`SHOW RETENTION POLICIES ON ${quoteIdent(plan.db)}`))[0]);
  const defaultRp = (policies.find((p) => p.default === true)?.name as string | undefined) ?? 'autogen';
  const existing = new Set(policies.map((p) => p.name as string));
  const statements = retentionStatements(plan, defaultRp);
  if (statements.alterRaw) await exec(statements.alterRaw);
  const cqs = new Set<string>();
  for (const series of (await run('SHOW CONTINUOUS QUERIES'))[0]?.series ?? []) {
    if (series.name !== plan.db) continue;
    for (const row of series.values) cqs.add(row[series.columns.indexOf('name')] as string);
  }
  for (const [i, tier] of plan.tiers.entries()) {
    const s = statements.tiers[i];
    await exec(existing.has(tier.rp) ? s.alterRp : s.createRp);
    // A CQ cannot be altered: replace it, so a changed definition takes effect.
    if (cqs.has(cqName(tier))) await exec(s.dropCq);
    await exec(s.createCq);
  }
  return done;
}
