/**
 * Automation guards end to end (docs/automation.md, "Guards"), against real servers: influxd, the
 * backend process (embedded broker) and one virtual meter whose circuit loads are pinned through the
 * simulation control channel (forceCurrent), so every kWh the guards see is one we caused.
 *
 *   circuit 1  budget  (manual mode)    a few Wh a day, then 10 A     → relay off command, budget cut
 *   circuit 2  standby (manual mode)    0 A for forMinutes = 1 (the DTO minimum) → off command, alert
 *   circuit 3  credit  (threshold, on)  a few Wh of prepaid kWh, 10 A → cut, plan keeps it off;
 *                                       POST …/credit → cut lifted, the plan switches it on again
 *   circuit 4  threshold rule           prices dear / cheap / dear    → plan version on the meter,
 *                                       relay on and off at the cheap slot's edges by the meter's clock
 *
 * The standby minute runs in the background while the other three are checked, so the whole file
 * takes about 1.5 minutes. What a relay really does is read from the simulated board; the cut
 * commands and their acks, and the retained `relays` message, are read from MQTT.
 */
import { Command, CommandAckMessage, decodeMessage, openSigned, RelaysMessage, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(150_000);

const DEVICE = 'vm-1';
const BUDGET = 1;
const STANDBY = 2;
const CREDIT = 3;
const THRESHOLD = 4;
/** 10 A at 230 V ≈ 2.3 kW: 1 Wh in about 1.6 s. */
const LOAD_A = 10;
const SLOT_MS = 5000;
/** Meters tick every 50 ms, the control channel samples every 25 ms; timers lag on a busy box. */
const SWITCH_TOLERANCE_MS = 1000;
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const automationPath = (circuit: number) => `/devices/${DEVICE}/circuits/${circuit}/automation`;

/** Commands to the meter and its acks, as an MQTT client sees them. */
class Observer {
  readonly commands: Command[] = [];
  readonly acks: CommandAckMessage[] = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (topic === topics.cmd(DEVICE)) {
        // Signed by the backend (docs/security.md): the command is the envelope's exact `msg` bytes.
        const opened = openSigned('cmd', payload);
        const command = opened.ok ? decodeMessage('cmd', opened.body) : undefined;
        if (command?.ok) this.commands.push(command.value);
      } else if (topic === topics.cmdAck(DEVICE)) {
        const ack = decodeMessage('cmd/ack', payload);
        if (ack.ok) this.acks.push(ack.value);
      }
    });
  }

  static async connect(url: string): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { clientId: 'automation-guards-observer', reconnectPeriod: 500 });
    const observer = new Observer(client);
    await client.subscribeAsync([topics.cmd(DEVICE), topics.cmdAck(DEVICE)], { qos: 1 });
    return observer;
  }

  offCommands(circuit: number): Command[] {
    return this.commands.filter((c) => c.op === 'relay' && c.circuit === circuit && c.state === 'off');
  }
}

/** The retained `relays` message as a client that subscribes now gets it. */
async function retainedRelays(url: string): Promise<RelaysMessage> {
  const client = await mqtt.connectAsync(url, { clientId: `automation-guards-relays-${Date.now()}`, reconnectPeriod: 0 });
  try {
    const message = new Promise<RelaysMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no retained relays message within 3 s')), 3000);
      client.on('message', (_topic, payload, packet) => {
        const relays = decodeMessage('relays', payload);
        if (packet.retain && relays.ok) {
          clearTimeout(timer);
          resolve(relays.value);
        }
      });
    });
    await client.subscribeAsync(topics.relays(DEVICE), { qos: 1 });
    return await message;
  } finally {
    await client.endAsync();
  }
}

const selected = createRig({ backendEnv: { AUTOMATION_TICK_S: '1', LEASE_TTL_S: '6' } });

