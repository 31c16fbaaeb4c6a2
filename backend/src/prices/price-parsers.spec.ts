import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectPriceFormat, parsePrices } from './price-format';
import { PriceParseError, PriceSlot } from './price.types';
import { toIso } from './price-slots';

const FIXTURES = join(__dirname, '../../../../shared/fixtures/prices');
const read = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');
const HOUR = 3_600_000;
const QUARTER = 900_000;

function expectContiguous(slots: PriceSlot[], stepMs: number): void {
  slots.forEach((s, i) => {
    expect(s.end - s.start).toBe(stepMs);
    if (i > 0) expect(s.start).toBe(slots[i - 1].end);
  });
}

describe('ENTSO-E A44', () => {
  it('should read the PT60M fixture as 48 contiguous hours in EUR/kWh', () => {
    const { slots, currency } = parsePrices(read('response-PT60M.xml'));
    expect(currency).toBe('EUR');
    expect(slots).toHaveLength(48);
    expectContiguous(slots, HOUR);
    expect(toIso(slots[0].start)).toBe('2025-11-25T23:00:00Z');
    expect(toIso(slots[47].end)).toBe('2025-11-27T23:00:00Z');
    expect(slots[0].price).toBe(0.10406);
    expect(slots[16].price).toBe(0.31797); // 317.97 EUR/MWh, the day's peak
    expect(slots[47].price).toBe(0.1118);
  });

  it('should select sequence position 1 by default, not the first TimeSeries in the document', () => {
    const { slots } = parsePrices(read('response-PT15M.xml'));
    expect(slots).toHaveLength(192);
    expectContiguous(slots, QUARTER);
    // TS2 (position 1) day 1 starts 102.81, TS4 (position 1) day 2 ends 70.19
    expect(slots[0].price).toBe(0.10281);
    expect(slots[191].price).toBe(0.07019);
  });

  it('should fill A03 gaps forward: TS1 {20,72}, TS3 {16,19,22,75,88} (position 2), TS4 {45} (position 1)', () => {
    const p2 = parsePrices(read('response-PT15M.xml'), { position: 2 }).slots;
    expect(p2).toHaveLength(192);
    expect(p2[0].price).toBe(0.09145);
    expect(p2[191].price).toBe(0.06992);
    const day1 = p2.slice(0, 96);
    const day2 = p2.slice(96);
    // each missing position repeats the previous one
    expect([day1[19].price, day1[18].price]).toEqual([0.0805, 0.0805]);
    expect([day1[71].price, day1[70].price]).toEqual([0.11996, 0.11996]);
    const filled = [
      [16, 0.05623],
      [19, 0.04518],
      [22, 0.05241],
      [75, 0.08497],
      [88, 0.07493],
    ];
    for (const [position, price] of filled) {
      expect(day2[position - 1].price).toBe(price);
      expect(day2[position - 2].price).toBe(price);
    }
    const p1 = parsePrices(read('response-PT15M.xml'), { position: 1 }).slots;
    expect(p1[96 + 44].price).toBe(0.015);
    expect(p1[96 + 43].price).toBe(0.015);
  });

  it('should fill a missing tail to the end of the period and refuse gaps under curve A01', () => {
    const doc = (curve: string) => `<?xml version="1.0"?>
<Publication_MarketDocument xmlns="urn:x"><type>A44</type><TimeSeries>
 <currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name><curveType>${curve}</curveType>
 <Period><timeInterval><start>2025-03-29T23:00Z</start><end>2025-03-30T22:00Z</end></timeInterval><resolution>PT60M</resolution>
  <Point><position>1</position><price.amount>10</price.amount></Point>
  <Point><position>3</position><price.amount>-5.5</price.amount></Point>
 </Period></TimeSeries></Publication_MarketDocument>`;
    // 2025-03-30 is a 23-hour day in CET: the interval says so, the parser just follows it.
    const { slots } = parsePrices(doc('A03'));
    expect(slots).toHaveLength(23);
    expect(slots.map((s) => s.price).slice(0, 4)).toEqual([0.01, 0.01, -0.0055, -0.0055]);
    expect(slots[22].price).toBe(-0.0055);
    expect(() => parsePrices(doc('A01'))).toThrow(/position 2 missing/);
  });

  it('should name the element and line of bad input', () => {
    const bad = read('response-PT60M.xml').replace(
      '<price.amount>99.8</price.amount>',
      '<price.amount>9x</price.amount>',
    );
    expect(() => parsePrices(bad, { source: 'a.xml' })).toThrow(
      /^a\.xml: ENTSO-E: TimeSeries #1 \(line 15\) Period line 25: Point line 43: price.amount '9x' is not a number$/,
    );
    expect(() => parsePrices(read('response-PT15M.xml'), { position: 3 })).toThrow(
      /no TimeSeries with .* 3 \(found: 1, 2\)/,
    );
    expect(() =>
      parsePrices('<Publication_MarketDocument><TimeSeries></Publication_MarketDocument>'),
    ).toThrow(/line 1: <\/Publication_MarketDocument> does not close <TimeSeries>/);
    const ack =
      '<Acknowledgement_MarketDocument><Reason><code>999</code><text>No matching data found</text></Reason></Acknowledgement_MarketDocument>';
    expect(() => parsePrices(ack)).toThrow(/No matching data found/);
  });
});

