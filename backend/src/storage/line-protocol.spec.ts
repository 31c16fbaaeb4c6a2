import { circuitPointToLine, formatFieldValue, toLine } from './line-protocol';

describe('line protocol', () => {
  describe('toLine', () => {
    it.each([
      ['plain', 'm', { t: 'v' }, { f: 1.5 }, 'm,t=v f=1.5 1700000000000'],
      ['space and comma in measurement', 'my m,x', {}, { f: 1 }, 'my\\ m\\,x f=1 1700000000000'],
      ['comma, equals, space in tag value', 'm', { t: 'a b,c=d' }, { f: 1 }, 'm,t=a\\ b\\,c\\=d f=1 1700000000000'],
      ['escapes in tag key and field key', 'm', { 'k k': 'v' }, { 'f=1,x': 2 }, 'm,k\\ k=v f\\=1\\,x=2 1700000000000'],
      ['tags sorted, empty tag left out', 'm', { z: '1', a: '2', e: '' }, { f: 1 }, 'm,a=2,z=1 f=1 1700000000000'],
      ['string with quote and backslash', 'm', {}, { s: 'say "hi" \\ ok' }, 'm s="say \\"hi\\" \\\\ ok" 1700000000000'],
      ['boolean and bigint integer', 'm', {}, { b: false, n: -5n }, 'm b=false,n=-5i 1700000000000'],
      ['whole number stays a float', 'm', {}, { f: 230 }, 'm f=230 1700000000000'],
      ['tiny float in exponent form', 'm', {}, { f: 1e-7 }, 'm f=1e-7 1700000000000'],
    ])('should format %s', (_name, measurement, tags, fields, expected) => {
      expect(toLine(measurement, tags as Record<string, string>, fields, 1700000000000)).toBe(expected);
    });

    it.each([
      ['newline in a tag value', 'm', { t: 'a\nb' }, { f: 1 }, 1],
      ['trailing backslash in a tag value', 'm', { t: 'a\\' }, { f: 1 }, 1],
      ['no fields', 'm', {}, {}, 1],
      ['a fractional timestamp', 'm', {}, { f: 1 }, 1.5],
      ['NaN', 'm', {}, { f: NaN }, 1],
      ['Infinity', 'm', {}, { f: Infinity }, 1],
      ['newline in a string field', 'm', {}, { s: 'a\nb' }, 1],
    ])('should refuse %s', (_name, measurement, tags, fields, ts) => {
      expect(() => toLine(measurement, tags as Record<string, string>, fields, ts)).toThrow(RangeError);
    });
  });

  describe('formatFieldValue', () => {
    it('should refuse an integer outside int64', () => {
      expect(() => formatFieldValue('n', 2n ** 63n)).toThrow(/outside int64/);
      expect(formatFieldValue('n', 2n ** 63n - 1n)).toBe('9223372036854775807i');
    });
  });

  describe('circuitPointToLine', () => {
    it('should write metrics as floats and seq as an integer, tagged by device and circuit', () => {
      const line = circuitPointToLine({ device: 'vm-1', circuit: 3, ts: 1700000000123, fields: { power_w: 100, pf: 0.95, seq: 42 } });
      expect(line).toBe('circuit,circuit=3,device=vm-1 power_w=100,pf=0.95,seq=42i 1700000000123');
    });

    it('should write exactly what toLine writes for the same point', () => {
      const fields = { voltage_v: 230.1, current_a: 1.5, power_w: -12.25, pf: 0.97, energy_import_wh: 1e15, seq: 9 };
      const point = { device: 'meter a,b=c', circuit: 10, ts: 1700000000123, fields };
      expect(circuitPointToLine(point)).toBe(toLine('circuit', { device: point.device, circuit: '10' }, { ...fields, seq: 9n }, point.ts));
    });

    it('should refuse a non-finite metric and a point without fields', () => {
      expect(() => circuitPointToLine({ device: 'd', circuit: 1, ts: 1, fields: { power_w: NaN } })).toThrow(/power_w is NaN/);
      expect(() => circuitPointToLine({ device: 'd', circuit: 1, ts: 1, fields: {} })).toThrow(/no fields/);
      expect(() => circuitPointToLine({ device: '', circuit: 1, ts: 1, fields: { power_w: 1 } })).toThrow(/empty tag value/);
    });

    it('should refuse a fractional seq', () => {
      expect(() => circuitPointToLine({ device: 'd', circuit: 1, ts: 1, fields: { seq: 1.5 } })).toThrow(/seq 1.5/);
    });
  });
});