describeWith(selected, ['backend-config', 'sim-inspect'])('automation guards: budget, standby, credit and a threshold plan on a virtual meter', () => {
  const rig = simulated(selected);
  let observer: Observer;
  let standbyPutAt = 0;
  let dayStart = 0;
  const started = Date.now();

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: 1 });
    // Pin the loads: nothing flows on 1–3 until the test says so, 4 draws a steady ~230 W.
    for (const circuit of [BUDGET, STANDBY, CREDIT]) await rig.forceCurrent(DEVICE, circuit, 0);
    await rig.forceCurrent(DEVICE, THRESHOLD, 1);
    observer = await Observer.connect(rig.backendUrl);
    await eventually(async () => (await rig.rest('GET', `/devices/${DEVICE}`)).body?.lastTelemetrySeq >= 2, 60_000, `${DEVICE} reporting`);
    await eventually(async () => (await rig.rest('GET', '/automation/leader')).body?.isLeader, 30_000, 'automation leader');
    // A fresh meter comes up with every relay on (PRODUCT_RELAY_DEFAULTS), the guards need that.
    const state = await rig.meterState(DEVICE);
    expect(state.circuits.slice(0, 4).map((c) => c.relayOn)).toEqual([true, true, true, true]);
    dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    console.log(`rig up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  afterAll(async () => {
    await observer?.client.endAsync();
    await rig.stop();
    console.log(`automation-guards: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
  });

  /** The cut's relay `off` command for `circuit`, acknowledged by the meter and acked in the backend. */
  async function expectAckedOffCommand(circuit: number): Promise<void> {
    const command = await eventually(async () => observer.offCommands(circuit)[0], 10_000, `relay off command for circuit ${circuit}`);
    const ack = await eventually(async () => observer.acks.find((a) => a.id === command.id), 10_000, `ack of ${command.id}`);
    expect(ack).toMatchObject({ ok: true, circuit, state: 'off' });
    await eventually(async () => (await rig.rest('GET', `/commands/${command.id}`)).body?.status === 'acked', 10_000, `command ${command.id} acked in the backend`);
  }

  async function expectRelayOff(circuit: number): Promise<void> {
    await eventually(async () => !(await rig.meterState(DEVICE)).circuits[circuit - 1].relayOn, 10_000, `circuit ${circuit} contact open`);
    const retained = await eventually(async () => {
      const relays = await retainedRelays(rig.backendUrl);
      return relays.circuits.find((c) => c.circuit === circuit)?.state === 'off' ? relays : undefined;
    }, 10_000, `retained relays: circuit ${circuit} off`);
    expect(retained.circuits.find((c) => c.circuit === circuit)?.state).toBe('off');
  }

  it('should accept a 1-minute standby guard and not cut at once (the cut is checked last)', async () => {
    const tooShort = await rig.rest('PUT', automationPath(STANDBY), { mode: 'manual', guards: { standby: { belowW: 5, forMinutes: 0.5 } } });
    expect(tooShort.status).toBe(400); // the DTO's minimum is 1 minute
    standbyPutAt = Date.now();
    const put = await rig.rest('PUT', automationPath(STANDBY), { mode: 'manual', guards: { standby: { belowW: 5, forMinutes: 1 } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mode: 'manual', guards: { standby: { belowW: 5, forMinutes: 1 } }, state: { alerts: [] } });
  });

  it('should cut a circuit that used its daily energy budget and keep it cut for the day', async () => {
    // What circuit 1 used today before the rule (the appliance ran until the current was pinned).
    const [row] = await rig.influxQuery(
      `SELECT spread("energy_import_wh") FROM "circuit" WHERE "device" = '${DEVICE}' AND "circuit" = '${BUDGET}' AND time >= ${dayStart}ms`,
    );
    const usedWh = typeof row?.spread === 'number' ? row.spread : 0;
    const budgetKwh = Math.round(usedWh + 3) / 1000; // 3 Wh more: about 5 s at 2.3 kW
    const put = await rig.rest('PUT', automationPath(BUDGET), { mode: 'manual', guards: { budget: { kwh: budgetKwh, period: 'day', timezone: 'UTC' } } });
    expect(put.status).toBe(200);
    // Nothing flows yet: a few ticks go by without a cut.
    await sleep(2500);
    expect((await rig.rest('GET', automationPath(BUDGET))).body.state).toEqual({ alerts: [] });
    expect(observer.offCommands(BUDGET)).toEqual([]);

    const loadOn = Date.now();
    await rig.forceCurrent(DEVICE, BUDGET, LOAD_A);
    const cut = await eventually(async () => {
      const { body } = await rig.rest('GET', automationPath(BUDGET));
      return body.state.cutReason ? body : undefined;
    }, 30_000, 'budget cut');
    console.log(`budget: ${budgetKwh * 1000} Wh reached ${((Date.now() - loadOn) / 1000).toFixed(1)} s after the 10 A load began`);
    expect(cut.state).toMatchObject({ cutReason: 'budget', cutUntil: iso(dayStart + 86_400_000) });
    expect(cut.state.alerts).toHaveLength(1);
    expect(cut.state.alerts[0]).toMatchObject({ kind: 'budget', message: expect.stringMatching(/^used \d+\.\d{3} kWh of the [\d.]+ kWh day budget$/) });
    await expectAckedOffCommand(BUDGET);
    await expectRelayOff(BUDGET);
    // The open contact stops the energy: the simulated circuit's true counter stands still.
    await sleep(2000);
    const energy = async () => (await rig.meterState(DEVICE)).circuits[BUDGET - 1].truth.importWh;
    const afterCut = await energy();
    await sleep(2000);
    expect((await energy()) - afterCut).toBeLessThan(0.01);
    // One cut per period: no second command, no second alert.
    expect(observer.offCommands(BUDGET)).toHaveLength(1);
    expect((await rig.rest('GET', automationPath(BUDGET))).body.state.alerts).toHaveLength(1);
    const metrics = (await rig.rest('GET', '/metrics')).body;
    expect(metrics.automation_cut_budget).toBe(1);
  });

  let prices: { start: number; end: number; price: number }[] = [];
  let cheapStart = 0;
  let cheapEnd = 0;

  it('should push a threshold plan that the meter reports and whose slots the relay follows', async () => {
    // 5-s slots from the current 5 s for 4 minutes: dear, then 20 s cheap starting ≥ 15 s from now, then dear.
    const now = Date.now();
    const first = Math.floor(now / SLOT_MS) * SLOT_MS;
    cheapStart = first + 4 * SLOT_MS;
    cheapEnd = cheapStart + 4 * SLOT_MS;
    prices = Array.from({ length: 48 }, (_, k) => {
      const start = first + k * SLOT_MS;
      return { start, end: start + SLOT_MS, price: start >= cheapStart && start < cheapEnd ? 0.05 : 0.3 };
    });
    const upload = await rig.rest('POST', '/prices', prices.map((s) => ({ start: iso(s.start), end: iso(s.end), price: s.price })));
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ stored: prices.length, from: iso(first) });

    const put = await rig.rest('PUT', automationPath(THRESHOLD), { mode: 'threshold', threshold: { belowPrice: 0.1, powerW: 230 } });
    expect(put.status).toBe(200);
    const plan = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/${DEVICE}/circuits/${THRESHOLD}/plan`);
      return body?.version ? body : undefined;
    }, 10_000, 'a threshold plan');
    expect(plan.on).toEqual([{ start: iso(cheapStart), end: iso(cheapEnd) }]);
    expect(plan.validUntil).toBe(iso(prices[prices.length - 1].end));
    const accepted = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/${DEVICE}/circuits/${THRESHOLD}/plan`);
      return body.inSync ? body : undefined;
    }, 10_000, 'the meter reporting the plan version');
    expect(accepted.meter.planVersion).toBe(plan.version);
    expect((await rig.meterState(DEVICE)).planVersion).toBeGreaterThanOrEqual(plan.version);
    // Dear now: the plan switches the circuit off before the cheap slot.
    if (Date.now() < cheapStart - SWITCH_TOLERANCE_MS) {
      await eventually(async () => !(await rig.meterState(DEVICE)).circuits[THRESHOLD - 1].relayOn, cheapStart - Date.now(), 'relay off while dear');
    }

    // Check the credit guard while the cheap slot comes (the same prices plan circuit 3).
    await creditScenario();

    await sleep(Math.max(0, cheapEnd + 2000 - Date.now()));
    const state = await rig.meterState(DEVICE);
    const transitions = state.transitions.filter((t) => t.circuit === THRESHOLD && t.wallMs >= Date.parse(plan.issued));
    const on = transitions.find((t) => t.on);
    const off = transitions.find((t) => !t.on && on !== undefined && t.wallMs > on.wallMs);
    console.log(`threshold: on at ${on ? on.wallMs - cheapStart : '—'} ms, off at ${off ? off.wallMs - cheapEnd : '—'} ms from the planned edges`);
    expect(on?.wallMs).toBeGreaterThanOrEqual(cheapStart - 50);
    expect(on?.wallMs).toBeLessThan(cheapStart + SWITCH_TOLERANCE_MS);
    expect(off?.wallMs).toBeGreaterThanOrEqual(cheapEnd - 50);
    expect(off?.wallMs).toBeLessThan(cheapEnd + SWITCH_TOLERANCE_MS);
    expect(state.circuits[THRESHOLD - 1].relay).toMatchObject({ state: 'off', reason: 'plan' });
  });

  /** Circuit 3: threshold rule on over every known slot, with 3 Wh of prepaid kWh. */
  async function creditScenario(): Promise<void> {
    const put = await rig.rest('PUT', automationPath(CREDIT), {
      mode: 'threshold',
      threshold: { belowPrice: 100 },
      guards: { credit: { unit: 'kwh', balance: 0.003 } },
    });
    expect(put.status).toBe(200);
    expect(put.body.state).toEqual({ creditBalance: 0.003, alerts: [] });
    const planned = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/${DEVICE}/circuits/${CREDIT}/plan`);
      return body?.on?.length === 1 && body.inSync ? body : undefined;
    }, 10_000, 'circuit 3 planned on and the plan on the meter');
    expect(Date.parse(planned.on[0].end)).toBe(prices[prices.length - 1].end);
    expect((await rig.meterState(DEVICE)).circuits[CREDIT - 1].relayOn).toBe(true);

    const loadOn = Date.now();
    await rig.forceCurrent(DEVICE, CREDIT, LOAD_A);
    const cut = await eventually(async () => {
      const { body } = await rig.rest('GET', automationPath(CREDIT));
      return body.state.cutReason ? body : undefined;
    }, 30_000, 'credit cut');
    console.log(`credit: 3 Wh used up ${((Date.now() - loadOn) / 1000).toFixed(1)} s after the 10 A load began`);
    expect(cut.state.cutReason).toBe('credit');
    expect(cut.state.creditBalance).toBeLessThanOrEqual(0);
    expect(cut.state.alerts).toEqual([expect.objectContaining({ kind: 'credit', message: expect.stringMatching(/^credit used up \(-?\d+\.\d{4} kWh\)$/) })]);
    await expectAckedOffCommand(CREDIT);
    await expectRelayOff(CREDIT);
    // The plan keeps it off too (a new version without on-time), so the meter's offline plan cannot switch it back.
    const cutPlan = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/${DEVICE}/circuits/${CREDIT}/plan`);
      return body.on.length === 0 && body.inSync ? body : undefined;
    }, 10_000, 'a plan that keeps circuit 3 off, on the meter');
    expect(cutPlan.version).toBeGreaterThan(planned.version);
    await rig.forceCurrent(DEVICE, CREDIT, 1); // ~230 W from here on: 1 kWh lasts hours

    const topUp = await rig.rest('POST', `/devices/${DEVICE}/circuits/${CREDIT}/credit`, { amount: 1 });
    expect(topUp.status).toBe(200);
    expect(topUp.body).toMatchObject({ device: DEVICE, circuit: CREDIT, unit: 'kwh' });
    expect(topUp.body.balance).toBeGreaterThan(0.99);
    expect(topUp.body.balance).toBeLessThanOrEqual(1);
    const lifted = (await rig.rest('GET', automationPath(CREDIT))).body;
    expect(lifted.state).not.toHaveProperty('cutReason');
    expect(lifted.state).not.toHaveProperty('cutUntil');
    // The plan runs the circuit again: a newer version, on by reason `plan`.
    const relay = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/${DEVICE}/circuits/${CREDIT}/plan`);
      return body.on.length === 1 && body.inSync && body.meter.relay === 'on' ? body : undefined;
    }, 10_000, 'circuit 3 on again after the top-up');
    expect(relay.version).toBeGreaterThan(cutPlan.version);
    expect(relay.meter.reason).toBe('plan');
    expect((await rig.meterState(DEVICE)).circuits[CREDIT - 1].relayOn).toBe(true);
    expect((await rig.rest('GET', '/metrics')).body.automation_cut_credit).toBe(1);
    // Too little credit for another cut yet.
    expect((await rig.rest('GET', automationPath(CREDIT))).body.state.creditBalance).toBeGreaterThan(0.99);
  }

  it('should cut a circuit that stayed below the standby power for the configured minute', async () => {
    expect((await rig.rest('GET', automationPath(STANDBY))).body.state.alerts).toEqual([]);
    expect(observer.offCommands(STANDBY)).toEqual([]);
    const cut = await eventually(async () => {
      const { body } = await rig.rest('GET', automationPath(STANDBY));
      return body.state.alerts.length ? body : undefined;
    }, Math.max(0, standbyPutAt + 60_000 - Date.now()) + 15_000, 'standby cut');
    const alertAt = Date.parse(cut.state.alerts[0].ts);
    console.log(`standby: cut ${((alertAt - standbyPutAt) / 1000).toFixed(1)} s after the rule (forMinutes 1)`);
    // Timed by the readings (1 s records): not before the minute, one record of slack.
    expect(alertAt - standbyPutAt).toBeGreaterThanOrEqual(59_000);
    expect(cut.state.alerts).toEqual([expect.objectContaining({ kind: 'standby', message: 'below 5 W for 1 min' })]);
    // A standby cut is a command only: no cut state, the next plan interval may switch it on again.
    expect(cut.state).not.toHaveProperty('cutReason');
    await expectAckedOffCommand(STANDBY);
    await expectRelayOff(STANDBY);
    expect((await rig.rest('GET', '/metrics')).body.automation_cut_standby).toBe(1);
  });
});