describe('ESIOS / REE PVPC', () => {
  it('should read indicator 1001 for Península (default) and another geo on request', () => {
    const { slots } = parsePrices(read('PRICES_ESIOS_1001_2023_01_06.json'));
    expect(slots).toHaveLength(24);
    expectContiguous(slots, HOUR);
    expect(toIso(slots[0].start)).toBe('2023-01-05T23:00:00Z');
    expect(slots[0].price).toBe(0.15969);
    expect(slots[23].price).toBe(0.12935);
    expect(parsePrices(read('PRICES_ESIOS_1001_2023_01_06.json'), { geoId: 8742 }).slots).toHaveLength(24);
    expect(() => parsePrices(read('PRICES_ESIOS_1001_2023_01_06.json'), { geoId: 1 })).toThrow(
      /no values for geo_id 1 \(found: 8741, 8742, 8743, 8744, 8745\)/,
    );
  });

  it('should give 25 contiguous UTC hours for the 2021-10-31 DST day', () => {
    const { slots } = parsePrices(read('PVPC_DATA_2021_10_31.json'));
    expect(slots).toHaveLength(25);
    expectContiguous(slots, HOUR);
    expect(toIso(slots[0].start)).toBe('2021-10-30T22:00:00Z');
    expect(toIso(slots[24].end)).toBe('2021-10-31T23:00:00Z');
    // the two local 02:00 hours, +02:00 then +01:00
    expect([toIso(slots[2].start), slots[2].price]).toEqual(['2021-10-31T00:00:00Z', 0.10955]);
    expect([toIso(slots[3].start), slots[3].price]).toEqual(['2021-10-31T01:00:00Z', 0.10485]);
    expect(slots[0].price).toBe(0.17148);
    expect(slots[24].price).toBe(0.14612);
    expect(Math.min(...slots.map((s) => s.price))).toBe(0.07978);
  });

  it.each([
    ['PVPC_DATA_2021_10_30.json', '2021-10-29T22:00:00Z', 0.13104, 0.1687, 0.08743, 0.23331],
    ['PVPC_DATA_2021_06_01.json', '2021-05-31T22:00:00Z', 0.11633, 0.1565, 0.11484, 0.24941],
  ])('should read %s as 24 hours', (file, first, firstPrice, lastPrice, min, max) => {
    const { slots } = parsePrices(read(file));
    expect(slots).toHaveLength(24);
    expectContiguous(slots, HOUR);
    expect(toIso(slots[0].start)).toBe(first);
    expect([slots[0].price, slots[23].price]).toEqual([firstPrice, lastPrice]);
    const prices = slots.map((s) => s.price);
    expect([Math.min(...prices), Math.max(...prices)]).toEqual([min, max]);
  });
});

