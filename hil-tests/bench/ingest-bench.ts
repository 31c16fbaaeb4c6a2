/**
 * `npm run bench:ingest` — issue 12: MQTT → backend → InfluxDB throughput at fleet size, side by side
 * with the raw InfluxDB ceiling for the same points, in one run on this machine.
 *
 * 1. Its own influxd (and Mosquitto with --broker mosquitto), the real backend process.
 * 2. A load generator of N MQTT meters in this process (load-meters.ts): each has a backlog of
 *    --records records (or, with --interval, records live for --duration s) and keeps at most
 *    --window unacked. --storm connects every meter at the same instant. --batch B: a meter with several
 *    records to send puts up to B in one telemetry/batch message, as the firmware's replay does.
 * 3. With --commands N: N relay commands one after another through the REST API while the load
 *    runs; the load's meters acknowledge them. Round trip: POST → the meter's cmd/ack recorded by the
 *    backend (GET /api/commands/:id polled every 2 ms); delivery: POST → the command at the meter.
 * 4. The raw ceiling: the same number of points of the same shape posted straight to /write in
 *    5,000-line batches (as many in flight as the backend's writes: --write-concurrency, 2) into a
 *    second database of the same influxd, once the influxd is idle again after the run (compaction);
 *    for a backlog run also before it (into a database dropped afterwards). The ratio is taken
 *    against the higher of the two.
 *
 * Prints figures, then as the LAST line one JSON object.
 *   npm run bench:ingest -- --meters 200 --window 16 [--records 60] [--interval 10 --duration 60]
 *                           [--broker embedded|mosquitto] [--storm] [--batch 16] [--commands 200] [--cpu-prof DIR]
 *                           [--influx-snapshot-mb 25] [--write-concurrency 2]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CIRCUIT_COUNT, TELEMETRY_BATCH_MAX_RECORDS } from '@dinmeter/shared';
import { SimulatedRig } from '../rig/simulated-rig';
import { CliValues, numberOption, runCli, UsageError } from '../../shared/node/cli';
import { LoadMeters, percentile } from './load-meters';

const USAGE = `usage: npm run bench:ingest -- [--meters N] [--window W] [--records R | --interval S --duration S]
                           [--broker embedded|mosquitto] [--storm] [--batch B] [--commands N] [--cpu-prof DIR] [--no-ha]
                           [--influx-snapshot-mb MB] [--write-concurrency N]
  MQTT → backend → InfluxDB throughput with N load meters, beside the raw InfluxDB ceiling for the
  same points; prints figures, then one JSON line.`;

const OPTIONS = {
  meters: { type: 'string' },
  window: { type: 'string' },
  records: { type: 'string' },
  interval: { type: 'string' },
  duration: { type: 'string' },
  broker: { type: 'string' },
  storm: { type: 'boolean' },
  batch: { type: 'string' },
  commands: { type: 'string' },
  'cpu-prof': { type: 'string' },
  'no-ha': { type: 'boolean' },
  'influx-snapshot-mb': { type: 'string' },
  'write-concurrency': { type: 'string' },
} as const;

let cli: CliValues<typeof OPTIONS> = {};
const count = (name: keyof typeof OPTIONS, fallback: number, min = 0, max = 100_000) =>
  numberOption(name, cli[name] as string | undefined, { min, max, integer: true }) ?? fallback;
const arg = (name: 'broker' | 'cpu-prof', fallback: string) => (cli[name] as string | undefined) ?? fallback;
const flag = (name: 'storm' | 'no-ha') => cli[name] === true;

/** Resident and peak memory (MB) and CPU seconds of a process, from /proc. */
function processUsage(pid: number | undefined): { rssMb: number; peakMb: number; cpuS: number } {
  if (!pid) return { rssMb: 0, peakMb: 0, cpuS: 0 };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
  } catch {
    return { rssMb: 0, peakMb: 0, cpuS: 0 };
  }
}

