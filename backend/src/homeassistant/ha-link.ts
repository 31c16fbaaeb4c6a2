import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import { BACKEND_CLIENT_PREFIX } from '../broker/broker-acl';
import { BrokerService } from '../broker/broker.service';
import { AppConfig } from '../config/app-config';

export interface HaLinkHandlers {
  /** After every (re)connect: the broker may have lost retained configs (aedes keeps them in memory). */
  onConnect(): void;
  onMessage(topic: string, payload: Buffer, retained: boolean): void;
}

/** A retained message the broker publishes when the link is lost (MQTT last will). */
export interface HaLinkWill {
  topic: string;
  payload: string;
}

/** The broker connection of the Home Assistant bridge: subscribe to a few filters, publish. */
export interface HaLink {
  start(filters: string[], handlers: HaLinkHandlers, will: HaLinkWill): void;
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  unsubscribe(filter: string): Promise<void>;
  stop(): Promise<void>;
}
export const HA_LINK = Symbol('HA_LINK');

/**
 * mqtt.js implementation. A client of its own (id `dinmeter-backend-…-ha`, logged in as the backend)
 * because MqttService dispatches only dinmeter/<id>/<kind> device topics, and the bridge listens to homeassistant/status and dinmeter/+/ha/+/set.
 */
@Injectable()
export class MqttHaLink implements HaLink {
  private readonly logger = new Logger('HomeAssistantLink');
  private client?: MqttClient;

  constructor(
    private readonly config: AppConfig,
    private readonly broker: BrokerService,
  ) {}

  start(filters: string[], handlers: HaLinkHandlers, will: HaLinkWill): void {
    if (this.client) throw new Error('HaLink already started');
    const clientId = `${BACKEND_CLIENT_PREFIX}${this.config.INSTANCE_ID ?? randomBytes(4).toString('hex')}-ha`;
    const client = mqtt.connect(this.broker.url, {
      clientId,
      ...this.broker.login,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 1000,
      resubscribe: true,
      will: { ...will, qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.logger.log(`connected to ${this.broker.url} as ${clientId}`);
      handlers.onConnect();
    });
    client.on('error', (error) => this.logger.warn(`mqtt: ${error.message}`));
    client.on('message', (topic, payload, packet) => handlers.onMessage(topic, payload, packet.retain));
    client.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (error) => {
      if (error) this.logger.error(`subscribe failed: ${error.message}`);
    });
  }

  async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (!this.client) throw new Error('HaLink not started');
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async unsubscribe(filter: string): Promise<void> {
    if (!this.client) throw new Error('HaLink not started');
    await this.client.unsubscribeAsync(filter);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(false).catch(() => undefined);
  }
}
