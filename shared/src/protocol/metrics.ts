/**
 * The one table of per-circuit metrics (docs/protocol.md "Metrics"). Each entry drives:
 * - reading: where an ATM90E26 meter gets the value (device/drivers/atm90e26, device/core/metering);
 * - the wire: the telemetry field and its range (messages/telemetry.ts, circuitReadingSchema);
 * - flash: resolution and merge rule of the record log (device/core/storage/record-codec.ts, record-merge.ts);
 * - storage: the InfluxDB field of measurement `circuit` (the same name) and its downsampling;
 * - Home Assistant discovery (backend/src/homeassistant/ha-discovery.ts).
 *
 * The order is the order of the values in a flash record: append new metrics at the end, make them
 * `optional` (older meters do not send them, older records do not hold them), never reorder or remove.
 */

/** How a 16-bit measurement register holds a signed value (docs/atm90e26.md "Measurement scaling"). */
export type RegisterEncoding = 'unsigned' | 'twos-complement' | 'sign-magnitude';

/**
 * How the firmware rescales a register after the chip: `current` quantities are multiplied by the CT
 * ratio (for CTs whose full scale exceeds the 65.535 A register); `power` quantities also by the
 * power-register meter-constant correction (device/drivers/atm90e26/atm90e26.calibration.ts).
 */
export type Rescale = 'none' | 'current' | 'power';

/**
 * What a CT clamped the wrong way round does to a value, undone by the firmware when the circuit's
 * calibration says `ctReversed` (docs/commissioning.md): its sign flips, or an angle turns by 180°.
 */
export type CtReversal = 'sign' | 'half-turn';

/** A measurement register of the ATM90E26, L line (datasheet 5.5). */
export interface ChipRegisterSource {
  /** Its name in the driver's register map (device/drivers/atm90e26/atm90e26.registers.ts `REG`). */
  readonly register: string;
  readonly encoding: RegisterEncoding;
  /** Units of the metric per LSB. */
  readonly lsb: number;
  readonly rescale: Rescale;
  readonly reversed?: CtReversal;
}

/** A running total the metering core keeps from a clear-on-read energy register (datasheet 5.4). */
export interface ChipEnergySource {
  /** The driver's EnergyKey (device/drivers/atm90e26/atm90e26.energy.ts). */
  readonly energy: string;
}

export interface HaMetric {
  /**
   * `meter`: one sensor per meter, read from any circuit (every circuit of a meter sits on the same
   * supply); `circuit`: one per circuit; `diagnostic`: one per circuit, disabled by default.
   */
  readonly entity: 'meter' | 'circuit' | 'diagnostic';
  readonly name: string;
  readonly deviceClass?: string;
  /** Shown in another unit than the wire's: value × scale (energy in kWh, the Energy dashboard's). */
  readonly unit?: string;
  readonly scale?: number;
  readonly precision: number;
}

export interface MetricDef {
  /** The field name on the wire (telemetry) and in InfluxDB; snake_case ending in its unit. */
  readonly field: string;
  readonly unit: string;
  /**
   * `reading`: an instantaneous value, averaged over time (flash merges, InfluxDB tiers), Home
   * Assistant state class `measurement`; `counter`: a cumulative total that only grows, whose last
   * value stands for an interval (state class `total_increasing`).
   */
  readonly kind: 'reading' | 'counter';
  /** The wire range: telemetry outside it is refused, and the meter clamps its readings to it. */
  readonly min: number;
  readonly max: number;
  /** A reading may lack it (metrics added later, counters a meter may not keep). */
  readonly optional?: true;
  readonly source: ChipRegisterSource | ChipEnergySource;
  readonly flash: {
    /** Stored as round(value × scale): integer units (counters: exact). */
    readonly scale: number;
    /**
     * A merged record recomputes it from the merged powers instead of averaging it: `power-factor`
     * = mean P / mean S (IEC 61557-12 total PF); `phase-angle` = atan2(mean Q, mean P), since a mean
     * of angles is wrong where they wrap at ±180° (a circuit that exports).
     */
    readonly merged?: 'power-factor' | 'phase-angle';
  };
  /** Home Assistant sensor; absent: no entity. */
  readonly ha?: HaMetric;
}

