/**
 * The production test of one meter in the fixture (docs/hil.md, schematics/production-fixture.md):
 * catches a defective unit before it ships and writes its calibration. In order:
 *   instruments    every instrument answers (identities go into the record)
 *   power-on       the source powers the fixture; the meter boots and reports online
 *   firmware       the meter runs the firmware the station expects
 *   chips          every ATM90E26 answers and its calibration checksums (CS1/CS2) are right: health ok
 *   clock          the meter's record timestamps agree with the station's clock
 *   calibration-reset   nominal calibration on every circuit, so a re-test starts from the same place
 *   circuit N measure   Ib at PF 1 through circuit N: V, I, P as found, against the reference (gross limit ±10 %)
 *   circuit N calibrate Ugain, IgainL, Lgain from the as-found errors, written by command, acknowledged
 *   circuit N verify    V, I, P within ±0.5 % of the reference (half the class 1 limit: margin for drift)
 *   circuit N relay     off: the load current stops (reference meter, relay sense input, the meter's report); on: it flows again
 *   flash          a power cut: the meter comes back with its record sequence continued (none reused), energy
 *                  counters restored from flash and circuit 1's calibration still in force
 */
import { CIRCUIT_COUNT } from '@dinmeter/shared';
import { BOARD_CALIBRATION, BOARD_RATING } from '../../device/board/front-end';
import { correctedGain, correctedLgain } from '../../device/drivers/atm90e26/atm90e26.calibration';
import type { BenchRig } from '../rig/bench-rig';
import { compareWithReference, Comparison, errorPercent } from '../rig/measure';
import { eventually } from '../rig/simulated-rig';
import type { CheckResult, TestRecord } from './test-record';

export const PRODUCTION_LIMITS = Object.freeze({
  /** As found, before calibration: beyond this a part is wrong (burden, divider, CT), not just off. */
  asFoundPercent: 10,
  /** After calibration, V, I and P. */
  calibratedPercent: 0.5,
  /** Through an open relay, as a fraction of the test current. */
  openRelayFraction: 0.01,
  /** Record timestamp against the station clock, beyond the telemetry interval. */
  clockSkewMs: 2000,
});

export interface ProductionOptions {
  rig: BenchRig;
  serial: string;
  deviceId: string;
  firmware: string;
  stationId: string;
  /** Shorter windows (CI). */
  quick?: boolean;
  /** Stop at the first failed check; the rest are recorded as skipped. */
  failFast?: boolean;
  circuits?: number[];
  log?: (line: string) => void;
}

