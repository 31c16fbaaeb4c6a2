/**
 * Firmware updates end to end (issue 14, docs/ota.md) against the real backend process (embedded
 * broker, influxd) and a virtual meter in this process on file slots (device/platform/host/
 * file-slots.ts), so the test can restart it and cut its power: a good image is confirmed; a bad
 * signature is refused with a clear error and the old image keeps running; an image that never
 * reaches the backend is rolled back; a power cut mid-download resumes with a Range request.
 * The backend and the meter trust a key pair made for this test (FIRMWARE_PUBLIC_KEY).
 */
import { Command, CommandAckMessage, decodeMessage, encodeMessage, fromHex, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import mqtt from 'mqtt';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { firmwarePrivateKey, generateFirmwareKeyPair, signFirmwareManifest } from '../../backend/src/firmware/firmware-keys';
import { HttpRangePort } from '../../device/core/ota/ota.ports';
import { HostClock } from '../../device/platform/host/host-clock';
import { hostImage } from '../../device/platform/host/host-image';
import { provisionVirtualMeters } from '../../device/platform/host/meter-provisioning';
import { nodeHttpRange } from '../../device/platform/host/node-http-range';
import { VirtualMeter } from '../../device/platform/host/virtual-meter';
import { SimulatedRig } from '../rig/simulated-rig';
import { signed } from './support/signed';
import { createHash } from 'node:crypto';

jest.setTimeout(180_000);

const ID = 'ota-1';
const CONFIRM_DEADLINE_MS = 4000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

describe('OTA with rollback (real backend, virtual meter on file slots)', () => {
  const keys = generateFirmwareKeyPair();
  const rig = new SimulatedRig({ backendEnv: { FIRMWARE_PUBLIC_KEY: keys.publicKeyHex } });
  let api: ReturnType<typeof request.agent>;
  let meter: VirtualMeter;
  let meterDir: string;
  let login: { username: string; password: string; commandKey: string };
  /** Every download request the meter made, and a switch to cut the power after some bytes. */
  const downloads: { fromByte: number }[] = [];
  let powerCutAfterBytes: number | undefined;
  let powerCuts = 0;
  /** Bytes the meter had received when its power was cut (whole HTTP chunks, so a little past the cut). */
  let receivedAtCut = 0;

  const http: HttpRangePort = {
    get(url, fromByte, handlers) {
      downloads.push({ fromByte });
      let received = 0;
      const cutAt = powerCutAfterBytes;
      powerCutAfterBytes = undefined;
      const inner = nodeHttpRange.get(url, fromByte, {
        ...handlers,
        onData: (chunk) => {
          if (cutAt !== undefined && received >= cutAt) return;
          handlers.onData(chunk);
          received += chunk.length;
          if (cutAt !== undefined && received >= cutAt) {
            receivedAtCut = received;
            inner.abort(); // the meter is dead: nothing more reaches it
            setImmediate(() => powerCut());
          }
        },
      });
      return inner;
    },
  };

  const boot = () => {
    meter = new VirtualMeter({
      deviceId: ID,
      dataDir: meterDir,
      mqttUrl: rig.mqttUrl,
      mqttLogin: { username: login.username, password: login.password },
      commandKey: login.commandKey,
      intervalS: 1,
      clock: new HostClock(),
      seed: 7,
      firmwareKey: fromHex(keys.publicKeyHex),
      otaConfirmDeadlineMs: CONFIRM_DEADLINE_MS,
      otaHttp: http,
      onRestart: () => setImmediate(boot),
    });
    meter.start();
  };
  const powerCut = () => {
    powerCuts++;
    meter.powerCut();
    setTimeout(boot, 200);
  };

  const upload = async (version: string, image: Uint8Array, signature?: string) => {
    const sha256 = createHash('sha256').update(image).digest('hex');
    const sig = signature ?? signFirmwareManifest({ version, sizeBytes: image.length, sha256 }, firmwarePrivateKey(keys.privateKeyPem));
    return api.post('/api/firmware').attach('image', Buffer.from(image), 'image.bin').field('version', version).field('signature', sig);
  };
  const firmwareOf = async () => (await api.get(`/api/devices/${ID}/firmware`)).body as { installed?: string; ota?: { state: string; version: string; error?: string } };
  const waitFor = (what: string, test: (f: Awaited<ReturnType<typeof firmwareOf>>) => boolean, timeoutMs?: number) =>
    eventually(what, async () => {
      const f = await firmwareOf();
      return test(f) ? f : undefined;
    }, timeoutMs);

  beforeAll(async () => {
    await rig.start();
    api = request.agent(rig.restUrl.replace(/\/api$/, '')).set('authorization', `Bearer ${rig.adminToken}`);
    meterDir = join(rig.dir, 'meters', ID);
    mkdirSync(meterDir, { recursive: true });
    const issued = (await provisionVirtualMeters(rig.backendDataDir, [{ id: ID, dir: meterDir }])).get(ID)!;
    login = { username: issued.username, password: issued.password, commandKey: issued.commandKey };
    boot();
    await waitFor('the factory image online', (f) => f.installed === 'dinmeter-vm 0.1.0');
  });

  afterAll(async () => {
    await meter?.stop(0);
    await rig.stop();
  });

  it('should refuse an upload whose signature does not verify, and keep nothing', async () => {
    const image = hostImage({ network: true }, 1000);
    const res = await upload('9.9.9', image, 'ab'.repeat(64));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/signature does not verify/);
    expect((await api.get('/api/firmware')).body).toEqual([]);
  });

  it('should install a good image, boot it and confirm it once it reached the backend', async () => {
    const image = hostImage({ network: true }, 300_000);
    const stored = await upload('0.2.0', image);
    expect(stored.status).toBe(201);
    expect(stored.body).toMatchObject({ version: '0.2.0', sizeBytes: image.length });
    const rollout = await api.post(`/api/devices/${ID}/firmware`).send({ version: '0.2.0' });
    expect(rollout.status).toBe(201);
    const confirmed = await waitFor('0.2.0 confirmed', (f) => f.installed === '0.2.0' && f.ota?.state === 'confirmed');
    expect(confirmed.ota).toEqual({ state: 'confirmed', version: '0.2.0' });
    const command = await api.get(`/api/commands/${rollout.body.rollout.commandId}`);
    expect(command.body.status).toBe('acked');
  });

  it('should refuse a firmware command with a bad signature with a clear error, the old image running on', async () => {
    const client = await mqtt.connectAsync(rig.backendUrl, { clientId: 'ota-test-forger' });
    try {
      await client.subscribeAsync(topics.cmdAck(ID), { qos: 1 });
      const ack = new Promise<CommandAckMessage>((resolve) =>
        client.on('message', (_t, payload) => {
          const decoded = decodeMessage('cmd/ack', payload);
          if (decoded.ok && decoded.value.id === 'forged-fw') resolve(decoded.value);
        }),
      );
      const image = (await api.get('/api/firmware')).body[0];
      const command: Command = {
        v: PROTOCOL_VERSION,
        id: 'forged-fw',
        // Not above what the backend issues next: the meter consumes the seq even though it refuses the order.
        seq: Date.now(),
        expires: Date.now() + 60_000,
        op: 'firmware',
        version: '6.6.6',
        url: `${rig.restUrl}/firmware/0.2.0/image`,
        size: image.sizeBytes,
        sha256: image.sha256,
        signature: image.signature,
      };
      await client.publishAsync(topics.cmd(ID), signed(fromHex(login.commandKey), 'cmd', encodeMessage('cmd', command)), { qos: 1 });
      const answer = await ack;
      expect(answer).toMatchObject({ ok: false, code: 'invalid' });
      expect(answer.error).toMatch(/signature of firmware 6\.6\.6 does not verify with this meter's firmware key/);
    } finally {
      await client.endAsync();
    }
    const firmware = await waitFor('the refusal in status', (f) => f.ota?.state === 'failed');
    expect(firmware).toMatchObject({ installed: '0.2.0', ota: { state: 'failed', version: '6.6.6' } });
  });

  it('should roll back an image that never reaches the backend', async () => {
    const image = hostImage({ network: false }, 200_000);
    expect((await upload('0.3.0', image)).status).toBe(201);
    expect((await api.post(`/api/devices/${ID}/firmware`).send({ version: '0.3.0' })).status).toBe(201);
    const rolledBack = await waitFor('0.3.0 rolled back', (f) => f.installed === '0.2.0' && f.ota?.state === 'rolled_back');
    expect(rolledBack.ota).toMatchObject({ state: 'rolled_back', version: '0.3.0' });
    expect(rolledBack.ota?.error).toMatch(/did not reach the backend within 4 s/);
  });

  it('should resume a download cut by a power failure with a Range request, and confirm the image', async () => {
    const image = hostImage({ network: true }, 1_000_000);
    expect((await upload('0.4.0', image)).status).toBe(201);
    downloads.length = 0;
    powerCutAfterBytes = 400_000;
    expect((await api.post(`/api/devices/${ID}/firmware`).send({ version: '0.4.0' })).status).toBe(201);
    await waitFor('0.4.0 confirmed', (f) => f.installed === '0.4.0' && f.ota?.state === 'confirmed');
    expect(powerCuts).toBe(1);
    expect(downloads[0].fromByte).toBe(0);
    // Resumed from the last checkpoint before the cut (every 64 KiB, after a whole chunk), not from the start.
    expect(receivedAtCut).toBeGreaterThanOrEqual(400_000);
    expect(downloads[1].fromByte).toBeGreaterThanOrEqual(receivedAtCut - 2 * 65_536);
    expect(downloads[1].fromByte).toBeLessThanOrEqual(receivedAtCut);
  });
});