export const CIRCUIT_METRICS = [
  {
    field: 'voltage_v',
    unit: 'V',
    kind: 'reading',
    min: 0,
    max: 1000,
    source: { register: 'Urms', encoding: 'unsigned', lsb: 0.01, rescale: 'none' },
    flash: { scale: 100 },
    ha: { entity: 'meter', name: 'voltage', deviceClass: 'voltage', precision: 1 },
  },
  {
    field: 'current_a',
    unit: 'A',
    kind: 'reading',
    min: 0,
    max: 1000,
    source: { register: 'Irms', encoding: 'unsigned', lsb: 0.001, rescale: 'current' },
    flash: { scale: 1000 },
    ha: { entity: 'circuit', name: 'current', deviceClass: 'current', precision: 2 },
  },
  {
    field: 'power_w',
    unit: 'W',
    kind: 'reading',
    min: -1e6,
    max: 1e6,
    source: { register: 'Pmean', encoding: 'twos-complement', lsb: 1, rescale: 'power', reversed: 'sign' },
    flash: { scale: 10 },
    ha: { entity: 'circuit', name: 'power', deviceClass: 'power', precision: 0 },
  },
  {
    field: 'reactive_var',
    unit: 'var',
    kind: 'reading',
    min: -1e6,
    max: 1e6,
    source: { register: 'Qmean', encoding: 'twos-complement', lsb: 1, rescale: 'power', reversed: 'sign' },
    flash: { scale: 10 },
    ha: { entity: 'diagnostic', name: 'reactive power', deviceClass: 'reactive_power', precision: 0 },
  },
  {
    field: 'apparent_va',
    unit: 'VA',
    kind: 'reading',
    min: 0,
    max: 1e6,
    // 1 VA per LSB is **unverified** (docs/atm90e26.md).
    source: { register: 'Smean', encoding: 'unsigned', lsb: 1, rescale: 'power' },
    flash: { scale: 10 },
    ha: { entity: 'diagnostic', name: 'apparent power', deviceClass: 'apparent_power', precision: 0 },
  },
  {
    field: 'pf',
    unit: '',
    kind: 'reading',
    min: -1,
    max: 1,
    source: { register: 'PowerF', encoding: 'sign-magnitude', lsb: 0.001, rescale: 'none', reversed: 'sign' },
    flash: { scale: 1000, merged: 'power-factor' },
    ha: { entity: 'circuit', name: 'power factor', deviceClass: 'power_factor', precision: 2 },
  },
  {
    field: 'freq_hz',
    unit: 'Hz',
    kind: 'reading',
    min: 0,
    max: 100,
    source: { register: 'Freq', encoding: 'unsigned', lsb: 0.01, rescale: 'none' },
    flash: { scale: 100 },
    ha: { entity: 'meter', name: 'frequency', deviceClass: 'frequency', precision: 2 },
  },
  {
    field: 'energy_import_wh',
    unit: 'Wh',
    kind: 'counter',
    min: 0,
    max: 1e15,
    source: { energy: 'activeImport' },
    flash: { scale: 1000 },
    ha: { entity: 'circuit', name: 'energy import', deviceClass: 'energy', unit: 'kWh', scale: 1 / 1000, precision: 2 },
  },
  {
    field: 'energy_export_wh',
    unit: 'Wh',
    kind: 'counter',
    min: 0,
    max: 1e15,
    source: { energy: 'activeExport' },
    flash: { scale: 1000 },
    ha: { entity: 'circuit', name: 'energy export', deviceClass: 'energy', unit: 'kWh', scale: 1 / 1000, precision: 2 },
  },
  {
    field: 'reactive_import_varh',
    unit: 'varh',
    kind: 'counter',
    min: 0,
    max: 1e15,
    optional: true,
    source: { energy: 'reactiveImport' },
    flash: { scale: 1000 },
  },
  {
    field: 'reactive_export_varh',
    unit: 'varh',
    kind: 'counter',
    min: 0,
    max: 1e15,
    optional: true,
    source: { energy: 'reactiveExport' },
    flash: { scale: 1000 },
  },
  {
    field: 'angle_deg',
    unit: '°',
    kind: 'reading',
    min: -180,
    max: 180,
    optional: true,
    // Mean phase angle of the current to the voltage, positive lagging; encoding, LSB and sign are **unverified** (docs/atm90e26.md).
    source: { register: 'Pangle', encoding: 'twos-complement', lsb: 0.1, rescale: 'none', reversed: 'half-turn' },
    flash: { scale: 10, merged: 'phase-angle' },
    ha: { entity: 'diagnostic', name: 'phase angle', precision: 1 },
  },
] as const satisfies readonly MetricDef[];

export type CircuitMetric = (typeof CIRCUIT_METRICS)[number];
export type CircuitMetricField = CircuitMetric['field'];
export const CIRCUIT_METRIC_FIELDS: readonly CircuitMetricField[] = CIRCUIT_METRICS.map((m) => m.field);

/** Fields every reading carries, and those it may lack. */
export type RequiredMetricField = Exclude<CircuitMetricField, Extract<CircuitMetric, { optional: true }>['field']>;
export type OptionalMetricField = Extract<CircuitMetric, { optional: true }>['field'];

/** Metrics an ATM90E26 meter reads from a measurement register, and those it totals from an energy register. */
export type RegisterMetric = Extract<CircuitMetric, { source: ChipRegisterSource }>;
export type EnergyMetric = Extract<CircuitMetric, { source: ChipEnergySource }>;
export const isRegisterMetric = (metric: CircuitMetric): metric is RegisterMetric => 'register' in metric.source;
export const isEnergyMetric = (metric: CircuitMetric): metric is EnergyMetric => 'energy' in metric.source;

export const CIRCUIT_COUNT = 10;
