import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException } from '@nestjs/common';
import { Counters } from '../common/counters';
import { ConsumerTariff } from './consumer-tariff';
import { PriceUploadPipe } from './prices.dto';
import { PricesRepository, StoredPriceSlot } from './prices.repository';
import { PricesService } from './prices.service';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'prices');
const H = 3_600_000;
const T0 = Date.parse('2025-11-26T00:00:00Z');

function setup(tariff: ConsumerTariff | null = null) {
  const written: { area: string; slots: StoredPriceSlot[] }[] = [];
  const repository = {
    write: jest.fn(async (area: string, slots: StoredPriceSlot[]) => void written.push({ area, slots })),
    read: jest.fn(async () => [] as StoredPriceSlot[]),
  };
  const service = new PricesService(repository as unknown as PricesRepository, tariff, 'DK2', () => T0, new Counters());
  return { service, written, repository };
}

describe(PricesService.name, () => {
  describe('store', () => {
    it('should store market prices, serve them for planning and tell the listeners', async () => {
      const { service, written } = setup();
      const heard: unknown[] = [];
      service.onNewPrices((s) => heard.push(s));
      const slots = [
        { start: T0, end: T0 + H, price: 0.1 },
        { start: T0 + H, end: T0 + 2 * H, price: 0.2 },
      ];
      const stored = await service.store({ slots, currency: 'EUR' });
      expect(stored).toEqual({ area: 'DK2', stored: 2, from: T0, to: T0 + 2 * H, currency: 'EUR', consumerPrices: false });
      expect(written[0].slots[0]).toEqual({ start: T0, end: T0 + H, price: 0.1, currency: 'EUR' });
      expect(heard).toHaveLength(1);
      expect(service.planningSlots()).toEqual(slots);
      expect(service.priceAt(T0 + H + 1)).toBe(0.2);
      expect(service.covers(T0, T0 + 2 * H)).toBe(true);
      expect(service.covers(T0, T0 + 3 * H)).toBe(false);
    });

    it('should add the consumer price and plan with it when a tariff is configured', async () => {
      const tariff = new ConsumerTariff({
        timeZone: 'Europe/Copenhagen',
        exchangeRate: 7.46,
        gridFees: [{ hours: [0, 6], pricePerKwh: 0.14 }, { pricePerKwh: 0.42 }],
        taxesPerKwh: 0.761,
        vatPercent: 25,
      });
      const { service, written } = setup(tariff);
      await service.store({ slots: [{ start: T0, end: T0 + H, price: 0.1 }], currency: 'EUR' });
      const [slot] = written[0].slots;
      expect(slot.consumerPrice).toBeCloseTo(tariff.priceAt(T0, 0.1), 12);
      expect(service.planningSlots()[0].price).toBeCloseTo(tariff.priceAt(T0, 0.1), 12);
    });

    it('should not feed uploads for another area to the automation', async () => {
      const { service } = setup();
      const heard = jest.fn();
      service.onNewPrices(heard);
      await service.store({ slots: [{ start: T0, end: T0 + H, price: 0.1 }] }, 'SE3');
      expect(heard).not.toHaveBeenCalled();
      expect(service.planningSlots()).toEqual([]);
    });

    it('should replace overlapping slots of an earlier upload in the planning copy', async () => {
      const { service } = setup();
      await service.store({ slots: [{ start: T0, end: T0 + H, price: 0.1 }] });
      await service.store({ slots: [0, 1, 2, 3].map((k) => ({ start: T0 + (k * H) / 4, end: T0 + ((k + 1) * H) / 4, price: k })) });
      expect(service.planningSlots().map((s) => s.price)).toEqual([0, 1, 2, 3]);
    });
  });
});

describe(PriceUploadPipe.name, () => {
  const pipe = new PriceUploadPipe();

  it('should parse a JSON array and an ENTSO-E document', () => {
    expect(pipe.transform([{ start: '2025-11-26T00:00:00Z', end: '2025-11-26T01:00:00Z', price: 0.1 }]).series.slots).toEqual([{ start: T0, end: T0 + H, price: 0.1 }]);
    const xml = readFileSync(join(FIXTURES, 'response-PT60M.xml'), 'utf8');
    const upload = pipe.transform({ format: 'entsoe', content: xml, area: 'CH' });
    expect(upload.area).toBe('CH');
    expect(upload.series.slots).toHaveLength(48);
  });

  it('should answer 400 with the parser message for bad input', () => {
    expect(() => pipe.transform([{ start: 'x', end: 'y', price: 1 }])).toThrow(BadRequestException);
    expect(() => pipe.transform({ format: 'csv', content: 'start,end,price\n2025-11-26T00:00Z,2025-11-26T01:00Z,abc' })).toThrow(/CSV line 2: price 'abc' is not a number/);
    expect(() => pipe.transform({ format: 'yaml', content: 'x' })).toThrow(BadRequestException);
    expect(() => pipe.transform({ content: 'x', sneaky: true })).toThrow(BadRequestException);
  });
});
