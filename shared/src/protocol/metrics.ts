/**
 * The one table of per-circuit metrics. It drives the telemetry schema, the InfluxDB fields,
 * the REST series whitelist and Home Assistant discovery. Units are in the field names.
 */
export interface MetricDef {
  /** Field name on the wire and in InfluxDB. */
  readonly field: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  /** Home Assistant device_class / state_class, where one fits. */
  readonly haDeviceClass?: string;
  readonly haStateClass?: 'measurement' | 'total_increasing';
  readonly optional?: boolean;
}

export const CIRCUIT_METRICS = [
  { field: 'voltage_v', unit: 'V', min: 0, max: 1000, haDeviceClass: 'voltage', haStateClass: 'measurement' },
  { field: 'current_a', unit: 'A', min: 0, max: 1000, haDeviceClass: 'current', haStateClass: 'measurement' },
  { field: 'power_w', unit: 'W', min: -1e6, max: 1e6, haDeviceClass: 'power', haStateClass: 'measurement' },
  { field: 'reactive_var', unit: 'var', min: -1e6, max: 1e6, haDeviceClass: 'reactive_power', haStateClass: 'measurement' },
  { field: 'apparent_va', unit: 'VA', min: 0, max: 1e6, haDeviceClass: 'apparent_power', haStateClass: 'measurement' },
  { field: 'pf', unit: '', min: -1, max: 1, haDeviceClass: 'power_factor', haStateClass: 'measurement' },
  { field: 'freq_hz', unit: 'Hz', min: 0, max: 100, haDeviceClass: 'frequency', haStateClass: 'measurement' },
  { field: 'energy_import_wh', unit: 'Wh', min: 0, max: 1e15, haDeviceClass: 'energy', haStateClass: 'total_increasing' },
  { field: 'energy_export_wh', unit: 'Wh', min: 0, max: 1e15, haDeviceClass: 'energy', haStateClass: 'total_increasing' },
  { field: 'reactive_import_varh', unit: 'varh', min: 0, max: 1e15, optional: true },
  { field: 'reactive_export_varh', unit: 'varh', min: 0, max: 1e15, optional: true },
] as const satisfies readonly MetricDef[];

export type CircuitMetricField = (typeof CIRCUIT_METRICS)[number]['field'];
export const CIRCUIT_METRIC_FIELDS: readonly CircuitMetricField[] = CIRCUIT_METRICS.map((m) => m.field);

export const CIRCUIT_COUNT = 10;
