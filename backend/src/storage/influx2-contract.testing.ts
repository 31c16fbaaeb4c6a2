/**
 * The InfluxDB 2.x HTTP API as documented (docs/integrations.md, "InfluxDB 2.x / 3.x", links the
 * reference), reduced to what dinmeter uses, and strict about it: every request that breaks the
 * contract is answered the way 2.x answers it AND recorded in `violations`, so a test sees
 * exactly which header, path, parameter or line was wrong. InfluxDB ≥ 1.8 cannot be installed on
 * the test machines; this stands in for it in unit tests.
 *
 * - `POST /api/v2/write?org=&bucket=&precision=`: `Authorization: Token <token>`,
 *   `Content-Type: text/plain; charset=utf-8`, optional `Content-Encoding: gzip`; line protocol
 *   whose timestamps fit `precision`; 204, or 400 `invalid`, 401 `unauthorized`, 404 `not found`.
 * - `GET|POST /query?db=&rp=&epoch=` (v1 compatibility): the token, `q` in the query string or a
 *   form body; `db`/`rp` (and `"db"."rp".measurement` in the statement) must have a DBRP mapping
 *   to a bucket; answers `{"results":[…]}` with the points written to that bucket for a
 *   `SELECT * FROM "m"` and an empty result otherwise.
 * - `GET /ping`: 204 with `X-Influxdb-Version`.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface StoredLine {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, string>;
  timestamp: string;
}

export interface ContractOptions {
  token: string;
  org: string;
  buckets: string[];
  /** `db/rp` → bucket; `db/` is the database's default policy. */
  dbrp: Record<string, string>;
  version?: string;
}

/** Digits of a current timestamp at each precision (2001 … 2286). */
const TIMESTAMP_DIGITS: Record<string, number> = { s: 10, ms: 13, us: 16, ns: 19 };

