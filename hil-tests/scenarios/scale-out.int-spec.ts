/**
 * Scale-out against Debian's Mosquitto: two backend processes on one external broker.
 * - Telemetry is taken through `$share/ingest/…` (MQTT_SHARE_GROUP), so each record reaches one
 *   instance; together they must still store every record exactly once and let the meters' logs drain.
 * - The automation runs on exactly one of them (leader lease, docs/automation.md); SIGKILL of the
 *   leader makes the broker publish its last will and the other takes over within the lease TTL.
 */
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(120_000);

const LEASE_TTL_S = 3;

interface LeaderStatus {
  instance: string;
  leader: string | null;
  isLeader: boolean;
}

const selected = createRig({
    externalBroker: true,
    backendEnv: { MQTT_SHARE_GROUP: 'ingest', LEASE_TTL_S: String(LEASE_TTL_S) },
  });

describeWith(selected, ['second-backend', 'broker-restart', 'clean-stop'])('scale-out: two backends, one shared telemetry subscription, one automation leader', () => {
  const rig = simulated(selected);

  beforeAll(async () => {
    const started = Date.now();
    await rig.start();
    await rig.startSecondBackend();
    await rig.startMeters({ count: 3, intervalS: 1 });
    process.stdout.write(`scale-out: rig with 2 backends and 3 meters up in ${Date.now() - started} ms\n`);
  });

  afterAll(async () => {
    await rig.stop();
  });

  it('should store every record once by seq across both instances, with both storing and the backlogs drained', async () => {
    const started = Date.now();
    await eventually(async () => {
      const rows = await rig.influxQuery(`SELECT count("seq") FROM "circuit" GROUP BY "device"`);
      return rows.length === 3 && rows.every((r) => (r.count as number) >= 10 * 10);
    }, 60_000, '10 records of each of 3 meters in InfluxDB');

    // A broker outage builds a backlog; after it the meters replay it in a burst (go-back-N window),
    // records of one meter interleaved across both instances: the case where per-instance ack tracking could stall.
    await rig.stopBroker();
    await new Promise((resolve) => setTimeout(resolve, 8000));
    await rig.startBroker();
    await eventually(async () => {
      const rows = await rig.influxQuery(`SELECT count("seq") FROM "circuit" GROUP BY "device"`);
      return rows.length === 3 && rows.every((r) => (r.count as number) >= 25 * 10);
    }, 60_000, '25 records of each of 3 meters in InfluxDB');

    // A clean stop waits (up to 5 s) for the last acks and prints each meter's final seq, acked seq and backlog.
    await rig.stopMeters();
    const summary = [...rig.meters.text.matchAll(/meter (vm-\d+) stopped: (\{.*\})/g)].map((m) => ({ id: m[1], ...JSON.parse(m[2]) }));
    const metrics = [(await rig.rest('GET', '/metrics')).body, (await rig.restSecond('GET', '/metrics')).body];
    const pick = (m: Record<string, number>) =>
      Object.fromEntries(['telemetry_received', 'telemetry_stored', 'telemetry_duplicates', 'telemetry_gaps', 'telemetry_peer_acks'].map((k) => [k, m[k] ?? 0]));
    process.stdout.write(
      `scale-out ingest (${Date.now() - started} ms): meters ${JSON.stringify(summary)}\n` +
        `  backend-1 ${JSON.stringify(pick(metrics[0]))}\n  backend-2 ${JSON.stringify(pick(metrics[1]))}\n`,
    );
    expect(summary.map((s) => s.id).sort()).toEqual(['vm-1', 'vm-2', 'vm-3']);

    // Both instances took a share of the telemetry.
    expect(metrics[0].telemetry_stored).toBeGreaterThan(0);
    expect(metrics[1].telemetry_stored).toBeGreaterThan(0);

    for (const meter of summary) {
      const rows = await rig.influxQuery(`SELECT "seq", "power_w" FROM "circuit" WHERE "device" = '${meter.id}'`);
      const perSeq = new Map<number, number>();
      for (const row of rows) perSeq.set(row.seq as number, (perSeq.get(row.seq as number) ?? 0) + 1);
      expect({ id: meter.id, rows: rows.length }).toEqual({ id: meter.id, rows: meter.lastSeq * 10 });
      expect([...perSeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: meter.lastSeq }, (_, k) => k + 1));
      expect([...perSeq.values()].every((n) => n === 10)).toBe(true);
      // The acks of both instances reached the meter: nothing left in its log.
      expect({ id: meter.id, backlog: meter.backlog, ackedSeq: meter.ackedSeq }).toEqual({ id: meter.id, backlog: 0, ackedSeq: meter.lastSeq });
    }
  });

  it('should run exactly one automation leader and hand over within the lease TTL after SIGKILL', async () => {
    const both = async (): Promise<[LeaderStatus, LeaderStatus]> => [
      (await rig.rest<LeaderStatus>('GET', '/automation/leader')).body,
      (await rig.restSecond<LeaderStatus>('GET', '/automation/leader')).body,
    ];
    const [a, b] = await eventually(async () => {
      const s = await both();
      // Settled: exactly one leads, and both name it as the holder.
      return s.filter((x) => x.isLeader).length === 1 && s[0].leader === s[1].leader && s[0].leader !== null ? s : undefined;
    }, 20_000, 'one leader both instances agree on');
    expect(a.instance).not.toBe(b.instance);
    const leaderIsFirst = a.isLeader;
    const follower = leaderIsFirst ? b : a;
    expect((leaderIsFirst ? a : b).instance).toBe(a.leader);

    // Stays single-leader for a couple of renewals.
    for (let k = 0; k < 5; k++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await both()).filter((x) => x.isLeader).length).toBe(1);
    }

    const killedAt = Date.now();
    if (leaderIsFirst) await rig.killBackend('SIGKILL');
    else await rig.killSecondBackend('SIGKILL');
    const survivor = () => (leaderIsFirst ? rig.restSecond<LeaderStatus>('GET', '/automation/leader') : rig.rest<LeaderStatus>('GET', '/automation/leader'));
    const after = await eventually(async () => {
      const { body } = await survivor();
      return body.isLeader ? body : undefined;
    }, (LEASE_TTL_S + 5) * 1000, 'the survivor to lead');
    const tookMs = Date.now() - killedAt;
    process.stdout.write(`scale-out leader: ${follower.instance} took over ${tookMs} ms after SIGKILL of ${a.leader} (ttl ${LEASE_TTL_S} s)\n`);
    expect(after.instance).toBe(follower.instance);
    expect(after.leader).toBe(follower.instance);
    expect(tookMs).toBeLessThan(LEASE_TTL_S * 1000 + 2000);
  });
});
