/**
 * The simulated controller board: ten ATM90E26 models on one SPI bus with their chip selects,
 * two ADS131M08 models on the waveform bus with their selects and data-ready lines (channel map
 * and scaling from the board file), ten relays and the electrical world behind them. Portable. The virtual meter reads every number
 * through the real driver and these models: nothing flows from a load model to telemetry directly.
 */
import { BOARD_FRONT_END, WAVEFORM_FRONT_END } from '../board/front-end';
import { PINS } from '../board/pins';
import type { ChipSelect, DigitalInput, RelayDriver } from '../core/ports';
import { AcSource } from './ac-source';
import { AdcFaultMode, Ads131m08Model, AnalogSource } from './ads131m08.model';
import { ApplianceSpec, createLoad, DEFAULT_CIRCUITS } from './appliances';
import { Atm90e26Model, ChipFaultMode } from './atm90e26.model';
import { ElectricalWorld, SimCircuit } from './electrical-world';
import { ApplianceTraces } from './power-trace';
import { hash01 } from './sim-random';
import { SimSpiBus } from './sim-spi-bus';

export const SIM_CIRCUIT_COUNT = 10;

export interface SimBoardOptions {
  /** Simulated start time, ms since the epoch. */
  startMs: number;
  seed?: number;
  /** Up to ten appliances, circuit 1 first; missing circuits are empty. Default DEFAULT_CIRCUITS. */
  circuits?: readonly ApplianceSpec[];
  /** Real day traces for fridge/kettle/washer (Node: loadFixtureTraces()); synthetic stand-ins otherwise. */
  traces?: ApplianceTraces;
  /** Offset of the appliances' local time of day from UTC (tracebase is CEST, +120). Default 0. */
  utcOffsetMinutes?: number;
  /** Longest simulation step (ms), default 20 (one mains cycle). */
  stepMs?: number;
  /** Relay contacts at start. Default true (closed: the circuit is powered). */
  relaysOn?: boolean;
  /** Per-chip front-end gain scatter (fraction, e.g. 0.02 = ±2 %), seeded. Default 0 (nominal parts). */
  frontEndTolerance?: number;
  /** Mains noise/drift; set to 0 for exactly-known supply in accuracy tests. */
  supplyDriftFraction?: number;
  supplyNoiseFraction?: number;
}

export interface SimFaults {
  /** MISO of this chip floats high (all ones) or is shorted low, until set back to 'none'. */
  setChipFault(circuit: number, mode: ChipFaultMode): void;
  /** A supply glitch on this chip: registers back to power-on values. */
  resetChip(circuit: number): void;
  /** Corrupts a checksummed calibration register: SysStatus flags CS1 and metering stops. */
  corruptCalibration(circuit: number): void;
  /** Waveform ADC chip 0 or 1: 'dead' (no data-ready, MISO high) or 'crc-noise'. */
  setAdcFault(chip: number, mode: AdcFaultMode): void;
  /** A supply glitch on an ADC: registers back to reset values. */
  resetAdc(chip: number): void;
}

export interface SimulatedBoard {
  readonly bus: SimSpiBus;
  /** Chip-select line of circuit k at index k − 1. */
  readonly selects: readonly ChipSelect[];
  readonly relays: RelayDriver;
  readonly world: ElectricalWorld;
  readonly chips: readonly Atm90e26Model[];
  /** The waveform SPI bus (mode 1) with the two ADS131M08 models; select and DRDY of chip n at index n. */
  readonly adcBus: SimSpiBus;
  readonly adcSelects: readonly ChipSelect[];
  readonly adcDataReady: readonly DigitalInput[];
  readonly adcs: readonly Ads131m08Model[];
  readonly faults: SimFaults;
  /** Advances the electrical world (and every chip) to `simMs`. */
  advanceTo(simMs: number): void;
  readonly nowMs: number;
  /** Force a current on a circuit (overcurrent tests); `undefined` hands control back to the appliance. */
  setOvercurrent(circuit: number, currentA: number | undefined): void;
  /** Waveform burst of one circuit for the DSP path (V and A, instantaneous). */
  sampleWaveform(circuit: number, startMs: number, rateHz: number, voltage: Float32Array, current: Float32Array): void;
}