export class Influx2Contract {
  readonly violations: string[] = [];
  readonly points = new Map<string, StoredLine[]>();
  readonly requests: { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers'] }[] = [];
  url = '';
  private server?: Server;

  constructor(readonly options: ContractOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers });
    const reply = (status: number, body?: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, body ? { 'content-type': 'application/json; charset=utf-8', ...headers } : headers);
      res.end(body ? JSON.stringify(body) : undefined);
    };
    const fail = (status: number, code: string, message: string) => {
      this.violations.push(`${req.method} ${url.pathname}: ${message}`);
      reply(status, { code, message });
    };
    if (url.pathname === '/ping' && (req.method === 'GET' || req.method === 'HEAD')) {
      return reply(204, undefined, { 'X-Influxdb-Version': this.options.version ?? 'v2.7.11', 'X-Influxdb-Build': 'OSS' });
    }
    if (req.headers.authorization !== `Token ${this.options.token}`) return fail(401, 'unauthorized', `unauthorized access (Authorization: ${req.headers.authorization ?? 'none'})`);
    if (url.pathname === '/api/v2/write') return this.write(req, url.searchParams, raw, reply, fail);
    if (url.pathname === '/query') return this.query(req, url.searchParams, raw, reply, fail);
    fail(404, 'not found', `path not found: ${url.pathname}`);
  }

  private write(req: IncomingMessage, query: URLSearchParams, raw: Buffer, reply: (s: number) => void, fail: (s: number, c: string, m: string) => void): void {
    if (req.method !== 'POST') return fail(405, 'method not allowed', `write needs POST, got ${req.method}`);
    const unknown = [...query.keys()].filter((k) => !['org', 'orgID', 'bucket', 'precision'].includes(k));
    if (unknown.length > 0) return fail(400, 'invalid', `unknown query parameter(s) ${unknown.join(', ')}`);
    if (query.get('org') !== this.options.org) return fail(404, 'not found', `organization name "${query.get('org')}" not found`);
    const bucket = query.get('bucket') ?? '';
    if (!this.options.buckets.includes(bucket)) return fail(404, 'not found', `bucket "${bucket}" not found`);
    const precision = query.get('precision') ?? 'ns';
    if (!(precision in TIMESTAMP_DIGITS)) return fail(400, 'invalid', `invalid precision "${precision}": ns, us, ms or s`);
    if (!/^text\/plain(; ?charset=utf-8)?$/i.test(req.headers['content-type'] ?? '')) return fail(400, 'invalid', `content-type ${req.headers['content-type']}`);
    const encoding = req.headers['content-encoding'] ?? 'identity';
    if (encoding !== 'gzip' && encoding !== 'identity') return fail(415, 'unsupported media type', `content-encoding ${encoding}`);
    let body: string;
    try {
      body = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    } catch {
      return fail(400, 'invalid', 'body is not valid gzip');
    }
    const parsed: StoredLine[] = [];
    for (const [index, line] of body.split('\n').entries()) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const point = parseLine(line);
      if (typeof point === 'string') return fail(400, 'invalid', `unable to parse line ${index + 1} '${line}': ${point}`);
      if (point.timestamp.replace('-', '').length !== TIMESTAMP_DIGITS[precision]) {
        return fail(422, 'unprocessable entity', `line ${index + 1}: timestamp ${point.timestamp} does not fit precision ${precision}`);
      }
      parsed.push(point);
    }
    this.points.set(bucket, [...(this.points.get(bucket) ?? []), ...parsed]);
    reply(204);
  }

  private query(req: IncomingMessage, params: URLSearchParams, raw: Buffer, reply: (s: number, b?: object) => void, fail: (s: number, c: string, m: string) => void): void {
    let q = params.get('q') ?? undefined;
    if (req.method === 'POST') {
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return fail(400, 'invalid', `query body content-type ${req.headers['content-type']}`);
      q ??= new URLSearchParams(raw.toString('utf8')).get('q') ?? undefined;
    } else if (req.method !== 'GET') return fail(405, 'method not allowed', `query needs GET or POST, got ${req.method}`);
    if (!q) return fail(400, 'invalid', 'missing required parameter "q"');
    const epoch = params.get('epoch');
    if (epoch !== null && !['ns', 'u', 'µ', 'ms', 's', 'm', 'h'].includes(epoch)) return fail(400, 'invalid', `invalid epoch ${epoch}`);
    const db = params.get('db') ?? '';
    const rp = params.get('rp') ?? '';
    // Every source of the statement must resolve through a DBRP mapping.
    const sources = [...q.matchAll(/FROM\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]*"|\w*)){0,2})/gi)].map((m) => m[1].split('.').map((p) => p.replace(/"/g, '')));
    const buckets: string[] = [];
    for (const parts of sources.length > 0 ? sources : [[]]) {
      const [sourceDb, sourceRp] = parts.length === 3 ? [parts[0], parts[1]] : parts.length === 2 ? [db, parts[0]] : [db, rp];
      const bucket = this.options.dbrp[`${sourceDb}/${sourceRp}`];
      if (!bucket) return fail(404, 'not found', `no dbrp mapping found for database "${sourceDb}" and retention policy "${sourceRp}"`);
      buckets.push(bucket);
    }
    const all = /^SELECT \* FROM "?(\w+)"?/i.exec(q);
    const rows = all ? (this.points.get(buckets[0]) ?? []).filter((p) => p.measurement === all[1]) : [];
    const series = rows.length
      ? [{ name: all![1], columns: ['time', ...Object.keys(rows[0].fields)], values: rows.map((p) => [Number(p.timestamp), ...Object.values(p.fields).map(fieldValue)]) }]
      : undefined;
    reply(200, { results: [{ statement_id: 0, ...(series ? { series } : {}) }] });
  }
}

function fieldValue(text: string): number | string | boolean {
  if (/^-?\d+i$/.test(text)) return Number(text.slice(0, -1));
  if (text.startsWith('"')) return text.slice(1, -1);
  if (/^(t|true|f|false)$/i.test(text)) return /^t/i.test(text);
  return Number(text);
}

/** Line protocol (docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/); returns the problem as text. */
export function parseLine(line: string): StoredLine | string {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      current += ch + line[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  if (quoted) return 'unterminated string';
  if (parts.length !== 3) return `expected "measurement,tags fields timestamp", got ${parts.length} space-separated parts`;
  const [key, fieldSet, timestamp] = parts;
  if (!/^-?\d+$/.test(timestamp)) return `bad timestamp ${timestamp}`;
  const [measurement, ...tagPairs] = splitUnescaped(key, ',');
  if (!measurement) return 'missing measurement';
  const tags: Record<string, string> = {};
  for (const pair of tagPairs) {
    const [k, v] = splitUnescaped(pair, '=');
    if (!k || v === undefined || v === '') return `bad tag ${pair}`;
    tags[k] = v;
  }
  const fields: Record<string, string> = {};
  for (const pair of splitUnescaped(fieldSet, ',')) {
    const eq = pair.indexOf('=');
    const [k, v] = [pair.slice(0, eq), pair.slice(eq + 1)];
    if (eq <= 0 || !/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|-?\d+[iu]|t|T|true|True|TRUE|f|F|false|False|FALSE|"(\\.|[^"\\])*")$/.test(v)) return `bad field ${pair}`;
    fields[k] = v;
  }
  return { measurement, tags, fields, timestamp };
}

/** Splits on `separator` outside quotes and backslash escapes. */
function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}
