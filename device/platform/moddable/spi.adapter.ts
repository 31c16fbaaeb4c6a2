/**
 * The ten ATM90E26 share one SPI bus: one ECMA-419 SPI instance WITHOUT `select` (a second
 * instance on the same pins throws "in use") plus one Digital output per chip select.
 */
import Digital from 'embedded:io/digital';
import SPI from 'embedded:io/spi';
import type { ChipSelect, SpiBus } from '../../core/ports';
import { SPI_SETTINGS } from '../../drivers/atm90e26/atm90e26.registers';

export interface SpiPins {
  port: number;
  clock: number;
  out: number;
  in: number;
}

export class ModdableSpiBus implements SpiBus {
  private readonly spi: SPI;

  constructor(pins: SpiPins) {
    // Mode 3, ≤ 160 kHz (docs/atm90e26.md "SPI"). The 24-bit frame takes ~150 µs; CS setup/hold
    // (≥ 4–10 µs) is covered by the JS call overhead around transfer() on the ESP32.
    this.spi = new SPI({ port: pins.port, clock: pins.clock, out: pins.out, in: pins.in, hz: SPI_SETTINGS.hz, mode: SPI_SETTINGS.mode });
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
