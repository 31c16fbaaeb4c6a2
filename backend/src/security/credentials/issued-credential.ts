import { hostname } from 'node:os';
import type { AppConfig } from '../../config/app-config';
import type { IssuedMeter } from './credentials.registry';

/** What `device add`/`rotate` print and `POST /api/devices` returns: everything a meter needs (docs/security.md). */
export interface IssuedCredentialJson {
  id: string;
  mqtt_url: string;
  username: string;
  password: string;
  command_key: string;
}

export function issuedCredentialJson(meter: IssuedMeter, mqttUrl: string): IssuedCredentialJson {
  return { id: meter.id, mqtt_url: mqttUrl, username: meter.username, password: meter.password, command_key: meter.commandKey };
}

/**
 * The broker URL a meter should use: MQTT_URL for an external broker, else the embedded broker's
 * mqtts listener when there is one, else its plain listener, on this host's name when it listens on
 * every interface.
 */
export function meterMqttUrl(config: Pick<AppConfig, 'MQTT_URL' | 'MQTT_HOST' | 'MQTT_PORT' | 'MQTTS_PORT'>, bound: { port?: number; tlsPort?: number } = {}): string {
  if (config.MQTT_URL) return config.MQTT_URL;
  const host = ['0.0.0.0', '::', ''].includes(config.MQTT_HOST) ? hostname() : config.MQTT_HOST;
  const tlsPort = bound.tlsPort ?? config.MQTTS_PORT;
  if (tlsPort) return `mqtts://${host}:${tlsPort}`;
  return `mqtt://${host}:${bound.port ?? config.MQTT_PORT}`;
}
