/**
 * The controller board's pin numbers — the ONLY place they appear in code.
 * Checked row by row against schematics/pinmap.csv by pins.spec.ts.
 */
export const PINS = Object.freeze({
  /** VSPI = SPI3_HOST, which the Moddable ESP32 port numbers 2. No `select`: CS lines below. */
  spi: Object.freeze({ port: 2, clock: 18, out: 23, in: 19 }),
  /** Active-low chip select of the ATM90E26 of circuit k at index k − 1. */
  chipSelect: Object.freeze([4, 5, 13, 14, 15, 16, 17, 25, 26, 27]),
  i2c: Object.freeze({ data: 21, clock: 22, hz: 400_000 }),
  /** MCP23017 I²C address; its pins are numbered 0–15 = GPA0–GPB7. */
  expanderAddress: 0x20,
  /** Expander pin of the relay of circuit k at index k − 1. */
  relay: Object.freeze([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  /** Expander pins driving the current multiplexer's S0–S3. */
  muxSelect: Object.freeze([12, 13, 14, 15]),
  adc: Object.freeze({ voltage: 36, current: 39 }),
});
