/**
 * The buses a chip driver is given (ECMA-419 IO shapes). They sit below both the drivers and the
 * device core: a driver never imports the core, and the core's ports re-export these. One real
 * implementation per platform (platform/moddable, device/sim) and in-memory ones in the tests.
 */

/** A full-duplex SPI bus (ECMA-419 `transfer`): `buffer` is sent and overwritten in place with what was read. Synchronous. */
export interface SpiBus {
  transfer(buffer: Uint8Array): void;
}

/** One chip-select line (ECMA-419 Digital output). Active low for the ATM90E26. */
export interface ChipSelect {
  write(level: 0 | 1): void;
}

/** One digital input line (ECMA-419 Digital input), e.g. an ADC's active-low data-ready. */
export interface DigitalInput {
  read(): 0 | 1;
}
