import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DayAheadPoller, deliveryDayRange, ENTSOE_POLICY, PollerClock } from './day-ahead.poller';
import { EntsoeSource, EsiosSource, PriceFetchError } from './price-sources';

const FIXTURES = join(__dirname, '../../../../shared/fixtures/prices');
const DK1 = '10YDK-1--------W';

/** A local stand-in for the two APIs: scripted status codes, then the fixtures. */
class FakePriceApi {
  readonly requests: IncomingMessage[] = [];
  /** Status codes to answer before the real answer, consumed one per request. */
  failures: number[] = [];
  private server!: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req);
      const url = new URL(req.url!, 'http://x');
      const status = this.failures.shift();
      if (status) {
        res.writeHead(status).end('busy');
      } else if (url.pathname === '/entsoe/api') {
        if (url.searchParams.get('securityToken') !== 'good-token')
          res.writeHead(401).end('<html>Unauthorized</html>');
        else
          res
            .writeHead(200, { 'content-type': 'application/xml' })
            .end(readFileSync(join(FIXTURES, 'response-PT60M.xml')));
      } else if (url.pathname === '/esios/indicators/1001') {
        if (req.headers['x-api-key'] !== 'good-key')
          res.writeHead(401).end('{"message":"HTTP Token: Access denied."}');
        else res.writeHead(200).end(readFileSync(join(FIXTURES, 'PRICES_ESIOS_1001_2023_01_06.json')));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A clock that records every sleep and advances instantly: no timed assertions. */
class FakeClock implements PollerClock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

describe('price sources against a local HTTP server', () => {
  const api = new FakePriceApi();
  beforeAll(() => api.start());
  afterAll(() => api.stop());
  beforeEach(() => {
    api.requests.length = 0;
    api.failures = [];
  });
  const entsoe = (token: string) =>
    new EntsoeSource({ baseUrl: `${api.baseUrl}/entsoe/api`, securityToken: token, area: DK1 });

  describe(EntsoeSource.name, () => {
    it('should send the A44 query and parse the answer', async () => {
      const { from, to } = deliveryDayRange('2025-11-26', 'Europe/Brussels');
      const series = await entsoe('good-token').fetchRange(from, to);
      expect(series.slots).toHaveLength(48);
      const q = new URL(api.requests[0].url!, 'http://x').searchParams;
      expect(Object.fromEntries(q)).toEqual({
        securityToken: 'good-token',
        documentType: 'A44',
        in_Domain: DK1,
        out_Domain: DK1,
        periodStart: '202511252300',
        periodEnd: '202511262300',
      });
    });

    it('should refuse a bad token without retrying', async () => {
      const poller = new DayAheadPoller(
        entsoe('bad-token'),
        new FakeClock(Date.UTC(2025, 10, 26)),
        () => 0.5,
      );
      await expect(poller.fetchDeliveryDay('2025-11-26')).rejects.toThrow(/refused the token \(HTTP 401\)/);
      expect(api.requests).toHaveLength(1);
    });
  });

  describe(DayAheadPoller.name, () => {
    it('should retry a 503 after a jittered backoff and return exactly the delivery day', async () => {
      api.failures = [503];
      const clock = new FakeClock(Date.UTC(2025, 10, 25, 14)); // after publication
      const poller = new DayAheadPoller(entsoe('good-token'), clock, () => 0.5);
      const series = await poller.fetchDeliveryDay('2025-11-26');
      expect(api.requests).toHaveLength(2);
      expect(clock.sleeps).toEqual([45_000]); // 60 s cap, equal jitter at random 0.5: 30 s + 15 s
      expect(series.slots).toHaveLength(24);
      expect(series.slots[0].start).toBe(Date.UTC(2025, 10, 25, 23));
      expect(series.slots[23].end).toBe(Date.UTC(2025, 10, 26, 23));
    });

    it('should wait for publication plus its random spread before the first request', async () => {
      const clock = new FakeClock(Date.UTC(2025, 10, 25, 9)); // 10:00 CET the day before
      const poller = new DayAheadPoller(entsoe('good-token'), clock, () => 0.25);
      await poller.fetchDeliveryDay('2025-11-26');
      // 13:00 CET = 12:00Z, plus 0.25 × 15 min
      expect(clock.sleeps).toEqual([3 * 3_600_000 + 225_000]);
    });

    it('should give up cleanly after maxAttempts with growing delays', async () => {
      api.failures = [503, 502, 500, 503];
      const clock = new FakeClock(Date.UTC(2025, 10, 25, 14));
      const poller = new DayAheadPoller(entsoe('good-token'), clock, () => 1, {
        ...ENTSOE_POLICY,
        maxAttempts: 4,
      });
      const err = await poller.fetchDeliveryDay('2025-11-26').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PriceFetchError);
      expect((err as Error).message).toBe(
        'ENTSO-E: gave up on 2025-11-26 after 4 attempts: ENTSO-E: HTTP 503, will retry',
      );
      expect(clock.sleeps).toEqual([60_000, 120_000, 240_000]);
    });

    it('should treat prices that do not cover the day as not yet published', async () => {
      const clock = new FakeClock(Date.UTC(2025, 10, 26, 14));
      const poller = new DayAheadPoller(entsoe('good-token'), clock, () => 0, {
        ...ENTSOE_POLICY,
        maxAttempts: 2,
      });
      // the fixture covers 26 and 27 November only
      await expect(poller.fetchDeliveryDay('2025-11-28')).rejects.toThrow(
        /gave up .* prices for 2025-11-28 are incomplete/,
      );
    });
  });

  describe(EsiosSource.name, () => {
    const esios = (key: string) => new EsiosSource({ baseUrl: `${api.baseUrl}/esios`, apiKey: key });

    it('should send the x-api-key header and read Península', async () => {
      const { from, to } = deliveryDayRange('2023-01-06', 'Europe/Madrid');
      const series = await esios('good-key').fetchRange(from, to);
      expect(series.slots).toHaveLength(24);
      expect(api.requests[0].headers['x-api-key']).toBe('good-key');
      const q = new URL(api.requests[0].url!, 'http://x').searchParams;
      expect([q.get('start_date'), q.get('end_date'), q.get('geo_ids[]')]).toEqual([
        '2023-01-05T23:00:00.000Z',
        '2023-01-06T22:59:59.999Z',
        '8741',
      ]);
    });

    it('should report a bad key as not retriable', async () => {
      const err = await esios('nope')
        .fetchRange(0, 1)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ retriable: false, status: 401 });
    });
  });
});

describe('deliveryDayRange', () => {
  it('should give 23, 24 and 25-hour days in local time', () => {
    const hours = (day: string) => {
      const r = deliveryDayRange(day, 'Europe/Madrid');
      return (r.to - r.from) / 3_600_000;
    };
    expect([hours('2021-03-28'), hours('2021-10-30'), hours('2021-10-31')]).toEqual([23, 24, 25]);
    expect(deliveryDayRange('2021-10-31', 'Europe/Madrid').from).toBe(Date.UTC(2021, 9, 30, 22));
  });
});
