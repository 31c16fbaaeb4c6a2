/**
 * The firmware core (MeterCore: relay manager, record log, delivery, the app's MQTT routing) on the
 * simulated board, an in-memory flash and settings, a hand-moved clock and a recording MQTT port:
 * the same composition the ESP32 and the virtual meters run, fed one input at a time.
 */
import { COMMAND_ACK_CODES, COMMAND_KEY_BYTES, decodeMessage, parseDeviceTopic, sealSigned, SignedKind, utf8Encode } from '@dinmeter/shared';
import { nodeCrypto } from '../../device/platform/host/node-crypto';
import { BOARD_CALIBRATION } from '../../device/board/front-end';
import { MeterCore } from '../../device/core/app/meter-core';
import { MqttPort, PublishOptions } from '../../device/core/ports';
import { ManualClock, MemorySettingsStore } from '../../device/core/relays/testing';
import { MemoryFlash } from '../../device/core/storage/memory-flash';
import { createSimulatedBoard } from '../../device/sim/simulated-board';
import { EXAMPLE_TS } from '../../shared/src/protocol/protocol.examples';

/** Wraps payload bytes the way the backend signs them for this meter (the MAC envelope of cmd and plan). */
export type Signer = (kind: SignedKind, bytes: Uint8Array) => Uint8Array;
export const unsigned: Signer = (_kind, bytes) => bytes;
/** This meter's command key (fixed: the fuzz is seeded). */
const COMMAND_KEY = new Uint8Array(COMMAND_KEY_BYTES).map((_, i) => i + 1);
/**
 * Signs with the meter's key, so mutated payloads get past the MAC check to the parser. A body the
 * envelope cannot carry (not a JSON object text) goes out unsigned, as no backend could sign it.
 */
export const signForMeter: Signer = (kind, bytes) => {
  try {
    return utf8Encode(sealSigned(kind, new TextDecoder().decode(bytes), (input) => nodeCrypto.hmacSha256(COMMAND_KEY, input)));
  } catch {
    return bytes;
  }
};

export const METER_ID = 'fz-meter';
const KNOWN_ACK_CODES: ReadonlySet<string> = new Set(COMMAND_ACK_CODES);

class RecordingMqtt implements MqttPort {
  connected = true;
  readonly subscriptions: string[] = [];
  acks: string[] = [];
  publish(topic: string, payload: string, _options: PublishOptions): boolean {
    if (parseDeviceTopic(topic)?.kind === 'cmd/ack') this.acks.push(payload);
    return true;
  }
  subscribe(topic: string): void {
    this.subscriptions.push(topic);
  }
}

export interface MeterHarness {
  core: MeterCore;
  clock: ManualClock;
  /** Topics the meter subscribed to on connect: the fuzz covers each of them. */
  subscriptions: readonly string[];
  /** Relay states, plan and log position: what a refused input must leave as it was. */
  state(): string;
  /** Acks published since the last call whose code is not a known COMMAND_ACK_CODES value (or that do not decode). */
  badAcks(): string[];
  /** Time passes: the core ticks once a second, records are written and delivered. */
  advance(ms: number): void;
  /** Every record the log holds reads back. */
  recordsIntact(): boolean;
}

export function startMeter(seed = 1): MeterHarness {
  // Wall time 30 s after the examples' ts: the example command (expires +60 s) is still valid.
  const clock = new ManualClock(1_000, EXAMPLE_TS + 30_000);
  const board = createSimulatedBoard({ startMs: clock.wall!, seed, stepMs: 1000 });
  const mqtt = new RecordingMqtt();
  const core = new MeterCore(
    { bus: board.bus, selects: board.selects, relays: board.relays, flash: new MemoryFlash({ byteLength: 256 * 1024 }), settings: new MemorySettingsStore(), clock, mqtt, crypto: nodeCrypto },
    { deviceId: METER_ID, firmware: 'fuzz', bootId: 'fuzz', intervalS: 10, calibration: BOARD_CALIBRATION, commandKey: COMMAND_KEY },
  );
  core.start();
  core.app.onConnect();
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(Math.min(1000, ms - t));
      board.advanceTo(clock.wall!);
      core.tick();
    }
  };
  advance(30_000);
  return {
    core,
    clock,
    subscriptions: mqtt.subscriptions,
    state: () =>
      JSON.stringify({
        relays: core.relays.snapshot().circuits,
        outputs: board.world.circuits.map((c) => c.relayOn),
        nextSeq: core.log.nextSeq,
        pending: core.log.pendingCount,
      }),
    badAcks: () => {
      const bad = mqtt.acks.filter((text) => {
        const ack = decodeMessage('cmd/ack', text);
        return !ack.ok || (ack.value.code !== undefined && !KNOWN_ACK_CODES.has(ack.value.code));
      });
      mqtt.acks = [];
      return bad;
    },
    advance,
    recordsIntact: () => {
      const { pendingCount, ackedSeq, nextSeq } = core.log;
      const records = core.log.readFrom(ackedSeq, pendingCount + 1);
      return records.length === pendingCount && (pendingCount === 0 || records[records.length - 1].seq === nextSeq - 1);
    },
  };
}