export function createSimulatedBoard(options: SimBoardOptions): SimulatedBoard {
  const seed = options.seed ?? 1;
  const specs = options.circuits ?? DEFAULT_CIRCUITS;
  if (specs.length > SIM_CIRCUIT_COUNT) throw new RangeError(`at most ${SIM_CIRCUIT_COUNT} circuits: got ${specs.length}`);
  const tolerance = options.frontEndTolerance ?? 0;
  if (!(tolerance >= 0 && tolerance < 0.5)) throw new RangeError(`frontEndTolerance must be in [0, 0.5): ${tolerance}`);

  const context = { seed, utcOffsetMinutes: options.utcOffsetMinutes ?? 0, traces: options.traces };
  const loads = [];
  for (let k = 0; k < SIM_CIRCUIT_COUNT; k++) loads.push(createLoad(specs[k] ?? { kind: 'empty' }, { ...context, seed: seed * 31 + k }));

  const source = new AcSource({ seed, driftFraction: options.supplyDriftFraction, noiseFraction: options.supplyNoiseFraction });
  const world = new ElectricalWorld({ source, loads, startMs: options.startMs, stepMs: options.stepMs, relaysOn: options.relaysOn });
  const scatter = (n: number): number => tolerance * (2 * hash01(seed + 1000, n) - 1);
  const chips = world.circuits.map(
    (_circuit, k) =>
      new Atm90e26Model({ nominal: BOARD_FRONT_END, voltageGainError: scatter(2 * k), currentGainError: scatter(2 * k + 1) }),
  );
  world.circuits.forEach((circuit: SimCircuit, k) => (circuit.sensor = chips[k]));
  const bus = new SimSpiBus(chips);

  // The ADCs see the line voltage through their divider and each CT's burden voltage.
  const fe = WAVEFORM_FRONT_END;
  const adcs = PINS.adcSelect.map((_pin, index) => {
    const voltageChannel = PINS.adcVoltage[index].channel;
    const currents = PINS.adcCurrent
      .map((c, k) => ({ channel: c.channel, chip: c.chip, circuit: world.circuits[k], voltsPerA: (fe.currentMvPerA * (1 + scatter(2 * k + 1))) / 1000 }))
      .filter((c) => c.chip === index && c.circuit !== undefined);
    const analog: AnalogSource = {
      inputs(tS, out, enabledMask) {
        world.freezeWaveforms(world.nowMs); // once per advance: the loads hold still over a burst
        out.fill(0);
        if (enabledMask & (1 << voltageChannel)) out[voltageChannel] = world.voltageAt(tS) / fe.lineVoltsPerPinVolt;
        const freqHz = world.frozenFreqHz;
        for (const c of currents) if (enabledMask & (1 << c.channel)) out[c.channel] = c.circuit.currentAt(tS, freqHz) * c.voltsPerA;
      },
    };
    return new Ads131m08Model({ source: analog, clockInHz: fe.clockInHz });
  });
  const adcBus = new SimSpiBus(adcs);
  const adcIndex = (index: number): Ads131m08Model => {
    const found = adcs[index];
    if (!Number.isInteger(index) || !found) throw new RangeError(`no ADC chip ${index} (0..${adcs.length - 1})`);
    return found;
  };
  const advanceTo = (simMs: number): void => {
    world.advanceTo(simMs);
    // The ADCs convert continuously; a burst read now samples from this instant on.
    for (const adc of adcs) adc.startConversions((world.nowMs % 1000) / 1000);
  };
  advanceTo(options.startMs);

  const chip = (circuit: number): Atm90e26Model => {
    world.circuit(circuit); // validates the number
    return chips[circuit - 1];
  };

  return {
    bus,
    selects: bus.selects,
    relays: {
      set(circuit: number, on: boolean): void {
        if (typeof on !== 'boolean') throw new TypeError(`relay state must be a boolean: ${String(on)}`);
        world.circuit(circuit).relayOn = on;
      },
    },
    world,
    chips,
    adcBus,
    adcSelects: adcBus.selects,
    adcDataReady: adcs.map((adc) => ({ read: () => adc.dataReady })),
    adcs,
    faults: {
      setChipFault: (circuit, mode) => chip(circuit).setFault(mode),
      resetChip: (circuit) => chip(circuit).powerOn(),
      corruptCalibration: (circuit) => chip(circuit).corruptCalibration(),
      setAdcFault: (index, mode) => adcIndex(index).setFault(mode),
      resetAdc: (index) => adcIndex(index).powerOn(),
    },
    advanceTo,
    get nowMs() {
      return world.nowMs;
    },
    setOvercurrent: (circuit, currentA) => world.circuit(circuit).forceCurrentA(currentA),
    sampleWaveform: (circuit, startMs, rateHz, voltage, current) => world.sampleWaveform(circuit, startMs, rateHz, voltage, current),
  };
}
