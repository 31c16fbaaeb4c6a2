/**
 * Signed commands against a compromised broker (docs/security.md "Signed commands"): Debian's
 * Mosquitto with anonymous access and no ACL, so anyone may publish on a meter's command and plan
 * topics. Forged commands (wrong key, no MAC, a MAC over other bytes, a command's MAC presented
 * as a plan) move no relay and are acked `unauthenticated`; the backend's signed command
 * switches; a signed command captured on the broker and replayed later is refused by its seq.
 */
import { Command, decodeMessage, encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { createRig, describeWith, eventually, simulated } from '../rig';
import { signed } from './support/signed';

jest.setTimeout(180_000);

const DEVICE = 'vm-1';
const CIRCUIT = 4;

const selected = createRig({ externalBroker: true });

describeWith(selected, ['sim-inspect', 'clean-stop'])('signed commands: a compromised broker cannot switch a relay', () => {
  const rig = simulated(selected);
  /** Any client at all: the broker checks nothing. */
  let attacker: MqttClient;
  const acks = new Map<string, { ok: boolean; code?: string; state?: string }>();
  /** Every command payload seen on the meter's command topic, as published (the backend's included). */
  const seen: Buffer[] = [];

  const relayOn = async (): Promise<boolean> => (await rig.meterState(DEVICE)).circuits[CIRCUIT - 1].relayOn;
  const command = (id: string, state: 'on' | 'off'): string => {
    const now = Date.now();
    const message: Command = { v: PROTOCOL_VERSION, id, seq: now, expires: now + 60_000, op: 'relay', circuit: CIRCUIT, state };
    return JSON.stringify(message);
  };
  const ackOf = (id: string) => eventually(async () => acks.get(id), 15_000, `ack of ${id}`);

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: 2 });
    attacker = await mqtt.connectAsync(rig.mqttUrl, { clientId: `anyone-${randomBytes(4).toString('hex')}`, reconnectPeriod: 500 });
    attacker.on('message', (topic, payload) => {
      if (topic === topics.cmd(DEVICE)) seen.push(payload);
      const ack = topic === topics.cmdAck(DEVICE) ? decodeMessage('cmd/ack', payload) : undefined;
      if (ack?.ok) acks.set(ack.value.id, ack.value);
    });
    await attacker.subscribeAsync([topics.cmd(DEVICE), topics.cmdAck(DEVICE)], { qos: 1 });
    await eventually(async () => (await rig.rest<any[]>('GET', '/devices')).body.some((d) => d.id === DEVICE && d.online), 60_000, 'meter online');
  });

  afterAll(async () => {
    await attacker?.endAsync(true);
    await rig.stop();
  });

  it('should refuse forged commands and plans with unauthenticated and move no relay', async () => {
    expect(await relayOn()).toBe(true);
    const before = await rig.meterState(DEVICE);
    const key = await rig.commandKey(DEVICE);
    const wrongKey = randomBytes(32);
    const forgeries: [string, string, string][] = [
      ['forged-wrong-key', topics.cmd(DEVICE), signed(wrongKey, 'cmd', command('forged-wrong-key', 'off'))],
      ['forged-no-mac', topics.cmd(DEVICE), command('forged-no-mac', 'off')],
      // A genuine MAC, over the bytes of an `on` command, glued to an `off` command.
      ['forged-other-bytes', topics.cmd(DEVICE), signed(key, 'cmd', command('forged-other-bytes', 'on')).replace('"state":"on"', '"state":"off"')],
    ];
    for (const [, topic, payload] of forgeries) await attacker.publishAsync(topic, payload, { qos: 1 });
    // A correctly signed command's bytes presented as a plan, and a plan signed with the wrong key.
    const plan = JSON.stringify({ v: PROTOCOL_VERSION, version: Date.now(), issued: Date.now(), circuits: [{ circuit: CIRCUIT, on: [], valid_until: Date.now() + 600_000 }] });
    await attacker.publishAsync(topics.plan(DEVICE), signed(key, 'cmd', plan), { qos: 1, retain: true });
    await attacker.publishAsync(topics.plan(DEVICE), signed(wrongKey, 'plan', plan), { qos: 1 });

    for (const [id] of forgeries) expect(await ackOf(id)).toMatchObject({ ok: false, code: 'unauthenticated' });
    const after = await eventually(
      async () => {
        const s = await rig.meterState(DEVICE);
        return s.stats.plansUnauthenticated - before.stats.plansUnauthenticated >= 2 ? s : undefined;
      },
      15_000,
      'both forged plans refused',
    );
    expect(after.stats.commandsUnauthenticated - before.stats.commandsUnauthenticated).toBe(3);
    expect(after.stats.commandsApplied).toBe(before.stats.commandsApplied);
    expect(after.planVersion).toBe(before.planVersion);
    expect(after.circuits.map((c) => c.relayOn)).toEqual(before.circuits.map((c) => c.relayOn));
    expect(after.transitions.filter((t) => t.wallMs >= before.wallMs)).toEqual([]);
    await attacker.publishAsync(topics.plan(DEVICE), '', { qos: 1, retain: true });
  });

  it('should switch on a command the backend signed, and refuse the same bytes replayed later', async () => {
    const post = await rig.rest('POST', `/devices/${DEVICE}/circuits/${CIRCUIT}/relay`, { state: 'off' });
    expect(post.status).toBe(202);
    const offId: string = post.body.commandId;
    expect(await ackOf(offId)).toMatchObject({ ok: true, state: 'off' });
    expect(await relayOn()).toBe(false);
    const captured = seen.find((payload) => payload.includes(offId));
    expect(captured?.toString()).toMatch(/^\{"mac":"[0-9a-f]{64}","msg":\{/);

    const on = await rig.rest('POST', `/devices/${DEVICE}/circuits/${CIRCUIT}/relay`, { state: 'on' });
    expect(await ackOf(on.body.commandId)).toMatchObject({ ok: true, state: 'on' });

    // After a restart the meter has no memory of recent acks: only the seq gate stands in the way.
    await rig.stopMeters();
    await rig.restartMeters();
    acks.delete(offId);
    await attacker.publishAsync(topics.cmd(DEVICE), captured!, { qos: 1 });
    expect(await ackOf(offId)).toMatchObject({ ok: false, code: 'stale_seq' });
    expect(await relayOn()).toBe(true);
  });

  it('should refuse a command to a known meter without a command key with a 409, publishing nothing', async () => {
    // A meter the backend knows (its status arrived) but was never given a key.
    await attacker.publishAsync(topics.status('keyless-1'), encodeMessage('status', { v: PROTOCOL_VERSION, online: true, firmware: 'test' }), { qos: 1, retain: true });
    await eventually(async () => (await rig.rest<any[]>('GET', '/devices')).body.some((d) => d.id === 'keyless-1'), 15_000, 'keyless-1 known');
    const published = seen.length;
    const response = await rig.rest('POST', '/devices/keyless-1/circuits/1/relay', { state: 'off' });
    expect(response.status).toBe(409);
    expect(JSON.stringify(response.body)).toContain('has no command key');
    expect(seen.length).toBe(published);
    await attacker.publishAsync(topics.status('keyless-1'), '', { qos: 1, retain: true });
  });
});
