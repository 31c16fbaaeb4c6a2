/**
 * The InfluxDB 2.x counterpart of the 1.x retention policies and continuous queries (retention.ts):
 * one bucket per tier, a Flux task per tier with the same aggregations, a task that copies the
 * history measurements to a bucket kept forever, and the DBRP mappings that let the backend's and
 * Grafana's InfluxQL (`"rp_1m"."circuit"`, `"rp_history"."relay"`) find those buckets.
 * `retention.cli.ts --influx2 infra/influxdb2` writes setup.sh and tasks/*.flux from here;
 * influx2-setup.spec.ts fails when the committed files differ.
 */
import { CIRCUIT_MEASUREMENT } from './storage.types';
import { DEFAULT_HISTORY, DEFAULT_TIERS, DownsampleTier, TierAggregate, tierAggregates } from './retention';

/** Bucket names derive from the main bucket (INFLUX_BUCKET): dinmeter, dinmeter_1m, dinmeter_15m, dinmeter_history. */
export const TEMPLATE_BUCKET = 'dinmeter';

export interface Influx2Bucket {
  name: string;
  /** influx CLI retention: a duration, or 0 for forever. */
  retention: string;
  /** The 1.x retention policy it stands for (DBRP mapping). */
  rp: string;
}

export function influx2Buckets(bucket = TEMPLATE_BUCKET, rawRetention = '30d'): Influx2Bucket[] {
  const keep = (k: string) => (k === 'INF' ? '0' : k);
  return [
    { name: bucket, retention: rawRetention, rp: 'autogen' },
    ...DEFAULT_TIERS.map((t) => ({ name: tierBucket(bucket, t), retention: keep(t.keep), rp: t.rp })),
    { name: `${bucket}_history`, retention: keep(DEFAULT_HISTORY.keep), rp: DEFAULT_HISTORY.rp },
  ];
}

/** `db/rp` → bucket, as the DBRP mappings of setup.sh make it (`db/` is the default policy). */
export function influx2Dbrp(db: string, bucket = TEMPLATE_BUCKET): Record<string, string> {
  const buckets = influx2Buckets(bucket);
  return Object.fromEntries([[`${db}/`, bucket], ...buckets.map((b) => [`${db}/${b.rp}`, b.name])]);
}

const tierBucket = (bucket: string, tier: DownsampleTier) => `${bucket}_${tier.every}`;
const fieldFilter = (fields: string[]) => fields.map((f) => `r._field == "${f}"`).join(' or ');

/** One task per tier: tier i reads tier i-1 (the first the raw bucket) over its resample window, in whole intervals. */
export function tierTask(index: number, bucket = TEMPLATE_BUCKET): string {
  const tier = DEFAULT_TIERS[index];
  const source = index === 0 ? bucket : tierBucket(bucket, DEFAULT_TIERS[index - 1]);
  const target = tierBucket(bucket, tier);
  const aggregates = tierAggregates(index === 0);
  const byFn = new Map<TierAggregate['fn'], TierAggregate[]>();
  for (const a of aggregates) byFn.set(a.fn, [...(byFn.get(a.fn) ?? []), a]);
  const pipelines = [...byFn].map(([fn, list]) => {
    const renamed = list.filter((a) => a.field !== a.source);
    return [
      'data',
      `    |> filter(fn: (r) => ${fieldFilter(list.map((a) => a.source))})`,
      `    |> aggregateWindow(every: ${tier.every}, fn: ${fn}, createEmpty: false, timeSrc: "_start")`,
      ...renamed.map((a) => `    |> set(key: "_field", value: "${a.field}")`),
      `    |> to(bucket: "${target}")`,
    ].join('\n');
  });
  return [
    `// ${tier.every} tier of dinmeter: the 1.x continuous query cq_${CIRCUIT_MEASUREMENT}_${tier.every} as a task (infra/influxdb2/README.md).`,
    '// Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.',
    'import "date"',
    '',
    `option task = {name: "dinmeter downsample ${tier.every}", every: ${tier.every}, offset: 15s}`,
    '',
    '// Whole intervals only, so a partly covered first or last interval never overwrites a complete one;',
    `// ${tier.resampleFor} back, like the CQ's RESAMPLE FOR, catches points that arrived a little late.`,
    `stop = date.truncate(t: now(), unit: ${tier.every})`,
    `start = date.truncate(t: -${tier.resampleFor}, unit: ${tier.every})`,
    '',
    'data =',
    `    from(bucket: "${source}")`,
    '        |> range(start: start, stop: stop)',
    `        |> filter(fn: (r) => r._measurement == "${CIRCUIT_MEASUREMENT}")`,
    '',
    pipelines.join('\n\n'),
    '',
  ].join('\n');
}