class CheckFailed extends Error {
  constructor(
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface DeviceView {
  id: string;
  online: boolean;
  firmware?: string;
  bootId?: string;
  lastTelemetrySeq?: number;
  lastTelemetryTs?: number;
  circuits: { circuit: number; health?: { state: string; fault?: string }; relay?: { state: string } }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fixed = (n: number) => (n >= 0 ? '+' : '') + n.toFixed(3);

export async function runProductionChecks(o: ProductionOptions): Promise<Omit<TestRecord, 'v'>> {
  const { rig, deviceId } = o;
  const instruments = rig.instruments;
  const log = o.log ?? (() => undefined);
  const circuits = o.circuits ?? Array.from({ length: CIRCUIT_COUNT }, (_, k) => k + 1);
  const records = o.quick ? 1 : 3;
  const settleMs = o.quick ? 1600 : 2200;
  const intervalS = 1;
  const test = { currentA: BOARD_RATING.basicCurrentA, pf: 1, lagging: true };
  const nominal = { ugain: BOARD_CALIBRATION.ugain, igainL: BOARD_CALIBRATION.igainL, lgain: BOARD_CALIBRATION.lgain };
  const startedAt = new Date().toISOString();
  const checks: CheckResult[] = [];
  const calibration: TestRecord['calibration'] = {};
  let identities: Record<string, string> = {};
  let firmware: string | undefined;
  let failed = false;

  const device = async () => (await rig.rest<DeviceView>('GET', `/devices/${encodeURIComponent(deviceId)}`)).body;
  const circuitsView = async () => (await rig.rest<DeviceView['circuits']>('GET', `/devices/${encodeURIComponent(deviceId)}/circuits`)).body;
  const command = async (path: string, body: unknown): Promise<{ status: string; error?: string; code?: string }> => {
    const post = await rig.rest('POST', `/devices/${encodeURIComponent(deviceId)}${path}`, body);
    if (post.status !== 202) throw new CheckFailed(`POST ${path} answered HTTP ${post.status}: ${JSON.stringify(post.body)}`);
    return eventually(
      async () => {
        const { body: record } = await rig.rest('GET', `/commands/${post.body.commandId}`);
        return record.status !== 'pending' ? record : undefined;
      },
      20_000,
      `the meter's answer to ${path}`,
    );
  };
  const acked = async (path: string, body: unknown) => {
    const result = await command(path, body);
    if (result.status !== 'acked') throw new CheckFailed(`${path}: ${result.status}${result.code ? ` (${result.code})` : ''}${result.error ? `: ${result.error}` : ''}`);
  };
  const measure = (circuit: number) => compareWithReference(rig, { device: deviceId, circuit, records, intervalS, settleMs });
  const errors = (c: Comparison) => ({
    voltage: errorPercent(c.meter.voltageV, c.reference.voltageV),
    current: errorPercent(c.meter.currentA, c.reference.currentA),
    power: errorPercent(c.meter.powerW, c.reference.powerW),
  });
  /** A fresh boot after the source's output came on: a new boot id, online. */
  const powerUp = async (previousBoot: string | undefined) => {
    await instruments.setPower(true);
    return eventually(
      async () => {
        const d = await device().catch(() => undefined);
        return d && d.online && d.bootId && d.bootId !== previousBoot ? d : undefined;
      },
      rig.config.onlineTimeoutMs ?? 120_000,
      `${deviceId} booted and online`,
    );
  };

  async function check(name: string, run: () => Promise<{ message: string; data?: Record<string, unknown> }>): Promise<void> {
    if (failed && o.failFast) {
      checks.push({ name, ok: false, skipped: true, message: 'not run: an earlier check failed (fail-fast)', durationMs: 0 });
      return;
    }
    const started = Date.now();
    try {
      const { message, data } = await run();
      checks.push({ name, ok: true, message, durationMs: Date.now() - started, data });
      log(`  ok    ${name}: ${message}`);
    } catch (error) {
      failed = true;
      const data = error instanceof CheckFailed ? error.data : undefined;
      const message = error instanceof Error ? error.message : String(error);
      checks.push({ name, ok: false, message, durationMs: Date.now() - started, data });
      log(`  FAIL  ${name}: ${message}`);
    }
  }

  let bootId: string | undefined;
  await check('instruments', async () => {
    identities = await instruments.identify();
    return { message: Object.values(identities).join('; ') };
  });

  await check('power-on', async () => {
    const before = (await rig.rest<DeviceView>('GET', `/devices/${encodeURIComponent(deviceId)}`)).body;
    await instruments.loadOff();
    await instruments.setPower(false);
    await sleep(1000);
    const on = Date.now();
    const d = await powerUp(before?.bootId);
    bootId = d.bootId;
    firmware = d.firmware;
    return { message: `booted (boot ${d.bootId}) and online after ${Date.now() - on} ms`, data: { bootId: d.bootId } };
  });

  await check('firmware', async () => {
    const d = await device();
    firmware = d.firmware;
    if (d.firmware !== o.firmware) throw new CheckFailed(`runs "${d.firmware ?? 'unknown'}", expected "${o.firmware}"`);
    return { message: d.firmware };
  });

  await check('chips', async () => {
    // The status with chip health follows the first polls after boot.
    await sleep(2500);
    const view = await circuitsView();
    const bad = view.filter((c) => c.health?.state !== 'ok').map((c) => `circuit ${c.circuit}: ${c.health ? `${c.health.state}${c.health.fault ? ` (${c.health.fault})` : ''}` : 'no health reported'}`);
    if (bad.length > 0) throw new CheckFailed(`${bad.length} chip(s) not ok — ${bad.join('; ')}`, { health: view.map((c) => c.health) });
    return { message: `${view.length} ATM90E26 answer with valid checksums` };
  });

  await check('clock', async () => {
    const since = Date.now();
    const d = await eventually(async () => {
      const v = await device();
      return (v.lastTelemetryTs ?? 0) > since ? v : undefined;
    }, 10_000, 'a record after now');
    const skewMs = Date.now() - (d.lastTelemetryTs as number);
    if (skewMs < -PRODUCTION_LIMITS.clockSkewMs || skewMs > intervalS * 1000 + PRODUCTION_LIMITS.clockSkewMs) {
      throw new CheckFailed(`record time is ${skewMs} ms behind the station clock (limit −${PRODUCTION_LIMITS.clockSkewMs} … ${intervalS * 1000 + PRODUCTION_LIMITS.clockSkewMs} ms)`);
    }
    return { message: `latest record ${skewMs} ms old by the station clock`, data: { skewMs } };
  });

  await check('calibration-reset', async () => {
    for (const circuit of circuits) await acked(`/circuits/${circuit}/calibrate`, nominal);
    return { message: `nominal Ugain 0x${nominal.ugain.toString(16)}, IgainL 0x${nominal.igainL.toString(16)}, Lgain 0 on ${circuits.length} circuits` };
  });

  for (const circuit of circuits) {
    let asFound: Comparison | undefined;
    await check(`circuit ${circuit} measure`, async () => {
      await instruments.applyLoad(circuit, test);
      asFound = await measure(circuit);
      const e = errors(asFound);
      const data = { ...asFound, errorPercent: e };
      if (asFound.meter.powerW <= 0 || asFound.meter.currentA <= 0) throw new CheckFailed(`measures nothing with ${test.currentA} A applied (reference ${asFound.reference.powerW.toFixed(1)} W)`, data);
      const worst = Math.max(Math.abs(e.voltage), Math.abs(e.current), Math.abs(e.power));
      if (worst > PRODUCTION_LIMITS.asFoundPercent) throw new CheckFailed(`as found V ${fixed(e.voltage)} %, I ${fixed(e.current)} %, P ${fixed(e.power)} %: beyond ±${PRODUCTION_LIMITS.asFoundPercent} %`, data);
      return { message: `as found V ${fixed(e.voltage)} %, I ${fixed(e.current)} %, P ${fixed(e.power)} % (${asFound.reference.powerW.toFixed(1)} W reference)`, data };
    });

    await check(`circuit ${circuit} calibrate`, async () => {
      if (!asFound) throw new CheckFailed('no as-found measurement');
      const values = {
        ugain: correctedGain(nominal.ugain, asFound.meter.voltageV, asFound.reference.voltageV),
        igainL: correctedGain(nominal.igainL, asFound.meter.currentA, asFound.reference.currentA),
        lgain: correctedLgain(nominal.lgain, asFound.meter.powerW, asFound.reference.powerW),
      };
      await acked(`/circuits/${circuit}/calibrate`, values);
      calibration[String(circuit)] = values;
      return { message: `Ugain 0x${values.ugain.toString(16)}, IgainL 0x${values.igainL.toString(16)}, Lgain 0x${values.lgain.toString(16)} written and acknowledged`, data: values };
    });

    await check(`circuit ${circuit} verify`, async () => {
      const after = await measure(circuit);
      const e = errors(after);
      const data = { ...after, errorPercent: e };
      const worst = Math.max(Math.abs(e.voltage), Math.abs(e.current), Math.abs(e.power));
      const text = `V ${fixed(e.voltage)} %, I ${fixed(e.current)} %, P ${fixed(e.power)} %`;
      if (!(worst <= PRODUCTION_LIMITS.calibratedPercent)) throw new CheckFailed(`after calibration ${text}: beyond ±${PRODUCTION_LIMITS.calibratedPercent} %`, data);
      return { message: `after calibration ${text}`, data };
    });

    await check(`circuit ${circuit} relay`, async () => {
      await acked(`/circuits/${circuit}/relay`, { state: 'off' });
      const limitA = test.currentA * PRODUCTION_LIMITS.openRelayFraction;
      const open = await eventually(async () => {
        const r = await instruments.readReference();
        return r.currentA <= limitA ? r : undefined;
      }, 3000, `the current through circuit ${circuit} to stop`).catch(async () => {
        throw new CheckFailed(`relay off acknowledged but ${(await instruments.readReference()).currentA.toFixed(3)} A still flows (limit ${limitA} A)`);
      });
      const sensedOff = await instruments.relayContacts();
      if (sensedOff && sensedOff[circuit - 1]) throw new CheckFailed('relay off acknowledged but its sense input still sees voltage');
      const reported = (await circuitsView())[circuit - 1]?.relay?.state;
      if (reported !== 'off') throw new CheckFailed(`the meter reports the relay ${reported ?? 'unknown'} after switching it off`);
      await acked(`/circuits/${circuit}/relay`, { state: 'on' });
      const closed = await eventually(async () => {
        const r = await instruments.readReference();
        return r.currentA >= test.currentA * 0.95 ? r : undefined;
      }, 3000, `the current through circuit ${circuit} to flow again`).catch(async () => {
        throw new CheckFailed(`relay on acknowledged but only ${(await instruments.readReference()).currentA.toFixed(3)} A flows`);
      });
      const sensedOn = await instruments.relayContacts();
      if (sensedOn && !sensedOn[circuit - 1]) throw new CheckFailed('relay on acknowledged but its sense input sees no voltage');
      return {
        message: `cuts ${test.currentA} A to ${open.currentA.toFixed(3)} A and restores ${closed.currentA.toFixed(2)} A${sensedOff ? '; sense input follows' : ''}`,
        data: { openA: open.currentA, closedA: closed.currentA },
      };
    });
  }

  await check('flash', async () => {
    const first = circuits[0];
    const before = await device();
    const energyRows = await rig.influxQuery(
      `SELECT "energy_import_wh" FROM "circuit" WHERE "device" = '${deviceId}' AND "circuit" = '${first}' ORDER BY time DESC LIMIT 1`,
    );
    const energyBefore = (energyRows[0]?.energy_import_wh as number | undefined) ?? 0;
    const seqBefore = before.lastTelemetrySeq ?? 0;
    await instruments.setPower(false);
    await sleep(2000);
    const back = await powerUp(bootId);
    bootId = back.bootId;
    const after = await eventually(async () => {
      const d = await device();
      return (d.lastTelemetrySeq ?? 0) > seqBefore ? d : undefined;
    }, 20_000, 'a record after the power cut');
    const rows = await rig.influxQuery(
      `SELECT "seq", "energy_import_wh" FROM "circuit" WHERE "device" = '${deviceId}' AND "circuit" = '${first}' AND "seq" > ${seqBefore} ORDER BY time ASC LIMIT 1`,
    );
    const energyAfter = rows[0]?.energy_import_wh as number | undefined;
    if (energyAfter === undefined) throw new CheckFailed('no record after the power cut in InfluxDB');
    if (energyAfter < energyBefore) throw new CheckFailed(`energy counter went back from ${energyBefore} Wh to ${energyAfter} Wh: not restored from flash`);
    await instruments.applyLoad(first, test);
    const e = errors(await measure(first));
    if (Math.max(Math.abs(e.voltage), Math.abs(e.current), Math.abs(e.power)) > PRODUCTION_LIMITS.calibratedPercent) {
      throw new CheckFailed(`circuit ${first} after the power cut: V ${fixed(e.voltage)} %, I ${fixed(e.current)} %, P ${fixed(e.power)} %: calibration not kept in flash`);
    }
    return {
      message: `after a power cut: seq ${seqBefore} → ${after.lastTelemetrySeq} (none reused), energy ${energyBefore} → ${energyAfter} Wh, circuit ${first} calibration kept (P ${fixed(e.power)} %)`,
      data: { seqBefore, seqAfter: after.lastTelemetrySeq, energyBefore, energyAfter },
    };
  });

  await instruments.loadOff().catch(() => undefined);
  return {
    serial: o.serial,
    deviceId,
    result: checks.every((c) => c.ok) ? 'pass' : 'fail',
    startedAt,
    finishedAt: new Date().toISOString(),
    station: { id: o.stationId, bench: rig.config.name },
    firmware,
    instruments: identities,
    calibration,
    checks,
  };
}
