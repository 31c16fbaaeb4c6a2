/**
 * The production Mosquitto config (infra/mosquitto/mosquitto.conf + dinmeter.acl) run by a real
 * mosquitto 2.0, only paths and ports moved into a temp dir and a self-signed certificate for the TLS
 * listener. Checks that it enforces the embedded broker's rules (backend/src/broker/broker-acl.ts)
 * per authenticated user, and that a backend can use a shared subscription.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { findExecutable, findMosquitto, freePort } from '../dev/servers';
import { MosquittoProcess, runMosquitto } from './mosquitto-process.testing';

jest.setTimeout(60_000);

const USERS = ['dinmeter-backend', 'homeassistant', 'reader', 'vm-1', 'vm-2'];
const password = (user: string) => `pw-${user}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('production mosquitto.conf + dinmeter.acl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-mosquitto-'));
  let broker: MosquittoProcess | undefined;
  let url = '';
  const clients: MqttClient[] = [];

  async function login(user: string, clientId = user): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, { clientId, username: user, password: password(user), reconnectPeriod: 0 });
    clients.push(client);
    return client;
  }

  /** Messages a client receives on a filter, in order. */
  async function listen(client: MqttClient, filter: string | string[]): Promise<string[]> {
    const got: string[] = [];
    client.on('message', (topic, payload) => got.push(`${topic} ${payload}`));
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([filter].flat().map(() => 1));
    return got;
  }

  /** Publishes `attempts`, then a marker the observer will see; whatever of `attempts` arrived before the marker got through. */
  async function delivered(
    publisher: MqttClient,
    attempts: [string, string][],
    marker: [string, string],
    seen: string[],
    markerPublisher = publisher,
  ): Promise<string[]> {
    const from = seen.length;
    for (const [topic, payload] of attempts) await publisher.publishAsync(topic, payload, { qos: 1 });
    await markerPublisher.publishAsync(marker[0], marker[1], { qos: 1 });
    for (let k = 0; k < 50 && !seen.slice(from).includes(`${marker[0]} ${marker[1]}`); k++) await sleep(50);
    return seen.slice(from).filter((m) => m !== `${marker[0]} ${marker[1]}`);
  }

  beforeAll(async () => {
    const binary = findMosquitto();
    const passwd = findExecutable('mosquitto_passwd');
    if (!binary || !passwd) throw new Error('mosquitto not found: sudo apt-get install -y mosquitto');
    const passwordFile = join(dir, 'dinmeter.passwd');
    writeFileSync(passwordFile, '');
    for (const user of USERS) execFileSync(passwd, ['-b', passwordFile, user, password(user)]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt')], { stdio: 'ignore' });
    const [port, tlsPort] = [await freePort(), await freePort()];
    const conf = readFileSync(join(__dirname, 'mosquitto.conf'), 'utf8')
      .replaceAll('/etc/mosquitto/dinmeter.passwd', passwordFile)
      .replaceAll('/etc/mosquitto/dinmeter.acl', join(__dirname, 'dinmeter.acl'))
      .replaceAll('/var/lib/mosquitto/', `${dir}/`)
      .replaceAll('/etc/mosquitto/certs/server.crt', join(dir, 'server.crt'))
      .replaceAll('/etc/mosquitto/certs/server.key', join(dir, 'server.key'))
      .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`)
      .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`);
    expect(conf.split('\n').filter((line) => !line.startsWith('#'))).not.toContainEqual(expect.stringMatching(/\/etc\/|\/var\//));
    broker = await runMosquitto(dir, conf, port);
    url = broker.url;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should refuse anonymous clients and wrong passwords', async () => {
    await expect(mqtt.connectAsync(url, { clientId: 'anon', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    await expect(
      mqtt.connectAsync(url, { clientId: 'vm-1', username: 'vm-1', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username or password/i);
  });

  it('should let a meter publish only its own device topics', async () => {
    const seen = await listen(await login('reader'), 'dinmeter/#');
    const meter = await login('vm-1');
    const through = await delivered(
      meter,
      [
        ['dinmeter/vm-1/telemetry', 't'],
        ['dinmeter/vm-1/telemetry/batch', 'b'],
        ['dinmeter/vm-1/relays', 'r'],
        ['dinmeter/vm-1/cmd', 'self-command'],
        ['dinmeter/vm-1/plan', 'self-plan'],
        ['dinmeter/vm-2/telemetry', 'impostor'],
        ['dinmeter/vm-2/telemetry/batch', 'impostor'],
        ['dinmeter/backend/heartbeat', 'fake-heartbeat'],
        ['dinmeter/vm-2/ha/1/set', 'ON'],
      ],
      ['dinmeter/vm-1/status', 'marker'],
      seen,
    );
    expect(through).toEqual(['dinmeter/vm-1/telemetry t', 'dinmeter/vm-1/telemetry/batch b', 'dinmeter/vm-1/relays r']);
  });

  it("should let a meter read its commands and the heartbeat, not another meter's commands", async () => {
    const meter = await login('vm-2');
    // Mosquitto grants every subscription and applies read rules on delivery.
    const seen = await listen(meter, ['dinmeter/vm-2/cmd', 'dinmeter/backend/heartbeat', 'dinmeter/vm-1/cmd', 'dinmeter/vm-1/plan']);
    const backend = await login('dinmeter-backend', 'dinmeter-backend-cmd');
    const through = await delivered(
      backend,
      [
        ['dinmeter/vm-1/cmd', 'for-vm-1'],
        ['dinmeter/vm-1/plan', 'plan-of-vm-1'],
        ['dinmeter/backend/heartbeat', 'hb'],
      ],
      ['dinmeter/vm-2/cmd', 'for-vm-2'],
      seen,
    );
    expect(through).toEqual(['dinmeter/backend/heartbeat hb']);
    expect(seen.at(-1)).toBe('dinmeter/vm-2/cmd for-vm-2');
  });

  it('should let Home Assistant ask for relay changes and announce itself, but not command meters or replace discovery configs', async () => {
    const seen = await listen(await login('dinmeter-backend', 'dinmeter-backend-watch'), ['dinmeter/#', 'homeassistant/#']);
    const ha = await login('homeassistant', '4fZq81LmXw0a9TbN2cVd7e');
    const through = await delivered(
      ha,
      [
        ['dinmeter/vm-1/ha/3/set', 'ON'],
        ['dinmeter/vm-1/cmd', 'direct'],
        ['dinmeter/vm-1/telemetry', 'forged'],
        ['homeassistant/switch/x/config', '{}'],
      ],
      ['homeassistant/status', 'online'],
      seen,
    );
    expect(through).toEqual(['dinmeter/vm-1/ha/3/set ON']);
  });

  it('should let the backend command meters and share the telemetry between instances', async () => {
    const [a, b] = [await login('dinmeter-backend', 'dinmeter-backend-a'), await login('dinmeter-backend', 'dinmeter-backend-b')];
    const gotA = await listen(a, '$share/dinmeter-backend/dinmeter/+/telemetry');
    const gotB = await listen(b, '$share/dinmeter-backend/dinmeter/+/telemetry');
    const meter = await login('vm-1', 'vm-1-second-session');
    for (let k = 0; k < 20; k++) await meter.publishAsync('dinmeter/vm-1/telemetry', String(k), { qos: 1 });
    for (let k = 0; k < 50 && gotA.length + gotB.length < 20; k++) await sleep(50);
    expect(gotA.length + gotB.length).toBe(20); // each record to exactly one instance
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);

    const commands = await listen(meter, 'dinmeter/vm-1/cmd');
    await a.publishAsync('dinmeter/vm-1/cmd', 'relay', { qos: 1 });
    for (let k = 0; k < 50 && commands.length === 0; k++) await sleep(50);
    expect(commands).toEqual(['dinmeter/vm-1/cmd relay']);
  });

  it('should keep read-only integrations read-only', async () => {
    const backend = await login('dinmeter-backend', 'dinmeter-backend-watch2');
    const seen = await listen(backend, 'dinmeter/#');
    const reader = await login('reader', 'reader-2');
    const attempts: [string, string][] = [['dinmeter/vm-1/cmd', 'x'], ['dinmeter/vm-1/ha/1/set', 'OFF'], ['dinmeter/vm-1/telemetry', 'y']];
    const through = await delivered(reader, attempts, ['dinmeter/backend/heartbeat', 'marker'], seen, backend);
    expect(through).toEqual([]);
  });
});
