/**
 * ADS131M08 driver over an injected SPI bus (mode 1), chip-select line and data-ready input.
 * Every exchange is one full frame of 10 × 24-bit words: the command in word 0, the chip's answer
 * to the PREVIOUS frame's command in word 0 of the reply, then eight channel words and a CRC
 * (datasheet 8.5.1.7–8.5.1.13). A NULL command is answered with STATUS.
 *
 * Error policy: misuse throws with the bad value; chip faults (no data-ready, CRC errors, an
 * unexpected reset, a register that does not read back) become `state`/`fault` and `onFault`,
 * never an exception out of a public method.
 */
import type { ChipHealth } from '@dinmeter/shared';
import type { ChipSelect, DigitalInput, SpiBus } from '../bus';
import { crc16Ccitt } from './ads131m08.crc';
import {
  CHANNELS,
  clockWord,
  CMD,
  FRAME_BYTES,
  FRAME_WORDS,
  gainWords,
  ID_M08,
  MODE_POWER_ON,
  MODE_RESET_FLAG,
  REG,
  RESET_ACK,
  rreg,
  SETTLING_CONVERSIONS,
  STATUS,
  WORD_BYTES,
  wreg,
  wregAck,
} from './ads131m08.registers';

export type Ads131m08FaultCode = 'bus' | 'data_ready' | 'crc' | 'reset' | 'write_verify';

export interface Ads131m08Fault {
  code: Ads131m08FaultCode;
  message: string;
  /** True when the driver re-configured the chip and it converts again. */
  recovered: boolean;
}

export interface Ads131m08Config {
  /** Oversampling ratio (128 … 16256); with fCLKIN 8.192 MHz, 256 gives 16 kSPS. */
  osr: number;
  /** PGA gain per channel (1, 2, 4 … 128). */
  gains: readonly number[];
  /** Bit n enables channel n. Disabled channels read 0. */
  enabledMask: number;
}

export interface Ads131m08Options {
  bus: SpiBus;
  select: ChipSelect;
  /** DRDY, active low: a conversion is waiting. */
  dataReady: DigitalInput;
  config: Ads131m08Config;
  /** Polls of DRDY before a conversion counts as missing (default 10 000). */
  maxReadyPolls?: number;
  onFault?: (fault: Ads131m08Fault) => void;
}

class AdcFault extends Error {
  constructor(
    readonly code: Ads131m08FaultCode,
    message: string,
  ) {
    super(message);
  }
}

const hex = (word: number): string => `0x${word.toString(16).padStart(4, '0')}`;

export class Ads131m08 {
  private readonly bus: SpiBus;
  private readonly select: ChipSelect;
  private readonly dataReady: DigitalInput;
  private readonly onFault?: (fault: Ads131m08Fault) => void;
  private readonly maxReadyPolls: number;
  private readonly clock: number;
  private readonly gains: [number, number];
  private readonly frame = new Uint8Array(FRAME_BYTES);
  private health: ChipHealth = 'failed';
  private lastFault: string | undefined = 'not configured';
  /** Conversions with a CRC error in the last burst (counted, not thrown). */
  crcErrors = 0;

  constructor(options: Ads131m08Options) {
    if (!options || typeof options.bus?.transfer !== 'function')
      throw new TypeError('Ads131m08 needs a bus with transfer()');
    if (typeof options.select?.write !== 'function')
      throw new TypeError('Ads131m08 needs a select line with write()');
    if (typeof options.dataReady?.read !== 'function')
      throw new TypeError('Ads131m08 needs a data-ready input with read()');
    const polls = options.maxReadyPolls ?? 10_000;
    if (!Number.isInteger(polls) || polls < 1)
      throw new RangeError(`maxReadyPolls must be a positive integer: ${polls}`);
    this.bus = options.bus;
    this.select = options.select;
    this.dataReady = options.dataReady;
    this.onFault = options.onFault;
    this.maxReadyPolls = polls;
    this.clock = clockWord(options.config.enabledMask, options.config.osr);
    this.gains = gainWords(options.config.gains);
    this.select.write(1);
  }

  get state(): ChipHealth {
    return this.health;
  }

  get fault(): string | undefined {
    return this.lastFault;
  }

  /** Software reset, then CLOCK, GAIN1/2 and MODE written and read back. True if the chip converts. */
  configure(): boolean {
    try {
      this.initialise();
      this.health = 'ok';
      this.lastFault = undefined;
      return true;
    } catch (error) {
      this.report(this.asFault(error), false);
      return false;
    }
  }

  /**
   * Reads `count` consecutive conversions and keeps two channels' raw codes (24-bit signed).
   * Returns the number of conversions stored: `count` on success, fewer when the chip stopped
   * answering (then it is re-configured once and the fault reported). A conversion whose CRC
   * fails is replaced by the previous one and counted in `crcErrors`; more than 1 % of them
   * fails the burst. `keepGoing(n)`, if given, is asked every 64 conversions and aborts the burst
   * (returning the conversions read so far) when it answers false — a host too slow to keep up.
   */
  captureBurst(
    channelA: number,
    codesA: Int32Array,
    channelB: number,
    codesB: Int32Array,
    count: number,
    keepGoing?: (conversions: number) => boolean,
  ): number {
    checkChannel(channelA);
    checkChannel(channelB);
    if (!Number.isInteger(count) || count < 1 || count > codesA.length || count > codesB.length) {
      throw new RangeError(
        `burst of ${count} conversions does not fit buffers of ${codesA.length}/${codesB.length}`,
      );
    }
    if (this.health === 'failed') return 0;
    this.crcErrors = 0;
    const offsetA = (1 + channelA) * WORD_BYTES;
    const offsetB = (1 + channelB) * WORD_BYTES;
    try {
      for (let n = 0; n < count; n++) {
        if (keepGoing && (n & 63) === 63 && !keepGoing(n)) return n;
        this.awaitReady();
        const status = this.exchange(CMD.NULL);
        if (!this.frameCrcOk()) {
          if (++this.crcErrors > Math.max(1, count / 100))
            throw new AdcFault('crc', `${this.crcErrors} conversions failed their CRC`);
          codesA[n] = n > 0 ? codesA[n - 1] : 0;
          codesB[n] = n > 0 ? codesB[n - 1] : 0;
          continue;
        }
        // The answer to NULL is STATUS: a set RESET flag means the chip lost its configuration.
        if (status & STATUS.reset) throw new AdcFault('reset', `STATUS ${hex(status)}: the chip reset`);
        codesA[n] = this.code(offsetA);
        codesB[n] = this.code(offsetB);
      }
      if (this.health === 'warning') {
        // A whole clean burst after a repaired fault: the chip is healthy again.
        this.health = 'ok';
        this.lastFault = undefined;
      }
      return count;
    } catch (error) {
      this.recover(this.asFault(error));
      return 0;
    }
  }

