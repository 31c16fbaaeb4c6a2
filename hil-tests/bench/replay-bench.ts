/**
 * `npm run bench:replay` — issue 4: how fast a 24 h backlog of one meter drains end to end into a
 * real InfluxDB through the backend, and how many flash bytes a circuit record costs.
 *
 * 1. A virtual meter (the unchanged firmware core on the simulated board, file-backed 1 MiB flash)
 *    runs 24 simulated hours at 10 s resolution with no network, driven by a manual clock as fast
 *    as the CPU allows. Its record log keeps everything; what does not fit at 10 s is merged
 *    (device/core/storage/README.md).
 * 2. The real rig (influxd, the backend with its embedded broker) starts; the meters process boots
 *    over that flash image and replays the backlog. The clock stops when the backend's
 *    `telemetry/ack` covers the last backlog seq (an observer on the broker sees it).
 * 3. InfluxDB is checked to hold every backlog record once (10 points each).
 *
 * Prints figures, then as the LAST line one JSON object.
 */
import { join } from 'node:path';
import { CIRCUIT_COUNT } from '@dinmeter/shared';
import { runCli } from '../../shared/node/cli';
import { loadFixtureTraces } from '../../device/sim/fixture-traces';
import { HostClock } from '../../device/platform/host/host-clock';
import { VirtualMeter } from '../../device/platform/host/virtual-meter';
import { SimulatedRig } from '../rig/simulated-rig';
import { AckWatcher } from '../scenarios/support/ack-watcher';

const DEVICE = 'bench-1';
const INTERVAL_S = 10;
const BACKLOG_MS = 24 * 3600_000;

/** Time stands still until the generator moves it. */
class ManualClock extends HostClock {
  nowMs = 0;
  constructor(private readonly originMs: number) {
    super(1000, originMs); // speed only sizes the board's simulation step (1 s) and the ack timeout
  }
  override monotonicMs(): number {
    return this.nowMs;
  }
  override wallMs(): number {
    return this.originMs + this.nowMs;
  }
}

interface Backlog {
  records: number;
  firstSeq: number;
  lastSeq: number;
  lastTs: number;
  bytesPerRecord: number;
  merges: number;
  recordsMerged: number;
  bytesUsed: number;
  generateMs: number;
}

function buildBacklog(dataDir: string, originMs: number): Backlog {
  const started = performance.now();
  const clock = new ManualClock(originMs);
  const meter = new VirtualMeter({
    deviceId: DEVICE,
    dataDir,
    mqttUrl: 'mqtt://127.0.0.1:1', // never started: the meter is offline the whole day
    intervalS: INTERVAL_S,
    clock,
    seed: 1,
    traces: loadFixtureTraces(),
  });
  meter.core.start();
  for (clock.nowMs = 0; clock.nowMs <= BACKLOG_MS; clock.nowMs += 1000) {
    meter.board.advanceTo(clock.wallMs());
    meter.core.tick();
  }
  const log = meter.core.log;
  const stats = log.stats();
  const pending = log.readFrom(0, 1);
  let lastTs = 0;
  for (const record of log.readFrom(log.nextSeq - 2, 1)) lastTs = record.ts;
  meter.flash.close();
  return {
    records: log.pendingCount,
    firstSeq: pending[0]?.seq ?? 0,
    lastSeq: log.nextSeq - 1,
    lastTs,
    bytesPerRecord: stats.bytesPerRecord,
    merges: stats.merges,
    recordsMerged: stats.recordsMerged,
    bytesUsed: stats.bytesUsed,
    generateMs: performance.now() - started,
  };
}

