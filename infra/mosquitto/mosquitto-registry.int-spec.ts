/**
 * `dinmeter device mosquitto` output run by Debian's real mosquitto 2: the password file ($7$ PBKDF2-SHA512
 * from Node's crypto) and the per-username ACL generated from the credentials registry
 * (backend/src/security/credentials/mosquitto-files.ts) log in exactly the registry's identities and
 * keep each meter in its own topics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { topics } from '@dinmeter/shared';
import { CredentialsRegistry, IssuedMeter } from '../../backend/src/security/credentials/credentials.registry';
import { writeMosquittoFiles } from '../../backend/src/security/credentials/mosquitto-files';
import { findMosquitto, freePort } from '../dev/servers';
import { MosquittoProcess, runMosquitto } from './mosquitto-process.testing';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mosquitto with the password file and ACL generated from the registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-mosquitto-registry-'));
  const registry = new CredentialsRegistry(join(dir, 'data'));
  const clients: MqttClient[] = [];
  let broker: MosquittoProcess | undefined;
  let url = '';
  let a: IssuedMeter;
  let b: IssuedMeter;
  let backend: { username: string; password: string };

  async function login(options: IClientOptions): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...options });
    clients.push(client);
    return client;
  }

  /** Messages the backend identity sees on `filter` (it may read everything). */
  async function observe(filter: string): Promise<string[]> {
    const seen: string[] = [];
    const observer = await login({ clientId: `observer-${clients.length}`, ...backend });
    observer.on('message', (topic, payload) => seen.push(`${topic} ${payload}`));
    await observer.subscribeAsync(filter, { qos: 1 });
    return seen;
  }

  beforeAll(async () => {
    const binary = findMosquitto();
    if (!binary) throw new Error('mosquitto not found: sudo apt-get install -y mosquitto');
    [a, b] = await registry.add(['meter-a', 'meter-b']);
    await registry.add(['meter-gone']);
    registry.revoke('meter-gone');
    backend = await registry.issueService('backend');
    const files = writeMosquittoFiles(registry.file.read(), join(dir, 'mosquitto'));
    const port = await freePort();
    const conf = [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${files.passwd}`,
      `acl_file ${files.acl}`,
      'persistence false',
    ];
    broker = await runMosquitto(dir, conf.join('\n'), port);
    url = broker.url;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should log in the registry identities with the generated $7$ hashes, and nobody else', async () => {
    expect((await login({ clientId: a.id, username: a.username, password: a.password })).connected).toBe(true);
    expect((await login({ clientId: 'backend-test', ...backend })).connected).toBe(true);
    await expect(login({ clientId: 'anonymous' })).rejects.toThrow(/Not authorized/i);
    await expect(login({ clientId: a.id, username: a.username, password: b.password })).rejects.toThrow(/Not authorized|Bad username or password/i);
    await expect(login({ clientId: 'meter-gone', username: 'meter-gone', password: 'x' })).rejects.toThrow(/Not authorized|Bad username or password/i);
  });

  it("should drop meter A's publishes to meter B's topics and pass its own", async () => {
    const seen = await observe('dinmeter/#');
    const meterA = await login({ clientId: `${a.id}-pub`, username: a.username, password: a.password });
    await meterA.publishAsync(topics.telemetry(b.id), 'forged', { qos: 1 });
    await meterA.publishAsync(topics.telemetryBatch(b.id), 'forged', { qos: 1 });
    await meterA.publishAsync(topics.cmd(b.id), 'forged', { qos: 1 });
    await meterA.publishAsync(topics.telemetryBatch(a.id), 'own', { qos: 1 });
    await meterA.publishAsync(topics.status(a.id), 'marker', { qos: 1 });
    for (let k = 0; k < 50 && !seen.includes(`${topics.status(a.id)} marker`); k++) await sleep(50);
    expect(seen).toEqual([`${topics.telemetryBatch(a.id)} own`, `${topics.status(a.id)} marker`]);
  });

  it("should not deliver meter B's commands to meter A", async () => {
    const meterA = await login({ clientId: `${a.id}-sub`, username: a.username, password: a.password });
    const got: string[] = [];
    meterA.on('message', (topic, payload) => got.push(`${topic} ${payload}`));
    await meterA.subscribeAsync([topics.cmd(b.id), topics.cmd(a.id)], { qos: 1 }).catch(() => undefined);
    const sender = await login({ clientId: 'backend-sender', ...backend });
    await sender.publishAsync(topics.cmd(b.id), 'for-b', { qos: 1 });
    await sender.publishAsync(topics.cmd(a.id), 'for-a', { qos: 1 });
    for (let k = 0; k < 50 && !got.includes(`${topics.cmd(a.id)} for-a`); k++) await sleep(50);
    expect(got).toEqual([`${topics.cmd(a.id)} for-a`]);
  });
});
