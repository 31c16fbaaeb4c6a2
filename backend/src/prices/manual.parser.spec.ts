import { csvHeader, parseCsv, splitCsvLine } from './manual.parser';
import { detectPriceFormat, parsePrices } from './price-format';

const T0 = Date.parse('2025-11-25T23:00:00Z');
const H = 3_600_000;
const slots = (...prices: number[]) => prices.map((price, k) => ({ start: T0 + k * H, end: T0 + (k + 1) * H, price }));

describe('parseCsv', () => {
  it('should read a European CSV: ";" separators and decimal commas', () => {
    const csv = 'start;end;price\n2025-11-26T00:00+01:00;2025-11-26T01:00+01:00;0,123\n2025-11-26T01:00+01:00;2025-11-26T02:00+01:00;-0,0045\n';
    expect(parseCsv(csv).slots).toEqual(slots(0.123, -0.0045));
  });

  it('should read tab-separated values, with a decimal comma or point', () => {
    const tsv = 'price\tstart\tend\n0,5\t2025-11-25T23:00Z\t2025-11-26T00:00Z\n0.25\t2025-11-26T00:00Z\t2025-11-26T01:00Z\n';
    expect(parseCsv(tsv).slots).toEqual(slots(0.5, 0.25));
  });

  it('should read what a spreadsheet exports: BOM, CRLF, quoted cells, a space for the T, extra columns', () => {
    const csv =
      '\uFEFF"Start";"End";"Price";"Note"\r\n' +
      '"2025-11-26 00:00:00+01:00";"2025-11-26 01:00:00+01:00";"0,1";"night; cheap"\r\n' +
      '# a comment\r\n\r\n' +
      '2025-11-26T01:00:00+01:00;2025-11-26T02:00:00+01:00;0,2;\r\n';
    expect(parseCsv(csv).slots).toEqual(slots(0.1, 0.2));
  });

  it('should still read comma-separated files with decimal points, and quoted cells holding a comma', () => {
    const csv = 'start,end,price,note\n2025-11-25T23:00Z,2025-11-26T00:00Z,0.1,"a, b"\n2025-11-26T00:00Z,2025-11-26T01:00Z,1e-1,\n';
    expect(parseCsv(csv).slots).toEqual(slots(0.1, 0.1));
  });

  it.each([
    ['a decimal comma in a comma-separated file', 'start,end,price\n2025-11-25T23:00Z,2025-11-26T00:00Z,"0,123"', /CSV line 2: price '0,123' has a decimal comma in a comma-separated file: separate the columns with ";" or write 0.123/],
    ['a thousands separator', 'start;end;price\n2025-11-25T23:00Z;2025-11-26T00:00Z;1.234,5', /CSV line 2: price '1.234,5' mixes "." and ",": write it without a thousands separator/],
    ['a word for a price', 'start;end;price\n2025-11-25T23:00Z;2025-11-26T00:00Z;cheap', /CSV line 2: price 'cheap' is not a number/],
    ['a local time without offset', 'start;end;price\n2025-11-26 00:00;2025-11-26 01:00;0,1', /CSV line 2: start '2025-11-26 00:00' has no UTC offset: write 2025-11-26T00:00Z or 2025-11-26T00:00\+01:00/],
    ['a German date', 'start;end;price\n26.11.2025 00:00;26.11.2025 01:00;0,1', /CSV line 2: start '26.11.2025 00:00' is not an ISO 8601 instant with a UTC offset/],
    ['a line with another separator than the header', 'start;end;price\n2025-11-25T23:00Z,2025-11-26T00:00Z,0.1', /CSV line 2: no end value \(columns are separated by ";", as in the header\)/],
    ['an unclosed quote', 'start;end;price\n"2025-11-25T23:00Z;2025-11-26T00:00Z;0,1', /CSV line 2: a double quote is not closed/],
    ['a header without the columns', '# prices\nDatum;Preis\n2025-11-25;0,1', /CSV line 2: expected a header line naming the columns start, end and price .* separated by "," or ";" or a tab.*got 'Datum;Preis'/],
    ['only comments', '# nothing\n\n', /CSV prices: empty input \(expected a header line/],
    ['overlapping slots', 'start;end;price\n2025-11-25T23:00Z;2025-11-26T01:00Z;0,1\n2025-11-26T00:00Z;2025-11-26T01:00Z;0,2', /CSV prices: slots .* overlap/],
  ])('should refuse %s and say what is expected', (_label, csv, message) => {
    expect(() => parseCsv(csv, { source: 'p.csv' })).toThrow(message);
    expect(() => parseCsv(csv, { source: 'p.csv' })).toThrow(/^p\.csv: /);
  });
});

describe('splitCsvLine', () => {
  it('should split on the separator, honour quotes and "" inside them', () => {
    expect(splitCsvLine('a; b ;"c;d";"say ""hi""";', ';')).toEqual(['a', 'b', 'c;d', 'say "hi"', '']);
    expect(splitCsvLine('"open', ',')).toBeUndefined();
  });
});

describe('csvHeader', () => {
  it('should find the separator and the columns of the three header styles', () => {
    expect(csvHeader('start,end,price')).toEqual({ sep: ',', columns: { start: 0, end: 1, price: 2 } });
    expect(csvHeader('Price;Start;End')).toEqual({ sep: ';', columns: { start: 1, end: 2, price: 0 } });
    expect(csvHeader('start\tend\tprice\tcomment, with comma')).toEqual({ sep: '\t', columns: { start: 0, end: 1, price: 2 } });
    expect(csvHeader('start;end')).toBeUndefined();
  });
});

describe('detectPriceFormat', () => {
  it('should take ";" and tab headers for CSV and parse them through parsePrices', () => {
    const csv = 'start;end;price\n2025-11-25T23:00Z;2025-11-26T00:00Z;0,3\n';
    expect(detectPriceFormat(csv)).toBe('csv');
    expect(detectPriceFormat('start\tend\tprice\n')).toBe('csv');
    expect(parsePrices(csv).slots).toEqual(slots(0.3));
  });

  it('should say what a CSV needs when nothing matches', () => {
    expect(() => detectPriceFormat('Datum;Preis\n')).toThrow(/unknown price format .*a CSV needs a header naming start, end and price/);
  });
});
