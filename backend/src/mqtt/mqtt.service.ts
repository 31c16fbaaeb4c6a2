import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import { BrokerService } from '../broker/broker.service';
import { BACKEND_CLIENT_PREFIX } from '../broker/broker-acl';
import { AppConfig } from '../config/app-config';
import { MqttBus, MqttPublishOptions, MqttWill } from './mqtt-bus';
import { backendConnectOptions } from './mqtt-connect-options';
import { MqttDispatch } from './mqtt-dispatch';

/**
 * The backend's MQTT connection (mqtt.js), the MqttBus every feature uses: device topics, Home
 * Assistant, the ingest peers. Only the leader lease has a connection of its own (its last will).
 */
@Injectable()
export class MqttService extends MqttDispatch implements MqttBus, OnApplicationBootstrap, OnModuleDestroy {
  private client?: MqttClient;
  private will?: MqttWill;
  readonly clientId: string;

  constructor(
    config: AppConfig,
    private readonly broker: BrokerService,
  ) {
    super(new Logger(MqttService.name), config.MQTT_SHARE_GROUP);
    this.clientId = `${BACKEND_CLIENT_PREFIX}${config.INSTANCE_ID ?? randomBytes(4).toString('hex')}`;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  setWill(will: MqttWill): void {
    if (this.client) throw new Error(`the last will of ${this.clientId} is set before it connects (${will.topic})`);
    this.will = will;
  }

  /**
   * Connects once every feature subscribed (in onModuleInit): the retained messages the broker sends
   * on subscribing reach all of them.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.broker.started;
    const will = this.will && { ...this.will, qos: 1 as const, retain: true };
    const client = mqtt.connect(this.broker.url, backendConnectOptions(this.broker.login, this.clientId, { will }));
    this.client = client;
    client.on('connect', () => {
      // A command is one small packet: send it at once, not after the broker's delayed ACK (Nagle).
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      this.logger.log(`connected to ${this.broker.url} as ${this.clientId}`);
      this.connectedNow();
    });
    client.on('reconnect', () => this.logger.debug('reconnecting to the broker'));
    client.on('offline', () => this.logger.warn('broker connection lost'));
    client.on('error', (error) => this.logger.warn(`mqtt: ${error.message}`));
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    // Subscribing before the first connect queues the request; mqtt.js re-subscribes after reconnects.
    for (const filter of this.subscriptions.keys()) this.brokerSubscribe(filter);
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

  /** Resolves when the broker acknowledged QoS 1 (or the packet was sent for QoS 0). */
  async publish(topic: string, payload: string, options: MqttPublishOptions): Promise<void> {
    if (!this.client) throw new Error('MQTT client not started');
    await this.client.publishAsync(topic, payload, { qos: options.qos, retain: options.retain ?? false });
  }

  protected brokerSubscribe(filter: string): void {
    this.client?.subscribe(filter, { qos: 1 }, (error) => {
      if (error) this.logger.error(`subscribe to ${filter} failed: ${error.message}`);
    });
  }

  protected brokerUnsubscribe(filter: string): void {
    this.client?.unsubscribeAsync(filter).catch((error: Error) => this.logger.warn(`unsubscribe from ${filter} failed: ${error.message}`));
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
