import { CIRCUIT_COUNT, CIRCUIT_METRIC_FIELDS, CIRCUIT_METRICS } from './metrics';

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
      else expect(metric.field.endsWith(`_${metric.unit.toLowerCase()}`)).toBe(true);
    }
  });

  it('should mark energy counters as total_increasing and never negative', () => {
    const energy = CIRCUIT_METRICS.filter((m) => m.unit === 'Wh');

    expect(energy.map((m) => m.field)).toEqual(['energy_import_wh', 'energy_export_wh']);
    for (const metric of energy) {
      expect(metric.haStateClass).toBe('total_increasing');
      expect(metric.min).toBe(0);
    }
  });

  it('should describe a 10-circuit meter', () => {
    expect(CIRCUIT_COUNT).toBe(10);
  });
});
