/**
 * Composition of the ESP32 ports from the board file. Everything with a pin number gets it
 * from device/board/pins.ts; nothing here knows a circuit's appliance or a topic. Metering is
 * NOT built here: MeterCore builds it over `bus`/`selects` with its fault callbacks.
 */
import Timer from 'timer';
import { PINS } from '../../board/pins';
import type { MeterCorePorts } from '../../core/app/meter-core';
import type { ChipSelect, FlashPartition, RelayDriver, SettingsStore, SpiBus, WaveformSampler } from '../../core/ports';
import { SPI_SETTINGS as ADC_SPI } from '../../drivers/ads131m08/ads131m08.registers';
import { SPI_SETTINGS as METER_SPI } from '../../drivers/atm90e26/atm90e26.registers';
import { createBoardWaveformSampler } from '../../board/waveform-sampler';
import nativeWaveformKernels from '../../dsp/waveform.kernels.native';
import { SntpClock } from './clock.adapter';
import { ModdableCrypto } from './crypto.adapter';
import { ModdableFlashPartition } from './flash.adapter';
import { Mcp23017Outputs } from './mcp23017.expander';
import { EspFirmwareSlots } from './firmware-slots.adapter';
import { moddableHttpRange } from './http-range.adapter';
import otaFlash from './ota-flash.native';
import { ExpanderRelays } from './relays.adapter';
import { createSettingsStore } from './settings.adapter';
import { DigitalChipSelect, DigitalInputLine, ModdableSpiBus } from './spi.adapter';

/** Longest blocking delay allowed per call: the task watchdog (sdkconfig.defaults) is armed. */
export const MAX_DELAY_MS = 100;

/** The core's ports except MQTT (created once provisioning has named the broker and client id). */
export interface DevicePorts extends Omit<MeterCorePorts, 'mqtt'> {
  bus: SpiBus;
  selects: ChipSelect[];
  relays: RelayDriver;
  flash: FlashPartition;
  eventFlash: FlashPartition;
  settings: SettingsStore;
  clock: SntpClock;
  /** The two ADS131M08 on their own bus (configured at start; a chip that fails is retried by the sampler). */
  waveform: WaveformSampler;
  /** Blocking delay (ATM90E26 soft-reset settle time); bounded by MAX_DELAY_MS. */
  delayMs(ms: number): void;
}

/** `builtInVersion`: what this image calls itself when the OTA slot table does not know it (docs/ota.md). */
export function createDevicePorts(builtInVersion: string): DevicePorts {
  const bus = new ModdableSpiBus(PINS.spi, METER_SPI);
  const selects = PINS.chipSelect.map((pin) => new DigitalChipSelect(pin));
  // The burst loop below reads one frame per conversion from JS: at 16 kSPS that needs a native
  // frame reader (DRDY interrupt + DMA) on the ESP32 — docs/hardware.md "Waveform path", open item.
  const clock = new SntpClock();
  const waveform = createBoardWaveformSampler({
    clock,
    bus: new ModdableSpiBus(PINS.adcSpi, ADC_SPI),
    selects: PINS.adcSelect.map((pin) => new DigitalChipSelect(pin)),
    dataReady: PINS.adcDataReady.map((pin) => new DigitalInputLine(pin)),
    onFault: (chip, fault) => trace(`dinmeter ADC ${chip}: ${fault.code}: ${fault.message}\n`),
  });
  waveform.start();
  // Relays start de-energised; the core applies power-on states.
  const expander = new Mcp23017Outputs({ ...PINS.i2c, address: PINS.expanderAddress });
  const settings = createSettingsStore();
  // Firmware updates need the app to run from an OTA slot (device/partitions.csv); the lin
  // virtual board has none (runningSlot -1), so there `firmware` orders are `unsupported`.
  const ota = otaFlash.runningSlot() < 0 ? undefined : { slots: new EspFirmwareSlots(otaFlash, settings, builtInVersion), http: moddableHttpRange };
  return {
    bus,
    selects,
    relays: new ExpanderRelays(expander, PINS.relay),
    flash: new ModdableFlashPartition('records'),
    eventFlash: new ModdableFlashPartition('events'),
    settings,
    clock,
    crypto: new ModdableCrypto(),
    ota,
    waveform,
    // The DSP's loops in C (dsp/waveform.kernels.native.c): in XS they do not fit the ESP32's budget (docs/firmware-build.md).
    dspKernels: nativeWaveformKernels,
    delayMs: (ms: number): void => {
      if (!(ms >= 0 && ms <= MAX_DELAY_MS)) throw new RangeError(`delayMs must be 0..${MAX_DELAY_MS} ms (task watchdog), got ${ms}`);
      Timer.delay(ms);
    },
  };
}
