/**
 * Price-aware automation end to end, on today's clock: real ENTSO-E prices (the Swiss 60-minute
 * fixture) uploaded over REST with each hourly price compressed to a 5-second slot starting at the
 * current minute, a `cheapest` rule on circuit 7 of a virtual meter (a steady ~120 W base load),
 * the retained plan on the meter, the relay switching on at the planned instant by the meter's own
 * clock, and the energy priced in the savings report. The backend and the meter share the real clock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cheapestWindow } from '../../backend/src/automation/planners';
import { parsePrices } from '../../backend/src/prices/price-format';
import { PriceSlot } from '../../backend/src/prices/price.types';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(180_000);

const FIXTURE = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'prices', 'response-PT60M.xml');
const SLOT_MS = 5000;
const CIRCUIT = 7;
const iso = (ms: number) => new Date(ms).toISOString();
const hhmm = (ms: number) => iso(ms).slice(11, 16);

const selected = createRig({ backendEnv: { AUTOMATION_TICK_S: '1', LEASE_TTL_S: '6' } });

describeWith(selected, ['backend-config'])('automation: prices → cheapest rule → plan on the meter → relay → savings', () => {
  const rig = simulated(selected);

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: 1 });
  });

  afterAll(async () => {
    await rig.stop();
  });

  it('should refuse bad price uploads with the parser message and store nothing', async () => {
    const bad = await rig.rest('POST', '/prices', [{ start: '2025-11-26T00:00:00Z', end: '2025-11-26T01:00:00Z', price: 'x' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/JSON prices: \[0\]\.price/);
    const xml = await rig.rest('POST', '/prices', { format: 'entsoe', content: '<Publication_MarketDocument><x>' });
    expect(xml.status).toBe(400);
    expect((await rig.rest('POST', '/prices', { content: 'a', extra: 1 })).status).toBe(400);
    const { body } = await rig.rest('GET', '/prices?from=2025-11-25T00:00:00Z&to=2025-11-27T00:00:00Z');
    expect(body.slots).toEqual([]);
  });

  it('should plan the cheapest minute, push it to the meter, switch at the planned slot and price the energy', async () => {
    await eventually(async () => (await rig.rest('GET', '/devices/vm-1')).body?.lastTelemetrySeq >= 2, 60_000, 'vm-1 reporting');
    await eventually(async () => (await rig.rest('GET', '/automation/leader')).body?.isLeader, 30_000, 'automation leader');

    // The fixture's 48 hourly prices as 5-second slots from the start of the current minute (4 minutes).
    const fixture = parsePrices(readFileSync(FIXTURE, 'utf8'), { format: 'entsoe' }).slots;
    const now = Date.now();
    const day0 = Math.floor(now / 60_000) * 60_000;
    const slots: PriceSlot[] = fixture.map((s, k) => ({ start: day0 + k * SLOT_MS, end: day0 + (k + 1) * SLOT_MS, price: s.price }));
    const upload = await rig.rest('POST', '/prices', slots.map((s) => ({ start: iso(s.start), end: iso(s.end), price: s.price })));
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ area: 'default', stored: fixture.length, from: iso(day0) });
    const listed = await rig.rest('GET', `/prices?from=${iso(day0)}&to=${iso(day0 + 60_000)}`);
    expect(listed.body.slots).toHaveLength(12);
    expect(listed.body.slots[0]).toEqual({ start: iso(day0), end: iso(day0 + SLOT_MS), price: fixture[0].price });

    // Run 1 minute inside a window that leaves 90–120 s of choice (HH:MM in UTC).
    const windowEnd = day0 + (now - day0 <= 30_000 ? 120_000 : 180_000);
    const put = await rig.rest('PUT', `/devices/vm-1/circuits/${CIRCUIT}/automation`, {
      mode: 'cheapest',
      cheapest: { durationMinutes: 1, from: hhmm(day0), to: hhmm(windowEnd), timezone: 'UTC', powerW: 120 },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mode: 'cheapest', cheapest: { durationMinutes: 1 } });

    const plan = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/vm-1/circuits/${CIRCUIT}/plan`);
      return body?.version && body.on.length === 1 ? body : undefined;
    }, 10_000, 'a plan');
    const start = Date.parse(plan.on[0].start);
    const end = Date.parse(plan.on[0].end);
    // The same planner, run here on the same slots from the plan's issue time, picks the same minute.
    const from = Math.ceil(Date.parse(plan.issued) / 1000) * 1000;
    const expected = cheapestWindow(slots, { durationMs: 60_000, powerW: 120, from, to: windowEnd });
    expect([start, end]).toEqual([expected.start, expected.end]);
    expect(plan.windows[0]).toMatchObject({ windowStart: iso(day0), windowEnd: iso(windowEnd) });
    expect(plan.windows[0].cost).toBeCloseTo(expected.cost, 9);
    // Tomorrow's window has no prices yet: the plan keeps the circuit off until it opens.
    expect(Date.parse(plan.validUntil)).toBe(day0 + 86_400_000);

    // The meter accepts the retained plan and reports its version, before the run starts.
    const accepted = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/vm-1/circuits/${CIRCUIT}/plan`);
      return body.meter.planVersion === plan.version ? body : undefined;
    }, 10_000, 'the meter running the plan');
    expect(accepted.inSync).toBe(true);
    if (Date.now() < start - 1500) expect(accepted.meter.relay).toBe('off');

    // The relay goes on by the meter's clock at the planned instant, not before.
    const on = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/vm-1/circuits`);
      const relay = body[CIRCUIT - 1].relay;
      return relay?.state === 'on' ? { relay, seenAt: Date.now() } : undefined;
    }, start - Date.now() + 15_000, 'relay on at the planned slot');
    expect(on.relay).toMatchObject({ reason: 'plan', plan_version: plan.version });
    expect(on.seenAt).toBeGreaterThanOrEqual(start);
    // Off from the plan's issue to the planned start (records are means over 1 s: allow one of slack).
    const before = await rig.influxQuery(
      `SELECT "power_w" FROM "circuit" WHERE "device" = 'vm-1' AND "circuit" = '${CIRCUIT}' AND time >= ${Date.parse(plan.issued)}ms AND time < ${start - 1000}ms`,
    );
    expect(before.filter((row) => row.power_w !== 0)).toEqual([]);

    // Energy of the first seconds of the run lands in the savings report, priced at the planned slots.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + 8000 - Date.now())));
    const report = await eventually(async () => {
      const { body } = await rig.rest('GET', `/devices/vm-1/circuits/${CIRCUIT}/savings?from=${iso(day0)}&to=${iso(Date.now())}`);
      return body?.energyKwh > 0 ? body : undefined;
    }, 15_000, 'energy in the savings report');
    const runPrices = slots.filter((s) => s.end > start && s.start < end).map((s) => s.price);
    const perKwh = report.actualCost / report.energyKwh;
    expect(perKwh).toBeGreaterThanOrEqual(Math.min(...runPrices) - 1e-9);
    expect(perKwh).toBeLessThanOrEqual(Math.max(...runPrices) + 1e-9);
    expect(report.unpricedKwh).toBeCloseTo(0, 9);
    expect(report.worstCost).toBeGreaterThanOrEqual(report.actualCost);
    expect(report.energyKwh * 1000).toBeGreaterThan(0.1); // ≥ a few seconds of ~120 W
    expect(report).toEqual(expect.objectContaining({ averageCost: expect.any(Number), savings: expect.any(Number) }));

    // The backend wrote the pushed plan for Grafana's plan vs actual: the run's share of its 15-minute slot.
    const slot = Math.floor(start / 900_000) * 900_000;
    const planned = await rig.influxQuery(
      `SELECT "planned_on", "rule" FROM "rp_history"."automation_plan" WHERE "device" = 'vm-1' AND "circuit" = '${CIRCUIT}' AND time = ${slot}ms`,
    );
    expect(planned).toEqual([expect.objectContaining({ time: slot, rule: 'cheapest', planned_on: expect.closeTo((Math.min(end, slot + 900_000) - start) / 900_000, 9) })]);
  });

  it('should refuse a bad rule with 400 and keep the current one', async () => {
    const cases: unknown[] = [
      { mode: 'cheapest' },
      { mode: 'cheapest', cheapest: { durationMinutes: 0, from: '22:00', to: '06:00' } },
      { mode: 'cheapest', cheapest: { durationMinutes: 60, from: '25:00', to: '06:00' } },
      { mode: 'schedule', schedule: { on: ['61 * * * *'], off: ['0 9 * * *'] } },
      { mode: 'threshold', threshold: { belowPrice: 0.1 }, extra: true },
      { mode: 'manual', guards: { budget: { kwh: 1, period: 'year' } } },
    ];
    for (const body of cases) {
      const response = await rig.rest('PUT', `/devices/vm-1/circuits/${CIRCUIT}/automation`, body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
    }
    expect((await rig.rest('GET', `/devices/vm-1/circuits/${CIRCUIT}/automation`)).body.mode).toBe('cheapest');
  });
});
