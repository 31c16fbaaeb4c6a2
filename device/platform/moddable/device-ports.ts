/**
 * Composition of the ESP32 ports from the board file. Everything with a pin number gets it
 * from device/board/pins.ts; nothing here knows a circuit's appliance or a topic.
 */
import Timer from 'timer';
import { BOARD_CALIBRATION } from '../../board/front-end';
import { PINS } from '../../board/pins';
import { Metering } from '../../core/metering/metering';
import type { ChipSelect, Clock, FlashPartition, MqttEvents, RelayDriver, SettingsStore, SpiBus } from '../../core/ports';
import { SntpClock } from './clock.adapter';
import { ModdableFlashPartition } from './flash.adapter';
import { Mcp23017Outputs } from './mcp23017.expander';
import { ModdableMqtt, MqttSettings } from './mqtt.adapter';
import { FirmwareUpdate, ModdableOta } from './ota.adapter';
import { ExpanderRelays } from './relays.adapter';
import { PreferenceSettings } from './settings.adapter';
import { DigitalChipSelect, ModdableSpiBus } from './spi.adapter';

export interface DevicePorts {
  bus: SpiBus;
  selects: ChipSelect[];
  relays: RelayDriver;
  metering: Metering;
  flash: FlashPartition;
  settings: SettingsStore;
  clock: SntpClock & Clock;
  /** The MQTT session is created once the core supplies its event handlers. */
  createMqtt(settings: MqttSettings, events: MqttEvents): ModdableMqtt;
  ota: FirmwareUpdate;
  /** Blocking delay (soft-reset settle time); keep short: the task watchdog is armed. */
  delayMs(ms: number): void;
}

export function createDevicePorts(): DevicePorts {
  const bus = new ModdableSpiBus(PINS.spi);
  const selects = PINS.chipSelect.map((pin) => new DigitalChipSelect(pin));
  // Relays and multiplexer selects start de-energised; the core applies power-on states.
  const expander = new Mcp23017Outputs({ ...PINS.i2c, address: PINS.expanderAddress });
  const delayMs = (ms: number): void => Timer.delay(ms);
  return {
    bus,
    selects,
    relays: new ExpanderRelays(expander, PINS.relay),
    metering: new Metering({ bus, selects, calibration: BOARD_CALIBRATION, delayMs }),
    flash: new ModdableFlashPartition('records'),
    settings: new PreferenceSettings(),
    clock: new SntpClock(),
    createMqtt: (settings, events) => new ModdableMqtt(settings, events),
    ota: new ModdableOta(),
    delayMs,
  };
}
