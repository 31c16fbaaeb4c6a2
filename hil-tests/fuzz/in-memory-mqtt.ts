/**
 * An in-memory MQTT bus standing in for the broker in the in-process fuzz run: 100,000 inputs through
 * a real broker and TCP would take far longer than a test may, and a message sent here reaches every
 * subscriber synchronously, so the state check after an input sees everything it caused.
 *
 * `InMemoryBus.install()` replaces mqtt.js's `connect` (both backend connections call it: MqttService
 * and the automation lease), so the backend's own subscribe and
 * message code runs unchanged. `uninstall()` puts the real `connect` back.
 */
import { EventEmitter } from 'node:events';
import mqtt from 'mqtt';

/** A short hash of a payload: the bus remembers what was published without keeping the bytes. */
function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0).toString(36);
}

/** True when an MQTT topic filter (with + and #, optionally $share/<group>/) matches a topic. */
export function filterMatches(filter: string, topic: string): boolean {
  const plain = filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
  const f = plain.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The part of mqtt.js's MqttClient the backend uses. */
export class InMemoryClient extends EventEmitter {
  connected = false;
  readonly filters = new Set<string>();

  constructor(
    private readonly bus: InMemoryBus,
    readonly clientId: string,
  ) {
    super();
    setImmediate(() => {
      if (!this.bus.clients.has(this)) return;
      this.connected = true;
      this.emit('connect', { cmd: 'connack' });
    });
  }

  subscribe(filters: string | string[] | Record<string, unknown>, ...rest: unknown[]): this {
    const list = typeof filters === 'string' ? [filters] : Array.isArray(filters) ? filters : Object.keys(filters);
    for (const filter of list) this.filters.add(filter);
    const callback = rest.find((r) => typeof r === 'function') as ((error: Error | null, granted: unknown[]) => void) | undefined;
    if (callback) setImmediate(() => callback(null, list.map((topic) => ({ topic, qos: 1 }))));
    return this;
  }

  async publishAsync(topic: string, payload: string | Buffer, options: { retain?: boolean } = {}): Promise<undefined> {
    this.bus.publish(topic, Buffer.from(payload), options.retain === true, this.clientId);
    return undefined;
  }

  async unsubscribeAsync(filter: string): Promise<void> {
    this.filters.delete(filter);
  }

  async endAsync(): Promise<void> {
    this.bus.clients.delete(this);
    this.connected = false;
    this.emit('close');
  }
}

export class InMemoryBus {
  readonly clients = new Set<InMemoryClient>();
  /** Distinct messages clients published (the backend's output), outside `uncounted` topics: a resend adds nothing. */
  published = 0;
  lastPublished?: string;
  private readonly seen = new Set<string>();
  private realConnect?: typeof mqtt.connect;

  constructor(private readonly uncounted: (topic: string) => boolean = () => false) {}

  install(): this {
    if (this.realConnect) throw new Error('in-memory MQTT already installed');
    this.realConnect = mqtt.connect;
    (mqtt as { connect: unknown }).connect = (_url: string, options: { clientId?: string } = {}) => {
      const client = new InMemoryClient(this, options.clientId ?? `client-${this.clients.size}`);
      this.clients.add(client);
      return client;
    };
    return this;
  }

  uninstall(): void {
    if (this.realConnect) (mqtt as { connect: unknown }).connect = this.realConnect;
    this.realConnect = undefined;
    for (const client of [...this.clients]) void client.endAsync();
  }

  /** Every filter some client subscribed to. */
  subscriptions(): string[] {
    return [...new Set([...this.clients].flatMap((c) => [...c.filters]))];
  }

  /** Delivers to every matching subscriber at once (as the fuzz's inputs and as the backend's output). */
  publish(topic: string, payload: Buffer, retain: boolean, from = 'fuzz'): void {
    if (from !== 'fuzz' && !this.uncounted(topic)) {
      const key = `${topic} ${payload.length}:${fnv1a(payload)}`;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.published++;
        this.lastPublished = `${topic} ${payload.toString('utf8', 0, 200)}`;
      }
    }
    for (const client of this.clients) {
      if (!client.connected) continue;
      if ([...client.filters].some((f) => filterMatches(f, topic))) client.emit('message', topic, payload, { retain, topic, payload });
    }
  }

}
