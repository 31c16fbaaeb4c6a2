/**
 * Register-level model of one ADS131M08 as seen over SPI (mode 1, 10 × 24-bit words per frame),
 * fed by an analogue source that gives the eight input voltages at a time. Portable.
 *
 * What it does like the chip (driver README lists the datasheet facts): the answer to a frame's
 * command comes in word 0 of the NEXT frame (NULL → STATUS, RESET → 0xFF28, WREG → 010a aaaa a…,
 * RREG → the register); LOCK/UNLOCK; CLOCK enables channels and sets the OSR (data rate =
 * fCLKIN / 2 / OSR); GAIN1/2 set the PGA; codes are 24-bit two's complement of
 * vin × gain / 1.2 V, clipped; each reply carries a CRC-16-CCITT over words 0–8; DRDY is low while
 * a conversion is waiting; after a reset or a CLOCK/GAIN write the first conversions read 0
 * (filter settling); MODE.RESET is set at power-on until written 0.
 *
 * Model assumptions: the host is never late — each frame that finds DRDY low reads the next
 * conversion, at t0 + n / fDATA from the instant `startConversions(t0)` gave; the sinc3 group
 * delay is the same on every channel, so it is left out. Fault injection: 'dead' (DRDY high, MISO
 * all ones), 'crc-noise' (one bit of every `noiseEvery`-th reply flipped).
 */
import { crc16Ccitt } from '../drivers/ads131m08/ads131m08.crc';
import {
  CHANNELS,
  CLOCK_POWER_ON,
  CMD,
  CODE_FULL_SCALE,
  FRAME_BYTES,
  FRAME_WORDS,
  FULL_SCALE_V,
  gainOf,
  ID_M08,
  LAST_REGISTER,
  MODE_POWER_ON,
  MODE_RESET_FLAG,
  OSR_BY_CODE,
  REG,
  RESET_ACK,
  SETTLING_CONVERSIONS,
  STATUS,
  WORD_BYTES,
  wregAck,
} from '../drivers/ads131m08/ads131m08.registers';

/** Input voltages (V, differential, at the pins) at time `tS`, for at least the channels set in `enabledMask`. */
export interface AnalogSource {
  inputs(tS: number, out: Float64Array, enabledMask: number): void;
}

export type AdcFaultMode = 'none' | 'dead' | 'crc-noise';

export interface Ads131m08ModelOptions {
  source: AnalogSource;
  /** CLKIN (Hz); the board's oscillator is 8.192 MHz. */
  clockInHz: number;
}

export class Ads131m08Model {
  readonly registers = new Uint16Array(LAST_REGISTER + 1);
  /** Conversions read since `startConversions` (for tests). */
  conversionsRead = 0;
  private readonly source: AnalogSource;
  private readonly clockInHz: number;
  private readonly volts = new Float64Array(CHANNELS);
  /** PGA gain per channel, kept in step with GAIN1/GAIN2. */
  private readonly gains = new Float64Array(CHANNELS);
  private readonly reply = new Uint8Array(FRAME_BYTES);
  private readonly request = new Uint8Array(FRAME_BYTES);
  private fault: AdcFaultMode = 'none';
  private noiseEvery = 7;
  private repliesSent = 0;
  private selected = false;
  private position = 0;
  private answer = 0;
  private startS = 0;
  private conversion = 0;
  private settling = 0;
  private standby = false;
  private locked = false;

  constructor(options: Ads131m08ModelOptions) {
    if (!(options.clockInHz > 0)) throw new RangeError(`clockInHz must be positive: ${options.clockInHz}`);
    this.source = options.source;
    this.clockInHz = options.clockInHz;
    this.powerOn();
  }

  /** 'dead': no DRDY and MISO floating high; 'crc-noise': one bit flipped in every `every`-th reply. */
  setFault(mode: AdcFaultMode, every = 7): void {
    this.fault = mode;
    this.noiseEvery = every;
  }

  /** Power-on: registers to reset values, MODE.RESET set; the next frame answers RESET_ACK. */
  powerOn(): void {
    const r = this.registers;
    r.fill(0);
    r[REG.ID] = (ID_M08 << 8) | 0x11;
    r[REG.MODE] = MODE_POWER_ON;
    r[REG.CLOCK] = CLOCK_POWER_ON;
    this.answer = RESET_ACK;
    this.updateGains();
    this.settling = SETTLING_CONVERSIONS;
    this.standby = false;
    this.locked = false;
  }

  /** The conversion clock's phase: conversion n of what follows is taken at `tS + n / dataRateHz`. */
  startConversions(tS: number): void {
    this.startS = tS;
    this.conversion = 0;
    this.conversionsRead = 0;
  }

  get dataRateHz(): number {
    return this.clockInHz / 2 / OSR_BY_CODE[(this.registers[REG.CLOCK] >>> 2) & 7];
  }

  /** DRDY pin, active low. */
  get dataReady(): 0 | 1 {
    return this.fault === 'dead' || this.standby ? 1 : 0;
  }

