/**
 * The device's own work at its designed duty cycle, apart from the simulation that feeds it.
 * Portable: the same code runs in Node, in xst (the Moddable SDK's XS) and in xsnap.
 *
 * The firmware's composition root (MeterCore, as main.ts builds it) ticks every 50 ms: a metering
 * poll of the ten ATM90E26 every second, one circuit's 200 ms 10 kHz burst through the waveform
 * path every 500 ms, a record (encode, flash log append, publish, delivery) every interval.
 * 1. `recordDutyCycle` runs it against the simulated board (chip models, appliances) and tapes
 *    every SPI byte the chips answered and every burst the sampler delivered;
 * 2. `replayDutyCycle` runs a fresh MeterCore on the tape: the SPI bus and the sampler only copy
 *    bytes (on the ESP32 the SPI peripheral and the ADC's DMA do that), so its time is the
 *    device's own work. Both runs must publish the same records (the digest).
 * Phase costs come from the same code in isolation: poll, burst analysis, record encoding.
 */
import { encodeMessageBytes, TelemetryMessage, topics } from '@dinmeter/shared';
import { BOARD_CALIBRATION } from '../board/front-end';
import { MeterCore } from '../core/app/meter-core';
import type { ChipSelect, Clock, MqttEvents, MqttPort, PublishOptions, SpiBus, WaveformSampler } from '../core/ports';
import { Metering } from '../core/metering/metering';
import { MemorySettingsStore } from '../core/relays/testing';
import { MemoryFlash } from '../core/storage/memory-flash';
import { portableCrypto } from '../core/security/sha256';
import { WaveformAnalyzer } from '../dsp/waveform.analyzer';
import { createWaveformMetrics } from '../dsp/waveform.types';
import { createSimulatedBoard } from '../sim/simulated-board';

export const TICK_MS = 50;
export const INTERVAL_S = 10;
export const BURST_SAMPLES = 2000;
export const BURST_RATE_HZ = 10_000;
const START_MS = 1_718_000_000_000;
const RECORDS_FLASH_BYTES = 0x100000;
const DEVICE = 'bench-1';

/** What the chips answered and the sampler delivered, in order. */
export interface Tape {
  spi: Uint8Array;
  spiLength: number;
  bursts: Float32Array[];
  seconds: number;
  /** Digest of the published records (the replay must match it). */
  digest: number;
}

class SettableClock implements Clock {
  now = START_MS;
  wallMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now - START_MS;
  }
}

/** Connected, accepts everything, acks each telemetry record at once (the backend's part). */
class AckingMqtt implements MqttPort {
  readonly connected = true;
  events?: MqttEvents;
  digest = 0;
  records = 0;
  private readonly acks: string[] = [];

  publish(topic: string, payload: string, _options: PublishOptions): boolean {
    if (topic !== topics.telemetry(DEVICE)) return true;
    const seq = Number(/"seq":(\d+)/.exec(payload)?.[1]);
    this.digest += seq * 7 + payload.length;
    this.records++;
    this.acks.push(`{"v":1,"upto_seq":${seq}}`);
    return true;
  }
  subscribe(): void {}
  deliverAcks(): void {
    while (this.acks.length > 0) this.events?.onMessage(topics.telemetryAck(DEVICE), utf8(this.acks.shift()!), false);
  }
}

function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) out[k] = text.charCodeAt(k);
  return out;
}

function runCore(bus: SpiBus, selects: readonly ChipSelect[], sampler: WaveformSampler, seconds: number, beforeTick?: (nowMs: number) => void): AckingMqtt {
  const clock = new SettableClock();
  const mqtt = new AckingMqtt();
  const core = new MeterCore(
    { bus, selects, relays: { set: () => undefined }, flash: new MemoryFlash({ byteLength: RECORDS_FLASH_BYTES }), settings: new MemorySettingsStore(), clock, mqtt, waveform: sampler, crypto: portableCrypto },
    { deviceId: DEVICE, firmware: 'bench', bootId: 'bench', intervalS: INTERVAL_S, calibration: BOARD_CALIBRATION },
  );
  mqtt.events = core.app;
  core.start();
  core.app.onConnect();
  const ticks = (seconds * 1000) / TICK_MS;
  for (let t = 0; t < ticks; t++) {
    clock.now += TICK_MS;
    beforeTick?.(clock.now);
    core.tick();
    mqtt.deliverAcks();
  }
  return mqtt;
}

