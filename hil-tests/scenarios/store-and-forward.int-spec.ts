/**
 * Issue 4, the proof: store-and-forward loses no record through outages and power cuts
 * (docs/invariants.md invariant 1), against real servers — influxd, the backend process (embedded aedes or
 * Debian's mosquitto) and virtual meters running the unchanged firmware core on file-backed flash.
 *
 * Every scenario ends with the same check (support/delivery-truth.ts): each record a meter created
 * (its journal: seq and ts as append() returned them) is in InfluxDB exactly once — one point per
 * circuit, at the original timestamp — no seq was reused with another ts, timestamps increase with
 * seq, and energy_import_wh never goes backwards per circuit. Figures go to stdout.
 *
 * HIL_QUICK=1 (npm test) shortens the waits, not the checks: the backend is down 10 s instead of 30,
 * influxd 30 s instead of 60. The offline day stays at ×1440: at ×2880 a busy machine's meter falls
 * behind its clock and writes fewer records than a day has.
 */
import { join } from 'node:path';
import { ManagedProcess } from '../rig/managed-process';
import { MeterSetup } from '../rig/rig';
import { createRig, describeWith, QUICK, simulated } from '../rig';
import { eventually, freePort, SimulatedRig } from '../rig/simulated-rig';
import { seededRandom } from '../../device/core/storage/power-cut';
import { AckWatcher } from './support/ack-watcher';
import {
  checkDevice,
  DeviceCheck,
  lastSeq,
  meterLines,
  problems,
  readJournal,
} from './support/delivery-truth';

jest.setTimeout(240_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`[store-and-forward] ${line}\n`);
const BACKEND_DOWN_S = QUICK ? 10 : 30;
const INFLUX_DOWN_S = QUICK ? 30 : 60;
/** Writes in flight when influxd goes away fail after the writer's retries, within this. */
const WRITES_FAILED_MS = 15_000;

interface Scenario {
  rig: SimulatedRig;
  watcher: AckWatcher;
  journal: string;
  ids: string[];
}

function meterSetup(s: Scenario, extraArgs: string[] = []): MeterSetup {
  return { count: s.ids.length, ids: s.ids, intervalS: 1, extraArgs: ['--journal', s.journal, ...extraArgs] };
}

/** Acks up to every record created so far, for each meter. */
function currentTargets(s: Scenario): Map<string, number> {
  const journal = readJournal(s.journal);
  return new Map(s.ids.map((id) => [id, lastSeq(journal, id)]));
}

/**
 * The common ending: wait until the backend acknowledged everything created so far, stop the meters
 * cleanly (their last records drain), then compare InfluxDB with the journal.
 */
async function settleAndCheck(
  s: Scenario,
  meters: ManagedProcess,
  catchUpTimeoutMs: number,
  allowUnjournaled = 0,
): Promise<{ catchUpMs: number; caughtUpAt: number; checks: DeviceCheck[] }> {
  const started = Date.now();
  await s.watcher.waitFor(currentTargets(s), catchUpTimeoutMs);
  const caughtUpAt = Date.now();
  const catchUpMs = caughtUpAt - started;
  await meters.stop();
  const stopped = meterLines(meters.text, 'stopped');
  const journal = readJournal(s.journal);
  expect(journal.reused).toEqual([]);
  const checks: DeviceCheck[] = [];
  for (const id of s.ids) {
    expect({ id, backlog: stopped.get(id)?.backlog }).toEqual({ id, backlog: 0 });
    const check = await checkDevice((q) => s.rig.influxQuery(q), journal, id);
    expect({ id, problems: problems(check) }).toEqual({ id, problems: {} });
    expect(check.unjournaled.length).toBeLessThanOrEqual(allowUnjournaled);
    expect(check.created).toBeGreaterThan(0);
    expect(stopped.get(id)!.lastSeq).toBe(Math.max(lastSeq(journal, id), ...check.unjournaled));
    checks.push(check);
  }
  return { catchUpMs, caughtUpAt, checks };
}

const summary = (checks: DeviceCheck[]) =>
  checks.map((c) => `${c.device}: ${c.created} created, ${c.stored} stored`).join('; ');

/** Both suites: the rig up before, an observer of the acks, everything down after. */
function useRig(rig: SimulatedRig, onWatcher: (watcher: AckWatcher) => void): void {
  let watcher: AckWatcher | undefined;
  beforeAll(async () => {
    await rig.start();
    watcher = await AckWatcher.connect(rig.backendUrl, 'observer-store-and-forward');
    onWatcher(watcher);
  });
  afterAll(async () => {
    await watcher?.close();
    await rig.stop();
  });
}

const withAedes = createRig();
const withMosquitto = createRig({ externalBroker: true });

