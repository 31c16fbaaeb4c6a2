/**
 * MqttPort on the ECMA-419 MQTT client (`device.network.mqtt`, or `device.network.mqtts` for TLS).
 * QoS 1 goes on the wire, but the client never retransmits: the core keeps its records and
 * resends until the backend acks them at application level (telemetry/ack). This adapter
 * connects, reassembles fragmented incoming messages, reports connection changes to the core and
 * reconnects with back-off.
 *
 * Checked against the Moddable SDK client (examples/io/tcp/mqttclient/mqttclient.js, 2026):
 * - `onControl` is called with ONE message object `{operation, id, …}` — the npm typings say
 *   `(opcode, message)`; `controlOperation()` accepts both.
 * - `onReadable`'s options carry `topic`, `byteLength`, `QoS`, `more` but NOT the retain flag, so
 *   every message reaches the core as not retained (the core's seq/expiry checks still guard
 *   stale commands; see README).
 * - `onClose` is stored but never called; a lost socket arrives as `onError`, after which the
 *   client has already closed itself.
 * - `write()` throws "overflow" when the socket buffer is short: publish returns false then.
 */
import type MQTTClient from 'embedded:network/mqtt/client';
import Timer from 'timer';
import type { MqttEvents, MqttPort, PublishOptions } from '../../core/ports';
import { utf8Encode } from '@dinmeter/shared';

export interface MqttSettings {
  host: string;
  port?: number;
  /** Use the TLS transport (`device.network.mqtts`, present only in a TLS build: docs/hardware.md). */
  tls?: boolean;
  clientId: string;
  user?: string;
  password?: string;
  keepAliveMs?: number;
  /** Last will: the core's `{"online":false}` status, retained. */
  will?: { topic: string; message: string; qos: 0 | 1; retain: boolean };
}

/** One MQTT transport of the ECMA-419 host provider, as mqttclient/config.js sets it up. */
interface MqttTransport {
  readonly io: typeof MQTTClient;
  readonly dns: Record<string, unknown>;
  readonly socket: Record<string, unknown>;
}

/**
 * `device.network`: the SDK's typings declare the `device` global (embedded:provider/builtin)
 * without it; examples/io/tcp/mqttclient/config.js adds `mqtt` at preload, the TLS manifest
 * (examples/io/tcp/mqttsclient) `mqtts`.
 */
function hostNetwork(): { mqtt?: MqttTransport; mqtts?: MqttTransport } {
  return (device as unknown as { network?: { mqtt?: MqttTransport; mqtts?: MqttTransport } }).network ?? {};
}

type Client = MQTTClient;
type ReadableOptions = { more: boolean; topic?: string; byteLength?: number };

const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 60_000;
/** Fixed header (1) + remaining length (≤ 4) + topic length prefix (2) + packet id (2). */
const PUBLISH_OVERHEAD = 9;
/** A fragmented message starts only with at least this much of it (no trickle of tiny packets). */
const MIN_FIRST_FRAGMENT = 256;

/** The operation of an onControl call, whichever calling convention the client uses. */
export function controlOperation(first: unknown): number | undefined {
  if (typeof first === 'number') return first;
  if (typeof first === 'object' && first !== null && typeof (first as { operation?: unknown }).operation === 'number') {
    return (first as { operation: number }).operation;
  }
  return undefined;
}

export class ModdableMqtt implements MqttPort {
  private client?: Client;
  private events?: MqttEvents;
  private isConnected = false;
  private writable = 0;
  private reconnectMs = RECONNECT_FIRST_MS;
  private reconnectTimer?: Timer;
  private incoming?: { topic: string; bytes: Uint8Array; offset: number };
  /** The rest of a message larger than the socket's free space. */
  private fragment?: { bytes: Uint8Array; offset: number };
  /** Connection attempts and losses since boot (diagnostics). */
  readonly stats = { connects: 0, losses: 0, publishRefused: 0, handlerErrors: 0 };

  constructor(private readonly settings: MqttSettings) {}

  get connected(): boolean {
    return this.isConnected;
  }

  /** Starts the session; `events` is the core's app (MeterCore.app). Idempotent. */
  start(events: MqttEvents): void {
    if (this.events) return;
    this.events = events;
    this.connect();
  }

  /**
   * Hands one message to the client. A message larger than the socket's free space (a telemetry
   * record is ~2.2 KB; lin's socket takes 1.5 KB at a time) goes out in fragments: the first
   * with the total `byteLength`, the rest from onWritable. Meanwhile publish refuses (the client
   * sends one message at a time) and the core retries on a later tick.
   */
  publish(topic: string, payload: string, options: PublishOptions): boolean {
    const client = this.client;
    if (!client || !this.isConnected || this.fragment) return false;
    const bytes = utf8Encode(payload);
    const room = this.writable - topic.length - PUBLISH_OVERHEAD;
    if (room < Math.min(bytes.byteLength, MIN_FIRST_FRAGMENT)) {
      this.stats.publishRefused++;
      return false; // would block: the core retries later
    }
    const first = Math.min(bytes.byteLength, room);
    try {
      this.writable = client.write(bytes.subarray(0, first), { topic, QoS: options.qos, retain: options.retain ?? false, byteLength: bytes.byteLength });
    } catch {
      this.stats.publishRefused++;
      return false;
    }
    if (first < bytes.byteLength) this.fragment = { bytes, offset: first };
    return true;
  }

