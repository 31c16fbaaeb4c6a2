import { parseQueryResponse, quoteIdent, quoteString, rowsOf, seriesQuery } from './influxql';
import { InfluxQueryError } from './storage.types';

describe('InfluxQL', () => {
  describe('quoting', () => {
    it.each([
      ["it's", "'it\\'s'"],
      ['back\\slash', "'back\\\\slash'"],
      ["x' OR 1=1 --", "'x\\' OR 1=1 --'"],
      ['two\nlines', "'two\\nlines'"],
      ['"double"', "'\"double\"'"],
    ])('should quote the string %j', (value, expected) => {
      expect(quoteString(value)).toBe(expected);
    });

    it.each([
      ['power_w', '"power_w"'],
      ['a"b', '"a\\"b"'],
      ['a\\', '"a\\\\"'],
    ])('should quote the identifier %j', (value, expected) => {
      expect(quoteIdent(value)).toBe(expected);
    });
  });

  describe('seriesQuery', () => {
    const base = { device: 'vm-1', field: 'power_w', from: 1700000000000, to: 1700003600000 };

    it('should aggregate per interval with fill(null) over a half-open range', () => {
      expect(seriesQuery({ ...base, circuit: 3, every: '1m', fn: 'max' })).toBe(
        `SELECT max("power_w") AS "value" FROM "circuit" WHERE "device" = 'vm-1' AND "circuit" = '3' ` +
          `AND time >= 1700000000000ms AND time < 1700003600000ms GROUP BY time(1m) fill(null)`,
      );
    });

    it('should read raw points without every, and a downsampled policy when asked', () => {
      expect(seriesQuery({ ...base, rp: 'rp_1m' })).toBe(
        `SELECT "power_w" AS "value" FROM "rp_1m"."circuit" WHERE "device" = 'vm-1' AND time >= 1700000000000ms AND time < 1700003600000ms`,
      );
    });

    it('should keep a hostile device id inside its string literal', () => {
      expect(seriesQuery({ ...base, device: "x' OR time > 0 --" })).toContain(`"device" = 'x\\' OR time > 0 --'`);
    });

    it.each([
      ['a bad every', { every: '1 m' }],
      ['an unknown fn', { every: '1m', fn: 'drop' }],
      ['an empty range', { to: base.from }],
      ['a fractional circuit', { circuit: 1.5 }],
    ])('should refuse %s', (_name, patch) => {
      expect(() => seriesQuery({ ...base, ...(patch as object) })).toThrow(RangeError);
    });
  });

  describe('parseQueryResponse', () => {
    it('should throw the statement error', () => {
      expect(() => parseQueryResponse({ results: [{ statement_id: 0, error: 'database not found: x' }] })).toThrow(InfluxQueryError);
    });

    it('should turn series into rows with their tags', () => {
      const [result] = parseQueryResponse({
        results: [{ statement_id: 0, series: [{ name: 'circuit', tags: { circuit: '2' }, columns: ['time', 'value'], values: [[1, 5]] }, { name: 'empty', columns: ['name'] }] }],
      });
      expect(rowsOf(result)).toEqual([{ circuit: '2', time: 1, value: 5 }]);
    });
  });
});
