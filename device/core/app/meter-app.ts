import {
  CommandAckMessage,
  decodeMessage,
  encodeMessage,
  EventMessage,
  MessageByKind,
  MessageKind,
  parseDeviceTopic,
  PROTOCOL_VERSION,
  RelaysMessage,
  topics,
  utf8Decode,
  CircuitHealth,
  CircuitReading,
  CIRCUIT_COUNT,
  TelemetryMessage,
  unverifiedCommandId,
  OtaStatus,
} from '@dinmeter/shared';
import { Delivery } from '../delivery/delivery';
import { TelemetryLog } from '../delivery/delivery.types';
import { Clock, MqttEvents, MqttPort } from '../ports';
import { SignedMessageVerifier } from '../security/signed-messages';
import { MeteringSource, RelayControl } from './meter-app.types';

export interface MeterAppOptions {
  deviceId: string;
  firmware: string;
  clock: Clock;
  mqtt: MqttPort;
  metering: MeteringSource;
  relays: RelayControl;
  /** Checks the MAC of every command and plan with this meter's command key, before anything else. */
  verifier: SignedMessageVerifier;
  log: TelemetryLog;
  /** Telemetry record period. */
  intervalS: number;
  /** Metering poll period (energy registers are read every poll). */
  pollMs?: number;
  /** A random id of this boot, for status and diagnostics. */
  bootId: string;
  delivery?: { window?: number; ackTimeoutMs?: number };
  /** The firmware update agent (core/ota): its state goes into status; a telemetry ack confirms a new image. */
  ota?: { readonly status: OtaStatus | undefined; onBackendReached(): void };
  /** After each record is in the flash log (energy checkpoints). */
  onRecord?: (record: TelemetryMessage, nowMs: number) => void;
}

const OUTBOX_LIMIT = 64;
const RECENT_ACKS = 16;
/** Records kept in RAM while the wall clock is unknown (no RTC, SNTP pending): one hour at 10 s. */
const UNTIMED_LIMIT = 360;

interface UntimedRecord {
  monoMs: number;
  circuits: CircuitReading[];
}