describeWith(withAedes, ['backend-restart', 'influx-restart', 'meter-journal', 'flash-power-cut', 'time-warp', 'clean-stop'])('store-and-forward: no record lost (embedded broker)', () => {
  const rig = simulated(withAedes);
  let watcher!: AckWatcher;
  useRig(rig, (w) => (watcher = w));
  const scenario = (name: string, ids: string[]): Scenario => ({
    rig,
    watcher,
    journal: join(rig.dir, `journal-${name}.txt`),
    ids,
  });

  it(`(a) should lose nothing while the backend (and its broker) is SIGKILLed for ${BACKEND_DOWN_S} s`, async () => {
    const s = scenario('a', ['saf-a1', 'saf-a2', 'saf-a3']);
    await rig.startMeters(meterSetup(s));
    await watcher.waitFor(new Map(s.ids.map((id) => [id, 3])), 60_000);

    await rig.killBackend('SIGKILL');
    const before = currentTargets(s);
    await sleep(BACKEND_DOWN_S * 1000);
    const during = currentTargets(s);
    for (const id of s.ids) expect(during.get(id)! - before.get(id)!).toBeGreaterThanOrEqual(BACKEND_DOWN_S - 5); // kept recording
    const restarting = Date.now();
    await rig.startBackend();
    const bootMs = Date.now() - restarting;
    const { catchUpMs, checks } = await settleAndCheck(s, rig.meters, 60_000);
    say(
      `(a) backend down ${BACKEND_DOWN_S} s (+${bootMs} ms to boot); backlog acked ${catchUpMs} ms after it was ready; ${summary(checks)}`,
    );
  });

  it(`(b) should stop acking while InfluxDB is stopped for ${INFLUX_DOWN_S} s, then catch up`, async () => {
    const s = scenario('b', ['saf-b1', 'saf-b2', 'saf-b3']);
    await rig.startMeters(meterSetup(s));
    await watcher.waitFor(new Map(s.ids.map((id) => [id, 3])), 60_000);
    const metricsBefore = (await rig.rest('GET', '/metrics')).body;

    const stoppedAt = Date.now();
    await rig.stopInflux();
    await sleep(INFLUX_DOWN_S * 1000);
    // Writes in flight when influxd went away fail after the writer's retries (a few seconds); from
    // then on nothing may be acknowledged: the records are not stored.
    const settledAt = stoppedAt + WRITES_FAILED_MS;
    for (const id of s.ids) {
      expect({
        id,
        ackedDuringOutage: watcher.uptoSince(id, settledAt) > watcher.uptoBefore(id, settledAt),
      }).toEqual({ id, ackedDuringOutage: false });
    }
    const metricsDuring = (await rig.rest('GET', '/metrics')).body;
    expect(metricsDuring.telemetry_write_failed ?? 0).toBeGreaterThan(
      metricsBefore.telemetry_write_failed ?? 0,
    );
    const backlog = Math.min(...s.ids.map((id) => currentTargets(s).get(id)! - watcher.upto.get(id)!));
    expect(backlog).toBeGreaterThanOrEqual(INFLUX_DOWN_S - WRITES_FAILED_MS / 1000);
    // Health says so with its status code, for a load balancer or a watchdog.
    const health = await rig.rest('GET', '/health');
    expect({ status: health.status, body: health.body.status, influx: health.body.influx.ok }).toEqual({ status: 503, body: 'degraded', influx: false });

    await rig.startInflux();
    const { catchUpMs, checks } = await settleAndCheck(s, rig.meters, 90_000);
    expect((await rig.rest('GET', '/health')).status).toBe(200);
    say(
      `(b) influxd down ${INFLUX_DOWN_S} s, smallest backlog ${backlog} records; caught up ${catchUpMs} ms after influxd was back; ` +
        `write failures ${metricsDuring.telemetry_write_failed - (metricsBefore.telemetry_write_failed ?? 0)}; ${summary(checks)}`,
    );
  });

  it('(c) should lose nothing and reuse no seq through 20 kills and power cuts mid flash write', async () => {
    const s = scenario('c', ['saf-c1', 'saf-c2', 'saf-c3']);
    const random = seededRandom(20240404);
    const POWER_CUT_PROBABILITY = 0.03; // per flash write or erase: ~12 writes/s for 3 meters → a cut every ~3 s
    const outcomes: string[] = [];
    let torn = 0;
    let previousLast = new Map(s.ids.map((id) => [id, 0]));
    let previousWasPowerCut = true;
    for (let round = 1; round <= 20; round++) {
      const powerCut = round % 2 === 1; // odd rounds: a cut inside a flash write; even: SIGKILL at a random moment
      const seed = Math.floor(random() * 1e6);
      await rig.startMeters(
        meterSetup(s, powerCut ? ['--power-cut', `${seed}:${POWER_CUT_PROBABILITY}`] : []),
      );

      // Boot recovery: every record created before the kill is there, no acknowledged seq is reused.
      const booted = meterLines(rig.meters.text, 'booted');
      for (const id of s.ids) {
        const boot = booted.get(id)!;
        const last = previousLast.get(id)!;
        expect({ id, round, nextSeqAtLeast: boot.nextSeq >= last + 1 }).toEqual({
          id,
          round,
          nextSeqAtLeast: true,
        });
        // Only a SIGKILL between the flash commit and the journal line can leave one record unjournaled.
        expect(boot.nextSeq).toBeLessThanOrEqual(last + (previousWasPowerCut ? 1 : 2));
        expect(boot.ackedSeq).toBeLessThan(boot.nextSeq);
        torn += boot.tornRecordsSkipped;
      }

      if (powerCut) {
        const cut = await eventually(
          async () => !rig.meters.running || undefined,
          20_000,
          'a power cut',
        ).catch(() => false);
        const line = rig.meters.text.match(/meter (\S+) power cut: (.*)/);
        if (!cut || !line) await rig.killMeters('SIGKILL');
        outcomes.push(
          line
            ? `cut ${line[1]}: ${line[2].replace('power cut during ', '')}`
            : 'no cut within 20 s: SIGKILL',
        );
      } else {
        const delay = Math.round(300 + random() * 3700);
        await sleep(delay);
        await rig.killMeters('SIGKILL');
        outcomes.push(`SIGKILL after ${delay} ms`);
      }
      previousWasPowerCut = powerCut && /^cut /.test(outcomes[outcomes.length - 1]);
      const journal = readJournal(s.journal);
      previousLast = new Map(s.ids.map((id) => [id, lastSeq(journal, id)]));
    }
    say(`(c) rounds: ${outcomes.map((o, k) => `${k + 1}. ${o}`).join(' | ')}`);
    const cuts = outcomes.filter((o) => o.startsWith('cut '));
    expect(cuts.length).toBeGreaterThanOrEqual(8);
    expect(cuts.some((o) => /write of \d+ bytes/.test(o))).toBe(true);

    await rig.startMeters(meterSetup(s));
    const booted = meterLines(rig.meters.text, 'booted');
    say(
      `(c) final boot: ${JSON.stringify(Object.fromEntries(booted))}; torn entries reported by the 21 boots (summed; an entry is reported until its sector is reused): ${torn}`,
    );
    expect(torn).toBeGreaterThan(0);
    const { catchUpMs, checks } = await settleAndCheck(s, rig.meters, 60_000, 10);
    const unjournaled = checks.reduce((n, c) => n + c.unjournaled.length, 0);
    say(
      `(c) caught up in ${catchUpMs} ms; ${summary(checks)}; records committed but killed before their journal line: ${unjournaled}`,
    );
  });

  it('(e) should replay a simulated day offline, in order, with the original timestamps', async () => {
    const s = scenario('e', ['saf-day']);
    const dayMeter = new ManagedProcess(
      'day-meter',
      'device/platform/host/meters.ts',
      join(rig.dir, 'day-meter.log'),
    );
    const INTERVAL_S = 120; // 720 records a day: no merging needed in the 1 MiB log (see device/core/storage/README.md)
    const SPEED = 1440; // a day in 60 s
    const startMs = Date.now() - 86_400_000 - 15 * 60_000;
    const base = [
      '--ids',
      s.ids[0],
      '--interval',
      String(INTERVAL_S),
      '--data-dir',
      join(rig.dir, 'meters'),
      '--backend-data-dir',
      rig.backendDataDir,
      '--journal',
      s.journal,
    ];
    try {
      // Offline: the broker address leads nowhere, as with Wi-Fi down.
      const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
      await dayMeter.start(
        [
          ...base,
          '--speed',
          String(SPEED),
          '--start',
          new Date(startMs).toISOString(),
          '--mqtt-url',
          nowhere,
        ],
        {},
        /meters running/,
      );
      await eventually(
        async () => {
          const ts = [...(readJournal(s.journal).records.get(s.ids[0])?.values() ?? [])];
          return ts.length > 0 && Math.max(...ts) >= startMs + 86_400_000;
        },
        150_000,
        'a simulated day',
      );
      await dayMeter.stop();
      const offline = meterLines(dayMeter.text, 'stopped').get(s.ids[0])!;
      expect(offline.ackedSeq).toBe(0);
      expect(offline.backlog).toBeGreaterThanOrEqual(700);

      // Back online at normal speed: the clock continues (15 simulated minutes later, nothing reorders).
      const reconnected = Date.now();
      await dayMeter.start([...base, '--mqtt-url', rig.mqttUrl], {}, /meters running/);
      const { caughtUpAt, checks } = await settleAndCheck(s, dayMeter, 120_000);
      const replayMs = caughtUpAt - reconnected;
      say(
        `(e) a simulated day offline: ${offline.backlog} records (${INTERVAL_S} s interval) replayed in ${replayMs} ms after restart ` +
          `(${Math.round((offline.backlog / replayMs) * 1000)} records/s); ${summary(checks)}`,
      );
      const merged = await rig.influxQuery(
        `SELECT count("seq") FROM "circuit" WHERE "device" = '${s.ids[0]}'`,
      );
      expect(merged[0].count).toBe(checks[0].created * 10);
    } finally {
      await dayMeter.stop();
    }
  });

  it('(f) should stop within 5 s on SIGTERM under load, having acked only what InfluxDB stored, and lose nothing', async () => {
    const s = scenario('f', ['saf-f1', 'saf-f2', 'saf-f3', 'saf-f4', 'saf-f5']);
    // 5 meters × 10 records/s: InfluxDB writes are always under way when the signal comes.
    await rig.startMeters({ count: s.ids.length, ids: s.ids, intervalS: 0.1, extraArgs: ['--journal', s.journal] });
    await watcher.waitFor(new Map(s.ids.map((id) => [id, 30])), 60_000);

    const signalledAt = Date.now();
    const exited = rig.backend.kill('SIGTERM');
    const outcome = await Promise.race([exited, sleep(10_000).then(() => 'still running after 10 s' as const)]);
    const exitMs = Date.now() - signalledAt;
    if (typeof outcome === 'string') await rig.killBackend('SIGKILL');
    const stoppedLine = rig.backend.text.match(/dinmeter backend stopped in .*/)?.[0];
    say(`(f) SIGTERM under load: ${JSON.stringify(outcome)} after ${exitMs} ms; "${stoppedLine}"`);
    expect(outcome).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(5000);

    // Acked means stored: every record up to each meter's last ack is in InfluxDB, at its own time.
    const journal = readJournal(s.journal);
    const ackedAfterSignal: string[] = [];
    for (const id of s.ids) {
      const acked = watcher.upto.get(id) ?? 0;
      if (watcher.uptoSince(id, signalledAt) > watcher.uptoBefore(id, signalledAt)) ackedAfterSignal.push(id);
      const upToAck = new Map([...(journal.records.get(id) ?? [])].filter(([seq]) => seq <= acked));
      const check = await checkDevice((q) => rig.influxQuery(q), { records: new Map([[id, upToAck]]), reused: [] }, id);
      expect({ id, acked, missing: check.missing, wrongTs: check.wrongTs }).toEqual({ id, acked, missing: [], wrongTs: [] });
    }
    say(`(f) meters whose ack moved on during the shutdown: ${ackedAfterSignal.join(', ') || 'none'}`);

    // The meters kept their records; a restarted backend gets the rest by replay, each stored once.
    await rig.startBackend();
    const { catchUpMs, checks } = await settleAndCheck(s, rig.meters, 60_000);
    say(`(f) after the restart caught up in ${catchUpMs} ms; ${summary(checks)}`);
  });
});

