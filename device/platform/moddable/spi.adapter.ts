/**
 * The board's two SPI buses, each one ECMA-419 SPI instance WITHOUT `select` (a second instance on
 * the same pins throws "in use") plus one Digital output per chip select: the ten ATM90E26 (mode 3,
 * 160 kHz) and the two ADS131M08 (mode 1, 8 MHz). The mode is fixed per instance, one reason the
 * ADCs have their own bus (docs/hardware.md "Waveform path").
 */
import Digital from 'embedded:io/digital';
import SPI from 'embedded:io/spi';
import type { ChipSelect, DigitalInput, SpiBus } from '../../core/ports';

export interface SpiPins {
  port: number;
  clock: number;
  out: number;
  in: number;
}

export interface SpiSettings {
  hz: number;
  mode: number;
}

export class ModdableSpiBus implements SpiBus {
  private readonly spi: SPI;

  /**
   * ATM90E26: mode 3, ≤ 160 kHz (docs/atm90e26.md "SPI"); the 24-bit frame takes ~150 µs; CS setup/hold (≥ 4–10 µs) is
   * covered by the JS call overhead around transfer() on the ESP32. ADS131M08: mode 1, 8 MHz.
   */
  constructor(pins: SpiPins, settings: SpiSettings) {
    this.spi = new SPI({ port: pins.port, clock: pins.clock, out: pins.out, in: pins.in, hz: settings.hz, mode: settings.mode });
  }

  transfer(buffer: Uint8Array): void {
    this.spi.transfer(buffer);
  }
}

export class DigitalChipSelect implements ChipSelect {
  private readonly line: Digital;

  constructor(pin: number) {
    this.line = new Digital({ pin, mode: Digital.Output });
    this.line.write(1); // deselected before anything else touches the bus
  }

  write(level: 0 | 1): void {
    this.line.write(level);
  }

  close(): void {
    this.line.close();
  }
}

/** An input line such as an ADC's DRDY (GPIO 34–39 have no pull-ups: the isolator drives it). */
export class DigitalInputLine implements DigitalInput {
  private readonly line: Digital;

  constructor(pin: number) {
    this.line = new Digital({ pin, mode: Digital.Input });
  }

  read(): 0 | 1 {
    return this.line.read() ? 1 : 0;
  }

  close(): void {
    this.line.close();
  }
}
