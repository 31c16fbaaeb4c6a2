/**
 * MqttPort on the ECMA-419 MQTT client (`device.network.mqtt`). QoS 1 goes on the wire, but the
 * client never retransmits: the core keeps its records and resends until the backend acks them
 * at application level (telemetry/ack). This adapter connects, reassembles fragmented incoming
 * messages, reports connection changes to the core and reconnects with back-off.
 */
import Timer from 'timer';
import type { MqttEvents, MqttPort, PublishOptions } from '../../core/ports';
import { utf8Encode } from '@dinmeter/shared';

export interface MqttSettings {
  host: string;
  port?: number;
  clientId: string;
  user?: string;
  password?: string;
  keepAliveMs?: number;
  /** Last will: the core's `{"online":false}` status, retained. */
  will?: { topic: string; message: string; qos: 0 | 1; retain: boolean };
}

type Client = InstanceType<typeof device.network.mqtt.io>;

const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 60_000;

export class ModdableMqtt implements MqttPort {
  private client?: Client;
  private isConnected = false;
  private writable = 0;
  private reconnectMs = RECONNECT_FIRST_MS;
  private reconnectTimer?: Timer;
  private incoming?: { topic: string; retained: boolean; bytes: Uint8Array; offset: number };

  constructor(
    private readonly settings: MqttSettings,
    private readonly events: MqttEvents,
  ) {}

  get connected(): boolean {
    return this.isConnected;
  }

  start(): void {
    this.connect();
  }

  publish(topic: string, payload: string, options: PublishOptions): boolean {
    const client = this.client;
    if (!client || !this.isConnected) return false;
    const bytes = utf8Encode(payload);
    if (bytes.byteLength + topic.length + 8 > this.writable) return false; // would block: the core retries later
    try {
      this.writable = client.write(bytes, { topic, QoS: options.qos, retain: options.retain ?? false });
      return true;
    } catch {
      return false;
    }
  }

  subscribe(topic: string, qos: 0 | 1): void {
    if (!this.client || !this.isConnected) return; // the core subscribes again on onConnect
    const MQTTClient = device.network.mqtt.io;
    this.client.write(null as unknown as Uint8Array, { operation: MQTTClient.SUBSCRIBE, topic, items: [{ topic, QoS: qos }] });
  }

  private connect(): void {
    const MQTTClient = device.network.mqtt.io;
    const { will } = this.settings;
    this.client = new MQTTClient({
      ...device.network.mqtt,
      host: this.settings.host,
      port: this.settings.port,
      id: this.settings.clientId,
      user: this.settings.user,
      password: this.settings.password,
      clean: true,
      keepAlive: this.settings.keepAliveMs ?? 30_000,
      will: will && { topic: will.topic, message: will.message, QoS: will.qos, retain: will.retain },
      onControl: (operation: number) => {
        if (operation === MQTTClient.CONNACK) {
          this.isConnected = true;
          this.reconnectMs = RECONNECT_FIRST_MS;
          this.events.onConnect();
        }
      },
      onWritable: (count: number) => {
        this.writable = count;
      },
      onReadable: (count: number, options: { more: boolean; topic?: string; byteLength?: number }) => this.receive(count, options),
      onClose: () => this.lost(),
      onError: () => this.lost(),
    });
  }

  private receive(count: number, options: { more: boolean; topic?: string; byteLength?: number }): void {
    const client = this.client!;
    if (options.topic !== undefined) {
      // First fragment of a message. `retain` is not in the typings; Moddable passes it when set.
      const retained = (options as { retain?: boolean }).retain === true;
      this.incoming = { topic: options.topic, retained, bytes: new Uint8Array(options.byteLength ?? count), offset: 0 };
    }
    const message = this.incoming;
    const fragment = new Uint8Array(client.read(count));
    if (!message) return; // a fragment without a start: drop it
    message.bytes.set(fragment.subarray(0, message.bytes.byteLength - message.offset), message.offset);
    message.offset += fragment.byteLength;
    if (options.more) return;
    this.incoming = undefined;
    this.events.onMessage(message.topic, message.bytes, message.retained);
  }

  private lost(): void {
    const wasConnected = this.isConnected;
    this.isConnected = false;
    this.writable = 0;
    try {
      this.client?.close();
    } catch {
      // already closed
    }
    this.client = undefined;
    if (wasConnected) this.events.onDisconnect();
    if (this.reconnectTimer) return;
    this.reconnectTimer = Timer.set(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.reconnectMs);
    this.reconnectMs = Math.min(RECONNECT_MAX_MS, this.reconnectMs * 2);
  }
}
