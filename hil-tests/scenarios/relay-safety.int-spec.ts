/**
 * Relay safety end to end (issue 5, docs/invariants.md invariant 2), against real servers: influxd, an
 * EXTERNAL Mosquitto, the backend process and 3 virtual meters. What a relay really does is read
 * from the simulated board through the simulation control channel (sim-control.ts) and from the
 * retained `…/relays` topic; nothing is read from inside the firmware except its counters.
 *
 * Meters: vm-1 (retained command, failsafe), vm-2 (overcurrent, fuzzed commands), vm-3 (plan).
 * Factory defaults (PRODUCT_RELAY_DEFAULTS): power-on `restore`, a fresh meter comes up with every
 * relay on; failsafe `hold` after 120 s.
 * The last suite runs the backend with its default settings and the embedded broker (issue 9): a 5 s
 * failsafe never fires while the backend is healthy (60 s of it; 20 s with HIL_QUICK=1, npm test), and
 * fires within afterSeconds + 1 s once it is killed.
 */
import {
  CircuitConfig,
  Command,
  CommandAckMessage,
  decodeMessage,
  EventMessage,
  MIN_FAILSAFE_AFTER_S,
  PlanMessage,
  PROTOCOL_VERSION,
  RelaysMessage,
  topics,
} from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SimMeterState } from '../../device/platform/host/sim-control';
import { AppConfig } from '../../backend/src/config/app-config';
import { createRig, describeWith, eventually, QUICK, simulated } from '../rig';
import { signed } from './support/signed';
import { seededRandom as prng } from '../../device/core/util/seeded-random';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const METERS = ['vm-1', 'vm-2', 'vm-3'];
/** Meters tick every 50 ms and the control channel samples every 25 ms; timers lag on a busy CI box. */
const SWITCH_TOLERANCE_MS = 1000;
/** How long a healthy backend must keep a 5 s failsafe from firing: 12 failsafe periods, 4 in the quick run. */
const HEALTHY_S = QUICK ? 20 : 60;

interface Seen<T> {
  at: number;
  value: T;
}

/** What an MQTT observer saw on dinmeter/#: acks by id, events and relays per device, heartbeats. */
class Observer {
  readonly acks = new Map<string, CommandAckMessage>();
  /** Every ack payload by command id, in arrival order (a re-sent command is answered again). */
  readonly ackPayloads = new Map<string, string[]>();
  readonly events: Seen<EventMessage & { device: string }>[] = [];
  readonly relays: Seen<RelaysMessage & { device: string }>[] = [];
  readonly heartbeats: number[] = [];
  /** interval_s of every heartbeat, with its arrival time. */
  readonly heartbeatIntervals: Seen<number>[] = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const at = Date.now();
      const device = topic.split('/')[1];
      if (topic === topics.heartbeat()) {
        const beat = decodeMessage('heartbeat', payload);
        if (beat.ok) this.heartbeatIntervals.push({ at, value: beat.value.interval_s });
        return void this.heartbeats.push(at);
      }
      if (topic.endsWith('/cmd/ack')) {
        const ack = decodeMessage('cmd/ack', payload);
        if (!ack.ok) return;
        this.acks.set(ack.value.id, ack.value);
        this.ackPayloads.set(ack.value.id, [
          ...(this.ackPayloads.get(ack.value.id) ?? []),
          payload.toString(),
        ]);
      } else if (topic.endsWith('/events')) {
        const event = decodeMessage('events', payload);
        if (event.ok) this.events.push({ at, value: { ...event.value, device } });
      } else if (topic.endsWith('/relays')) {
        const relays = decodeMessage('relays', payload);
        if (relays.ok) this.relays.push({ at, value: { ...relays.value, device } });
      }
    });
  }

  static async connect(url: string): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { clientId: 'relay-safety-observer', reconnectPeriod: 500 });
    const observer = new Observer(client);
    await client.subscribeAsync(
      [
        topics.allDevices('cmd/ack'),
        topics.allDevices('events'),
        topics.allDevices('relays'),
        topics.heartbeat(),
      ],
      { qos: 1 },
    );
    return observer;
  }
}

