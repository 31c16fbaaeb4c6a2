/**
 * HTTP price sources: one request per call, classified into "try again later" or "give up".
 * The HTTP function and base URL are injected (global fetch and the public endpoints in production,
 * a local server in tests), so nothing here reaches the internet on its own.
 */
import { parseEntsoe } from './entsoe.parser';
import { ESIOS_GEO_PENINSULA, parseEsios } from './esios.parser';
import { PriceParseError, PriceSeries } from './price.types';

export interface HttpResponse {
  status: number;
  text(): Promise<string>;
}
export type HttpFn = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<HttpResponse>;

export class PriceFetchError extends Error {
  constructor(
    message: string,
    /** True when the same request may succeed later (not yet published, 5xx, 429, network). */
    readonly retriable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PriceFetchError';
  }
}

/** One attempt at the prices for [fromMs, toMs). */
export interface DayAheadSource {
  readonly name: string;
  fetchRange(fromMs: number, toMs: number): Promise<PriceSeries>;
}

export interface HttpSourceOptions {
  baseUrl: string;
  http?: HttpFn;
  timeoutMs?: number;
}

async function getText(
  name: string,
  opts: HttpSourceOptions,
  url: string,
  headers: Record<string, string>,
): Promise<string> {
  const http = opts.http ?? (fetch as unknown as HttpFn);
  let res: HttpResponse;
  let body: string;
  try {
    res = await http(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    body = await res.text();
  } catch (err) {
    throw new PriceFetchError(`${name}: request failed (${(err as Error).message})`, true);
  }
  if (res.status === 401 || res.status === 403) {
    throw new PriceFetchError(
      `${name}: the API refused the token (HTTP ${res.status}); check the configured token`,
      false,
      res.status,
    );
  }
  if (res.status === 429 || res.status >= 500)
    throw new PriceFetchError(`${name}: HTTP ${res.status}, will retry`, true, res.status);
  if (res.status === 400 && /No matching data found/i.test(body)) {
    throw new PriceFetchError(`${name}: prices not published yet`, true, res.status);
  }
  if (res.status !== 200)
    throw new PriceFetchError(`${name}: HTTP ${res.status}: ${body.slice(0, 200)}`, false, res.status);
  return body;
}

/** yyyyMMddHHmm in UTC, the ENTSO-E API's period format. */
function entsoeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 12);
}

/**
 * ENTSO-E Transparency Platform REST API, day-ahead prices (documentType A44) for one bidding zone
 * (EIC code, e.g. 10YDK-1--------W for DK1): `securityToken`, `in_Domain` = `out_Domain` = area,
 * `periodStart`/`periodEnd` as yyyyMMddHHmm UTC. Before publication the API answers with an
 * Acknowledgement_MarketDocument "No matching data found".
 */
export class EntsoeSource implements DayAheadSource {
  readonly name = 'ENTSO-E';

  constructor(
    private readonly opts: HttpSourceOptions & { securityToken: string; area: string; position?: number },
  ) {}

  async fetchRange(fromMs: number, toMs: number): Promise<PriceSeries> {
    const q = new URLSearchParams({
      securityToken: this.opts.securityToken,
      documentType: 'A44',
      in_Domain: this.opts.area,
      out_Domain: this.opts.area,
      periodStart: entsoeTime(fromMs),
      periodEnd: entsoeTime(toMs),
    });
    const body = await getText(this.name, this.opts, `${this.opts.baseUrl}?${q}`, {
      accept: 'application/xml',
    });
    try {
      return parseEntsoe(body, { source: this.name, position: this.opts.position });
    } catch (err) {
      if (err instanceof PriceParseError && /No matching data found/.test(err.message)) {
        throw new PriceFetchError(`${this.name}: prices not published yet`, true);
      }
      throw new PriceFetchError((err as Error).message, false);
    }
  }
}

/** ESIOS API (api.esios.ree.es), indicator 1001 (PVPC 2.0TD), token in the `x-api-key` header. */
export class EsiosSource implements DayAheadSource {
  readonly name = 'ESIOS';

  constructor(private readonly opts: HttpSourceOptions & { apiKey: string; geoId?: number }) {}

  async fetchRange(fromMs: number, toMs: number): Promise<PriceSeries> {
    const geoId = this.opts.geoId ?? ESIOS_GEO_PENINSULA;
    const q = new URLSearchParams({
      start_date: new Date(fromMs).toISOString(),
      end_date: new Date(toMs - 1).toISOString(), // ESIOS end_date is inclusive
      'geo_ids[]': String(geoId),
    });
    const body = await getText(this.name, this.opts, `${this.opts.baseUrl}/indicators/1001?${q}`, {
      accept: 'application/json; application/vnd.esios-api-v1+json',
      'x-api-key': this.opts.apiKey,
    });
    try {
      return parseEsios(body, { source: this.name, geoId });
    } catch (err) {
      if (err instanceof PriceParseError && /no values for geo_id/.test(err.message)) {
        throw new PriceFetchError(`${this.name}: prices not published yet`, true);
      }
      throw new PriceFetchError((err as Error).message, false);
    }
  }
}
