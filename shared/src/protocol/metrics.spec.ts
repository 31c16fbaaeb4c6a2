import { CIRCUIT_COUNT, CIRCUIT_METRIC_FIELDS, CIRCUIT_METRICS, isEnergyMetric, isRegisterMetric } from './metrics';

/** The unit as it ends a field name. */
const UNIT_SUFFIX: Record<string, string> = { '°': 'deg' };

describe('CIRCUIT_METRICS', () => {
  it('should name each field once, in snake_case', () => {
    expect(new Set(CIRCUIT_METRIC_FIELDS).size).toBe(CIRCUIT_METRICS.length);
    for (const field of CIRCUIT_METRIC_FIELDS) expect(field).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('should list the fields in table order', () => {
    expect(CIRCUIT_METRIC_FIELDS).toEqual(CIRCUIT_METRICS.map((m) => m.field));
  });

  it('should give every metric a non-empty range', () => {
    for (const metric of CIRCUIT_METRICS) expect(metric.min).toBeLessThan(metric.max);
  });

  it('should end each field with its unit (pf has none)', () => {
    for (const metric of CIRCUIT_METRICS) {
      if (metric.unit === '') expect(metric.field).toBe('pf');
      else expect(metric.field.endsWith(`_${UNIT_SUFFIX[metric.unit] ?? metric.unit.toLowerCase()}`)).toBe(true);
    }
  });

  it('should make energy counters never negative, totalled from an energy register', () => {
    const counters = CIRCUIT_METRICS.filter((m) => m.kind === 'counter');

    expect(counters.map((m) => m.field)).toEqual(['energy_import_wh', 'energy_export_wh', 'reactive_import_varh', 'reactive_export_varh']);
    for (const metric of counters) {
      expect(metric.min).toBe(0);
      expect(isEnergyMetric(metric)).toBe(true);
    }
  });

  it('should read every instantaneous metric from its own measurement register', () => {
    const readings = CIRCUIT_METRICS.filter((m) => m.kind === 'reading');

    expect(readings.every(isRegisterMetric)).toBe(true);
    const registers = readings.filter(isRegisterMetric).map((m) => m.source.register);
    expect(new Set(registers).size).toBe(registers.length);
  });

  it('should store every value with at least the resolution of its register', () => {
    for (const metric of CIRCUIT_METRICS.filter(isRegisterMetric)) expect(metric.source.lsb * metric.flash.scale).toBeGreaterThanOrEqual(1);
  });

  it('should keep the metrics of the first release required and in their flash order', () => {
    // Flash records hold values in table order (device/core/storage/record-codec.ts): old ones decode only in this order.
    expect(CIRCUIT_METRIC_FIELDS.slice(0, 11)).toEqual([
      'voltage_v',
      'current_a',
      'power_w',
      'reactive_var',
      'apparent_va',
      'pf',
      'freq_hz',
      'energy_import_wh',
      'energy_export_wh',
      'reactive_import_varh',
      'reactive_export_varh',
    ]);
    const optional = CIRCUIT_METRICS.map((m) => 'optional' in m && m.optional === true);
    expect(optional.slice(0, 9).some(Boolean)).toBe(false);
    expect(optional.slice(9).every(Boolean)).toBe(true);
  });

  it('should describe a 10-circuit meter', () => {
    expect(CIRCUIT_COUNT).toBe(10);
  });
});
