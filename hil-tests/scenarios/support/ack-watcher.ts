import mqtt, { MqttClient } from 'mqtt';
import { decodeMessage } from '@dinmeter/shared';
import { eventually } from '../../rig/simulated-rig';

/**
 * Listens to `dinmeter/+/telemetry/ack` like any observer on the broker: the highest `upto_seq` the
 * backend acknowledged per device, and when. Reconnects by itself when the broker restarts.
 */
export class AckWatcher {
  readonly upto = new Map<string, number>();
  readonly acks: { at: number; device: string; upto: number }[] = [];

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const device = topic.split('/')[1];
      const ack = decodeMessage('telemetry/ack', new Uint8Array(payload));
      if (!ack.ok) return;
      this.acks.push({ at: Date.now(), device, upto: ack.value.upto_seq });
      if (ack.value.upto_seq > (this.upto.get(device) ?? 0)) this.upto.set(device, ack.value.upto_seq);
    });
  }

  static async connect(url: string, clientId: string): Promise<AckWatcher> {
    const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 500, resubscribe: true });
    await client.subscribeAsync('dinmeter/+/telemetry/ack', { qos: 1 });
    return new AckWatcher(client);
  }

  /** Highest upto_seq of `device` acknowledged before `at` (ms since epoch). */
  uptoBefore(device: string, at: number): number {
    return this.acks.filter((a) => a.device === device && a.at < at).reduce((max, a) => Math.max(max, a.upto), 0);
  }

  /** Highest upto_seq of `device` acknowledged at or after `at`. */
  uptoSince(device: string, at: number): number {
    return this.acks.filter((a) => a.device === device && a.at >= at).reduce((max, a) => Math.max(max, a.upto), 0);
  }

  /** Resolves once every device's ack reached its target seq. */
  async waitFor(targets: Map<string, number>, timeoutMs: number): Promise<void> {
    const describe = () => [...targets].map(([d, seq]) => `${d} ${this.upto.get(d) ?? 0}/${seq}`).join(', ');
    await eventually(async () => [...targets].every(([device, seq]) => (this.upto.get(device) ?? 0) >= seq), timeoutMs, `acks (${describe()})`).catch(
      (error: Error) => {
        throw new Error(`${error.message}; at the end: ${describe()}`);
      },
    );
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