describeWith(withMosquitto, ['broker-restart', 'meter-journal', 'clean-stop'])('store-and-forward: no record lost (mosquitto restarted)', () => {
  const rig = simulated(withMosquitto);
  let watcher!: AckWatcher;
  useRig(rig, (w) => (watcher = w));

  it('(d) should lose nothing when the broker restarts at once, and when it is down for 10 s', async () => {
    const s: Scenario = {
      rig,
      watcher,
      journal: join(rig.dir, 'journal-d.txt'),
      ids: ['saf-d1', 'saf-d2', 'saf-d3'],
    };
    await rig.startMeters(meterSetup(s));
    await watcher.waitFor(new Map(s.ids.map((id) => [id, 3])), 60_000);
    let before = currentTargets(s);
    await rig.restartBroker();
    await watcher.waitFor(new Map(s.ids.map((id) => [id, before.get(id)! + 3])), 60_000);
    // A real outage: meters and backend both lose the broker; records pile up on the meters' flash.
    before = currentTargets(s);
    await rig.stopBroker();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await rig.startBroker();
    await watcher.waitFor(new Map(s.ids.map((id) => [id, before.get(id)! + 10])), 60_000);
    const { catchUpMs, checks } = await settleAndCheck(s, rig.meters, 60_000);
    say(`(d) mosquitto restarted, then down 10 s; final catch-up ${catchUpMs} ms; ${summary(checks)}`);
  });
});