  subscribe(topic: string, qos: 0 | 1): void {
    if (!this.client || !this.isConnected) return; // the core subscribes again on onConnect
    const MQTTClient = this.transport().io;
    try {
      // write() returns the free space: right after CONNACK it is the first news of it.
      this.writable = this.client.write(null as unknown as Uint8Array, { operation: MQTTClient.SUBSCRIBE, topic, items: [{ topic, QoS: qos }] });
    } catch {
      // A missing subscription would silently drop commands or plans: start over.
      this.lost();
    }
  }

  /** Continues a fragmented message as the socket drains. */
  private writeFragments(): void {
    const client = this.client;
    const pending = this.fragment;
    if (!client || !pending) return;
    while (pending.offset < pending.bytes.byteLength && this.writable > 0) {
      const size = Math.min(this.writable, pending.bytes.byteLength - pending.offset);
      try {
        this.writable = client.write(pending.bytes.subarray(pending.offset, pending.offset + size), undefined as unknown as { topic: string });
      } catch {
        this.lost();
        return;
      }
      pending.offset += size;
    }
    if (pending.offset >= pending.bytes.byteLength) this.fragment = undefined;
  }

  private transport(): MqttTransport {
    const network = hostNetwork();
    const transport = this.settings.tls ? network.mqtts : network.mqtt;
    if (!transport) throw new Error(`no ${this.settings.tls ? 'mqtts' : 'mqtt'} transport in this build (see docs/hardware.md, TLS)`);
    return transport;
  }

  private connect(): void {
    const transport = this.transport();
    const MQTTClient = transport.io;
    const { will } = this.settings;
    this.stats.connects++;
    try {
      this.client = new MQTTClient({
        ...transport,
        host: this.settings.host,
        port: this.settings.port,
        id: this.settings.clientId,
        user: this.settings.user,
        password: this.settings.password,
        clean: true,
        keepAlive: this.settings.keepAliveMs ?? 30_000,
        will: will && { topic: will.topic, message: will.message, QoS: will.qos, retain: will.retain },
        onControl: (first: unknown) => {
          if (controlOperation(first) !== MQTTClient.CONNACK) return;
          this.isConnected = true;
          this.reconnectMs = RECONNECT_FIRST_MS;
          this.notify('onConnect', () => this.events?.onConnect());
        },
        onWritable: (count: number) => {
          this.writable = count;
          this.writeFragments();
        },
        onReadable: (count: number, options: ReadableOptions) => this.receive(count, options),
        onClose: () => this.lost(),
        onError: () => this.lost(),
      });
    } catch {
      this.client = undefined;
      this.lost();
    }
  }

  private receive(count: number, options: ReadableOptions): void {
    const client = this.client;
    if (!client) return;
    if (options.topic !== undefined) {
      // First fragment of a message; byteLength is the whole payload.
      this.incoming = { topic: options.topic, bytes: new Uint8Array(options.byteLength ?? count), offset: 0 };
    }
    const message = this.incoming;
    const fragment = new Uint8Array(client.read(count));
    if (!message) return; // a fragment without a start: drop it
    message.bytes.set(fragment.subarray(0, message.bytes.byteLength - message.offset), message.offset);
    message.offset += fragment.byteLength;
    if (options.more) return;
    this.incoming = undefined;
    // The Moddable client does not report the retain flag (see the header comment).
    this.notify('onMessage', () => this.events?.onMessage(message.topic, message.bytes, false));
  }

  /**
   * Calls into the core from a client callback. An exception there would be unhandled in the
   * runtime's event loop and abort the machine (XS abort: the ESP32 restarts), so it is reported
   * and the session goes on, as the tick timer in main.ts does.
   */
  private notify(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.stats.handlerErrors++;
      trace(`dinmeter mqtt ${what} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }

  private lost(): void {
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.writable = 0;
    this.incoming = undefined;
    this.fragment = undefined;
    try {
      this.client?.close();
    } catch {
      // already closed
    }
    this.client = undefined;
    if (wasConnected) {
      this.stats.losses++;
      this.notify('onDisconnect', () => this.events?.onDisconnect());
    }
    if (this.reconnectTimer) return;
    this.reconnectTimer = Timer.set(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.reconnectMs);
    this.reconnectMs = Math.min(RECONNECT_MAX_MS, this.reconnectMs * 2);
  }
}
