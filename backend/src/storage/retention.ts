/**
 * Retention policies and continuous queries for InfluxDB 1.x (see infra/influxdb/README.md):
 * raw points (one per record, typically every 10 s) stay in the database's default policy; a CQ
 * folds them into 1-minute points in `rp_1m`, another folds those into 15-minute points in `rp_15m`.
 * Field names stay the same in every tier, so one series query works on each (pick the tier with `rp`).
 * The aggregation comes from the metrics table: counters (total_increasing) keep their last value,
 * everything else its mean; `power_w_max` keeps the peak. Relay and price history (a few points a
 * day) live in their own policy, `rp_history`, kept as long as the 15-minute tier.
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
  /** New duration of the default (raw) policy, e.g. '30d' or 'INF'; undefined leaves it alone (no data is deleted). */
  rawKeep?: string;
  /** Each tier reads the one before it; the first reads the raw points. */
  tiers: DownsampleTier[];
  /** Policy of the relay and price history (measurements `relay`, `price`); undefined: none. */
  history?: { rp: string; keep: string };
}

/**
 * The 1-minute CQ recomputes the last 3 minutes every minute, the 15-minute CQ the last hour (which
 * covers late 1-minute points and then some). A record stored later than LATE_RECORD_MS after its own
 * time is re-downsampled by the backend (downsampling.service.ts). The 1-minute window is short on
 * purpose: each minute's run reads the whole window for every series, so at 10,000 meters a 10-minute
 * window made influxd read ten times what was written (docs/scaling.md "Downsampling window").
 */
export const DEFAULT_TIERS: readonly DownsampleTier[] = [
  { rp: 'rp_1m', every: '1m', keep: '400d', resampleFor: '3m' },
  { rp: 'rp_15m', every: '15m', keep: 'INF', resampleFor: '1h' },
];

/** Half the 1-minute CQ window: a record older than this when stored may have missed the CQ runs of its minute. */
export const LATE_RECORD_MS = 90_000;

export const HISTORY_RP = 'rp_history';
export const HISTORY_MEASUREMENTS = ['relay', 'price', 'event'] as const;
export const DEFAULT_HISTORY = { rp: HISTORY_RP, keep: 'INF' } as const;

