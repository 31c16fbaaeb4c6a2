import { Counters } from '../common/counters';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { ENTSOE_POLICY } from './day-ahead.poller';
import { DayAheadSource } from './price-sources';
import { localDay, PriceFetchService } from './price-fetch.service';
import { PricesService } from './prices.service';

const NOW = Date.parse('2025-11-26T15:00:00Z'); // after the day-ahead publication for the 27th

function setup(leader: boolean, covered: (from: number, to: number) => boolean) {
  const source: DayAheadSource = {
    name: 'fake',
    fetchRange: jest.fn(async (from: number, to: number) => ({ slots: Array.from({ length: (to - from) / 3_600_000 }, (_, k) => ({ start: from + k * 3_600_000, end: from + (k + 1) * 3_600_000, price: 0.1 })) })),
  };
  const prices = { covers: jest.fn(covered), store: jest.fn(async () => ({ stored: 24 })) };
  const lease = { isLeader: () => leader, onChange: jest.fn() };
  const service = new PriceFetchService(
    source,
    { ...ENTSOE_POLICY, publishSpreadMs: 0 },
    prices as unknown as PricesService,
    lease as unknown as LeaderLeaseService,
    () => NOW,
    new Counters(),
  );
  return { service, source, prices };
}

describe(PriceFetchService.name, () => {
  describe('check', () => {
    it('should fetch the missing delivery days on the leader and store them', async () => {
      const { service, prices } = setup(true, (from) => from < NOW - 12 * 3_600_000);
      expect(service.check()).toEqual(['2025-11-27']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(prices.store).toHaveBeenCalledWith({ slots: expect.any(Array) });
      expect((prices.store.mock.calls[0] as unknown as [{ slots: unknown[] }])[0].slots).toHaveLength(24);
      service.onModuleDestroy();
    });

    it('should not ask the API on an instance that is not the leader', () => {
      const { service, source } = setup(false, () => false);
      expect(service.check()).toEqual([]);
      expect(source.fetchRange).not.toHaveBeenCalled();
    });
  });

  describe(localDay.name, () => {
    it('should give the local date, also across midnight', () => {
      expect(localDay(Date.parse('2025-11-26T23:30:00Z'), 'Europe/Brussels')).toBe('2025-11-27');
      expect(localDay(Date.parse('2025-12-31T12:00:00Z'), 'UTC', 1)).toBe('2026-01-01');
    });
  });
});
