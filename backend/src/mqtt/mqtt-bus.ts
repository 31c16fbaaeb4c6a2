import { DeviceTopicKind } from '@dinmeter/shared';

export type MqttMessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;
export type DeviceMessageHandler = (deviceId: string, payload: Buffer, retained: boolean) => void;

export interface MqttPublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

/** A retained message the broker publishes when the connection is lost (MQTT last will). */
export interface MqttWill {
  topic: string;
  payload: string;
}

/**
 * The backend's MQTT connection as its features see it (MqttService; InMemoryMqttBus in unit tests).
 * - `subscribe` and `on` may be called before the connection opens. Each message runs every handler
 *   whose filter matches its topic once, in the order they subscribed; one that throws is logged and
 *   the others still run.
 * - `publish` resolves once the broker acknowledged QoS 1 (the packet was sent for QoS 0).
 * - `onConnect` listeners run after every (re)connect.
 * - `setWill` only before the connection opens: a will belongs to the CONNECT packet.
 */
export interface MqttBus {
  readonly clientId: string;
  readonly connected: boolean;
  publish(topic: string, payload: string, options: MqttPublishOptions): Promise<void>;
  /** publish() that logs instead of rejecting. */
  publishQuietly(topic: string, payload: string, options: MqttPublishOptions): Promise<void>;
  /** Any filter (+, #, $share/<group>/…); returns the unsubscribe. */
  subscribe(filter: string, handler: MqttMessageHandler): () => void;
  /** Messages of dinmeter/<id>/<kind>; telemetry through the share group when MQTT_SHARE_GROUP is set. */
  on(kind: DeviceTopicKind, handler: DeviceMessageHandler): void;
  onConnect(listener: () => void): void;
  setWill(will: MqttWill): void;
}

/** Nest token of the MqttBus. */
export const MQTT_BUS = Symbol('MQTT_BUS');
