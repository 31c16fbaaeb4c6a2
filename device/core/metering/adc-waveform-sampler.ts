/**
 * The waveform sampler of the board: two ADS131M08 on the hot side, each with the line voltage on
 * one channel and up to seven CTs on the others, read as SPI frames through the isolators. A burst
 * of one circuit reads its chip's voltage and current channels, which the chip samples at the same
 * instant. Which chip and channel a circuit uses, and the analogue scaling, come from the board
 * file (device/board); this class knows neither. Portable.
 */
import { Ads131m08 } from '../../drivers/ads131m08/ads131m08.driver';
import { CODE_FULL_SCALE, dataRateHz, FULL_SCALE_V } from '../../drivers/ads131m08/ads131m08.registers';
import type { Clock, WaveformSampler } from '../ports';

const RETRY_BURSTS = 10;

export interface AdcChannel {
  /** Index into `adcs`. */
  chip: number;
  channel: number;
}

export interface AdcWaveformOptions {
  adcs: readonly Ads131m08[];
  /** Voltage channel of each chip (index = chip). */
  voltage: readonly AdcChannel[];
  /** Current channel of circuit k at index k − 1. */
  currents: readonly AdcChannel[];
  clockInHz: number;
  osr: number;
  voltageGain: number;
  currentGain: number;
  /** Line volts per volt at the ADC pins (the divider ratio). */
  lineVoltsPerPinVolt: number;
  /** CT burden: millivolts at the pins per line ampere. */
  currentMvPerA: number;
  /**
   * Real time, where the host can be too slow for the ADC (the ESP32 reading frames from JS): a
   * burst that runs more than 10 % over its length has missed conversions and is thrown away.
   * Not given in simulation, where the host is never late.
   */
  clock?: Clock;
}

/** A burst may take this much longer than its length before it counts as having missed conversions. */
const MAX_OVERRUN = 1.1;

export class AdcWaveformSampler implements WaveformSampler {
  readonly rateHz: number;
  /** Bursts thrown away because the host was too slow (only counted with a clock). */
  lateBursts = 0;
  private codesV = new Int32Array(0);
  private codesI = new Int32Array(0);
  private readonly voltsPerCodeV: number;
  private readonly ampsPerCodeI: number;
  /** Bursts refused per chip since it failed: a failed chip is re-configured every RETRY_BURSTS. */
  private readonly refused: number[];

  constructor(private readonly o: AdcWaveformOptions) {
    if (o.voltage.length !== o.adcs.length)
      throw new RangeError(`one voltage channel per chip: ${o.voltage.length} for ${o.adcs.length} chips`);
    for (const c of [...o.voltage, ...o.currents]) {
      if (!o.adcs[c.chip]) throw new RangeError(`no ADC chip ${c.chip}`);
    }
    this.refused = o.adcs.map(() => 0);
    this.rateHz = dataRateHz(o.clockInHz, o.osr);
    const pinVoltsPerCode = FULL_SCALE_V / CODE_FULL_SCALE;
    this.voltsPerCodeV = (pinVoltsPerCode / o.voltageGain) * o.lineVoltsPerPinVolt;
    this.ampsPerCodeI = (pinVoltsPerCode / o.currentGain) * (1000 / o.currentMvPerA);
  }

  /** Configures every chip; true when all of them convert. */
  start(): boolean {
    let ok = true;
    for (const adc of this.o.adcs) ok = adc.configure() && ok;
    return ok;
  }

  sample(circuit: number, voltageV: Float32Array, currentA: Float32Array): boolean {
    const current = this.o.currents[circuit - 1];
    if (!Number.isInteger(circuit) || !current)
      throw new RangeError(`no circuit ${circuit} (1..${this.o.currents.length})`);
    if (voltageV.length !== currentA.length)
      throw new RangeError(`waveform buffers differ in length: ${voltageV.length} vs ${currentA.length}`);
    const n = voltageV.length;
    if (this.codesV.length < n) {
      // Once, at the first burst: the burst length is fixed by the waveform path.
      this.codesV = new Int32Array(n);
      this.codesI = new Int32Array(n);
    }
    const adc = this.o.adcs[current.chip];
    if (adc.state === 'failed') {
      if (++this.refused[current.chip] < RETRY_BURSTS || !adc.configure()) return false;
      this.refused[current.chip] = 0;
    }
    const voltage = this.o.voltage[current.chip];
    const clock = this.o.clock;
    const startMs = clock?.monotonicMs() ?? 0;
    const budgetMs = (n / this.rateHz) * 1000 * MAX_OVERRUN + 1;
    let late = false;
    const inTime = clock && ((k: number) => !(late = clock.monotonicMs() - startMs > (budgetMs * k) / n + 1));
    const read = adc.captureBurst(voltage.channel, this.codesV, current.channel, this.codesI, n, inTime);
    if (clock && clock.monotonicMs() - startMs > budgetMs) late = true;
    if (late) this.lateBursts++;
    if (read !== n || late) return false;
    for (let k = 0; k < n; k++) {
      voltageV[k] = this.codesV[k] * this.voltsPerCodeV;
      currentA[k] = this.codesI[k] * this.ampsPerCodeI;
    }
    return true;
  }
}
