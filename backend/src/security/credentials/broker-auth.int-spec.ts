/**
 * The embedded broker of a real backend process, with real MQTT clients and the real `dinmeter` CLI
 * (docs/security.md, "Broker identity"): anonymous and wrong logins are refused, a meter reaches only
 * its own topics, a revoked or rotated credential is cut off at once, Home Assistant commands only
 * through …/ha/…/set, and the mqtts listener's generated certificate verifies against its CA.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { haRelaySetTopic, topics } from '@dinmeter/shared';
import { freePort } from '../../../../infra/dev/servers';
import { ManagedProcess, REPO_ROOT } from '../../../../hil-tests/rig/managed-process';
import { BACKEND_PASSWORD_FILE } from './credentials.registry';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Issued {
  id: string;
  mqtt_url: string;
  username: string;
  password: string;
  command_key: string;
}

describe('embedded broker authentication (real backend)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-broker-auth-'));
  const dataDir = join(dir, 'data');
  const backend = new ManagedProcess('backend', 'backend/src/main.ts', join(dir, 'backend.log'));
  const clients: MqttClient[] = [];
  let url = '';
  let tlsPort = 0;
  let a: Issued;
  let b: Issued;

  async function cli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', join(REPO_ROOT, 'backend/src/security/dinmeter.cli.ts'), ...args, '--data-dir', dataDir], { cwd: REPO_ROOT });
    return stdout;
  }

  async function connect(options: IClientOptions, to = url): Promise<MqttClient> {
    const client = await mqtt.connectAsync(to, { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
    clients.push(client);
    return client;
  }

  const asBackend = () => ({ username: 'dinmeter-backend', password: readFileSync(join(dataDir, BACKEND_PASSWORD_FILE), 'utf8').trim() });
  const asMeter = (m: Issued) => ({ clientId: m.id, username: m.username, password: m.password });

  /** Everything an observer with the backend's login sees on `filter`. */
  async function observe(filter: string): Promise<string[]> {
    const seen: string[] = [];
    const observer = await connect({ clientId: `observer-${clients.length}`, ...asBackend() });
    observer.on('message', (topic, payload) => seen.push(`${topic} ${payload}`));
    await observer.subscribeAsync(filter, { qos: 1 });
    return seen;
  }

  function closed(client: MqttClient): Promise<void> {
    return new Promise((resolve) => (client.disconnected || !client.connected ? resolve() : client.once('close', () => resolve())));
  }

  beforeAll(async () => {
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    await backend.start(
      [],
      {
        HTTP_PORT: String(httpPort),
        HTTP_HOST: '127.0.0.1',
        MQTT_PORT: String(mqttPort),
        MQTT_HOST: '127.0.0.1',
        MQTTS_PORT: '0',
        INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
        DATA_DIR: dataDir,
        LOG_FORMAT: 'pretty',
      },
      /dinmeter backend ready/,
    );
    url = `mqtt://127.0.0.1:${mqttPort}`;
    tlsPort = Number(/listening for TLS on [^:]+:(\d+)/.exec(backend.text)?.[1]);
    [a, b] = (await cli('device', 'add', '--count', '2', '--prefix', 'meter')).trim().split('\n').map((line) => JSON.parse(line) as Issued);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should keep the registry and the backend password readable by the owner only', () => {
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, BACKEND_PASSWORD_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'credentials.json'), 'utf8')).not.toContain(a.password);
  });

  it('should refuse anonymous clients and wrong passwords', async () => {
    await expect(connect({ clientId: 'anonymous' })).rejects.toThrow(/Not authorized/);
    await expect(connect({ ...asMeter(a), password: `${a.password}x` })).rejects.toThrow(/Bad username or password/);
    await expect(connect({ clientId: 'nobody', username: 'nobody', password: 'x' })).rejects.toThrow(/Bad username or password/);
  });

  it("should refuse a meter using another meter's client id", async () => {
    await expect(connect({ ...asMeter(a), clientId: b.id })).rejects.toThrow(/Identifier rejected/);
  });

  it("should keep meter A out of meter B's topics", async () => {
    const seen = await observe(`dinmeter/${b.id}/#`);
    const meterA = await connect(asMeter(a));
    // mqtt.js rejects a SUBACK with any refused filter; its packet has the per-filter answers.
    const granted = await meterA.subscribeAsync([topics.cmd(a.id), topics.cmd(b.id), topics.plan(b.id), 'dinmeter/#'], { qos: 1 }).then(
      (ok) => ok.map((g) => g.qos),
      (error: { packet?: { granted: number[] } }) => error.packet?.granted,
    );
    expect(granted).toEqual([1, 128, 128, 128]);
    const gone = closed(meterA);
    meterA.publish(topics.telemetry(b.id), '{"forged":true}', { qos: 0 });
    await gone;
    await sleep(300);
    expect(seen).toEqual([]);
  });

  it('should let a meter publish its own telemetry', async () => {
    const seen = await observe(topics.status(a.id));
    const meterA = await connect(asMeter(a));
    await meterA.publishAsync(topics.status(a.id), '{"v":1,"online":true}', { qos: 1 });
    for (let k = 0; k < 50 && seen.length === 0; k++) await sleep(50);
    expect(seen).toEqual([`${topics.status(a.id)} {"v":1,"online":true}`]);
    expect(meterA.connected).toBe(true);
    await meterA.endAsync();
  });

  it('should let Home Assistant ask for relay changes only through …/ha/…/set', async () => {
    const ha = JSON.parse(await cli('device', 'homeassistant')) as { username: string; password: string };
    const seen = await observe(`dinmeter/${a.id}/#`);
    const client = await connect({ clientId: 'ha-client', ...ha });
    await client.publishAsync(haRelaySetTopic(a.id, 3), 'OFF', { qos: 1 });
    expect(client.connected).toBe(true);
    const gone = closed(client);
    client.publish(topics.cmd(a.id), '{"forged":true}', { qos: 0 });
    await gone;
    await sleep(300);
    expect(seen.filter((m) => m.startsWith(topics.cmd(a.id)) && m.includes('forged'))).toEqual([]);
  });

  it('should cut off a rotated credential at once and take the new one', async () => {
    const old = await connect(asMeter(b));
    const gone = closed(old);
    const rotated = JSON.parse(await cli('device', 'rotate', b.id)) as Issued;
    await gone;
    expect(rotated.command_key).not.toBe(b.command_key);
    await expect(connect(asMeter(b))).rejects.toThrow(/Bad username or password/);
    const fresh = await connect(asMeter(rotated));
    expect(fresh.connected).toBe(true);
    b = rotated;
  });

  it('should cut off a revoked meter at once and refuse it afterwards', async () => {
    const meterA = await connect(asMeter(a));
    const gone = closed(meterA);
    const revoked = JSON.parse(await cli('device', 'revoke', a.id));
    expect(revoked).toMatchObject({ username: a.id, revokedAt: expect.any(String) });
    await gone;
    await expect(connect(asMeter(a))).rejects.toThrow(/Bad username or password/);
    expect(backend.text).toMatch(new RegExp(`disconnecting ${a.id} \\(client ${a.id}\\): its credential was revoked or rotated`));
  });

  it('should serve mqtts with a certificate that verifies against the generated CA', async () => {
    const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
    const secure = await connect({ clientId: b.id, username: b.username, password: b.password, ca, rejectUnauthorized: true }, `mqtts://127.0.0.1:${tlsPort}`);
    expect(secure.connected).toBe(true);
    await expect(connect({ clientId: 'untrusting', ...asBackend(), rejectUnauthorized: true }, `mqtts://127.0.0.1:${tlsPort}`)).rejects.toThrow(/certificate/);
  });
});
