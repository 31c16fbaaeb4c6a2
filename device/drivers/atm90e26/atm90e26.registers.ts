/**
 * ATM90E26 (M90E26) register map and magic values. Source: Atmel-46002 datasheet, register
 * tables in section 5 ("Register"), cross-checked with ESPHome `atm90e26_reg.h` and the whatnick
 * library (docs/atm90e26.md says what is relied on). Addresses are 7-bit; the SPI frame puts R/W in bit 7.
 */
export const REG = Object.freeze({
  // 5.1 Status and special registers
  SoftReset: 0x00,
  SysStatus: 0x01,
  FuncEn: 0x02,
  SagTh: 0x03,
  SmallPMod: 0x04,
  LastSPIData: 0x06,
  LSB: 0x08,
  // 5.2 Metering calibration and configuration (block checked by CS1)
  CalStart: 0x20,
  PLconstH: 0x21,
  PLconstL: 0x22,
  Lgain: 0x23,
  Lphi: 0x24,
  Ngain: 0x25,
  Nphi: 0x26,
  PStartTh: 0x27,
  PNolTh: 0x28,
  QStartTh: 0x29,
  QNolTh: 0x2a,
  MMode: 0x2b,
  CS1: 0x2c,
  // 5.3 Measurement calibration (block checked by CS2)
  AdjStart: 0x30,
  Ugain: 0x31,
  IgainL: 0x32,
  IgainN: 0x33,
  Uoffset: 0x34,
  IoffsetL: 0x35,
  IoffsetN: 0x36,
  PoffsetL: 0x37,
  QoffsetL: 0x38,
  PoffsetN: 0x39,
  QoffsetN: 0x3a,
  CS2: 0x3b,
  // 5.4 Energy registers: 16-bit, clear on read, 0.1 pulse per LSB
  APenergy: 0x40,
  ANenergy: 0x41,
  ATenergy: 0x42,
  RPenergy: 0x43,
  RNenergy: 0x44,
  RTenergy: 0x45,
  EnStatus: 0x46,
  // 5.5 Measurement registers, L line
  Irms: 0x48,
  Urms: 0x49,
  Pmean: 0x4a,
  Qmean: 0x4b,
  Freq: 0x4c,
  PowerF: 0x4d,
  Pangle: 0x4e,
  Smean: 0x4f,
  // 5.5 Measurement registers, N line
  Irms2: 0x68,
  Pmean2: 0x6a,
  Qmean2: 0x6b,
  PowerF2: 0x6d,
  Pangle2: 0x6e,
  Smean2: 0x6f,
});

/** Values with a meaning when written to a register (datasheet 5.1–5.3). */
export const MAGIC = Object.freeze({
  /** To SoftReset: resets every register to its power-on value. */
  softReset: 0x789a,
  /** To CalStart/AdjStart: calibration mode; also resets that block to defaults. */
  calibrationMode: 0x5678,
  /** To CalStart/AdjStart: check mode; the chip verifies CS1/CS2 and meters only if they match. */
  checkMode: 0x8765,
  /** Power-on value of CalStart/AdjStart (**unverified**, model use only). */
  powerOn: 0x6886,
});

/** The FuncEn value the driver writes (ESPHome's choice); a different read-back means the chip reset. */
export const FUNC_EN = 0x0030;
/** FuncEn after power-on or soft reset (**unverified**; only used by the chip model). */
export const FUNC_EN_POWER_ON = 0x000c;

/** SysStatus error bits (datasheet 5.1): CS1 error is bits 15:14, CS2 error bits 13:12. */
export const SYS_STATUS = Object.freeze({ cs1Error: 0xc000, cs2Error: 0x3000 });

/** MMode bits 15:13 select the L-channel PGA gain (datasheet 5.2, MMode). */
export const PGA_CODE = Object.freeze({ 1: 4, 4: 0, 8: 1, 16: 2, 24: 3 } as const);
export type PgaGain = keyof typeof PGA_CODE;
export const MMODE_PGA_SHIFT = 13;
export const MMODE_PGA_MASK = 0xe000;

/** Power-on defaults of every checksummed word (docs/atm90e26.md "Registers"). */
export const METERING_DEFAULTS = Object.freeze({
  [REG.PLconstH]: 0x0015,
  [REG.PLconstL]: 0xd174,
  [REG.Lgain]: 0,
  [REG.Lphi]: 0,
  [REG.Ngain]: 0,
  [REG.Nphi]: 0,
  [REG.PStartTh]: 0x08bd,
  [REG.PNolTh]: 0,
  [REG.QStartTh]: 0x0aec,
  [REG.QNolTh]: 0,
  [REG.MMode]: 0x9422,
} as Record<number, number>);

export const MEASUREMENT_DEFAULTS = Object.freeze({
  [REG.Ugain]: 0x6720,
  [REG.IgainL]: 0x7a13,
  [REG.IgainN]: 0x7530,
  [REG.Uoffset]: 0,
  [REG.IoffsetL]: 0,
  [REG.IoffsetN]: 0,
  [REG.PoffsetL]: 0,
  [REG.QoffsetL]: 0,
  [REG.PoffsetN]: 0,
  [REG.QoffsetN]: 0,
} as Record<number, number>);

/** Words covered by CS1 (0x21–0x2B) and CS2 (0x31–0x3A), in address order. */
export const CS1_BLOCK: readonly number[] = Object.freeze(range(REG.PLconstH, REG.MMode));
export const CS2_BLOCK: readonly number[] = Object.freeze(range(REG.Ugain, REG.QoffsetN));

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let a = first; a <= last; a++) out.push(a);
  return out;
}

/** SPI: mode 3, MSB first, 24 clocks per frame. ≤ 160 kHz (docs/atm90e26.md "SPI": 200 kHz in libraries, 160 kHz max per a secondary source — **unverified**, the lower is used). */
export const SPI_SETTINGS = Object.freeze({ hz: 160_000, mode: 3 });
/** Settling time after a soft reset before the chip accepts configuration (docs/atm90e26.md "Checksums and start-up": ~100 ms). */
export const SOFT_RESET_SETTLE_MS = 100;
