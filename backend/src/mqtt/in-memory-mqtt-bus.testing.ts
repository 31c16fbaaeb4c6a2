import { Logger } from '@nestjs/common';
import { MqttBus, MqttPublishOptions, MqttWill } from './mqtt-bus';
import { MqttDispatch } from './mqtt-dispatch';

export interface PublishedMessage {
  topic: string;
  payload: string;
  options: MqttPublishOptions;
}

/**
 * The MqttBus of unit tests: the real dispatch, no broker. `deliver` plays the broker's part,
 * `published` keeps what the code under test sent; `failPublishes` makes publish reject.
 */
export class InMemoryMqttBus extends MqttDispatch implements MqttBus {
  connected: boolean;
  will?: MqttWill;
  readonly published: PublishedMessage[] = [];
  /** The filters the broker would hold. */
  readonly brokerFilters = new Set<string>();
  failPublishes?: Error;

  readonly clientId: string;

  constructor(options: { clientId?: string; shareGroup?: string; connected?: boolean } = {}) {
    super(new Logger('InMemoryMqttBus'), options.shareGroup);
    this.clientId = options.clientId ?? 'dinmeter-backend-test';
    this.connected = options.connected ?? true;
  }

  async publish(topic: string, payload: string, options: MqttPublishOptions): Promise<void> {
    if (this.failPublishes) throw this.failPublishes;
    this.published.push({ topic, payload, options });
  }

  setWill(will: MqttWill): void {
    this.will = will;
  }

  /** The broker hands the bus a message. */
  deliver(topic: string, payload: string | Buffer, retained = false): void {
    this.dispatch(topic, Buffer.from(payload), retained);
  }

  /** The connection (re)opens: onConnect listeners run. */
  connect(): void {
    this.connected = true;
    this.connectedNow();
  }

  /** Payloads published to one topic, oldest first. */
  publishedTo(topic: string): string[] {
    return this.published.filter((m) => m.topic === topic).map((m) => m.payload);
  }

  protected brokerSubscribe(filter: string): void {
    this.brokerFilters.add(filter);
  }

  protected brokerUnsubscribe(filter: string): void {
    this.brokerFilters.delete(filter);
  }
}
