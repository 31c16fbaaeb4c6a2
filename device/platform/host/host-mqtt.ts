import { encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { MqttEvents, MqttPort, PublishOptions } from '../../core/ports';

/**
 * MqttPort on mqtt.js for the virtual meter. Like the ESP32 client it connects with the device id
 * as client id, its provisioned login, and a retained last will `{"online": false}` on the status topic. mqtt.js would
 * queue and resend on its own; we refuse publishes while offline so the core's store-and-forward
 * is what is exercised, as on the device.
 */
export class HostMqttPort implements MqttPort {
  private client?: MqttClient;

  constructor(
    private readonly url: string,
    private readonly deviceId: string,
    private readonly login: { username?: string; password?: string } = {},
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(events: MqttEvents): void {
    const will = encodeMessage('status', { v: PROTOCOL_VERSION, online: false });
    const client = mqtt.connect(this.url, {
      clientId: this.deviceId,
      ...this.login,
      clean: true,
      keepalive: 15,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      queueQoSZero: false,
      will: { topic: topics.status(this.deviceId), payload: Buffer.from(will), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => events.onConnect());
    client.on('close', () => events.onDisconnect());
    client.on('error', () => undefined); // reconnects by itself; the core sees `connected`
    client.on('message', (topic, payload, packet) => events.onMessage(topic, new Uint8Array(payload), packet.retain));
  }

  publish(topic: string, payload: string, options: PublishOptions): boolean {
    if (!this.client?.connected) return false;
    this.client.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false });
    return true;
  }

  subscribe(topic: string, qos: 0 | 1): void {
    this.client?.subscribe(topic, { qos });
  }

  /** The meter loses power or restarts: the connection just drops (the broker publishes the last will). */
  kill(): void {
    const client = this.client;
    this.client = undefined;
    client?.stream?.destroy();
    client?.end(true);
  }

  /** Clean stop: publishes offline status (a kill would let the broker send the last will instead). */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      const offline = encodeMessage('status', { v: PROTOCOL_VERSION, online: false });
      const sent = client.publishAsync(topics.status(this.deviceId), offline, { qos: 1, retain: true }).catch(() => undefined);
      // The broker may go away meanwhile (Ctrl-C on `npm start` stops the backend and its broker
      // too): its PUBACK would then never come. The last will says the same, so do not wait for it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([sent, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
    }
    await client.endAsync(true).catch(() => undefined);
  }
}