/** One line of the same shape the backend writes (line-protocol.ts): 11 metrics + seq. */
function rawLine(device: number, circuit: number, seq: number, ts: number): string {
  const v = 100 + seq * 0.5 + circuit;
  return (
    `circuit,circuit=${circuit},device=raw-${device} apparent_va=${v + 4},current_a=${v + 1},energy_export_wh=${v + 8},energy_import_wh=${v + 7},` +
    `freq_hz=50.01,pf=0.97,power_w=${v + 2},reactive_export_varh=${v + 10},reactive_import_varh=${v + 9},reactive_var=${v + 3},seq=${seq}i,voltage_v=${v} ${ts}`
  );
}

async function dropRawDatabase(influxUrl: string): Promise<void> {
  await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE ${RAW_DB}` }) });
}

const RAW_DB = 'raw_ceiling';

/** Posts `points` points to /write in 5,000-line batches, `inFlight` at once; points per second. */
async function rawCeiling(influxUrl: string, meters: number, records: number, startTs: number, inFlight: number): Promise<number> {
  const db = RAW_DB;
  await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${db}` }) });
  const batches: string[] = [];
  let lines: string[] = [];
  for (let r = 0; r < records; r++) {
    const device = r % meters;
    const seq = Math.floor(r / meters) + 1;
    for (let c = 1; c <= CIRCUIT_COUNT; c++) {
      lines.push(rawLine(device, c, seq, startTs + seq * 10_000));
      if (lines.length === 5000) {
        batches.push(lines.join('\n'));
        lines = [];
      }
    }
  }
  if (lines.length) batches.push(lines.join('\n'));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) {
        const body = batches[next++];
        // A loaded influxd answers 500 {"error":"timeout"} now and then: retry like BatchingWriter does.
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${influxUrl}/write?db=${db}&precision=ms`, { method: 'POST', body });
          if (response.ok) break;
          const text = await response.text();
          if (response.status < 500 || attempt === 4) throw new Error(`raw write: HTTP ${response.status} ${text}`);
        }
      }
    }),
  );
  return (records * CIRCUIT_COUNT) / ((performance.now() - started) / 1000);
}

/** Waits (at most 5 min) until a process uses under 5 % of a core over 2 s; returns the seconds waited. */
async function settle(pid: number | undefined): Promise<number> {
  const begun = performance.now();
  for (let last = processUsage(pid).cpuS; performance.now() - begun < 300_000; ) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = processUsage(pid).cpuS;
    if (now - last < 0.1) break;
    last = now;
  }
  return Math.max(0, (performance.now() - begun) / 1000 - 2);
}

async function main(): Promise<void> {
  const meters = count('meters', 50, 1);
  const window = count('window', 16, 1, 1024);
  const intervalS = count('interval', 0, 0, 3600);
  const durationS = count('duration', 60, 1, 86_400);
  const broker = arg('broker', 'embedded');
  if (broker !== 'embedded' && broker !== 'mosquitto') throw new UsageError(`--broker must be embedded or mosquitto, got "${broker}"`);
  const storm = flag('storm');
  const batch = count('batch', 1, 1, TELEMETRY_BATCH_MAX_RECORDS);
  const commands = count('commands', 0);
  const backlog = intervalS ? 0 : count('records', Math.max(20, Math.ceil(20_000 / meters)), 1);
  if (!['embedded', 'mosquitto'].includes(broker)) throw new Error(`--broker must be embedded or mosquitto, not ${broker}`);
  const line = (text: string) => process.stdout.write(`${text}\n`);

  // --cpu-prof DIR: the backend writes a V8 CPU profile there when it stops (cpu-profile.hook.js).
  const profileDir = arg('cpu-prof', '');
  const profiling = { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.hook.js')}`, BENCH_CPU_PROFILE_DIR: profileDir };
  // --no-ha: a fleet without Home Assistant (HA_DISCOVERY=false): no discovery configs per new meter.
  const noHa = flag('no-ha');
  // --write-concurrency: the backend's InfluxDB writes in flight (INFLUX_WRITE_CONCURRENCY), and the raw ceiling's.
  const writeConcurrency = count('write-concurrency', 2, 1, 16);
  const backendEnv: Record<string, string> = { LOG_LEVEL: 'warn', INFLUX_WRITE_CONCURRENCY: String(writeConcurrency), ...(noHa ? { HA_DISCOVERY: 'false' } : {}), ...(profileDir ? profiling : {}) };
  // --influx-snapshot-mb: influxd's cache snapshot (docs/scaling.md "InfluxDB's cache snapshot"); the run and the
  // raw ceiling share the influxd, so both see it.
  const influxSnapshotMb = count('influx-snapshot-mb', 25, 1, 8192);
  const rig = new SimulatedRig({ externalBroker: broker === 'mosquitto', backendEnv, influxSnapshotMb });
  let load: LoadMeters | undefined;
  let crashed = false;
  try {
    await rig.start();
    const pid = rig.backend.pid;
    const startTs = Date.now() - 86_400_000;
    // The ceiling is measured before the run as well as after it (a backlog run knows its records in advance),
    // each time into a fresh database on an idle influxd; the ratio is taken against the higher of the two.
    const { influxd, mosquitto } = rig.serverPids;
    let rawBefore = 0;
    let rawBeforeCpuS = 0;
    if (!intervalS) {
      const cpuBefore = processUsage(influxd).cpuS;
      rawBefore = await rawCeiling(rig.influxUrl, meters, meters * backlog, startTs, writeConcurrency);
      rawBeforeCpuS = processUsage(influxd).cpuS - cpuBefore;
      line(`raw InfluxDB ceiling before the run: ${rawBefore.toFixed(0)} points/s`);
      await dropRawDatabase(rig.influxUrl);
      await settle(influxd);
    }
    const logins = await rig.deviceLoginsFor(LoadMeters.idsFor({ meters }));
    load = new LoadMeters({ url: rig.mqttUrl, meters, window, backlog, intervalS, storm, batch, answerCommands: commands > 0, startTs: intervalS ? undefined : startTs, logins });
    const connecting = performance.now();
    await load.connect();
    const connectS = (performance.now() - connecting) / 1000;
    line(`${meters} meters connected in ${connectS.toFixed(1)} s (${broker} broker${storm ? ', all at once' : ''}${noHa ? ', Home Assistant discovery off' : ''})`);
    const cpu0 = processUsage(pid).cpuS;
    // Who else spends CPU on the same records: influxd, mosquitto (--broker mosquitto), this load generator.
    const influx0 = processUsage(influxd).cpuS;
    const mosquitto0 = processUsage(mosquitto).cpuS;
    const load0 = process.cpuUsage();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, processUsage(pid).rssMb)), 500);
    // Long runs say how far they are (stderr: the last stdout line stays the JSON).
    const progress = setInterval(() => {
      const now = load!.stats();
      process.stderr.write(
        `[${((performance.now() - started) / 1000).toFixed(0)} s] ${now.acked}/${now.recorded} acked, ${now.sent} sent, ${now.connected}/${meters} connected, go-backs ${now.goBacks}, backend RSS ${processUsage(pid).rssMb.toFixed(0)} MB\n`,
      );
    }, 10_000);
    const started = performance.now();
    const running = load.run(intervalS ? durationS : 0);
    const commanding = commands ? relayRoundTrips(rig, load, commands) : undefined;
    const exited = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!rig.backend.running) {
          crashed = true;
          clearInterval(poll);
          resolve();
        }
      }, 200);
      poll.unref();
    });
    await Promise.race([running, exited]);
    const commandFigures = await commanding;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    clearInterval(progress);
    const usage = processUsage(pid);
    const influxCpuS = processUsage(influxd).cpuS - influx0;
    const mosquittoCpuS = processUsage(mosquitto).cpuS - mosquitto0;
    const loadUsage = process.cpuUsage(load0);
    const loadCpuS = (loadUsage.user + loadUsage.system) / 1e6;
    const stats = load.stats();
    const records = stats.acked;
    let stored = 0;
    if (!crashed) {
      const rows = await rig.influxQuery(`SELECT count("seq") FROM "circuit"`);
      stored = Number(rows[0]?.count ?? 0) / CIRCUIT_COUNT;
    }
    // How the backend's writes reached InfluxDB: points per request (its batching) and batches received.
    const counters = crashed ? {} : (((await rig.rest('GET', '/metrics').catch(() => ({ body: {} }))).body ?? {}) as Record<string, number>);
    const pointsPerWrite = (counters.storage_points_written ?? 0) / Math.max(1, counters.storage_write_requests ?? 0);
    // influxd compacts what the run wrote for a while after it: the raw ceiling starts, as the run did, on an idle influxd.
    const settleS = crashed ? 0 : await settle(influxd);
    if (settleS > 0) line(`influxd busy for ${settleS.toFixed(0)} s after the run (compaction) before the raw ceiling`);
    const rawInflux0 = processUsage(influxd).cpuS;
    const rawAfter = crashed ? 0 : await rawCeiling(rig.influxUrl, meters, stats.recorded, startTs, writeConcurrency);
    const rawAfterCpuS = processUsage(influxd).cpuS - rawInflux0;
    const raw = Math.max(rawBefore, rawAfter);
    // influxd's CPU for the raw points: of the faster of the two raw runs.
    const rawInfluxCpuS = raw === rawBefore ? rawBeforeCpuS : rawAfterCpuS;
    const recordsPerS = records / seconds;
    const pointsPerS = recordsPerS * CIRCUIT_COUNT;
    const p99 = percentile(stats.ackLatenciesMs, 99);
    if (crashed) line(`BACKEND DIED:\n${rig.backend.text.slice(-3000)}`);
    line(`${records} of ${stats.recorded} records acked in ${seconds.toFixed(1)} s: ${recordsPerS.toFixed(0)} records/s, ${pointsPerS.toFixed(0)} points/s; ${stored} records in InfluxDB`);
    line(`ack latency p50 ${percentile(stats.ackLatenciesMs, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${percentile(stats.ackLatenciesMs, 100).toFixed(0)} ms; meter disconnects ${stats.disconnects}, go-backs (30 s without an ack) ${stats.goBacks}`);
    line(`backend → InfluxDB: ${Math.round(pointsPerWrite)} points per write request; ${counters.telemetry_batches_received ?? 0} telemetry/batch messages received`);
    line(`raw InfluxDB ceiling after the run: ${rawAfter.toFixed(0)} points/s`);
    line(`raw InfluxDB ceiling: ${raw.toFixed(0)} points/s (5,000-line batches, ${writeConcurrency} in flight, the higher of before and after) → ratio ${(pointsPerS / raw || 0).toFixed(2)}`);
    line(`backend: ${(usage.cpuS - cpu0).toFixed(1)} CPU s for the run (${(((usage.cpuS - cpu0) / Math.max(records, 1)) * 1e6).toFixed(0)} µs/record), RSS ${usage.rssMb.toFixed(0)} MB now, ${Math.max(peakRss, usage.rssMb).toFixed(0)} MB peak sampled`);
    const perRecord = (cpuS: number, n: number) => Math.round((cpuS / Math.max(n, 1)) * 1e6);
    line(
      `CPU per record: backend ${perRecord(usage.cpuS - cpu0, records)} µs, influxd ${perRecord(influxCpuS, records)} µs (raw writes: ${perRecord(rawInfluxCpuS, stats.recorded)} µs)` +
        `${mosquitto ? `, mosquitto ${perRecord(mosquittoCpuS, records)} µs` : ''}, load generator ${perRecord(loadCpuS, records)} µs`,
    );
    if (commandFigures) {
      const { roundTrips, deliveries, failed } = commandFigures;
      line(`relay commands with ${meters} meters connected and telemetry flowing: ${roundTrips.length} round trips p50 ${percentile(roundTrips, 50).toFixed(0)} ms, p99 ${percentile(roundTrips, 99).toFixed(0)} ms (delivery to the meter p99 ${percentile(deliveries, 99).toFixed(0)} ms), ${failed} not acked`);
    }
    line(
      JSON.stringify({
        meters,
        window,
        broker,
        storm,
        batch,
        ha_discovery: !noHa,
        interval_s: intervalS || undefined,
        records,
        records_per_s: Math.round(recordsPerS),
        points_per_s: Math.round(pointsPerS),
        raw_points_per_s: Math.round(raw),
        ...(rawBefore ? { raw_before_points_per_s: Math.round(rawBefore) } : {}),
        raw_after_points_per_s: Math.round(rawAfter),
        ratio: Number((pointsPerS / raw || 0).toFixed(2)),
        lost: crashed ? stats.recorded - records : stats.recorded - stored,
        p99_ack_ms: Math.round(p99),
        connect_s: Number(connectS.toFixed(1)),
        backend_rss_mb: Math.round(Math.max(peakRss, usage.rssMb)),
        backend_cpu_us_per_record: Math.round(((usage.cpuS - cpu0) / Math.max(records, 1)) * 1e6),
        influx_cpu_us_per_record: perRecord(influxCpuS, records),
        raw_influx_cpu_us_per_record: perRecord(rawInfluxCpuS, stats.recorded),
        ...(mosquitto ? { mosquitto_cpu_us_per_record: perRecord(mosquittoCpuS, records) } : {}),
        load_cpu_us_per_record: perRecord(loadCpuS, records),
        // The backend's own work beside InfluxDB's for the same records (the issue's "small beside"), and the
        // ratio one shared machine allows at most: InfluxDB's raw CPU ÷ everyone's CPU per record.
        backend_vs_influx_cpu: Number(((usage.cpuS - cpu0) / Math.max(influxCpuS, 1e-9)).toFixed(2)),
        cpu_share_bound: Number((perRecord(rawInfluxCpuS, stats.recorded) / Math.max(1, perRecord(usage.cpuS - cpu0 + influxCpuS + mosquittoCpuS + loadCpuS, records))).toFixed(2)),
        go_backs: stats.goBacks,
        influx_points_per_write: Math.round(pointsPerWrite),
        telemetry_batches_received: counters.telemetry_batches_received ?? 0,
        influx_settle_s: Math.round(settleS),
        crashed,
        influx_snapshot_mb: influxSnapshotMb,
        write_concurrency: writeConcurrency,
        // Other work on the machine skews every figure: the 1-minute load average at the end of the run.
        load_avg_1m: Number(loadavg()[0].toFixed(1)),
        ...(commandFigures
          ? {
              command_p99_ms: Math.round(percentile(commandFigures.roundTrips, 99)),
              command_delivery_p99_ms: Math.round(percentile(commandFigures.deliveries, 99)),
              commands_not_acked: commandFigures.failed,
            }
          : {}),
      }),
    );
    if (crashed) process.exitCode = 1;
  } finally {
    await load?.close();
    await rig.stop();
  }
}