  /** Raw register read, for diagnostics. Undefined when the chip does not answer. */
  readRegister(address: number): number | undefined {
    if (!Number.isInteger(address) || address < 0 || address > 0x3f)
      throw new RangeError(`register address must be 0..0x3f: ${address}`);
    try {
      return this.command(rreg(address));
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.select.write(1);
    this.health = 'failed';
    this.lastFault = 'closed';
  }

  // ---- start-up ------------------------------------------------------------------------------

  private initialise(): void {
    const afterReset = this.command(CMD.RESET);
    if (afterReset !== RESET_ACK) {
      throw new AdcFault(
        afterReset === 0xffff || afterReset === 0 ? 'bus' : 'reset',
        `RESET answered ${hex(afterReset)} instead of ${hex(RESET_ACK)}`,
      );
    }
    const id = this.command(rreg(REG.ID));
    if (id >>> 8 !== ID_M08) throw new AdcFault('bus', `ID reads ${hex(id)}: not an ADS131M08`);
    this.writeVerified(REG.CLOCK, this.clock);
    this.writeVerified(REG.GAIN1, this.gains[0]);
    this.writeVerified(REG.GAIN2, this.gains[1]);
    this.writeVerified(REG.MODE, MODE_POWER_ON & ~MODE_RESET_FLAG);
    // The sinc3 filter needs three conversions after the changes before its output is valid.
    for (let n = 0; n < SETTLING_CONVERSIONS; n++) {
      this.awaitReady();
      this.exchange(CMD.NULL);
    }
  }

  private writeVerified(address: number, value: number): void {
    const ack = this.command(wreg(address), value);
    if (ack !== wregAck(address))
      throw new AdcFault('write_verify', `WREG ${hex(address)} answered ${hex(ack)}`);
    const back = this.command(rreg(address));
    if (back !== value)
      throw new AdcFault(
        'write_verify',
        `register ${hex(address)} reads ${hex(back)} after writing ${hex(value)}`,
      );
  }

  private recover(fault: AdcFault): void {
    let recovered = false;
    try {
      this.initialise();
      recovered = true;
    } catch {
      // Still broken: the original fault is the one worth reporting.
    }
    this.report(fault, recovered);
  }

  private report(fault: AdcFault, recovered: boolean): void {
    this.health = recovered ? 'warning' : 'failed';
    this.lastFault = `${fault.code}: ${fault.message}`;
    this.onFault?.({ code: fault.code, message: fault.message, recovered });
  }

  private asFault(error: unknown): AdcFault {
    if (error instanceof AdcFault) return error;
    return new AdcFault(
      'bus',
      `SPI transfer failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  // ---- frames --------------------------------------------------------------------------------

  private awaitReady(): void {
    for (let poll = 0; poll < this.maxReadyPolls; poll++) if (this.dataReady.read() === 0) return;
    throw new AdcFault('data_ready', `DRDY stayed high for ${this.maxReadyPolls} polls: no conversions`);
  }

  /** A command frame followed by a NULL frame: returns the chip's answer to the command. */
  private command(word: number, data?: number): number {
    this.exchange(word, data);
    const answer = this.exchange(CMD.NULL);
    if (this.frame.every((b) => b === 0xff))
      throw new AdcFault('bus', `answer to ${hex(word)} is all ones: MISO open or chip unpowered`);
    if (!this.frameCrcOk()) throw new AdcFault('crc', `answer to ${hex(word)} failed its CRC`);
    return answer;
  }

  /** One full frame; returns word 0 of the reply (the answer to the previous frame's command). */
  private exchange(word: number, data?: number): number {
    const f = this.frame;
    f.fill(0);
    f[0] = word >>> 8;
    f[1] = word & 0xff;
    if (data !== undefined) {
      f[WORD_BYTES] = data >>> 8;
      f[WORD_BYTES + 1] = data & 0xff;
    }
    this.select.write(0);
    try {
      this.bus.transfer(f);
    } finally {
      this.select.write(1);
    }
    return (f[0] << 8) | f[1];
  }

  private frameCrcOk(): boolean {
    const f = this.frame;
    const at = (FRAME_WORDS - 1) * WORD_BYTES;
    return crc16Ccitt(f, at) === ((f[at] << 8) | f[at + 1]);
  }

  private code(offset: number): number {
    const f = this.frame;
    return ((f[offset] << 24) | (f[offset + 1] << 16) | (f[offset + 2] << 8)) >> 8;
  }
}

function checkChannel(channel: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel >= CHANNELS)
    throw new RangeError(`channel must be 0..${CHANNELS - 1}: ${channel}`);
}