describe('Nord Pool', () => {
  it('should keep the SE4 zero price as 0 and require an area when there are several', () => {
    const text = read('delivery_period_today.json');
    const { slots, currency } = parsePrices(text, { area: 'SE4' });
    expect(currency).toBe('SEK');
    expect(slots).toHaveLength(24);
    expectContiguous(slots, HOUR);
    const zero = slots.find((s) => toIso(s.start) === '2024-11-05T18:00:00Z')!;
    expect(zero.price).toBe(0);
    expect(slots[0].price).toBe(0.28379);
    expect(() => parsePrices(text)).toThrow(/choose an area \(--area\): SE3, SE4/);
    expect(() => parsePrices(text, { area: 'NO1' })).toThrow(
      /multiAreaEntries\[0\]\.entryPerArea has no area NO1/,
    );
    // SE3 agrees with the file's own areaAverages (900.74 SEK/MWh)
    const se3 = parsePrices(text, { area: 'SE3' }).slots;
    expect(se3.reduce((s, x) => s + x.price, 0) / 24).toBeCloseTo(0.90074, 5);
  });

  it('should read the tomorrow file with its 5511.77 SEK/MWh SE4 peak', () => {
    const { slots } = parsePrices(read('delivery_period_tomorrow.json'), { area: 'SE4' });
    expect(slots).toHaveLength(24);
    expect(Math.max(...slots.map((s) => s.price))).toBe(5.51177);
    expect(slots.reduce((s, x) => s + x.price, 0) / 24).toBeCloseTo(1.58119, 5);
  });

  it('should read price indices at 15 and 60 minutes', () => {
    const q = parsePrices(read('indices_15.json')).slots;
    expect(q).toHaveLength(96);
    expectContiguous(q, QUARTER);
    expect([q[0].price, q[95].price]).toEqual([0.04357, 0.39638]);
    const h = parsePrices(read('indices_60.json'), { area: 'SE3' }).slots;
    expect(h).toHaveLength(24);
    expectContiguous(h, HOUR);
    expect([h[0].price, h[23].price]).toEqual([0.52375, 0.82657]);
  });
});

describe('manual JSON and CSV', () => {
  it('should round-trip the JSON the CLI prints and accept ms instants', () => {
    const json = JSON.stringify([
      { start: '2025-01-01T01:00:00Z', end: '2025-01-01T02:00:00Z', price: 0.2 },
      { start: Date.UTC(2025, 0, 1), end: '2025-01-01T01:00:00+00:00', price: -0.01 },
    ]);
    const { slots } = parsePrices(json);
    expect(slots.map((s) => s.price)).toEqual([-0.01, 0.2]); // sorted
  });

  it('should read CSV with a header in any column order and name the bad line', () => {
    const csv =
      '# my tariff\nprice,start,end\n0.25,2025-01-01T00:00:00Z,2025-01-01T00:15:00Z\n\n0.5,2025-01-01T00:15:00+01:00,2025-01-01T00:30:00+01:00\n';
    expect(detectPriceFormat(csv)).toBe('csv');
    const { slots } = parsePrices(csv);
    expect(slots.map((s) => [toIso(s.start), s.price])).toEqual([
      ['2024-12-31T23:15:00Z', 0.5],
      ['2025-01-01T00:00:00Z', 0.25],
    ]);
    expect(() =>
      parsePrices('start,end,price\n2025-01-01T00:00Z,2025-01-01T01:00Z,abc\n', { source: 'p.csv' }),
    ).toThrow("p.csv: CSV line 2: price 'abc' is not a number");
    expect(() => parsePrices('start,end,price\n2025-01-01T00:00,2025-01-01T01:00Z,1\n')).toThrow(
      /line 2: start .* offset/,
    );
  });

  it('should refuse overlaps, reversed slots, empty input and unknown shapes with PriceParseError', () => {
    const overlap =
      '[{"start":"2025-01-01T00:00Z","end":"2025-01-01T01:00Z","price":1},{"start":"2025-01-01T00:30Z","end":"2025-01-01T01:30Z","price":1}]';
    expect(() => parsePrices(overlap)).toThrow(/overlap/);
    expect(() => parsePrices('[{"start":"2025-01-01T01:00Z","end":"2025-01-01T00:00Z","price":1}]')).toThrow(
      /not after its start/,
    );
    expect(() => parsePrices('[]')).toThrow(/no prices/);
    expect(() =>
      parsePrices('[{"start":"2025-01-01T00:00Z","end":"2025-01-01T01:00Z","price":"1"}]'),
    ).toThrow(/\[0\]\.price must be a finite number/);
    expect(() => parsePrices('{"foo":1}')).toThrow(PriceParseError);
    expect(() => parsePrices('hello')).toThrow(/unknown price format/);
    expect(() => parsePrices('{"indicator":', { format: 'esios' })).toThrow(/not valid JSON/);
  });
});
