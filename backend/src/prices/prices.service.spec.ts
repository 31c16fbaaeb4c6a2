import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
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
  const json = (body: unknown, query: Record<string, unknown> = {}) => ({ body, contentType: 'application/json', query });
  const text = (contentType: string | undefined, body: unknown, query: Record<string, unknown> = {}) => ({ body, contentType, query });
  const message = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return JSON.stringify((error as BadRequestException).getResponse());
    }
    throw new Error('no error');
  };

  it('should parse a JSON array and an ENTSO-E document', () => {
    expect(pipe.transform(json([{ start: '2025-11-26T00:00:00Z', end: '2025-11-26T01:00:00Z', price: 0.1 }])).series.slots).toEqual([{ start: T0, end: T0 + H, price: 0.1 }]);
    const xml = readFileSync(join(FIXTURES, 'response-PT60M.xml'), 'utf8');
    const upload = pipe.transform(json({ format: 'entsoe', content: xml, area: 'CH' }));
    expect(upload.area).toBe('CH');
    expect(upload.series.slots).toHaveLength(48);
  });

  it('should read a text/csv body with ";" and decimal commas, options from the query', () => {
    const csv = 'start;end;price\n2025-11-26T00:00Z;2025-11-26T01:00Z;0,123\n';
    const upload = pipe.transform(text('text/csv; charset=utf-8', csv, { area: 'DE-LU' }));
    expect(upload).toEqual({ series: { slots: [{ start: T0, end: T0 + H, price: 0.123 }] }, area: 'DE-LU' });
    expect(pipe.transform(text('text/plain', csv)).series.slots).toHaveLength(1);
    expect(pipe.transform(json({ content: csv, format: 'csv' })).series.slots).toHaveLength(1);
  });

  it('should answer 400 with the parser message for bad input', () => {
    expect(() => pipe.transform(json([{ start: 'x', end: 'y', price: 1 }]))).toThrow(BadRequestException);
    expect(() => pipe.transform(json({ format: 'csv', content: 'start,end,price\n2025-11-26T00:00Z,2025-11-26T01:00Z,abc' }))).toThrow(/CSV line 2: price 'abc' is not a number/);
    expect(() => pipe.transform(json({ format: 'yaml', content: 'x' }))).toThrow(BadRequestException);
    expect(() => pipe.transform(json({ content: 'x', sneaky: true }))).toThrow(BadRequestException);
    expect(() => pipe.transform(text('text/csv', 'start;end;price\n2025-11-26T00:00Z;2025-11-26T01:00Z;zero'))).toThrow(/CSV line 2: price 'zero' is not a number/);
  });

  it('should say what is expected for a body it cannot read', () => {
    expect(() => pipe.transform(text('application/x-www-form-urlencoded', {}))).toThrow(UnsupportedMediaTypeException);
    expect(message(() => pipe.transform(text(undefined, {})))).toMatch(/content-type missing: send the document as the body with content-type text\/csv/);
    expect(message(() => pipe.transform(text('text/csv', '')))).toMatch(/the body is empty/);
    expect(message(() => pipe.transform(json({ format: 'csv' })))).toMatch(/content must be a string.*or JSON: an array of \{start, end, price\}/);
    expect(message(() => pipe.transform(text('text/csv', 'start;end;price\n', { sneaky: '1' })))).toMatch(/query: property sneaky should not exist/);
    expect(message(() => pipe.transform(json({ content: 'x', area: 'A' }, { area: 'B' })))).toMatch(/area given both in the query and in the body/);
    expect(message(() => pipe.transform(json([], { format: 'csv' })))).toMatch(/a JSON array body is format json, not csv/);
    expect(message(() => pipe.transform(text('application/xml', '<x/>', { position: 'first' })))).toMatch(/query: position must be an integer number/);
    expect(message(() => pipe.transform(text('application/xml', '<x/>', { position: '11' })))).toMatch(/query: position must not be greater than 10/);
  });
});