const UNIT_MS: Record<string, number> = { ns: 1e-6, u: 1e-3, µ: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** '30d' → ms; 'INF' (or InfluxDB's '0s') → Infinity. Also reads SHOW RETENTION POLICIES' '720h0m0s'. */
export function durationMs(value: string): number {
  if (value === 'INF' || value === '0s') return Infinity;
  const parts = [...value.matchAll(/([0-9]+)(ns|u|µ|ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new RangeError(`InfluxQL: ${JSON.stringify(value)} is not a duration`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0);
}

function keepLiteral(keep: string, what = 'retention'): string {
  return keep === 'INF' ? 'INF' : duration(keep, what);
}

/** One aggregated field of a tier: `fn(source) AS field`. */
export interface TierAggregate {
  field: string;
  source: string;
  fn: 'last' | 'mean' | 'max';
}

/**
 * What each tier keeps (also the InfluxDB 2.x tasks, influx2-setup.ts): counters their last value,
 * everything else its mean, and the peak power as `power_w_max`. `fromRaw` is true for the first
 * tier (raw points in: power_w → max → power_w_max).
 */
export function tierAggregates(fromRaw: boolean): TierAggregate[] {
  // Counters only grow: the interval's last value is the reading at its end.
  const parts: TierAggregate[] = CIRCUIT_METRICS.map((m) => ({ field: m.field, source: m.field, fn: m.kind === 'counter' ? 'last' : 'mean' }));
  parts.push({ field: 'power_w_max', source: fromRaw ? 'power_w' : 'power_w_max', fn: 'max' });
  return parts;
}

function selectList(fromRaw: boolean): string {
  return tierAggregates(fromRaw)
    .map((a) => `${a.fn}(${quoteIdent(a.source)}) AS ${quoteIdent(a.field)}`)
    .join(', ');
}

/** `"db"."rp"."circuit"` (InfluxDB shows a CQ's source with the default policy's name filled in, so we write it too). */
function source(db: string, rp: string): string {
  return `${quoteIdent(db)}.${quoteIdent(rp)}.${quoteIdent(CIRCUIT_MEASUREMENT)}`;
}

/**
 * The SELECT … INTO of tier `index`; with a range it re-downsamples [from, to) (records that came late).
 * `fromRaw` makes a later tier read the raw points instead of the tier before it (for a range that
 * tier no longer keeps).
 */
export function downsampleSelect(plan: RetentionPlan, index: number, range?: { from: number; to: number }, defaultRp = 'autogen', fromRaw = index === 0): string {
  const tier = plan.tiers[index];
  const input = fromRaw ? defaultRp : plan.tiers[index - 1].rp;
  const where = range ? ` WHERE time >= ${timeLiteralMs(range.from)} AND time < ${timeLiteralMs(range.to)}` : '';
  return (
    `SELECT ${selectList(fromRaw)} INTO ${source(plan.db, tier.rp)} FROM ${source(plan.db, input)}` +
    `${where} GROUP BY time(${duration(tier.every, 'every')}), ${quoteIdent('device')}, ${quoteIdent('circuit')}`
  );
}

export function cqName(tier: DownsampleTier): string {
  return `cq_${CIRCUIT_MEASUREMENT}_${tier.every}`;
}

/** Every statement ensureRetention may run (also what the README shows). */
export function retentionStatements(plan: RetentionPlan, defaultRp = 'autogen') {
  const db = quoteIdent(plan.db);
  const policy = (rp: string, keep: string) => ({
    createRp: `CREATE RETENTION POLICY ${quoteIdent(rp)} ON ${db} DURATION ${keepLiteral(keep)} REPLICATION 1`,
    alterRp: `ALTER RETENTION POLICY ${quoteIdent(rp)} ON ${db} DURATION ${keepLiteral(keep)}`,
  });
  return {
    createDatabase: `CREATE DATABASE ${db}`,
    alterRaw: plan.rawKeep === undefined ? undefined : `ALTER RETENTION POLICY ${quoteIdent(defaultRp)} ON ${db} DURATION ${keepLiteral(plan.rawKeep, 'raw retention')}`,
    history: plan.history && {
      ...policy(plan.history.rp, plan.history.keep),
      // Relay, price and event points written before the policy existed went to the default policy: copy them over once.
      copy: `SELECT * INTO ${db}.${quoteIdent(plan.history.rp)}.:MEASUREMENT FROM ${HISTORY_MEASUREMENTS.map((m) => `${db}.${quoteIdent(defaultRp)}.${quoteIdent(m)}`).join(', ')} GROUP BY *`,
    },
    tiers: plan.tiers.map((tier, i) => ({
      ...policy(tier.rp, tier.keep),
      dropCq: `DROP CONTINUOUS QUERY ${quoteIdent(cqName(tier))} ON ${db}`,
      createCq:
        `CREATE CONTINUOUS QUERY ${quoteIdent(cqName(tier))} ON ${db} ` +
        `RESAMPLE EVERY ${duration(tier.every, 'every')} FOR ${duration(tier.resampleFor, 'resampleFor')} ` +
        `BEGIN ${downsampleSelect(plan, i, undefined, defaultRp)} END`,
    })),
  };
}

export type RunInfluxQL = (influxql: string) => Promise<InfluxStatementResult[]>;

export interface RetentionState {
  /** The statements that changed something (none when everything already matched the plan). */
  changed: string[];
  /** The database's default policy, where the raw points are. */
  defaultRp: string;
  /** Tiers whose policy did not exist before: their data has to be computed from the raw points. */
  createdTiers: string[];
  /** The raw policy's duration now, in ms (Infinity: forever). */
  rawKeepMs: number;
}

/** InfluxDB prints a CQ without quotes around plain identifiers: compare definitions without them. */
const normalized = (statement: string) => statement.replace(/"/g, '').replace(/\s+/g, ' ').trim();

/**
 * Brings the database to `plan`: creates what is missing, alters a policy whose duration differs and
 * replaces a CQ whose definition differs. Idempotent: a second run changes nothing. The raw policy is
 * only altered when `plan.rawKeep` is set (shortening it deletes raw points).
 */
export async function ensureRetention(run: RunInfluxQL, plan: RetentionPlan): Promise<RetentionState> {
  const changed: string[] = [];
  const exec = async (statement: string) => {
    await run(statement);
    changed.push(statement);
  };
  const databases = rowsOf((await run('SHOW DATABASES'))[0]).map((r) => r.name);
  if (!databases.includes(plan.db)) await exec(`CREATE DATABASE ${quoteIdent(plan.db)}`);
  const policies = new Map(rowsOf((await run(`SHOW RETENTION POLICIES ON ${quoteIdent(plan.db)}`))[0]).map((p) => [p.name as string, p]));
  const defaultRp = ([...policies.values()].find((p) => p.default === true)?.name as string | undefined) ?? 'autogen';
  const statements = retentionStatements(plan, defaultRp);
  const differs = (rp: string, keep: string) => durationMs(String(policies.get(rp)?.duration)) !== durationMs(keep);

  let rawKeepMs = durationMs(String(policies.get(defaultRp)?.duration ?? 'INF'));
  if (statements.alterRaw && differs(defaultRp, plan.rawKeep!)) {
    await exec(statements.alterRaw);
    rawKeepMs = durationMs(plan.rawKeep!);
  }
  const ensurePolicy = async (rp: string, keep: string, s: { createRp: string; alterRp: string }) => {
    if (!policies.has(rp)) await exec(s.createRp);
    else if (differs(rp, keep)) await exec(s.alterRp);
  };
  if (plan.history && statements.history) {
    const created = !policies.has(plan.history.rp);
    await ensurePolicy(plan.history.rp, plan.history.keep, statements.history);
    if (created) await exec(statements.history.copy);
  }
  const cqs = new Map<string, string>();
  for (const series of (await run('SHOW CONTINUOUS QUERIES'))[0]?.series ?? []) {
    if (series.name !== plan.db) continue;
    for (const row of series.values) cqs.set(row[series.columns.indexOf('name')] as string, row[series.columns.indexOf('query')] as string);
  }
  const createdTiers: string[] = [];
  for (const [i, tier] of plan.tiers.entries()) {
    const s = statements.tiers[i];
    if (!policies.has(tier.rp)) createdTiers.push(tier.rp);
    await ensurePolicy(tier.rp, tier.keep, s);
    const existing = cqs.get(cqName(tier));
    if (existing !== undefined && normalized(existing) === normalized(s.createCq)) continue;
    // A CQ cannot be altered: replace it, so a changed definition takes effect.
    if (existing !== undefined) await exec(s.dropCq);
    await exec(s.createCq);
  }
  return { changed, defaultRp, createdTiers, rawKeepMs };
}
