/**
 * MeterApp store-and-forward details found by the integration scenarios (issue 4):
 * - the live copy of a record is what flash holds (a replayed copy is identical, energy never steps back);
 * - records kept before the wall clock was known reach flash before newer ones (seq order = time order);
 * - the status says the meter's shortest failsafe, again whenever a command changes it (issue 9);
 * - a backlog replays in telemetry/batch messages, live records still one by one on telemetry (issue 12).
 * Portable: runs in Node (jest) and XS.
 */
import {
  CircuitHealth,
  CircuitReading,
  decodeMessage,
  RelaysMessage,
  sealSigned,
  TelemetryBatchMessage,
  TelemetryMessage,
  topics,
  utf8Decode,
  utf8Encode,
} from '@dinmeter/shared';
import { check, checkEqual } from '../../xs/harness';
import { RecordingMqtt, TEST_EPOCH_MS } from '../delivery/testing';
import { Clock } from '../ports';
import { hmacSha256, portableCrypto } from '../security/sha256';
import { SignedMessageVerifier } from '../security/signed-messages';
import { MemoryFlash } from '../storage/memory-flash';
import { RecordLog } from '../storage/record-log';
import { Outbox } from '../outbox/outbox';
import { DEFAULT_REPLAY_BATCH_RECORDS, MeterApp } from './meter-app';
import { MeteringSource, RelayControl } from './meter-app.types';

class TestClock implements Clock {
  mono = 0;
  wall: number | undefined = TEST_EPOCH_MS;
  monotonicMs(): number {
    return this.mono;
  }
  wallMs(): number | undefined {
    return this.wall === undefined ? undefined : this.wall + this.mono;
  }
}

/** Energy grows by 1/32 Wh per poll: not a whole number of mWh, like the ATM90E26 pulse counts. */
class SubMilliwattMetering implements MeteringSource {
  polls = 0;
  poll(): { readings: CircuitReading[]; health: CircuitHealth[] } {
    this.polls++;
    const reading: CircuitReading = {
      circuit: 1,
      voltage_v: 230.1234,
      current_a: 0.43219,
      power_w: 99.456,
      reactive_var: 0,
      apparent_va: 99.456,
      pf: 1,
      freq_hz: 50.004,
      energy_import_wh: this.polls / 32,
      energy_export_wh: 0,
    };
    return { readings: [reading], health: [] };
  }
}

const idleRelays: RelayControl = {
  start: () => undefined,
  handleHeartbeat: () => undefined,
  observeCurrent: () => undefined,
  tick: () => undefined,
  // onConnect publishes the relays state: a valid one.
  snapshot: (): RelaysMessage => ({ v: 1, ts: TEST_EPOCH_MS, circuits: [{ circuit: 1, state: 'on', reason: 'restore' }] }),
  shortestFailsafeSeconds: () => 120,
};

const KEY = new Uint8Array(32).fill(7);

/** Commands: every verified body to `onCommand` (the gate's own tests cover the gate). */
function rig(
  wallKnown: boolean,
  relays: RelayControl = idleRelays,
  onCommand: (body: string) => void = () => undefined,
) {
  const clock = new TestClock();
  if (!wallKnown) clock.wall = undefined;
  const mqtt = new RecordingMqtt();
  const log = new RecordLog({ flash: new MemoryFlash({ byteLength: 16 * 4096 }), circuits: 1 });
  log.open();
  const verifier = new SignedMessageVerifier(portableCrypto, KEY);
  const app = new MeterApp({
    deviceId: 'vm-1',
    firmware: 'test',
    bootId: 'b',
    clock,
    mqtt,
    outbox: new Outbox({ deviceId: 'vm-1', mqtt, clock }),
    metering: new SubMilliwattMetering(),
    relays,
    commands: {
      start: () => undefined,
      onMessage: (kind, payload) => {
        const verified = verifier.verify(kind, payload);
        if (verified.ok) onCommand(utf8Decode(verified.body) as string);
      },
    },
    log,
    intervalS: 1,
    pollMs: 250,
  });
  app.start();
  const run = (untilMs: number) => {
    for (; clock.mono <= untilMs; clock.mono += 50) app.tick();
  };
  const telemetry = (): TelemetryMessage[] =>
    mqtt.published
      .filter((p) => p.topic === topics.telemetry('vm-1'))
      .map((p) => {
        const decoded = decodeMessage('telemetry', p.payload);
        if (!decoded.ok) throw new Error(decoded.errors.join('; '));
        return decoded.value;
      });
  const batches = (): TelemetryBatchMessage[] =>
    mqtt.published
      .filter((p) => p.topic === topics.telemetryBatch('vm-1'))
      .map((p) => {
        const decoded = decodeMessage('telemetry/batch', p.payload);
        if (!decoded.ok) throw new Error(decoded.errors.join('; '));
        return decoded.value;
      });
  return { clock, mqtt, log, app, run, telemetry, batches };
}