/** Runs the firmware core on the simulated board for `seconds` and tapes what the hardware delivered. */
export function recordDutyCycle(seconds: number, seed = 1): Tape {
  const board = createSimulatedBoard({ startMs: START_MS, seed });
  let spi = new Uint8Array(1 << 16);
  let spiLength = 0;
  const bursts: Float32Array[] = [];
  const bus: SpiBus = {
    transfer(buffer: Uint8Array): void {
      board.bus.transfer(buffer);
      if (spiLength + buffer.length > spi.length) {
        const grown = new Uint8Array(spi.length * 2);
        grown.set(spi);
        spi = grown;
      }
      spi.set(buffer, spiLength);
      spiLength += buffer.length;
    },
  };
  let nowMs = START_MS;
  const sampler: WaveformSampler = {
    rateHz: BURST_RATE_HZ,
    sample(circuit, voltage, current) {
      board.sampleWaveform(circuit, nowMs, BURST_RATE_HZ, voltage, current);
      bursts.push(voltage.slice(), current.slice());
      return true;
    },
  };
  const mqtt = runCore(bus, board.selects, sampler, seconds, (now) => {
    nowMs = now;
    board.advanceTo(now);
  });
  return { spi, spiLength, bursts, seconds, digest: mqtt.digest };
}

/** A bus that answers from the tape: the device's side of SPI only. */
class ReplayBus implements SpiBus {
  offset = 0;
  constructor(private readonly tape: Tape) {}
  transfer(buffer: Uint8Array): void {
    if (this.offset + buffer.length > this.tape.spiLength) throw new Error('replay ran past the tape: the core took another path than when taped');
    buffer.set(this.tape.spi.subarray(this.offset, this.offset + buffer.length));
    this.offset += buffer.length;
  }
}

const noSelect: ChipSelect = { write: () => undefined };

/** Runs a fresh core on the tape; returns its digest and the records it published. */
export function replayDutyCycle(tape: Tape): { digest: number; records: number; bursts: number; spiBytes: number } {
  const bus = new ReplayBus(tape);
  let burst = 0;
  const sampler: WaveformSampler = {
    rateHz: BURST_RATE_HZ,
    sample(_circuit, voltage, current) {
      voltage.set(tape.bursts[burst++]);
      current.set(tape.bursts[burst++]);
      return true;
    },
  };
  const mqtt = runCore(bus, Array.from({ length: 10 }, () => noSelect), sampler, tape.seconds);
  return { digest: mqtt.digest, records: mqtt.records, bursts: burst / 2, spiBytes: bus.offset };
}

/** Costs of the device's phases in isolation (ms per call), the same code the core runs. */
export function phaseCosts(tape: Tape, repeat: { polls: number; bursts: number; records: number }): { pollMs: number; burstMs: number; encodeMs: number } {
  // Poll: the Metering of a fresh core on a replay of the tape (start-up frames first).
  const bus = new ReplayBus(tape);
  const metering = new Metering({ bus, selects: Array.from({ length: 10 }, () => noSelect), calibration: BOARD_CALIBRATION });
  metering.start(0);
  const tapeStart = bus.offset;
  let readings = metering.poll(1000).readings;
  const perPoll = bus.offset - tapeStart;
  let started = Date.now();
  for (let k = 0; k < repeat.polls; k++) {
    if (bus.offset + perPoll > tape.spiLength) bus.offset = tapeStart;
    readings = metering.poll(2000 + k * 1000).readings;
  }
  const pollMs = (Date.now() - started) / repeat.polls;

  const analyzer = new WaveformAnalyzer({ maxSamples: BURST_SAMPLES });
  const metrics = createWaveformMetrics();
  started = Date.now();
  for (let k = 0; k < repeat.bursts; k++) {
    const index = (2 * k) % tape.bursts.length;
    analyzer.analyze(tape.bursts[index], tape.bursts[index + 1], BURST_SAMPLES, BURST_RATE_HZ, metrics);
  }
  const burstMs = (Date.now() - started) / repeat.bursts;

  started = Date.now();
  let bytes = 0;
  for (let k = 0; k < repeat.records; k++) {
    const message: TelemetryMessage = { v: 1, seq: k + 1, acked_seq: k, ts: START_MS + k * 10_000, interval_s: INTERVAL_S, circuits: readings };
    bytes += encodeMessageBytes('telemetry', message).length;
  }
  const encodeMs = (Date.now() - started) / repeat.records;
  if (bytes === 0) throw new Error('nothing encoded');
  return { pollMs, burstMs, encodeMs };
}
