/**
 * TI ADS131M08 register map, commands and frame layout (datasheet SBAS950, sections 8.5 "SPI
 * interface" and 8.6 "Register map"). The facts the driver relies on, and which of them are
 * unverified, are listed in README.md. Portable: no pins, no platform.
 */

/** Channels per chip. */
export const CHANNELS = 8;
/** Words per frame: response/status + 8 channels + CRC (8.5.1.7, M08). */
export const FRAME_WORDS = CHANNELS + 2;
/** Word length after reset: 24 bits (MODE.WLENGTH = 01). The driver keeps it. */
export const WORD_BYTES = 3;
export const FRAME_BYTES = FRAME_WORDS * WORD_BYTES;

/** SPI mode 1 (CPOL 0, CPHA 1). 8 MHz is the board's choice, not the chip's 25 MHz limit: see docs/hardware.md "SPI budget". */
export const SPI_SETTINGS = Object.freeze({ hz: 8_000_000, mode: 1 });

/** Internal reference: ±1.2 V full scale at gain 1 (8.3). */
export const FULL_SCALE_V = 1.2;
/** 24-bit two's complement: ±2^23 codes span ±FULL_SCALE_V / gain. */
export const CODE_FULL_SCALE = 0x800000;

export const REG = Object.freeze({
  ID: 0x00,
  STATUS: 0x01,
  MODE: 0x02,
  CLOCK: 0x03,
  GAIN1: 0x04, // channels 0–3
  GAIN2: 0x05, // channels 4–7
  CFG: 0x06,
  REGMAP_CRC: 0x3e,
});

/** Highest register address (6 bits). */
export const LAST_REGISTER = 0x3f;

/** 16-bit command words, left-justified in the first word of a frame (8.5.1.10). */
export const CMD = Object.freeze({
  NULL: 0x0000,
  RESET: 0x0011,
  STANDBY: 0x0022,
  WAKEUP: 0x0033,
  LOCK: 0x0555,
  UNLOCK: 0x0655,
});

/** RREG/WREG of one register: 101a aaaa a000 0000 / 011a aaaa a000 0000 (n − 1 = 0). */
export const rreg = (address: number): number => 0xa000 | (address << 7);
export const wreg = (address: number): number => 0x6000 | (address << 7);
/** The chip's answer to a one-register WREG: 010a aaaa a000 0000. */
export const wregAck = (address: number): number => 0x4000 | (address << 7);
/** The answer to RESET in the next frame on the 8-channel part. */
export const RESET_ACK = 0xff28;
/** ID register: high byte 0x28 on the ADS131M08 (low byte is a revision). */
export const ID_M08 = 0x28;

export const STATUS = Object.freeze({
  lock: 0x8000,
  fResync: 0x4000,
  regMap: 0x2000,
  crcErr: 0x1000,
  reset: 0x0400,
  /** DRDY7..0: new data on channel n since the last read. */
  drdyMask: 0x00ff,
});

/** MODE after reset: RESET flag set, WLENGTH 24 bit, SPI TIMEOUT on. The driver clears the RESET flag. */
export const MODE_POWER_ON = 0x0510;
export const MODE_RESET_FLAG = 0x0400;

/** CLOCK: CH7_EN..CH0_EN in bits 15:8, OSR in bits 4:2, PWR in bits 1:0 (10 = high resolution). Reset 0xFF0E. */
export const CLOCK_POWER_ON = 0xff0e;
export const CLOCK_PWR_HIGH_RESOLUTION = 0b10;
/** OSR code → oversampling ratio; the modulator runs at fCLKIN / 2. */
export const OSR_BY_CODE = Object.freeze([128, 256, 512, 1024, 2048, 4096, 8192, 16256]);

/** PGA code (3 bits per channel in GAIN1/GAIN2) → gain. */
export const GAIN_BY_CODE = Object.freeze([1, 2, 4, 8, 16, 32, 64, 128]);

/** Conversions to discard after a reset or a CLOCK/GAIN change: the sinc3 filter settles in 3. */
export const SETTLING_CONVERSIONS = 3;

/** Output data rate for a clock and OSR: fDATA = fCLKIN / 2 / OSR. */
export function dataRateHz(clockInHz: number, osr: number): number {
  return clockInHz / 2 / osr;
}

export function clockWord(enabledMask: number, osr: number): number {
  const code = OSR_BY_CODE.indexOf(osr);
  if (code < 0) throw new RangeError(`OSR must be one of ${OSR_BY_CODE.join(', ')}: ${osr}`);
  if (!Number.isInteger(enabledMask) || enabledMask < 1 || enabledMask > 0xff)
    throw new RangeError(`channel mask must be 1..0xff: ${enabledMask}`);
  return (enabledMask << 8) | (code << 2) | CLOCK_PWR_HIGH_RESOLUTION;
}

/** GAIN1 and GAIN2 words for eight per-channel gains. */
export function gainWords(gains: readonly number[]): [number, number] {
  if (gains.length !== CHANNELS) throw new RangeError(`need ${CHANNELS} gains: got ${gains.length}`);
  const words: [number, number] = [0, 0];
  gains.forEach((gain, channel) => {
    const code = GAIN_BY_CODE.indexOf(gain);
    if (code < 0)
      throw new RangeError(`channel ${channel} gain must be one of ${GAIN_BY_CODE.join(', ')}: ${gain}`);
    words[channel >> 2] |= code << ((channel & 3) * 4);
  });
  return words;
}

export function gainOf(words: readonly [number, number] | Uint16Array, channel: number): number {
  return GAIN_BY_CODE[(words[channel >> 2] >>> ((channel & 3) * 4)) & 7];
}