export default [
  {
    name: 'MeterApp states its shortest failsafe in status, and publishes status again when a command changes it',
    run(): void {
      let shortest = 120;
      const relays: RelayControl = {
        ...idleRelays,
        shortestFailsafeSeconds: () => shortest,
      };
      const { app, mqtt } = rig(true, relays, (body) => {
        shortest = JSON.parse(body).seconds;
      });
      const statuses = () =>
        mqtt.published
          .filter((p) => p.topic === topics.status('vm-1'))
          .map((p) => {
            const decoded = decodeMessage('status', p.payload);
            if (!decoded.ok) throw new Error(decoded.errors.join('; '));
            checkEqual(p.options.retain, true, 'status is retained');
            return decoded.value.failsafe_min_s;
          });
      app.onConnect();
      checkEqual(JSON.stringify(statuses()), '[120]');
      const command = (seconds: number) =>
        app.onMessage(
          topics.cmd('vm-1'),
          utf8Encode(
            sealSigned('cmd', JSON.stringify({ id: `c${seconds}`, seconds }), (input) =>
              hmacSha256(KEY, input),
            ),
          ),
          false,
        );
      command(5);
      checkEqual(JSON.stringify(statuses()), '[120,5]', 'published again at once');
      command(5);
      checkEqual(JSON.stringify(statuses()), '[120,5]', 'not again while it stays the same');
    },
  },
  {
    name: 'MeterApp publishes each live record exactly as flash stores it',
    run(): void {
      const { log, run, telemetry } = rig(true);
      run(5_000);
      const live = telemetry();
      check(live.length >= 4, `live records published: ${live.length}`);
      const replayed = log.readFrom(0, 100);
      let previous = -1;
      for (const message of live) {
        const stored = replayed.find((r) => r.seq === message.seq);
        check(stored !== undefined, `seq ${message.seq} on flash`);
        checkEqual(
          JSON.stringify(message.circuits),
          JSON.stringify(stored!.circuits),
          `seq ${message.seq}: live = replayed`,
        );
        checkEqual(message.ts, stored!.ts, `seq ${message.seq} ts`);
        const wh = message.circuits[0].energy_import_wh!;
        checkEqual(Math.round(wh * 1000), wh * 1000, `seq ${message.seq}: energy in whole mWh (${wh})`);
        check(wh >= previous, `energy never steps back: ${previous} → ${wh}`);
        previous = wh;
      }
    },
  },
  {
    name: 'MeterApp replays its backlog in telemetry/batch messages as flash stores it, and live records alone on telemetry',
    run(): void {
      const { mqtt, log, app, run, telemetry, batches } = rig(true);
      mqtt.connected = false;
      run(8_000); // an outage: records 1..8 wait in flash
      const stored = log.readFrom(0, 100);
      checkEqual(stored.length, 2 * DEFAULT_REPLAY_BATCH_RECORDS, 'records in flash');
      mqtt.connected = true;
      app.onConnect();
      run(9_020); // one more record, live
      const replay = batches();
      checkEqual(JSON.stringify(replay.map((b) => b.records.length)), `[${DEFAULT_REPLAY_BATCH_RECORDS},${DEFAULT_REPLAY_BATCH_RECORDS}]`, 'batch sizes');
      const replayed = replay.flatMap((b) => b.records);
      checkEqual(
        JSON.stringify(replayed),
        JSON.stringify(stored.map(({ acked_seq: _a, ...record }) => record)),
        'replayed = flash, oldest first, each once',
      );
      checkEqual(JSON.stringify(replay.map((b) => b.acked_seq)), '[0,0]', 'acked_seq');
      checkEqual(JSON.stringify(telemetry().map((m) => m.seq)), '[9]', 'live record alone on telemetry');
    },
  },
  {
    name: 'MeterApp writes records kept before SNTP ahead of newer ones, in time order',
    run(): void {
      const { clock, log, run } = rig(false);
      run(3_020); // records at 1, 2, 3 s kept in RAM
      checkEqual(log.nextSeq, 1, 'nothing on flash without wall time');
      clock.wall = TEST_EPOCH_MS; // SNTP arrives exactly when the next record is due
      clock.mono = 4_000;
      run(6_000);
      const records = log.readFrom(0, 100);
      check(records.length >= 5, `records on flash: ${records.length}`);
      for (let i = 1; i < records.length; i++) {
        check(
          records[i].ts > records[i - 1].ts,
          `seq ${records[i].seq} ts ${records[i].ts} after seq ${records[i - 1].seq} ts ${records[i - 1].ts}`,
        );
      }
    },
  },
];
