import { Logger } from '@nestjs/common';
import { DeviceTopicKind, parseDeviceTopic, topics } from '@dinmeter/shared';
import { DeviceMessageHandler, MqttBus, MqttMessageHandler, MqttPublishOptions, MqttWill } from './mqtt-bus';
import { filterMatches } from './topic-filter';

/**
 * What MqttService and InMemoryMqttBus share: the handlers by filter and the dispatch of each message
 * to every handler whose filter matches its topic. A filter goes to the broker with its first handler
 * and leaves with its last.
 */
export abstract class MqttDispatch implements MqttBus {
  protected readonly subscriptions = new Map<string, MqttMessageHandler[]>();
  private readonly connectListeners: (() => void)[] = [];

  protected constructor(
    protected readonly logger: Logger,
    /** MQTT_SHARE_GROUP: only ingest is load-balanced, so only telemetry (single and batched) goes through it. */
    private readonly shareGroup: string | undefined,
  ) {}

  abstract readonly clientId: string;
  abstract readonly connected: boolean;
  abstract publish(topic: string, payload: string, options: MqttPublishOptions): Promise<void>;
  abstract setWill(will: MqttWill): void;
  protected abstract brokerSubscribe(filter: string): void;
  protected abstract brokerUnsubscribe(filter: string): void;

  publishQuietly(topic: string, payload: string, options: MqttPublishOptions): Promise<void> {
    return this.publish(topic, payload, options).catch((error: Error) => this.logger.warn(`publish to ${topic} failed: ${error.message}`));
  }

  subscribe(filter: string, handler: MqttMessageHandler): () => void {
    const handlers = this.subscriptions.get(filter);
    if (handlers) handlers.push(handler);
    else {
      this.subscriptions.set(filter, [handler]);
      this.brokerSubscribe(filter);
    }
    return () => {
      const list = this.subscriptions.get(filter);
      const at = list?.indexOf(handler) ?? -1;
      if (!list || at < 0) return;
      list.splice(at, 1);
      if (list.length > 0) return;
      this.subscriptions.delete(filter);
      this.brokerUnsubscribe(filter);
    };
  }

  on(kind: DeviceTopicKind, handler: DeviceMessageHandler): void {
    const filter = topics.allDevices(kind);
    const shared = kind === 'telemetry' || kind === 'telemetry/batch';
    this.subscribe(shared && this.shareGroup ? topics.sharedSubscription(this.shareGroup, filter) : filter, (topic, payload, retained) => {
      const parsed = parseDeviceTopic(topic);
      if (parsed?.kind === kind) handler(parsed.deviceId, payload, retained);
    });
  }

  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }

  protected connectedNow(): void {
    for (const listener of this.connectListeners) listener();
  }

  /** Runs each matching handler once; one that throws is logged (the handler counts) and the others still run. */
  protected dispatch(topic: string, payload: Buffer, retained: boolean): void {
    const matching = new Set<MqttMessageHandler>();
    for (const [filter, handlers] of this.subscriptions) if (filterMatches(filter, topic)) for (const handler of handlers) matching.add(handler);
    for (const handler of matching) {
      try {
        handler(topic, payload, retained);
      } catch (error) {
        this.logger.error(`handler for ${topic} failed: ${(error as Error).stack ?? error}`);
      }
    }
  }
}
