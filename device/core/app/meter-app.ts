import {
  CircuitHealth,
  CircuitReading,
  CIRCUIT_COUNT,
  decodeMessage,
  OtaStatus,
  parseDeviceTopic,
  PROTOCOL_VERSION,
  TelemetryMessage,
  topics,
} from '@dinmeter/shared';
import { Delivery } from '../delivery/delivery';
import { TelemetryLog } from '../delivery/delivery.types';
import { EventForwarder } from '../events/event-forwarder';
import { Outbox } from '../outbox/outbox';
import { Clock, MqttEvents, MqttPort } from '../ports';
import { CommandInbox, MeteringSource, RelayControl } from './meter-app.types';

export interface MeterAppOptions {
  deviceId: string;
  firmware: string;
  clock: Clock;
  mqtt: MqttPort;
  metering: MeteringSource;
  relays: RelayControl;
  /** Every command and plan goes here (core/commands: MAC check, gates, acks, ops). */
  commands: CommandInbox;
  /** Everything the app publishes besides telemetry goes out here; Delivery publishes on its telemetry topic. */
  outbox: Outbox;
  log: TelemetryLog;
  /** Store-and-forward of events (the outbox hands it every event); without it events are published once. */
  events?: EventForwarder;
  /** Telemetry record period. */
  intervalS: number;
  /** Metering poll period (energy registers are read every poll). */
  pollMs?: number;
  /** A random id of this boot, for status and diagnostics. */
  bootId: string;
  delivery?: TelemetryDeliverySettings;
  /** The firmware update agent (core/ota): its state goes into status; a telemetry ack confirms a new image. */
  ota?: { readonly status: OtaStatus | undefined; onBackendReached(): void };
  /** After each record is in the flash log (energy checkpoints). */
  onRecord?: (record: TelemetryMessage, nowMs: number) => void;
}

/** How telemetry is delivered (core/delivery): window and go-back timing, records per replayed batch. */
export interface TelemetryDeliverySettings {
  window?: number;
  ackTimeoutMs?: number;
  maxAckTimeoutMs?: number;
  /** Records per `telemetry/batch` in a replay (1..16, default DEFAULT_REPLAY_BATCH_RECORDS). */
  batchRecords?: number;
}

/**
 * Records per replayed `telemetry/batch`, sized for the ESP32 (docs/protocol.md "Batched replay"):
 * a 10-circuit record is 2.2–3.4 KB of JSON, so 4 make a 9–14 KB string plus its UTF-8 copy in the MQTT
 * adapter: that fits the 32 KB XS chunk heap a `-p esp32` build starts with (mcconfig's default), where 16
 * (up to 55 KB, twice) would grow it into the memory Wi-Fi and lwIP need. Four already divide the
 * backend's per-message work of a replay by four. Hosts with RAM to spare pass 16.
 */
export const DEFAULT_REPLAY_BATCH_RECORDS = 4;

/** Records kept in RAM while the wall clock is unknown (no RTC, SNTP pending): one hour at 10 s. */
const UNTIMED_LIMIT = 360;

interface UntimedRecord {
  monoMs: number;
  circuits: CircuitReading[];
}

/**
 * The meter's application core: polls the metering chain, writes a record every interval to
 * the flash log, delivers it (store-and-forward), hands commands and plans to the command gate and
 * heartbeats to the relay manager, and keeps the broker informed (status, relays).
 * Portable: driven by `tick()` and MQTT callbacks from the platform, no timers of its own.
 */
export class MeterApp implements MqttEvents {
  private readonly delivery: Delivery;
  private readonly pollMs: number;
  private nextPollMs = 0;
  private nextRecordMs = 0;
  private latest: CircuitReading[] = [];
  private health: CircuitHealth[] = [];
  /** failsafe_min_s in the last status published. */
  private statusFailsafeS?: number;
  private readonly untimed: UntimedRecord[] = [];
  private started = false;

  constructor(private readonly o: MeterAppOptions) {
    if (!(o.intervalS > 0)) throw new Error(`intervalS must be positive, got ${o.intervalS}`);
    this.pollMs = o.pollMs ?? 1000;
    const { batchRecords = DEFAULT_REPLAY_BATCH_RECORDS, ...timing } = o.delivery ?? {};
    this.delivery = new Delivery({
      log: o.log,
      mqtt: o.mqtt,
      // Live records one by one on telemetry, the backlog in batches (docs/protocol.md "Batched replay").
      topic: o.outbox.topicOf('telemetry'),
      batch: { topic: o.outbox.topicOf('telemetry/batch'), maxRecords: batchRecords },
      onDropped: (fromSeq, toSeq) =>
        o.outbox.event({
          type: 'fault',
          message: `record log full: records ${fromSeq}..${toSeq} were dropped before delivery`,
          data: { dropped_from_seq: fromSeq, dropped_to_seq: toSeq },
        }),
      ...timing,
    });
  }

  start(): void {
    const now = this.o.clock.monotonicMs();
    this.o.relays.start(now);
    this.o.commands.start();
    this.nextPollMs = now;
    this.nextRecordMs = now + this.o.intervalS * 1000;
    this.started = true;
  }

  get deliveryStats() {
    return { ...this.delivery.stats, backlog: this.delivery.backlog };
  }