/** The retained relays message of a device, as a client that subscribes now gets it from the broker. */
async function retainedRelays(url: string, deviceId: string): Promise<RelaysMessage> {
  const client = await mqtt.connectAsync(url, {
    clientId: `relay-safety-reader-${deviceId}`,
    reconnectPeriod: 0,
  });
  try {
    const message = new Promise<RelaysMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no retained relays message for ${deviceId}`)), 5000);
      client.on('message', (_topic, payload, packet) => {
        if (!packet.retain) return;
        const decoded = decodeMessage('relays', payload);
        clearTimeout(timer);
        if (decoded.ok) resolve(decoded.value);
        else reject(new Error(decoded.errors.join('; ')));
      });
    });
    await client.subscribeAsync(topics.relays(deviceId), { qos: 1 });
    return await message;
  } finally {
    await client.endAsync();
  }
}

/** The circuits of a relays message without the timestamp, for before/after comparisons. */
const states = (m: RelaysMessage) =>
  m.circuits.map(({ circuit, state, reason, tripped, plan_version }) => ({
    circuit,
    state,
    reason,
    tripped,
    plan_version,
  }));
const contacts = (s: SimMeterState) => s.circuits.map((c) => c.relayOn);
const relayOf = (s: SimMeterState, circuit: number) => s.circuits[circuit - 1];

/** A command that would be valid (fresh seq, not expired) but for the retained flag it is published with. */
function retainedRelayOff(): Command {
  const now = Date.now();
  return {
    v: PROTOCOL_VERSION,
    id: 'retained-relay-off',
    seq: now,
    expires: now + 600_000,
    op: 'relay',
    circuit: 4,
    state: 'off',
  };
}

const withMosquitto = createRig({ externalBroker: true });

describeWith(withMosquitto, ['backend-restart', 'broker-restart', 'sim-inspect'])('relay safety: boot, network loss, offline plans, overcurrent, bad commands', () => {
  const rig = simulated(withMosquitto);
  let observer: Observer;
  /** Publishes like a backend instance would (the embedded broker's ACL lets only these publish cmd/plan). */
  let backendClient: MqttClient;
  let retainedCommand: Command;

  /** POST → wait until the meter answered (or the command expired); returns the command record. */
  async function command(method: string, path: string, body?: unknown): Promise<any> {
    const post = await rig.rest(method, path, body);
    expect(post.status).toBe(202);
    return eventually(
      async () => {
        const { body: record } = await rig.rest('GET', `/commands/${post.body.commandId}`);
        return record.status !== 'pending' ? record : undefined;
      },
      20_000,
      `${method} ${path} settled`,
    );
  }

  /** PUT the circuit config and wait until the meter confirmed it by ack. */
  async function configure(
    deviceId: string,
    circuit: number,
    config: Record<string, unknown>,
  ): Promise<void> {
    const put = await rig.rest('PUT', `/devices/${deviceId}/circuits/${circuit}/config`, config);
    expect(put.status).toBe(200);
    const synced = await eventually(
      async () => {
        const { body } = await rig.rest('GET', `/devices/${deviceId}/circuits/${circuit}/config`);
        return body.inSync ? body : undefined;
      },
      20_000,
      `config of ${deviceId}/${circuit} acknowledged`,
    );
    expect(synced.lastError).toBeUndefined();
    expect(synced.confirmed).toMatchObject(config);
  }

  beforeAll(async () => {
    await rig.start();
    observer = await Observer.connect(rig.backendUrl);
    backendClient = await mqtt.connectAsync(rig.backendUrl, {
      clientId: 'dinmeter-backend-relay-safety-test',
      reconnectPeriod: 500,
    });
    // An old command still retained on vm-1's command topic (a misconfigured integration, a replay):
    // otherwise valid (not expired, fresh seq), so only its retained flag may keep it from running.
    retainedCommand = retainedRelayOff();
    await backendClient.publishAsync(topics.cmd('vm-1'), signed(await rig.commandKey('vm-1'), 'cmd', JSON.stringify(retainedCommand)), {
      qos: 1,
      retain: true,
    });
    await rig.startMeters({ count: 3, intervalS: 2 });
    await eventually(
      async () => {
        const { body } = await rig.rest<any[]>('GET', '/devices');
        return body.length === 3 && body.every((d) => d.online);
      },
      60_000,
      '3 meters online',
    );
  });

  afterAll(async () => {
    await backendClient?.endAsync(true);
    await observer?.client.endAsync(true);
    await rig.stop();
  });

  it('should not apply a retained command found on the command topic at boot', async () => {
    const state = await eventually(
      async () => {
        const s = await rig.meterState('vm-1');
        return s.stats.retainedIgnored >= 1 ? s : undefined;
      },
      20_000,
      'vm-1 saw the retained command',
    );
    // Power-on state of a fresh meter: restore, nothing saved → on.
    expect(relayOf(state, 4)).toMatchObject({
      relayOn: true,
      relay: { state: 'on', reason: 'restore', tripped: false },
    });
    expect(contacts(state).every(Boolean)).toBe(true);
    expect(state.stats.commandsApplied).toBe(0);
    expect(observer.acks.has(retainedCommand.id)).toBe(false); // ignored without an ack: nobody waits for it
    expect(states(await retainedRelays(rig.backendUrl, 'vm-1'))[3]).toMatchObject({
      state: 'on',
      reason: 'restore',
    });

    // Clear it (an empty retained payload; the meter counts the empty message as unauthenticated).
    await backendClient.publishAsync(topics.cmd('vm-1'), '', { qos: 1, retain: true });
    // The very same command sent live is applied: it was refused for being retained, nothing else.
    await backendClient.publishAsync(topics.cmd('vm-1'), signed(await rig.commandKey('vm-1'), 'cmd', JSON.stringify(retainedCommand)), { qos: 1 });
    const ack = await eventually(
      async () => observer.acks.get(retainedCommand.id),
      10_000,
      'ack of the live command',
    );
    expect(ack).toMatchObject({ ok: true, circuit: 4, state: 'off' });
    expect(relayOf(await rig.meterState('vm-1'), 4).relayOn).toBe(false);
  });

  it('should take each circuit failsafe state after afterSeconds without a backend, and change nothing else', async () => {
    // vm-1: circuit 2 fails safe off, circuit 3 (now off) fails safe on, circuit 5 holds after 5 s; the rest keep the factory hold after 120 s.
    expect((await command('POST', '/devices/vm-1/circuits/3/relay', { state: 'off' })).status).toBe('acked');
    await Promise.all([
      configure('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 5 } }),
      configure('vm-1', 3, { failsafe: { mode: 'on', afterSeconds: 5 } }),
      configure('vm-1', 5, { failsafe: { mode: 'hold', afterSeconds: 5 } }),
    ]);
    const before = await Promise.all(METERS.map((id) => rig.meterState(id)));
    const retainedBefore = await Promise.all(METERS.map((id) => retainedRelays(rig.backendUrl, id)));
    expect(contacts(before[0])).toEqual([true, true, false, false, true, true, true, true, true, true]);

    const killedAt = Date.now();
    await rig.killBackend('SIGKILL');
    const lastBeat = Math.max(...observer.heartbeats.filter((t) => t <= killedAt + 200));
    const switched = await eventually(
      async () => {
        const s = await rig.meterState('vm-1');
        return relayOf(s, 2).relayOn === false && relayOf(s, 3).relayOn === true ? s : undefined;
      },
      15_000,
      'vm-1 failsafe switchings',
    );
    await sleep(1500); // anything else that would (wrongly) switch has had its chance

    // Seen through the broker: the retained relays topic of the external Mosquitto.
    const retained = await Promise.all(METERS.map((id) => retainedRelays(rig.backendUrl, id)));
    const expected = states(retainedBefore[0]);
    expected[1] = { ...expected[1], state: 'off', reason: 'failsafe' };
    expected[2] = { ...expected[2], state: 'on', reason: 'failsafe' };
    expect(states(retained[0])).toEqual(expected);
    expect(states(retained[1])).toEqual(states(retainedBefore[1]));
    expect(states(retained[2])).toEqual(states(retainedBefore[2]));

    // On the board: exactly two switchings, no earlier than afterSeconds after the last heartbeat.
    const after = await Promise.all(METERS.map((id) => rig.meterState(id)));
    // The switchings since `before` (taken after the command and the configs, contacts and transitions from the
    // same instant): a time window around killedAt caught circuit 3's commanded switch when the configs were quick.
    const key = (t: SimMeterState['transitions'][number]) => `${t.circuit}:${t.on}:${t.wallMs}`;
    const known = new Map(before.map((s) => [s.id, new Set(s.transitions.map(key))]));
    const since = (s: SimMeterState) => s.transitions.filter((t) => !known.get(s.id)?.has(key(t)));
    expect(since(after[0]).map(({ circuit, on }) => ({ circuit, on }))).toEqual([
      { circuit: 2, on: false },
      { circuit: 3, on: true },
    ]);
    process.stdout.write(
      `failsafe: switched ${since(after[0])
        .map((t) => t.wallMs - lastBeat)
        .join(' / ')} ms after the last heartbeat (afterSeconds 5)\n`,
    );
    for (const t of since(after[0])) {
      expect(t.wallMs - lastBeat).toBeGreaterThanOrEqual(5000 - 250);
      expect(t.wallMs - lastBeat).toBeLessThanOrEqual(5000 + SWITCH_TOLERANCE_MS);
    }
    expect(since(after[1])).toEqual([]);
    expect(since(after[2])).toEqual([]);
    expect(contacts(after[1])).toEqual(contacts(before[1]));
    expect(contacts(after[2])).toEqual(contacts(before[2]));
    expect(switched.stats.commandsApplied).toBe(before[0].stats.commandsApplied);
    const failsafeEvents = observer.events.filter(
      (e) => e.value.device === 'vm-1' && e.value.type === 'failsafe' && e.at >= killedAt,
    );
    expect(failsafeEvents.map((e) => e.value.circuit).sort()).toEqual([2, 3, 5]);

    // The backend returns: heartbeats again, and nothing flips back by itself.
    const restartedAt = Date.now();
    await rig.startBackend();
    await eventually(
      async () => observer.heartbeats.some((t) => t > restartedAt),
      20_000,
      'heartbeats again',
    );
    await eventually(
      async () =>
        observer.events.some(
          (e) =>
            e.at > restartedAt &&
            e.value.device === 'vm-1' &&
            /heartbeat returned/.test(e.value.message ?? ''),
        ),
      10_000,
      'the "heartbeat returned" event',
    );
    await sleep(1500);
    const back = await rig.meterState('vm-1');
    expect(since(back)).toHaveLength(2);
    expect(contacts(back)).toEqual(contacts(switched));
    expect(states(await retainedRelays(rig.backendUrl, 'vm-1'))).toEqual(expected);
  });

  it('should keep switching a plan on time while the broker is down', async () => {
    // A failsafe `on` after 5 s on the planned circuit: if the failsafe wrongly overrode the plan
    // during the outage, the relay would go on before the planned instant.
    await configure('vm-3', 6, { failsafe: { mode: 'on', afterSeconds: 5 } });
    const t0 = Date.now();
    const onAt = t0 + 9000;
    const offAt = t0 + 20_000;
    const plan: PlanMessage = {
      v: PROTOCOL_VERSION,
      version: Math.floor(t0 / 1000),
      issued: t0,
      circuits: [{ circuit: 6, on: [{ start: onAt, end: offAt }], valid_until: t0 + 600_000 }],
    };
    await backendClient.publishAsync(topics.plan('vm-3'), signed(await rig.commandKey('vm-3'), 'plan', JSON.stringify(plan)), { qos: 1, retain: true });
    const accepted = await eventually(
      async () => {
        const s = await rig.meterState('vm-3');
        return s.planVersion === plan.version && !relayOf(s, 6).relayOn ? s : undefined;
      },
      10_000,
      'plan accepted (off until its interval)',
    );
    expect(accepted.transitions.filter((t) => t.wallMs >= t0)).toEqual([
      { circuit: 6, on: false, wallMs: expect.any(Number) },
    ]);
    expect(relayOf(accepted, 6).relay).toMatchObject({
      state: 'off',
      reason: 'plan',
      plan_version: plan.version,
    });
    const contactsBefore = contacts(accepted);

    const brokerDownAt = Date.now();
    await rig.stopBroker();
    const brokerStoppedAt = Date.now();
    expect(brokerStoppedAt).toBeLessThan(onAt - 2000);
    await sleep(onAt + 2000 - Date.now());
    const brokerBackAt = Date.now();
    await rig.startBroker();

    // The switch-on happened offline, at the planned instant.
    const offline = await rig.meterState('vm-3');
    const planned = offline.transitions.filter((t) => t.wallMs >= brokerDownAt);
    expect(planned.map(({ circuit, on }) => ({ circuit, on }))).toEqual([{ circuit: 6, on: true }]);
    expect(planned[0].wallMs).toBeGreaterThanOrEqual(onAt);
    expect(planned[0].wallMs).toBeLessThanOrEqual(onAt + SWITCH_TOLERANCE_MS);
    expect(planned[0].wallMs).toBeLessThan(brokerBackAt);
    process.stdout.write(
      `plan: switched on ${planned[0].wallMs - onAt} ms after the planned instant, broker down\n`,
    );
    expect(contacts(offline)).toEqual(contactsBefore.map((on, k) => (k === 5 ? true : on)));

    // The broker is back (empty: no persistence): the meter re-publishes its retained state.
    const retained = await eventually(
      async () => {
        const m = await retainedRelays(rig.backendUrl, 'vm-3');
        return m.circuits[5].state === 'on' ? m : undefined;
      },
      15_000,
      'retained relays of vm-3 after the outage',
    );
    expect(retained.circuits[5]).toMatchObject({ state: 'on', reason: 'plan', plan_version: plan.version });
    await eventually(
      async () => {
        const { body } = await rig.rest<any[]>('GET', '/devices/vm-3/circuits');
        return body[5].relay?.state === 'on' && body[5].relay?.plan_version === plan.version;
      },
      15_000,
      'the backend shows the planned state',
    );

    // And the end of the interval, online again, on time too.
    const off = await eventually(
      async () => {
        const s = await rig.meterState('vm-3');
        return s.transitions.find((t) => t.circuit === 6 && !t.on && t.wallMs >= onAt);
      },
      offAt - Date.now() + 5000,
      'the planned switch-off',
    );
    expect(off.wallMs).toBeGreaterThanOrEqual(offAt);
    expect(off.wallMs).toBeLessThanOrEqual(offAt + SWITCH_TOLERANCE_MS);
    process.stdout.write(
      `plan: switched off ${off.wallMs - offAt} ms after the planned instant, broker up\n`,
    );
    const live = await eventually(
      async () =>
        observer.relays.find(
          (r) => r.value.device === 'vm-3' && r.value.ts >= offAt && r.value.circuits[5].state === 'off',
        ),
      5000,
      'the switch-off on the relays topic',
    );
    expect(live.value.circuits[5]).toMatchObject({ reason: 'plan', plan_version: plan.version });
    // The retained plan went with the broker restart (no persistence): nothing to clear.
  });

  it('should trip an overcurrent locally after the configured delay and stay off until reset', async () => {
    await configure('vm-2', 7, { overcurrentA: 10, overcurrentDelayMs: 2000 });
    expect(relayOf(await rig.meterState('vm-2'), 7).relayOn).toBe(true);

    // An inrush shorter than the delay does not trip.
    await rig.forceCurrent('vm-2', 7, 15);
    await sleep(800);
    await rig.forceCurrent('vm-2', 7, null);
    await sleep(3000);
    expect(relayOf(await rig.meterState('vm-2'), 7)).toMatchObject({
      relayOn: true,
      relay: { tripped: false },
    });

    const forcedAt = (await rig.meterState('vm-2')).wallMs;
    await rig.forceCurrent('vm-2', 7, 15);
    const tripped = await eventually(
      async () => {
        const s = await rig.meterState('vm-2');
        return relayOf(s, 7).relay.tripped ? s : undefined;
      },
      15_000,
      'the trip',
    );
    expect(relayOf(tripped, 7)).toMatchObject({
      relayOn: false,
      relay: { state: 'off', reason: 'protection', tripped: true },
    });
    const trip = tripped.transitions.filter((t) => t.circuit === 7 && t.wallMs >= forcedAt);
    expect(trip.map((t) => t.on)).toEqual([false]);
    const tripMs = trip[0].wallMs - forcedAt;
    // "Longer than" the delay, judged on 1 s metering polls of a 200 ms measurement window: at most two polls late.
    expect(tripMs).toBeGreaterThan(2000);
    expect(tripMs).toBeLessThanOrEqual(2000 + 2000 + SWITCH_TOLERANCE_MS);
    process.stdout.write(`overcurrent: 15 A over a 10 A / 2000 ms limit tripped after ${tripMs} ms\n`);
    const event = await eventually(
      async () =>
        observer.events.find(
          (e) => e.value.device === 'vm-2' && e.value.type === 'protection_trip' && e.value.circuit === 7,
        ),
      10_000,
      'protection_trip event',
    );
    expect(event.value.data).toMatchObject({ limit_a: 10, delay_ms: 2000, relay_was_on: true });
    expect((await retainedRelays(rig.backendUrl, 'vm-2')).circuits[6]).toMatchObject({
      state: 'off',
      reason: 'protection',
      tripped: true,
    });

    // The fault is gone, but the latch holds: a switch-on is refused, and nothing switches it on by itself.
    await rig.forceCurrent('vm-2', 7, null);
    const refused = await command('POST', '/devices/vm-2/circuits/7/relay', { state: 'on' });
    expect(refused).toMatchObject({ status: 'failed', code: 'tripped', state: 'off' });
    await sleep(1000);
    expect(relayOf(await rig.meterState('vm-2'), 7)).toMatchObject({
      relayOn: false,
      irmsA: 0,
      relay: { tripped: true },
    });

    // Reset: the latch clears, the relay stays off until switched on.
    const reset = await command('POST', '/devices/vm-2/circuits/7/reset');
    expect(reset).toMatchObject({ status: 'acked', state: 'off' });
    expect(relayOf(await rig.meterState('vm-2'), 7)).toMatchObject({
      relayOn: false,
      relay: { tripped: false },
    });
    const on = await command('POST', '/devices/vm-2/circuits/7/relay', { state: 'on' });
    expect(on).toMatchObject({ status: 'acked', state: 'on' });
    expect(relayOf(await rig.meterState('vm-2'), 7)).toMatchObject({
      relayOn: true,
      relay: { reason: 'command', tripped: false },
    });
    expect((await rig.rest('POST', '/devices/vm-2/circuits/11/reset')).status).toBe(400);
    expect((await rig.rest('POST', '/devices/no-such-meter/circuits/7/reset')).status).toBe(404);
  });

  it('should refuse fuzzed and malformed commands with an error ack and change no relay', async () => {
    const before = await rig.meterState('vm-2');
    const retainedBefore = await retainedRelays(rig.backendUrl, 'vm-2');
    const startedAt = before.wallMs;
    const send = (payload: string | Buffer) =>
      backendClient.publishAsync(topics.cmd('vm-2'), payload, { qos: 1 });
    // Signed with vm-2's key, so each reaches the meter's checks behind the MAC.
    const key = await rig.commandKey('vm-2');
    const sendSigned = (text: string) => send(signed(key, 'cmd', text));
    const now = Date.now();
    // A circuit that is on, switched off by every malformed command below if any got through.
    const circuit = 8;
    expect(relayOf(before, circuit).relayOn).toBe(true);
    const valid = (id: string, seq: number): Record<string, unknown> => ({
      v: PROTOCOL_VERSION,
      id,
      seq,
      expires: now + 600_000,
      op: 'relay',
      circuit,
      state: 'off',
    });

    // A baseline that passes every gate (on → on: no switching) and sets the last applied seq.
    const baseSeq = now;
    await sendSigned(JSON.stringify({ ...valid('fz-base', baseSeq), state: 'on' }));
    expect(await eventually(async () => observer.acks.get('fz-base'), 10_000, 'baseline ack')).toMatchObject({
      ok: true,
      state: 'on',
    });
    // The same id and seq again (how the backend re-sends), body altered: answered with the first ack, not executed.
    await sendSigned(JSON.stringify({ ...valid('fz-base', baseSeq), state: 'off' }));
    const baseAcks = await eventually(
      async () => {
        const payloads = observer.ackPayloads.get('fz-base') ?? [];
        return payloads.length === 2 ? payloads : undefined;
      },
      10_000,
      'the re-sent baseline answered',
    );
    expect(baseAcks[1]).toBe(baseAcks[0]);

    let seq = baseSeq;
    const expectAck: [string, string][] = [];
    const withId = (id: string, code: string, change: (m: Record<string, unknown>) => void) => {
      const m = valid(id, ++seq);
      change(m);
      expectAck.push([id, code]);
      return sendSigned(JSON.stringify(m));
    };
    await withId('fz-op', 'invalid', (m) => (m.op = 'toggle'));
    await withId('fz-state-bool', 'invalid', (m) => (m.state = true));
    await withId('fz-circuit-str', 'invalid', (m) => (m.circuit = '8'));
    await withId('fz-seq-str', 'invalid', (m) => (m.seq = String(m.seq)));
    await withId('fz-expires-str', 'invalid', (m) => (m.expires = 'soon'));
    await withId('fz-v2', 'invalid', (m) => (m.v = 2));
    await withId('fz-extra', 'invalid', (m) => (m.also = 'reboot'));
    await withId('fz-circuit-0', 'invalid', (m) => (m.circuit = 0));
    await withId('fz-circuit-11', 'invalid', (m) => (m.circuit = 11));
    await withId('fz-expired', 'expired', (m) => (m.expires = now - 60_000));
    await withId('fz-replay-seq', 'stale_seq', (m) => (m.seq = baseSeq));
    await withId('fz-older-seq', 'stale_seq', (m) => (m.seq = baseSeq - 1000));
    await withId('fz-config-bad', 'invalid', (m) =>
      Object.assign(m, { op: 'config', state: undefined, config: { overcurrentA: -1 } }),
    );
    // Seeded mutations: one field of a valid relay-off command replaced by a value it may never have.
    const random = prng(0x5eed);
    const bad: Record<string, unknown[]> = {
      v: [0, 2, '1', null, true],
      seq: [0, -1, 1.5, '7', null, 2 ** 60, []],
      expires: [-1, 1.5, 'tomorrow', null, 1_700_000_000, {}],
      op: ['', 'RELAY', 'relay ', 5, null, ['relay']],
      circuit: [0, 11, -3, 2.5, '8', null, 1e9],
      state: ['ON', 'toggle', true, 1, null, ''],
    };
    const fields = Object.keys(bad);
    for (let k = 0; k < 40; k++) {
      const field = fields[Math.floor(random() * fields.length)];
      const value = bad[field][Math.floor(random() * bad[field].length)];
      await withId(`fz-mut-${k}`, 'invalid', (m) => (random() < 0.2 ? delete m[field] : (m[field] = value)));
    }

    // Signed, but no readable id: no ack is possible; counted as unreadable.
    const unreadable = [
      JSON.stringify({ ...valid('i'.repeat(65), ++seq) }), // id over 64 characters
      JSON.stringify({ ...valid('fz-no-id', ++seq), id: undefined }),
      JSON.stringify({ v: 1 }),
    ];
    for (const text of unreadable) await sendSigned(text);
    // Not signed and no readable id: refused before anything is parsed, no ack; counted as unauthenticated.
    const garbage: (string | Buffer)[] = [
      JSON.stringify({ ...valid('fz-huge', ++seq), pad: 'x'.repeat(5000) }), // over the 4 KiB command limit
      'x'.repeat(100_000),
      '[1,2,3]',
      'null',
      Buffer.from([0xff, 0xfe, 0x7b, 0x22]), // not UTF-8
    ];
    for (let k = 0; k < 30; k++) {
      const bytes = Buffer.alloc(1 + Math.floor(random() * 600));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      garbage.push(bytes);
    }
    for (const payload of garbage) await send(payload);

    const after = await eventually(
      async () => {
        const s = await rig.meterState('vm-2');
        return s.stats.unreadable - before.stats.unreadable >= unreadable.length &&
          s.stats.commandsUnauthenticated - before.stats.commandsUnauthenticated >= garbage.length &&
          expectAck.every(([id]) => observer.acks.has(id))
          ? s
          : undefined;
      },
      15_000,
      'every malformed command handled',
    );
    await sleep(500);
    expect(after.stats.unreadable - before.stats.unreadable).toBe(unreadable.length);
    expect(after.stats.commandsUnauthenticated - before.stats.commandsUnauthenticated).toBe(garbage.length);
    expect(after.stats.commandsRefused - before.stats.commandsRefused).toBe(expectAck.length);
    expect(after.stats.commandsApplied - before.stats.commandsApplied).toBe(1); // the baseline
    for (const [id, code] of expectAck) {
      expect({ id, ...observer.acks.get(id) }).toMatchObject({ id, ok: false, code });
    }

    // No relay moved: board contacts, the manager's view and the retained relays topic.
    expect(after.transitions.filter((t) => t.wallMs >= startedAt)).toEqual([]);
    expect(contacts(after)).toEqual(contacts(before));
    expect(after.circuits.map((c) => c.relay)).toEqual(before.circuits.map((c) => c.relay));
    expect(states(await retainedRelays(rig.backendUrl, 'vm-2'))).toEqual(states(retainedBefore));

    // And the meter still obeys a real command afterwards.
    expect(await command('POST', `/devices/vm-2/circuits/${circuit}/relay`, { state: 'off' })).toMatchObject({
      status: 'acked',
      state: 'off',
    });
    expect(relayOf(await rig.meterState('vm-2'), circuit).relayOn).toBe(false);
  });
});

// The backend as a user starts it: no HEARTBEAT_INTERVAL_S override (the rig's other suites beat every 1 s).
const withAedes = createRig({ backendEnv: { HEARTBEAT_INTERVAL_S: String(new AppConfig().HEARTBEAT_INTERVAL_S) } });

describeWith(withAedes, ['sim-inspect', 'backend-restart'])('relay safety with the embedded broker and default settings', () => {
  const rig = simulated(withAedes);
  let observer: Observer;
  /** The embedded broker lets only backend instances publish commands: the same client id prefix here. */
  let backendClient: MqttClient;
  let retained: Command;

  beforeAll(async () => {
    await rig.start();
    backendClient = await mqtt.connectAsync(rig.backendUrl, { clientId: 'dinmeter-backend-relay-safety-test', reconnectPeriod: 500 });
    retained = retainedRelayOff();
    await backendClient.publishAsync(topics.cmd('vm-1'), signed(await rig.commandKey('vm-1'), 'cmd', JSON.stringify(retained)), { qos: 1, retain: true });
    observer = await Observer.connect(rig.backendUrl);
    await rig.startMeters({ count: 1, intervalS: 2 });
  });

  afterAll(async () => {
    await backendClient?.endAsync(true);
    await observer?.client.endAsync(true);
    await rig.stop();
  });

  it('should not apply a retained command found on the command topic at boot either', async () => {
    const state = await eventually(
      async () => {
        const s = await rig.meterState('vm-1');
        return s.stats.retainedIgnored >= 1 ? s : undefined;
      },
      30_000,
      'vm-1 saw the retained command',
    );
    expect(relayOf(state, 4)).toMatchObject({ relayOn: true, relay: { state: 'on', reason: 'restore' } });
    expect(state.stats.commandsApplied).toBe(0);
    expect(observer.acks.has(retained.id)).toBe(false);
    expect(states(await retainedRelays(rig.backendUrl, 'vm-1'))[3]).toMatchObject({
      state: 'on',
      reason: 'restore',
    });
    await backendClient.publishAsync(topics.cmd('vm-1'), '', { qos: 1, retain: true });
  });

  it('should refuse a failsafe shorter than the meter can honour, over REST (400) and on the meter (failsafe_too_short)', async () => {
    const tooShort = { failsafe: { mode: 'off', afterSeconds: MIN_FAILSAFE_AFTER_S - 1 } };
    const put = await rig.rest('PUT', '/devices/vm-1/circuits/2/config', tooShort);
    expect(put.status).toBe(400);
    expect(JSON.stringify(put.body)).toMatch(/afterSeconds/);
    // Straight to the meter, past the REST API (another integration on the broker): refused with its own code.
    const now = Date.now();
    const command: Command = { v: PROTOCOL_VERSION, id: 'too-short-failsafe', seq: now, expires: now + 60_000, op: 'config', circuit: 2, config: tooShort as CircuitConfig };
    await backendClient.publishAsync(topics.cmd('vm-1'), signed(await rig.commandKey('vm-1'), 'cmd', JSON.stringify(command)), { qos: 1 });
    const ack = await eventually(async () => observer.acks.get(command.id), 10_000, 'ack of the too short failsafe');
    expect(ack).toMatchObject({ ok: false, code: 'failsafe_too_short', circuit: 2, state: 'on' });
    expect(ack.error).toMatch(new RegExp(`below ${MIN_FAILSAFE_AFTER_S} s`));
    const { body: config } = await rig.rest('GET', '/devices/vm-1/circuits/2/config');
    expect(config.effective.failsafe).toEqual({ mode: 'hold', afterSeconds: 120 });
  });

  it(`should never fail safe while the backend is healthy (failsafe 5 s, ${HEALTHY_S} s), and fail safe within afterSeconds + 1 s once it is killed`, async () => {
    const put = await rig.rest('PUT', '/devices/vm-1/circuits/2/config', { failsafe: { mode: 'off', afterSeconds: 5 } });
    expect(put.status).toBe(200);
    await eventually(
      async () => (await rig.rest('GET', '/devices/vm-1/circuits/2/config')).body.inSync === true,
      20_000,
      'failsafe config acknowledged by the meter',
    );
    const healthyFrom = Date.now();
    const before = await rig.meterState('vm-1');
    expect(relayOf(before, 2).relayOn).toBe(true);

    await sleep(HEALTHY_S * 1000);

    const healthyUntil = Date.now();
    const after = await rig.meterState('vm-1');
    expect(after.transitions.filter((t) => t.wallMs >= healthyFrom - 100)).toEqual([]);
    expect(contacts(after)).toEqual(contacts(before));
    expect(observer.events.filter((e) => e.at >= healthyFrom && e.value.type === 'failsafe')).toEqual([]);
    const beats = observer.heartbeats.filter((t) => t >= healthyFrom && t <= healthyUntil);
    const gaps = beats.slice(1).map((t, i) => t - beats[i]);
    process.stdout.write(`default settings, failsafe 5 s: ${beats.length} heartbeats in ${HEALTHY_S} s, longest gap ${Math.max(...gaps)} ms\n`);
    expect(Math.max(...gaps)).toBeLessThan(5000 / 2);

    const killedAt = Date.now();
    await rig.killBackend('SIGKILL');
    const switched = await eventually(
      async () => {
        const s = await rig.meterState('vm-1');
        return relayOf(s, 2).relayOn === false ? s : undefined;
      },
      15_000,
      'vm-1 circuit 2 failsafe off',
    );
    const off = switched.transitions.filter((t) => t.wallMs >= killedAt - 100);
    expect(off.map(({ circuit, on }) => ({ circuit, on }))).toEqual([{ circuit: 2, on: false }]);
    process.stdout.write(`backend killed: circuit 2 off after ${off[0].wallMs - killedAt} ms (afterSeconds 5)\n`);
    expect(off[0].wallMs - killedAt).toBeLessThanOrEqual(5000 + 1000);
    expect(relayOf(switched, 2).relay).toMatchObject({ state: 'off', reason: 'failsafe' });

    // A backend that never configured that failsafe (another instance, or its DATA_DIR lost) learns
    // it from the meter's retained status and beats fast enough from its first heartbeats on. It keeps
    // the broker identities (credentials.json, its own password), or no one could log in.
    const fresh = join(rig.dir, 'backend-data-fresh');
    mkdirSync(fresh, { recursive: true });
    for (const file of ['credentials.json', 'mqtt-backend.password']) copyFileSync(join(rig.backendDataDir, file), join(fresh, file));
    await rig.startBackend({ DATA_DIR: fresh });
    const readyAt = Date.now();
    // Three beats at 1.666 s take 5 s: wait for them instead of sleeping exactly that long (a beat due at
    // 5.0 s missed a 5 s sleep now and then).
    const beatsOfFresh = await eventually(
      async () => {
        const beats = observer.heartbeatIntervals.filter((h) => h.at > readyAt);
        return beats.length >= 3 ? beats : undefined;
      },
      15_000,
      'three heartbeats of the fresh backend',
    );
    process.stdout.write(`fresh backend: heartbeat interval_s ${beatsOfFresh.map((h) => h.value).join(', ')}\n`);
    expect(beatsOfFresh.length).toBeGreaterThanOrEqual(3);
    expect(beatsOfFresh.at(-1)!.value).toBe(1.666);
    expect((await rig.rest('GET', '/devices/vm-1')).body.failsafeMinS).toBe(5);
  });
});