  // ---- SPI, one byte at a time ----------------------------------------------------------------

  select(active: boolean): void {
    if (active && !this.selected) {
      this.position = 0;
      this.buildReply();
    } else if (!active && this.selected) {
      this.execute();
    }
    this.selected = active;
  }

  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    const k = this.position++;
    if (k < FRAME_BYTES) this.request[k] = mosi;
    if (this.fault === 'dead') return 0xff;
    return k < FRAME_BYTES ? this.reply[k] : 0;
  }

  // ---- frames ---------------------------------------------------------------------------------

  private buildReply(): void {
    const out = this.reply;
    out.fill(0);
    putWord(out, 0, this.answer);
    this.answer = this.statusWord(); // a frame with no command is answered with STATUS
    if (this.dataReady === 0) this.convert(out);
    const crcAt = (FRAME_WORDS - 1) * WORD_BYTES;
    putWord(out, FRAME_WORDS - 1, crc16Ccitt(out, crcAt));
    this.request.fill(0);
    if (this.fault === 'crc-noise' && ++this.repliesSent % this.noiseEvery === 0) out[WORD_BYTES + 1] ^= 0x10;
  }

  private convert(out: Uint8Array): void {
    const r = this.registers;
    const tS = this.startS + this.conversion / this.dataRateHz;
    this.conversion++;
    this.conversionsRead++;
    if (this.settling > 0) {
      this.settling--;
      return; // zeros while the filter settles
    }
    const enabled = r[REG.CLOCK] >>> 8;
    this.source.inputs(tS, this.volts, enabled);
    for (let ch = 0; ch < CHANNELS; ch++) {
      if (!(enabled & (1 << ch))) continue;
      const code = Math.round(((this.volts[ch] * this.gains[ch]) / FULL_SCALE_V) * CODE_FULL_SCALE);
      const clipped = Math.max(-CODE_FULL_SCALE, Math.min(CODE_FULL_SCALE - 1, code));
      const at = (1 + ch) * WORD_BYTES;
      out[at] = (clipped >>> 16) & 0xff;
      out[at + 1] = (clipped >>> 8) & 0xff;
      out[at + 2] = clipped & 0xff;
    }
  }

  private updateGains(): void {
    const words = [this.registers[REG.GAIN1], this.registers[REG.GAIN2]] as const;
    for (let ch = 0; ch < CHANNELS; ch++) this.gains[ch] = gainOf(words, ch);
  }

  private statusWord(): number {
    const r = this.registers;
    const resetFlag = r[REG.MODE] & MODE_RESET_FLAG ? STATUS.reset : 0;
    const drdy = this.dataReady === 0 ? (r[REG.CLOCK] >>> 8) & STATUS.drdyMask : 0;
    const locked = this.locked ? STATUS.lock : 0;
    return locked | resetFlag | (1 << 8) /* WLENGTH 24 bit */ | drdy;
  }

  /** The command in word 0 takes effect when CS rises; its answer goes out in the next frame. */
  private execute(): void {
    if (this.fault === 'dead' || this.position < WORD_BYTES) return;
    const q = this.request;
    const command = (q[0] << 8) | q[1];
    const data = (q[WORD_BYTES] << 8) | q[WORD_BYTES + 1];
    const r = this.registers;
    if (this.locked && command !== CMD.NULL && command !== CMD.UNLOCK && (command & 0xe000) !== 0xa000)
      return;
    if (command === CMD.RESET) {
      this.powerOn();
      return;
    }
    if (command === CMD.STANDBY || command === CMD.WAKEUP || command === CMD.LOCK || command === CMD.UNLOCK) {
      if (command === CMD.STANDBY) this.standby = true;
      if (command === CMD.WAKEUP) this.standby = false;
      if (command === CMD.LOCK) this.locked = true;
      if (command === CMD.UNLOCK) this.locked = false;
      this.answer = command;
      return;
    }
    const address = (command >>> 7) & 0x3f;
    if ((command & 0xe000) === 0xa000) {
      this.answer = address === REG.STATUS ? this.statusWord() : r[address];
      return;
    }
    if ((command & 0xe000) === 0x6000) {
      if (this.position < 2 * WORD_BYTES) return; // the data word was not clocked in
      if (address === REG.ID || address === REG.STATUS) return; // read-only
      r[address] = data;
      if (address === REG.CLOCK || address === REG.GAIN1 || address === REG.GAIN2)
        this.settling = SETTLING_CONVERSIONS;
      if (address === REG.GAIN1 || address === REG.GAIN2) this.updateGains();
      this.answer = wregAck(address);
    }
  }
}

function putWord(out: Uint8Array, word: number, value: number): void {
  out[word * WORD_BYTES] = (value >>> 8) & 0xff;
  out[word * WORD_BYTES + 1] = value & 0xff;
  out[word * WORD_BYTES + 2] = 0;
}