  /** Call often (every 10–100 ms): all periodic work happens here, bounded per call. */
  tick(): void {
    if (!this.started) throw new Error('MeterApp.tick() before start()');
    const now = this.o.clock.monotonicMs();
    if (now >= this.nextPollMs) {
      this.nextPollMs += this.pollMs;
      if (this.nextPollMs <= now) this.nextPollMs = now + this.pollMs; // fell behind: do not burst
      this.poll(now);
    }
    // Records kept while the wall clock was unknown go to flash before any newer one: seq order is time order.
    this.flushUntimed(now);
    if (now >= this.nextRecordMs) {
      this.nextRecordMs += this.o.intervalS * 1000;
      if (this.nextRecordMs <= now) this.nextRecordMs = now + this.o.intervalS * 1000;
      this.record(now);
    }
    this.o.relays.tick(now);
    this.delivery.tick(now);
    this.o.events?.tick(now);
  }

  onConnect(): void {
    const { deviceId } = this.o;
    const now = this.o.clock.monotonicMs();
    for (const topic of [
      topics.cmd(deviceId),
      topics.plan(deviceId),
      topics.telemetryAck(deviceId),
      topics.heartbeat(),
      ...(this.o.events ? [this.o.events.subscription] : []),
    ]) {
      this.o.mqtt.subscribe(topic, 1);
    }
    this.publishStatus();
    this.o.outbox.send('relays', this.o.relays.snapshot());
    this.o.outbox.onConnect();
    this.delivery.onConnect(now);
    this.o.events?.onConnect(now);
  }

  onDisconnect(): void {
    // Nothing to do: delivery rewinds on the next connect, the relay manager judges heartbeat loss by time.
  }

  onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const now = this.o.clock.monotonicMs();
    if (topic === topics.heartbeat()) return this.o.relays.handleHeartbeat(payload, now);
    if (this.o.events?.onMessage(topic, payload, now)) return;
    const parsed = parseDeviceTopic(topic);
    if (!parsed || parsed.deviceId !== this.o.deviceId) return;
    switch (parsed.kind) {
      case 'cmd':
      case 'plan': {
        this.o.commands.onMessage(parsed.kind, payload, retained, now);
        // A config changed the shortest failsafe: tell every backend instance (the status is retained).
        if (this.o.relays.shortestFailsafeSeconds() !== this.statusFailsafeS && this.o.mqtt.connected)
          this.publishStatus();
        return;
      }
      case 'telemetry/ack': {
        const ack = decodeMessage('telemetry/ack', payload);
        if (!ack.ok) return;
        this.delivery.onAck(ack.value.upto_seq, now);
        // The backend stored what this boot sent: a new firmware image has proven itself.
        this.o.ota?.onBackendReached();
        // Refill the window at once rather than on the next tick: a replay is paced by the acks.
        this.delivery.tick(now);
        return;
      }
      default:
        return;
    }
  }

  /** Something in status changed outside the app (an update's progress): publish it now. */
  statusChanged(): void {
    if (this.o.mqtt.connected) this.publishStatus();
  }

  private poll(now: number): void {
    const { readings, health } = this.o.metering.poll(now);
    for (const reading of readings) this.o.relays.observeCurrent(reading.circuit, reading.current_a, now);
    this.latest = readings;
    const changed = JSON.stringify(health) !== JSON.stringify(this.health);
    this.health = health;
    if (changed && this.o.mqtt.connected) this.publishStatus();
  }

  private record(now: number): void {
    if (this.latest.length === 0) return;
    const wall = this.o.clock.wallMs();
    if (wall === undefined) {
      // No wall clock yet: keep the record with its monotonic time, stamp it when time arrives.
      if (this.untimed.length >= UNTIMED_LIMIT) this.untimed.shift();
      this.untimed.push({ monoMs: now, circuits: this.latest });
      return;
    }
    this.append(Math.round(wall), this.latest);
  }

  private flushUntimed(now: number): void {
    if (this.untimed.length === 0) return;
    const wall = this.o.clock.wallMs();
    if (wall === undefined) return;
    for (const record of this.untimed.splice(0))
      this.append(Math.round(wall - (now - record.monoMs)), record.circuits);
  }

  private append(ts: number, circuits: CircuitReading[]): void {
    const record = { ts, interval_s: this.o.intervalS, circuits };
    const seq = this.o.log.append(record);
    // Publish what flash holds (values at the log's resolution, e.g. energy in whole mWh), not the
    // RAM readings: the live copy and a replayed copy of a seq are then identical, and the energy
    // counters the backend sees never step back when a reboot restores them from flash.
    const stored = this.o.log.readFrom(seq - 1, 1)[0];
    const fields =
      stored && stored.seq === seq
        ? { ts: stored.ts, interval_s: stored.interval_s, circuits: stored.circuits }
        : record;
    const message: TelemetryMessage = { v: PROTOCOL_VERSION, seq, acked_seq: this.o.log.ackedSeq, ...fields };
    this.o.onRecord?.(message, this.o.clock.monotonicMs());
    this.delivery.onAppended(message);
  }

  private publishStatus(): void {
    const wall = this.o.clock.wallMs();
    this.statusFailsafeS = this.o.relays.shortestFailsafeSeconds();
    this.o.outbox.send('status', {
      v: PROTOCOL_VERSION,
      online: true,
      firmware: this.o.firmware,
      boot_id: this.o.bootId,
      ...(wall !== undefined
        ? { ts: Math.round(wall), boot_ts: Math.round(wall - this.o.clock.monotonicMs()) }
        : {}),
      circuits: CIRCUIT_COUNT,
      health: this.health,
      failsafe_min_s: this.statusFailsafeS,
      ...(this.o.ota?.status ? { ota: this.o.ota.status } : {}),
    });
  }
}
