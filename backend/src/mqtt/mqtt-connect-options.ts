import { IClientOptions } from 'mqtt';
import { MqttLogin } from '../broker/broker.service';

/** The options of every backend connection (MqttService, the leader lease): one place to change them. */
export function backendConnectOptions(login: MqttLogin, clientId: string, extra: Partial<IClientOptions> = {}): IClientOptions {
  return { clientId, ...login, clean: true, keepalive: 30, reconnectPeriod: 1000, connectTimeout: 10000, resubscribe: true, ...extra };
}
