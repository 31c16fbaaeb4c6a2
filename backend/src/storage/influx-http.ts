/**
 * The HTTP endpoints every InfluxDB version serves: GET /ping, POST /query (InfluxQL; 2.x/3.x through
 * their v1 compatibility API) and, for 1.x, POST /write. Uses Node's fetch.
 */
import { parseQueryResponse } from './influxql';
import { classifyStatus, InfluxQueryError, InfluxStatementResult, InfluxWriteError } from './storage.types';

export interface InfluxHttpOptions {
  url: string;
  /** 1.x: "user:password" (sent as Basic auth); 2.x/3.x: an API token (sent as `Token …`). */
  token?: string;
  auth: 'basic' | 'token';
  writeTimeoutMs?: number;
  queryTimeoutMs?: number;
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'request timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}

export class InfluxHttp {
  readonly baseUrl: string;

  constructor(private readonly options: InfluxHttpOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
  }

  authHeaders(): Record<string, string> {
    const { token, auth } = this.options;
    if (!token) return {};
    if (auth === 'token') return { authorization: `Token ${token}` };
    return { authorization: `Basic ${Buffer.from(token).toString('base64')}` };
  }

  async ping(): Promise<{ ok: boolean; version?: string }> {
    try {
      const response = await fetch(`${this.baseUrl}/ping`, { headers: this.authHeaders(), signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      const version = response.headers.get('x-influxdb-version') ?? undefined;
      return { ok: response.status === 204 || response.status === 200, ...(version ? { version } : {}) };
    } catch {
      return { ok: false };
    }
  }

  /** POSTs InfluxQL (POST works for reads and is required for CREATE/DROP/ALTER). Times come back as epoch ms. */
  async query(influxql: string, db?: string): Promise<InfluxStatementResult[]> {
    const params = new URLSearchParams({ epoch: 'ms' });
    if (db !== undefined) params.set('db', db);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/query?${params}`, {
        method: 'POST',
        headers: { ...this.authHeaders(), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ q: influxql }).toString(),
        signal: AbortSignal.timeout(this.options.queryTimeoutMs ?? 30000),
      });
    } catch (error) {
      throw new InfluxQueryError(`InfluxDB query failed: ${describeFetchError(error)}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InfluxQueryError(`InfluxDB /query answered ${response.status}: ${text.slice(0, 300)}`, response.status);
    }
    // 2.x/3.x answer API errors (401, no DBRP mapping, …) as {code, message}, without `results`.
    if (!response.ok && typeof json === 'object' && json !== null && !('error' in json) && !('results' in json)) {
      const message = (json as { message?: unknown }).message;
      throw new InfluxQueryError(`InfluxDB /query answered ${response.status}: ${typeof message === 'string' ? message : text.slice(0, 300)}`, response.status);
    }
    try {
      return parseQueryResponse(json);
    } catch (error) {
      throw new InfluxQueryError((error as Error).message, response.status);
    }
  }

  /** POSTs line protocol to `path?params`; resolves on 2xx, otherwise throws a classified InfluxWriteError. */
  async write(path: string, params: Record<string, string>, lines: string[]): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}?${new URLSearchParams(params)}`, {
        method: 'POST',
        headers: { ...this.authHeaders(), 'content-type': 'text/plain; charset=utf-8' },
        body: lines.join('\n'),
        signal: AbortSignal.timeout(this.options.writeTimeoutMs ?? 15000),
      });
    } catch (error) {
      throw new InfluxWriteError(`InfluxDB write failed: ${describeFetchError(error)}`, 'transient');
    }
    const text = await response.text();
    if (response.ok) return;
    throw writeErrorFromResponse(response.status, text);
  }
}

export function writeErrorFromResponse(status: number, body: string): InfluxWriteError {
  let detail = body.trim();
  try {
    const json = JSON.parse(body) as { error?: string; message?: string };
    detail = json.error ?? json.message ?? detail;
  } catch {
    // not JSON: keep the text
  }
  return new InfluxWriteError(`InfluxDB write answered ${status}: ${detail.slice(0, 500)}`, classifyStatus(status), status, body);
}