/** Everything but the circuit points (relays, prices, appliance runs, …) also goes to the history bucket, kept forever. */
export function historyTask(bucket = TEMPLATE_BUCKET): string {
  return [
    '// History of dinmeter: what 1.x keeps in rp_history (relay, price, …) copied to a bucket kept forever (infra/influxdb2/README.md).',
    '// Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.',
    'option task = {name: "dinmeter history", every: 15m, offset: 30s}',
    '',
    `from(bucket: "${bucket}")`,
    '    |> range(start: -1h)',
    `    |> filter(fn: (r) => r._measurement != "${CIRCUIT_MEASUREMENT}")`,
    `    |> to(bucket: "${bucket}_history")`,
    '',
  ].join('\n');
}

/** The committed files of infra/influxdb2, by path relative to it. */
export function influx2Files(): Record<string, string> {
  const tasks: Record<string, string> = Object.fromEntries(DEFAULT_TIERS.map((t, i) => [`tasks/downsample-${t.every}.flux`, tierTask(i)]));
  tasks['tasks/history.flux'] = historyTask();
  return { ...tasks, 'setup.sh': setupScript(Object.keys(tasks)) };
}

function setupScript(taskFiles: string[]): string {
  const buckets = influx2Buckets('$BUCKET', '$RAW_RETENTION').map((b) => ({ ...b, name: `"${b.name.replace('$BUCKET', '${BUCKET}')}"` }));
  return `#!/bin/sh
# dinmeter on InfluxDB 2.x: buckets, DBRP mappings and downsampling tasks (infra/influxdb2/README.md).
# Generated from backend/src/storage/influx2-setup.ts: edit there, then retention.cli.ts --influx2 infra/influxdb2.
# Needs the influx CLI (2.x) pointed at the org with an all-access or operator token:
#   influx config create --active -n dinmeter -u http://influx:8086 -o home -t <token>
# Safe to run again: what exists is left alone.
set -eu
BUCKET=\${BUCKET:-dinmeter}         # INFLUX_BUCKET of the backend
DB=\${DB:-dinmeter}                 # INFLUX_DB: the database name InfluxQL uses
RAW_RETENTION=\${RAW_RETENTION:-30d} # INFLUX_RAW_RETENTION
HERE=$(cd "$(dirname "$0")" && pwd)

bucket_id() { influx bucket list --name "$1" --hide-headers 2>/dev/null | awk '{print $1}'; }

ensure_bucket() { # name retention (0 = forever)
  if [ -z "$(bucket_id "$1")" ]; then influx bucket create --name "$1" --retention "$2" >/dev/null; echo "bucket $1 (retention $2)"; fi
}

ensure_dbrp() { # rp bucket [--default]
  if ! influx v1 dbrp list --db "$DB" --rp "$1" --hide-headers 2>/dev/null | grep -q .; then
    influx v1 dbrp create --db "$DB" --rp "$1" --bucket-id "$(bucket_id "$2")" \${3:-} >/dev/null
    echo "dbrp $DB/$1 -> $2"
  fi
}

ensure_task() { # file: the template's bucket names become $BUCKET's
  name=$(sed -n 's/^option task = {name: "\\([^"]*\\)".*/\\1/p' "$1")
  if ! influx task list --hide-headers 2>/dev/null | grep -q "$name"; then
    flux=$(mktemp)
    sed 's/bucket: "${TEMPLATE_BUCKET}/bucket: "'"$BUCKET"'/g' "$1" > "$flux"
    influx task create --file "$flux" >/dev/null
    rm -f "$flux"
    echo "task $name"
  fi
}

${buckets.map((b) => `ensure_bucket ${b.name} ${b.retention.startsWith('$') ? `"${b.retention}"` : b.retention}`).join('\n')}
${buckets.map((b) => `ensure_dbrp ${b.rp} ${b.name}${b.rp === 'autogen' ? ' --default' : ''}`).join('\n')}
${taskFiles.map((f) => `ensure_task "$HERE/${f}"`).join('\n')}
`;
}