async function main(): Promise<void> {
  const rig = new SimulatedRig();
  let watcher: AckWatcher | undefined;
  try {
    // The day ends a minute before now, so the meter's own clock continues after it.
    const originMs = Date.now() - BACKLOG_MS - 60_000;
    const backlog = buildBacklog(join(rig.dir, 'meters', DEVICE), originMs);
    const line = (text: string) => process.stdout.write(`${text}\n`);
    line(
      `backlog: ${backlog.records} records (seq ${backlog.firstSeq}..${backlog.lastSeq}, 24 h at ${INTERVAL_S} s, ` +
        `${backlog.recordsMerged} merged into coarser records by ${backlog.merges} merges), ${(backlog.bytesUsed / 1024).toFixed(0)} KiB of flash, ` +
        `built in ${(backlog.generateMs / 1000).toFixed(1)} s`,
    );
    line(`flash: ${backlog.bytesPerRecord.toFixed(1)} bytes per record of ${CIRCUIT_COUNT} circuits = ${(backlog.bytesPerRecord / CIRCUIT_COUNT).toFixed(2)} bytes per circuit record`);

    await rig.start();
    watcher = await AckWatcher.connect(rig.backendUrl, 'observer-replay-bench');
    const booting = performance.now();
    await rig.startMeters({ count: 1, ids: [DEVICE], intervalS: INTERVAL_S });
    const running = performance.now();
    await watcher.waitFor(new Map([[DEVICE, backlog.lastSeq]]), 600_000);
    const replayS = (performance.now() - running) / 1000;
    const acks = watcher.acks.filter((a) => a.device === DEVICE).length;
    await rig.stopMeters();
    const stopped = rig.meters.text.match(/meter \S+ stopped: (\{.*\})/);
    const delivery = stopped ? JSON.parse(stopped[1]).delivery : undefined;

    const rows = await rig.influxQuery(`SELECT count("seq") FROM "circuit" WHERE "device" = '${DEVICE}' AND time <= ${backlog.lastTs}ms`);
    const points = (rows[0]?.count as number | undefined) ?? 0;
    const distinct = await rig.influxQuery(`SELECT count(distinct("seq")) FROM "circuit" WHERE "device" = '${DEVICE}' AND time <= ${backlog.lastTs}ms`);
    const records = (distinct[0]?.count as number | undefined) ?? 0;
    const metrics = (await rig.rest('GET', '/metrics')).body as Record<string, number>;
    line(`meters process boot: ${((running - booting) / 1000).toFixed(2)} s`);
    line(
      `replay: ${backlog.records} records (${backlog.records * CIRCUIT_COUNT} points) acknowledged in ${replayS.toFixed(2)} s = ` +
        `${(backlog.records / replayS).toFixed(0)} records/s, ${((backlog.records * CIRCUIT_COUNT) / replayS).toFixed(0)} points/s; ${acks} acks`,
    );
    line(`delivery: ${JSON.stringify(delivery)}; backend: ${JSON.stringify(metrics)}`);
    line(`InfluxDB: ${records} distinct seqs, ${points} points for the backlog's time range`);
    const complete = records === backlog.records && points === backlog.records * CIRCUIT_COUNT;
    if (!complete) line(`INCOMPLETE: expected ${backlog.records} records / ${backlog.records * CIRCUIT_COUNT} points`);
    line(
      JSON.stringify({
        replay_records_per_s: Math.round(backlog.records / replayS),
        replay_points_per_s: Math.round((backlog.records * CIRCUIT_COUNT) / replayS),
        replay_s: Number(replayS.toFixed(2)),
        backlog_records: backlog.records,
        backlog_hours: 24,
        interval_s: INTERVAL_S,
        records_merged: backlog.recordsMerged,
        flash_bytes_per_record: Number(backlog.bytesPerRecord.toFixed(1)),
        flash_bytes_per_circuit_record: Number((backlog.bytesPerRecord / CIRCUIT_COUNT).toFixed(2)),
        resent: delivery?.resent,
        go_backs: delivery?.goBacks,
        influx_complete: complete,
      }),
    );
    if (!complete) process.exitCode = 1;
  } finally {
    await watcher?.close();
    await rig.stop();
  }
}

void runCli(
  {
    name: 'bench:replay',
    usage: `usage: npm run bench:replay
  Replays a 24 h backlog of one virtual meter through real servers (influxd, the backend); prints figures, then one JSON line.`,
    options: {},
  },
  main,
);
