import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DeviceTopicKind, parseDeviceTopic, topics } from '@dinmeter/shared';
import { randomBytes } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import { BrokerService } from '../broker/broker.service';
import { BACKEND_CLIENT_PREFIX } from '../broker/broker-acl';
import { AppConfig } from '../config/app-config';

export type DeviceMessageHandler = (deviceId: string, payload: Buffer, retained: boolean) => void;

/** Device topics the backend listens to. */
const INBOUND: DeviceTopicKind[] = ['status', 'telemetry', 'events', 'cmd/ack', 'relays'];

/**
 * The backend's one MQTT client (mqtt.js). Owns the connection, the subscriptions and the
 * dispatch of device messages to feature handlers by topic kind. Publishing goes through here.
 */
@Injectable()
export class MqttService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MqttService.name);
  private client?: MqttClient;
  private readonly handlers = new Map<DeviceTopicKind, DeviceMessageHandler[]>();
  private readonly connectListeners: (() => void)[] = [];
  readonly clientId: string;

  constructor(
    private readonly config: AppConfig,
    private readonly broker: BrokerService,
  ) {
    this.clientId = `${BACKEND_CLIENT_PREFIX}${config.INSTANCE_ID ?? randomBytes(4).toString('hex')}`;
  }

  on(kind: DeviceTopicKind, handler: DeviceMessageHandler): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler);
    this.handlers.set(kind, list);
  }

  /** Called after every (re)connect, e.g. to re-publish retained state. */
  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * Connects once every feature registered its handlers (in onModuleInit): the retained messages the
   * broker sends on subscribing reach all of them.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.broker.started;
    const client = mqtt.connect(this.broker.url, {
      clientId: this.clientId,
      ...this.broker.login,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1000,
      connectTimeout: 10000,
      resubscribe: true,
    });
    this.client = client;
    client.on('connect', () => {
      this.logger.log(`connected to ${this.broker.url} as ${this.clientId}`);
      for (const listener of this.connectListeners) listener();
    });
    client.on('reconnect', () => this.logger.debug('reconnecting to the broker'));
    client.on('offline', () => this.logger.warn('broker connection lost'));
    client.on('error', (error) => this.logger.warn(`mqtt: ${error.message}`));
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    const share = this.config.MQTT_SHARE_GROUP;
    const filters = Object.fromEntries(
      INBOUND.map((kind) => {
        // Only ingest is load-balanced: status, events, relays and command acks reach every instance.
        const filter = topics.allDevices(kind);
        return [kind === 'telemetry' && share ? topics.sharedSubscription(share, filter) : filter, { qos: 1 as const }];
      }),
    );
    // Subscribing before the first connect queues the request; mqtt.js re-subscribes after reconnects.
    client.subscribe(filters, (error) => {
      if (error) this.logger.error(`subscribe failed: ${error.message}`);
    });
    await new Promise<void>((resolve) => {
      if (client.connected) return resolve();
      const timer = setTimeout(() => {
        this.logger.warn(`broker ${this.broker.url} not reachable yet; continuing, will keep retrying`);
        resolve();
      }, 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private dispatch(topic: string, payload: Buffer, retained: boolean): void {
    const parsed = parseDeviceTopic(topic);
    if (!parsed) return;
    for (const handler of this.handlers.get(parsed.kind) ?? []) {
      try {
        handler(parsed.deviceId, payload, retained);
      } catch (error) {
        // One error policy for handlers: log, count (in the handler) and carry on.
        this.logger.error(`handler for ${topic} failed: ${(error as Error).stack ?? error}`);
      }
    }
  }

  /** Publishes; resolves when the broker acknowledged QoS 1 (or the packet was sent for QoS 0). */
  async publish(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    if (!this.client) throw new Error('MQTT client not started');
    await this.client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain ?? false });
  }

  /** Publish that logs instead of throwing; the promise (never rejected) settles like publish(). */
  publishQuietly(topic: string, payload: string, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return this.publish(topic, payload, options).catch((error) => this.logger.warn(`publish to ${topic} failed: ${error.message}`));
  }

  /** Disconnects (after in-flight QoS 1 publishes completed); also the Nest hook, so calling both is fine. */
  close(): Promise<void> {
    return this.onModuleDestroy();
  }

  async onModuleDestroy(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(false).catch(() => undefined);
  }
}
