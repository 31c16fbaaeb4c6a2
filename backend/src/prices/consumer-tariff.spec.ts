import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsumerTariff, TariffConfig, TariffConfigError, validateTariffConfig } from './consumer-tariff';
import { parsePrices } from './price-format';

const WINTER = [10, 11, 12, 1, 2, 3];
const SUMMER = [4, 5, 6, 7, 8, 9];
/** Radius (east Denmark) C-customer nettarif, DKK/kWh excl. VAT, Energinet fees and elafgift, 2024 levels. */
export const RADIUS_DK2: TariffConfig = {
  timeZone: 'Europe/Copenhagen',
  exchangeRate: 7.46, // ENTSO-E prices are EUR, the bill is DKK
  supplierMarkupPerKwh: 0.05,
  gridFees: [
    { name: 'lav', hours: [0, 6], pricePerKwh: 0.1396 },
    { name: 'spids vinter', months: WINTER, hours: [17, 21], pricePerKwh: 1.2564 },
    { name: 'høj vinter', months: WINTER, pricePerKwh: 0.4188 },
    { name: 'spids sommer', months: SUMMER, hours: [17, 21], pricePerKwh: 0.5445 },
    { name: 'høj sommer', months: SUMMER, pricePerKwh: 0.2094 },
  ],
  fixedFeesPerKwh: 0.074 + 0.051, // Energinet nettarif + systemtarif
  taxesPerKwh: 0.761, // elafgift
  vatPercent: 25,
};

describe(ConsumerTariff.name, () => {
  const tariff = new ConsumerTariff(RADIUS_DK2);
  const dkk = (market: number, fee: number) => (market * 7.46 + 0.05 + fee + 0.125 + 0.761) * 1.25;

  describe('priceAt', () => {
    it('should charge the winter peak at 17:00 Copenhagen time (16:00Z in November)', () => {
      expect(tariff.priceAt(Date.UTC(2025, 10, 26, 16), 0.31797)).toBeCloseTo(dkk(0.31797, 1.2564), 12);
      expect(tariff.priceAt(Date.UTC(2025, 10, 26, 15), 0.1)).toBeCloseTo(dkk(0.1, 0.4188), 12);
      expect(tariff.priceAt(Date.UTC(2025, 10, 26, 20), 0.1)).toBeCloseTo(dkk(0.1, 0.4188), 12); // 21:00 local
    });

    it('should follow summer time: 17:00 local is 15:00Z in July', () => {
      expect(tariff.priceAt(Date.UTC(2025, 6, 1, 15), 0)).toBeCloseTo(dkk(0, 0.5445), 12);
      expect(tariff.priceAt(Date.UTC(2025, 6, 1, 14), 0)).toBeCloseTo(dkk(0, 0.2094), 12);
      expect(tariff.priceAt(Date.UTC(2025, 6, 1, 3), 0)).toBeCloseTo(dkk(0, 0.1396), 12); // 05:00 local
    });
  });

  describe('apply', () => {
    it('should price every slot of the ENTSO-E fixture and split an hour whose fee changes inside it', () => {
      const { slots } = parsePrices(
        readFileSync(join(__dirname, '../../../../shared/fixtures/prices/response-PT60M.xml'), 'utf8'),
      );
      const consumer = tariff.apply(slots);
      expect(consumer).toHaveLength(48);
      expect(consumer[16].price).toBeCloseTo(dkk(0.31797, 0.4188), 12); // 15:00Z = 16:00 CET, the market peak
      expect(consumer[17].price).toBeCloseTo(dkk(0.28841, 1.2564), 12); // 16:00Z = 17:00 CET, the grid peak
      // A zone with a half-hour offset splits hourly slots at local hour edges.
      const india = new ConsumerTariff({
        timeZone: 'Asia/Kolkata',
        gridFees: [{ hours: [18, 22], pricePerKwh: 1 }, { pricePerKwh: 0 }],
        vatPercent: 0,
      });
      const split = india.apply([
        { start: Date.UTC(2025, 0, 1, 12), end: Date.UTC(2025, 0, 1, 13), price: 0 },
      ]); // 17:30–18:30 IST
      expect(split.map((s) => [new Date(s.start).toISOString(), s.price])).toEqual([
        ['2025-01-01T12:00:00.000Z', 0],
        ['2025-01-01T12:30:00.000Z', 1],
      ]);
    });
  });

  describe('validateTariffConfig', () => {
    it('should accept Spain 2.0TD periods by weekday and hour', () => {
      const weekdays = [1, 2, 3, 4, 5];
      const spain = new ConsumerTariff({
        timeZone: 'Europe/Madrid',
        gridFees: [
          { name: 'valle fin de semana', weekdays: [6, 7], pricePerKwh: 0.003 },
          { name: 'valle', hours: [0, 8], pricePerKwh: 0.003 },
          { name: 'punta', weekdays, hours: [10, 14], pricePerKwh: 0.075 },
          { name: 'punta', weekdays, hours: [18, 22], pricePerKwh: 0.075 },
          { name: 'llano', pricePerKwh: 0.02 },
        ],
        energyTaxPercent: 5.11,
        vatPercent: 21,
      });
      expect(spain.gridFeeAt(Date.UTC(2025, 0, 4, 10))).toBe(0.003); // Saturday 11:00
      expect(spain.gridFeeAt(Date.UTC(2025, 0, 6, 10))).toBe(0.075); // Monday 11:00
      expect(spain.priceAt(Date.UTC(2025, 0, 6, 8), 0.1)).toBeCloseTo((0.1 + 0.02) * 1.0511 * 1.21, 12); // Monday 09:00
    });

    it('should list every problem, including local hours no rule covers', () => {
      try {
        validateTariffConfig({
          timeZone: 'Mars/Olympus',
          gridFees: [{ hours: [25, 3], pricePerKwh: 'x' }],
          vatPercent: -1,
        });
        throw new Error('expected a TariffConfigError');
      } catch (err) {
        expect(err).toBeInstanceOf(TariffConfigError);
        expect((err as TariffConfigError).problems).toEqual([
          'timeZone "Mars/Olympus" is not a known IANA zone',
          'vatPercent must be a number ≥ 0, got -1',
          'gridFees[0].pricePerKwh must be a number',
          'gridFees[0].hours must be [from, to] with whole hours 0–24, from ≠ to',
        ]);
      }
      expect(() =>
        validateTariffConfig({ ...RADIUS_DK2, gridFees: RADIUS_DK2.gridFees.slice(0, 3) }),
      ).toThrow(/gridFees cover no rule for 756 local hours, e.g. month 4 weekday 1 hour 6/);
    });
  });
});