/**
 * The meter's application core: polls the metering chain, writes a record every interval to
 * the flash log, delivers it (store-and-forward), routes commands, plans and heartbeats to the
 * relay manager, and keeps the broker informed (status, relays, events, command acks).
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
  private readonly outbox: { topic: string; payload: string; retain: boolean }[] = [];
  /** Acks of recently handled commands by id + seq (a re-send repeats both; a re-issue has a new seq). */
  private readonly recentAcks = new Map<string, string>();
  private handling?: { id: string; key: string };
  private readonly untimed: UntimedRecord[] = [];
  private started = false;

  constructor(private readonly o: MeterAppOptions) {
    if (!(o.intervalS > 0)) throw new Error(`intervalS must be positive, got ${o.intervalS}`);
    this.pollMs = o.pollMs ?? 1000;
    this.delivery = new Delivery({
      log: o.log,
      mqtt: o.mqtt,
      topic: topics.telemetry(o.deviceId),
      onDropped: (fromSeq, toSeq) =>
        this.relayEmitter.event({
          v: PROTOCOL_VERSION,
          ts: Math.round(o.clock.wallMs() ?? 946684800000),
          type: 'fault',
          message: `record log full: records ${fromSeq}..${toSeq} were dropped before delivery`,
          data: { dropped_from_seq: fromSeq, dropped_to_seq: toSeq },
        }),
      ...o.delivery,
    });
  }

  /** The relay manager calls these (wired by the platform's composition root). */
  readonly relayEmitter = {
    relays: (message: RelaysMessage) => this.send('relays', topics.relays(this.o.deviceId), message, true),
    ack: (message: CommandAckMessage) => {
      const payload = encodeMessage('cmd/ack', message);
      // Not remembered: a flood of forged commands must not push real acks out of the cache.
      if (message.code === 'unauthenticated') return this.sendRaw(topics.cmdAck(this.o.deviceId), payload, false);
      const key = this.handling && this.handling.id === message.id ? this.handling.key : message.id;
      this.recentAcks.set(key, payload);
      if (this.recentAcks.size > RECENT_ACKS) this.recentAcks.delete(this.recentAcks.keys().next().value as string);
      this.sendRaw(topics.cmdAck(this.o.deviceId), payload, false);
    },
    event: (message: EventMessage) => this.send('events', topics.events(this.o.deviceId), message, false),
  };

  start(): void {
    const now = this.o.clock.monotonicMs();
    this.o.relays.start(now);
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
  }

  onConnect(): void {
    const { deviceId } = this.o;
    const now = this.o.clock.monotonicMs();
    for (const topic of [topics.cmd(deviceId), topics.plan(deviceId), topics.telemetryAck(deviceId), topics.heartbeat()]) {
      this.o.mqtt.subscribe(topic, 1);
    }
    this.publishStatus();
    this.relayEmitter.relays(this.o.relays.snapshot());
    while (this.outbox.length > 0 && this.o.mqtt.connected) {
      const item = this.outbox[0];
      if (!this.o.mqtt.publish(item.topic, item.payload, { qos: 1, retain: item.retain })) break;
      this.outbox.shift();
    }
    this.delivery.onConnect(now);
  }

  onDisconnect(): void {
    // Nothing to do: delivery rewinds on the next connect, the relay manager judges heartbeat loss by time.
  }

  onMessage(topic: string, payload: Uint8Array, retained: boolean): void {
    const now = this.o.clock.monotonicMs();
    if (topic === topics.heartbeat()) return this.o.relays.handleHeartbeat(payload, now);
    const parsed = parseDeviceTopic(topic);
    if (!parsed || parsed.deviceId !== this.o.deviceId) return;
    switch (parsed.kind) {
      case 'cmd':
      case 'plan': {
        // Before anything else (docs/security.md "Signed commands"): only the verified bytes go on.
        const verified = this.o.verifier.verify(parsed.kind, payload);
        if (!verified.ok) {
          // A retained command is never acked (nobody waits for it); a plan has no id to ack.
          const id = parsed.kind === 'cmd' && !retained ? unverifiedCommandId(payload) : undefined;
          return this.o.relays.rejectUnauthenticated(parsed.kind, id, verified.error, now);
        }
        if (parsed.kind === 'plan') return this.o.relays.handlePlan(verified.body, retained, now);
        return this.onCommand(verified.body, retained, now);
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

  /** The backend re-sends a command until it sees the ack: answer a repeat with the same ack, never re-apply it. */
  private onCommand(payload: Uint8Array, retained: boolean, now: number): void {
    const identity = retained ? undefined : commandIdentity(payload);
    const previous = identity === undefined ? undefined : this.recentAcks.get(identity.key);
    if (previous !== undefined) return this.sendRaw(topics.cmdAck(this.o.deviceId), previous, false);
    this.handling = identity;
    try {
      this.o.relays.handleCommand(payload, retained, now);
    } finally {
      this.handling = undefined;
    }
    // A config changed the shortest failsafe: tell every backend instance (the status is retained).
    if (this.o.relays.shortestFailsafeSeconds() !== this.statusFailsafeS && this.o.mqtt.connected) this.publishStatus();
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
    for (const record of this.untimed.splice(0)) this.append(Math.round(wall - (now - record.monoMs)), record.circuits);
  }

  private append(ts: number, circuits: CircuitReading[]): void {
    const record = { ts, interval_s: this.o.intervalS, circuits };
    const seq = this.o.log.append(record);
    // Publish what flash holds (values at the log's resolution, e.g. energy in whole mWh), not the
    // RAM readings: the live copy and a replayed copy of a seq are then identical, and the energy
    // counters the backend sees never step back when a reboot restores them from flash.
    const stored = this.o.log.readFrom(seq - 1, 1)[0];
    const fields = stored && stored.seq === seq ? { ts: stored.ts, interval_s: stored.interval_s, circuits: stored.circuits } : record;
    const message: TelemetryMessage = { v: PROTOCOL_VERSION, seq, acked_seq: this.o.log.ackedSeq, ...fields };
    this.o.onRecord?.(message, this.o.clock.monotonicMs());
    this.delivery.onAppended(message);
  }

  private publishStatus(): void {
    const wall = this.o.clock.wallMs();
    this.statusFailsafeS = this.o.relays.shortestFailsafeSeconds();
    this.send(
      'status',
      topics.status(this.o.deviceId),
      {
        v: PROTOCOL_VERSION,
        online: true,
        firmware: this.o.firmware,
        boot_id: this.o.bootId,
        ...(wall !== undefined ? { ts: Math.round(wall), boot_ts: Math.round(wall - this.o.clock.monotonicMs()) } : {}),
        circuits: CIRCUIT_COUNT,
        health: this.health,
        failsafe_min_s: this.statusFailsafeS,
        ...(this.o.ota?.status ? { ota: this.o.ota.status } : {}),
      },
      true,
    );
  }

  private send<K extends MessageKind>(kind: K, topic: string, message: MessageByKind[K], retain: boolean): void {
    this.sendRaw(topic, encodeMessage(kind, message), retain);
  }

  /** Publishes now, or keeps it (bounded) for the next connection. Retained state is re-published on connect anyway. */
  private sendRaw(topic: string, payload: string, retain: boolean): void {
    if (this.o.mqtt.connected && this.o.mqtt.publish(topic, payload, { qos: 1, retain })) return;
    if (retain) return;
    if (this.outbox.length >= OUTBOX_LIMIT) this.outbox.shift();
    this.outbox.push({ topic, payload, retain });
  }
}

function commandIdentity(payload: Uint8Array): { id: string; key: string } | undefined {
  if (payload.length > 4096) return undefined;
  try {
    const text = utf8Decode(payload);
    const parsed = text === undefined ? undefined : JSON.parse(text);
    if (!parsed || typeof parsed.id !== 'string') return undefined;
    return { id: parsed.id, key: `${parsed.id}#${String(parsed.seq)}` };
  } catch {
    return undefined;
  }
}
