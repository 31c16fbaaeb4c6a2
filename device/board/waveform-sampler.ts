/**
 * The board's waveform sampler: the two ADS131M08 with this board's channel map and front end,
 * over whatever bus, selects and data-ready lines the platform gives (ESP32: HSPI and GPIOs;
 * host: the simulated board). Portable.
 */
import { AdcWaveformSampler } from '../core/metering/adc-waveform-sampler';
import type { ChipSelect, Clock, DigitalInput, SpiBus } from '../core/ports';
import { Ads131m08, Ads131m08Fault } from '../drivers/ads131m08/ads131m08.driver';
import { CHANNELS } from '../drivers/ads131m08/ads131m08.registers';
import { WAVEFORM_FRONT_END } from './front-end';
import { PINS } from './pins';

export interface WaveformBusPorts {
  bus: SpiBus;
  /** Chip select of ADC chip n at index n. */
  selects: readonly ChipSelect[];
  dataReady: readonly DigitalInput[];
  onFault?: (chip: number, fault: Ads131m08Fault) => void;
  /** Real time where the host can fall behind the ADC (ESP32); see AdcWaveformSampler. */
  clock?: Clock;
}

export function createBoardWaveformSampler(ports: WaveformBusPorts): AdcWaveformSampler {
  const fe = WAVEFORM_FRONT_END;
  const adcs = PINS.adcSelect.map((_pin, chip) => {
    const used = [PINS.adcVoltage[chip], ...PINS.adcCurrent]
      .filter((c) => c.chip === chip)
      .map((c) => c.channel);
    const gains = Array.from({ length: CHANNELS }, (_, ch) =>
      ch === PINS.adcVoltage[chip].channel ? fe.voltageGain : fe.currentGain,
    );
    return new Ads131m08({
      bus: ports.bus,
      select: ports.selects[chip],
      dataReady: ports.dataReady[chip],
      // Unused channels are switched off: they read 0 and their inputs are grounded on the board.
      config: { osr: fe.osr, gains, enabledMask: used.reduce<number>((mask, ch) => mask | (1 << ch), 0) },
      onFault: ports.onFault && ((fault) => ports.onFault?.(chip, fault)),
    });
  });
  return new AdcWaveformSampler({
    adcs,
    voltage: PINS.adcVoltage,
    currents: PINS.adcCurrent,
    clockInHz: fe.clockInHz,
    osr: fe.osr,
    voltageGain: fe.voltageGain,
    currentGain: fe.currentGain,
    lineVoltsPerPinVolt: fe.lineVoltsPerPinVolt,
    currentMvPerA: fe.currentMvPerA,
    clock: ports.clock,
  });
}
