/**
 * Issue 12, at CI size: a neighbourhood power cut ends and every meter reconnects at the same instant
 * and replays its backlog in `telemetry/batch` messages of up to 16 records, as the firmware does (docs/protocol.md
 * "Batched replay"), against real servers (influxd, the backend process with its embedded aedes
 * broker). At the same time a stranger floods a topic nobody subscribes to — the burst that used to
 * overflow aedes' emitter and take the backend down (backend/src/broker/broker-emitter.ts).
 * The backend must survive, and every record must be in InfluxDB exactly once.
 * Figures go to stdout; the long runs are `npm run bench:ingest -- --storm`.
 */
import mqtt from 'mqtt';
import { SimulatedRig } from '../rig/simulated-rig';
import { LoadMeters, percentile } from '../bench/load-meters';

jest.setTimeout(180_000);

const METERS = 100;
const BACKLOG = 60;
const say = (line: string) => process.stdout.write(`[reconnect-storm] ${line}\n`);

/** Per device: points, distinct seqs and the seq range in the `circuit` measurement. */
async function perDevice(rig: SimulatedRig): Promise<Map<string, { points: number; seqs: number; lo: number; hi: number }>> {
  const q = 'SELECT count("seq") AS points, count(distinct("seq")) AS seqs FROM "circuit" GROUP BY "device"; SELECT min("seq") AS lo, max("seq") AS hi FROM "circuit" GROUP BY "device"';
  const response = await fetch(`${rig.influxUrl}/query?db=${rig.db}&q=${encodeURIComponent(q)}`);
  const body = (await response.json()) as { results: { series?: { tags: { device: string }; columns: string[]; values: number[][] }[] }[] };
  const out = new Map<string, { points: number; seqs: number; lo: number; hi: number }>();
  for (const result of body.results) {
    for (const series of result.series ?? []) {
      const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0][i]]));
      out.set(series.tags.device, { ...{ points: 0, seqs: 0, lo: 0, hi: 0 }, ...out.get(series.tags.device), ...row });
    }
  }
  return out;
}

/** Rejects with the backend's last words if its process exits. */
function backendDied(rig: SimulatedRig): Promise<never> {
  return new Promise((_resolve, reject) => {
    const poll = setInterval(() => {
      if (rig.backend.running) return;
      clearInterval(poll);
      reject(new Error(`the backend died:\n${rig.backend.text.slice(-1500)}`));
    }, 200);
    poll.unref();
  });
}

describe('reconnect storm (embedded broker)', () => {
  const rig = new SimulatedRig();
  let load: LoadMeters | undefined;
  beforeAll(() => rig.start());
  afterAll(async () => {
    await load?.close();
    await rig.stop();
  });

  it(`should store every record of ${METERS} meters replaying ${BACKLOG} records at once exactly once, through floods of unmatched publishes`, async () => {
    const logins = await rig.deviceLoginsFor(LoadMeters.idsFor({ meters: METERS, idPrefix: 'storm' }));
    load = new LoadMeters({ url: rig.mqttUrl, meters: METERS, window: 16, batch: 16, backlog: BACKLOG, storm: true, idPrefix: 'storm', logins });
    // Publishes outside dinmeter/ that the broker lets through (the backend's identity may publish
    // anywhere: broker-acl.ts); four clients, so their bursts queue together.
    const strangers = await Promise.all(Array.from({ length: 4 }, (_, k) => mqtt.connectAsync(rig.backendUrl, { clientId: `stranger-${k}` })));
    const started = performance.now();
    await load.connect();
    const running = load.run();
    // Bursts of 5,000 while the replay keeps the broker's deliveries to the backend busy.
    for (let burst = 0; burst < 10; burst++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const stranger of strangers) for (let k = 0; k < 5000; k++) stranger.publish('noise/nobody-listens', 'x', { qos: 0 });
    }
    await Promise.all(strangers.map((stranger) => stranger.endAsync()));
    await Promise.race([running, backendDied(rig)]);
    const seconds = (performance.now() - started) / 1000;
    const stats = load.stats();
    say(`${stats.acked} records acked in ${seconds.toFixed(1)} s (${(stats.acked / seconds).toFixed(0)} records/s), ack p99 ${percentile(stats.ackLatenciesMs, 99).toFixed(0)} ms`);

    expect(rig.backend.running).toBe(true);
    expect(stats.acked).toBe(METERS * BACKLOG);
    const stored = await perDevice(rig);
    const wrong = load.ids.filter((id) => {
      const s = stored.get(id);
      return !s || s.points !== BACKLOG * 10 || s.seqs !== BACKLOG || s.lo !== 1 || s.hi !== BACKLOG;
    });
    expect(wrong.map((id) => [id, stored.get(id)])).toEqual([]);
    expect(rig.backend.text).not.toMatch(/Maximum call stack size exceeded/);
    const health = await rig.rest('GET', '/health');
    expect(health.status).toBe(200);
  });
});
