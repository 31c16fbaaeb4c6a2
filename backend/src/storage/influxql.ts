/**
 * InfluxQL building blocks. Identifiers go in double quotes, string literals in single quotes; inside
 * both, InfluxQL's scanner knows the escapes \\ \" \' and \n (influxql/scanner.go ScanString), so a
 * value can never end the quote early. Times are integer epoch milliseconds with the `ms` unit.
 */
import { CIRCUIT_MEASUREMENT, InfluxSeries, InfluxStatementResult, InfluxQueryError, SeriesFn, SeriesPoint, SeriesQuery } from './storage.types';

function escapeQuoted(value: string, quote: '"' | "'"): string {
  return value.replace(/\\/g, '\\\\').replace(quote === '"' ? /"/g : /'/g, `\\${quote}`).replace(/\n/g, '\\n');
}

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new RangeError('InfluxQL: empty identifier');
  return `"${escapeQuoted(name, '"')}"`;
}

export function quoteString(value: string): string {
  return `'${escapeQuoted(value, "'")}'`;
}

const DURATION = /^[1-9][0-9]*(ns|u|µ|ms|s|m|h|d|w)$/;

/** Checks an InfluxQL duration literal such as '10s', '1m', '15m', '30d'. */
export function duration(value: string, what = 'duration'): string {
  if (!DURATION.test(value)) throw new RangeError(`InfluxQL: ${what} ${JSON.stringify(value)} is not a duration like 10s, 1m, 30d`);
  return value;
}

export function timeLiteralMs(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`InfluxQL: time ${ms} is not an integer number of ms`);
  return `${ms}ms`;
}

const SERIES_FNS: readonly SeriesFn[] = ['mean', 'last', 'max', 'min', 'sum'];

/** `"rp"."measurement"` when a retention policy is given, else the bare measurement (the database's default policy). */
export function measurementRef(measurement: string, rp?: string): string {
  return rp === undefined ? quoteIdent(measurement) : `${quoteIdent(rp)}.${quoteIdent(measurement)}`;
}

/** The one query behind the REST series endpoint and the dashboards. */
export function seriesQuery(q: SeriesQuery): string {
  if (!(q.to > q.from)) throw new RangeError(`series query: to (${q.to}) must be after from (${q.from})`);
  const where = [`${quoteIdent('device')} = ${quoteString(q.device)}`];
  if (q.circuit !== undefined) {
    if (!Number.isInteger(q.circuit)) throw new RangeError(`series query: circuit ${q.circuit} is not an integer`);
    where.push(`${quoteIdent('circuit')} = ${quoteString(String(q.circuit))}`);
  }
  where.push(`time >= ${timeLiteralMs(q.from)}`, `time < ${timeLiteralMs(q.to)}`);
  const from = `FROM ${measurementRef(CIRCUIT_MEASUREMENT, q.rp)} WHERE ${where.join(' AND ')}`;
  if (q.every === undefined) return `SELECT ${quoteIdent(q.field)} AS "value" ${from}`;
  const fn = q.fn ?? 'mean';
  if (!SERIES_FNS.includes(fn)) throw new RangeError(`series query: fn ${JSON.stringify(fn)} is not one of ${SERIES_FNS.join(', ')}`);
  return `SELECT ${fn}(${quoteIdent(q.field)}) AS "value" ${from} GROUP BY time(${duration(q.every, 'every')}) fill(null)`;
}

/** The JSON of GET/POST /query (1.x, and 2.x/3.x v1-compat): errors per statement or for the whole request. */
interface QueryResponseJson {
  error?: string;
  results?: { statement_id?: number; series?: InfluxSeries[]; error?: string }[];
}

export function parseQueryResponse(json: unknown): InfluxStatementResult[] {
  const body = json as QueryResponseJson;
  if (typeof body !== 'object' || body === null) throw new InfluxQueryError('InfluxDB /query: response is not a JSON object');
  if (body.error) throw new InfluxQueryError(`InfluxQL error: ${body.error}`);
  const results = body.results ?? [];
  const failed = results.find((r) => r.error);
  if (failed) throw new InfluxQueryError(`InfluxQL error in statement ${failed.statement_id ?? 0}: ${failed.error}`);
  // A series without rows (e.g. SHOW CONTINUOUS QUERIES on a database with none) comes without `values`.
  return results.map((r, i) => ({
    statement_id: r.statement_id ?? i,
    series: (r.series ?? []).map((s) => ({ ...s, columns: s.columns ?? [], values: s.values ?? [] })),
  }));
}

/** A statement's rows as objects, each series' tags merged in. */
export function rowsOf(result: InfluxStatementResult | undefined): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const series of result?.series ?? []) {
    for (const values of series.values) {
      const row: Record<string, unknown> = { ...series.tags };
      series.columns.forEach((column, i) => (row[column] = values[i]));
      rows.push(row);
    }
  }
  return rows;
}

export function toSeriesPoints(result: InfluxStatementResult | undefined): SeriesPoint[] {
  return rowsOf(result).map((row) => ({
    ts: row.time as number,
    value: typeof row.value === 'number' ? row.value : null,
  }));
}