/** Relay commands one at a time to meters of the load, spread over the fleet. */
async function relayRoundTrips(rig: SimulatedRig, load: LoadMeters, count: number): Promise<{ roundTrips: number[]; deliveries: number[]; failed: number }> {
  const roundTrips: number[] = [];
  const deliveries: number[] = [];
  let failed = 0;
  const ids = load.ids;
  await new Promise((resolve) => setTimeout(resolve, 2000)); // telemetry flowing first
  for (let k = 0; k < count && rig.backend.running; k++) {
    const id = ids[(k * 7919) % ids.length];
    const sent = performance.now();
    const response = await rig.rest<{ commandId: string }>('POST', `/devices/${id}/circuits/${(k % 10) + 1}/relay`, { state: k % 2 ? 'on' : 'off' });
    if (response.status !== 202) {
      failed++;
      continue;
    }
    const commandId = response.body.commandId;
    let status = 'pending';
    while (status === 'pending' && performance.now() - sent < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      status = (await rig.rest<{ status: string }>('GET', `/commands/${commandId}`)).body.status;
    }
    if (status !== 'acked') failed++;
    else roundTrips.push(performance.now() - sent);
    const seen = load.commandsSeen.get(commandId);
    if (seen !== undefined) deliveries.push(seen - sent);
  }
  return { roundTrips, deliveries, failed };
}

void runCli({ name: 'bench:ingest', usage: USAGE, options: OPTIONS }, async ({ values }) => {
  cli = values;
  await main();
  process.exit(0); // the load meters' and servers' handles are closed; do not wait for stragglers
});
