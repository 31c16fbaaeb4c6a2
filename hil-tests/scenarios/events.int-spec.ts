/**
 * Events are stored-and-forwarded like telemetry (docs/store-and-forward.md "Events"), against real
 * servers: influxd, the backend process with its embedded broker, and a virtual meter running the
 * unchanged firmware core with its event log on file-backed flash.
 *
 * The meter is cut off (the backend and its broker SIGKILLed), two circuits trip on a forced
 * overcurrent while it is offline, the backend comes back: every event the meter's event log ever
 * took (read from its flash file after a clean stop) is in InfluxDB exactly once, the trips at the
 * time they happened, and the REST API and the live stream serve them.
 */
import { EventMessage, topics } from '@dinmeter/shared';
import mqtt from 'mqtt';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLog } from '../../device/core/events/event-log';
import { FileFlash } from '../../device/platform/host/file-flash';
import { EVENT_FLASH_BYTES } from '../../device/platform/host/virtual-meter';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`[events] ${line}\n`);
const ID = 'ev-1';
const TRIP_CIRCUITS = [2, 5];
/** Trips while online, with the live stream open. */
const LIVE_CIRCUIT = 7;

const rig = createRig();

describeWith(rig, ['backend-restart', 'sim-inspect', 'named-meters', 'clean-stop'])('events: store-and-forward through an outage', () => {
  const sim = simulated(rig);
  let observer: mqtt.MqttClient | undefined;
  let stream: ReturnType<typeof openStream> | undefined;

  async function trip(circuit: number): Promise<void> {
    await sim.forceCurrent(ID, circuit, 12);
    await eventually(async () => ((await sim.meterState(ID)).circuits[circuit - 1].relay?.tripped ? true : undefined), 15_000, `circuit ${circuit} tripped`);
    await sim.forceCurrent(ID, circuit, null);
  }

  async function configure(circuit: number, config: Record<string, unknown>): Promise<void> {
    expect((await rig.rest('PUT', `/devices/${ID}/circuits/${circuit}/config`, config)).status).toBe(200);
    await eventually(
      async () => ((await rig.rest('GET', `/devices/${ID}/circuits/${circuit}/config`)).body.inSync ? true : undefined),
      20_000,
      `config of circuit ${circuit} acknowledged`,
    );
  }

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, ids: [ID], intervalS: 2 });
    await eventually(async () => ((await rig.rest<any[]>('GET', '/devices')).body.some((d) => d.id === ID && d.online) ? true : undefined), 60_000, `${ID} online`);
  });

  afterAll(async () => {
    stream?.close();
    await observer?.endAsync(true);
    await rig.stop();
  });

  it('should store every event made offline exactly once after the reconnect, and serve it by REST and live', async () => {
    for (const circuit of [...TRIP_CIRCUITS, LIVE_CIRCUIT]) await configure(circuit, { overcurrentA: 5, overcurrentDelayMs: 500 });

    // Offline: the backend and its embedded broker die; the meter keeps measuring and protecting.
    await rig.killBackend('SIGKILL');
    const offlineFrom = (await sim.meterState(ID)).wallMs;
    for (const circuit of TRIP_CIRCUITS) await trip(circuit);
    const offlineTo = (await sim.meterState(ID)).wallMs;
    await sleep(1000);

    await rig.startBackend();
    const acks: number[] = [];
    observer = await mqtt.connectAsync(rig.backendUrl, { clientId: 'events-observer', reconnectPeriod: 500 });
    observer.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString()).upto_seq));
    await observer.subscribeAsync(topics.eventsAck(ID), { qos: 1 });

    const trips = await eventually(
      async () => {
        const { status, body } = await rig.rest('GET', `/devices/${ID}/events?from=${offlineFrom}&to=${offlineTo + 1}&type=protection_trip`);
        expect(status).toBe(200);
        return body.events.length >= TRIP_CIRCUITS.length ? body.events : undefined;
      },
      60_000,
      'the offline trips stored',
    );
    expect(trips.map((e: any) => e.circuit).sort()).toEqual(TRIP_CIRCUITS);
    for (const t of trips) {
      expect(t).toMatchObject({ device: ID, type: 'protection_trip', data: { limit_a: 5, delay_ms: 500 } });
      expect(t.ts).toBeGreaterThanOrEqual(offlineFrom);
    }
    expect((await rig.rest('GET', `/devices/${ID}/events?type=explosion`)).status).toBe(400);

    // Live: a browser-style stream (token in the query) gets a trip as soon as it is stored.
    stream = openStream(`${rig.restUrl}/events/stream?device=${ID}&type=protection_trip&access_token=${encodeURIComponent(sim.adminToken)}`);
    await eventually(async () => (stream!.opened ? true : undefined), 10_000, 'stream open');
    await trip(LIVE_CIRCUIT);
    const live = await eventually(async () => stream!.events.find((e) => e.circuit === LIVE_CIRCUIT), 20_000, 'the live trip on the stream');
    expect(live).toMatchObject({ type: 'protection_trip', data: { limit_a: 5 } });
    stream.close();

    // The truth: the meter's own event log, read from its flash file after a clean stop.
    await rig.stopMeters();
    const copy = join(sim.dir, 'events-copy.bin');
    copyFileSync(join(sim.dir, 'meters', ID, 'events.bin'), copy);
    const flash = new FileFlash({ path: copy, byteLength: EVENT_FLASH_BYTES });
    const log = new EventLog(flash);
    log.open();
    flash.close();
    const created = log.nextSeq - 1;
    expect(log.ackedSeq).toBe(created); // everything acknowledged, so nothing waits on the meter
    expect(Math.max(...acks)).toBe(created);

    const rows = await rig.influxQuery(`SELECT "seq", "type", "circuit" FROM "rp_history"."event" WHERE "device" = '${ID}'`);
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: created }, (_, k) => k + 1)); // each seq once, none missing
    const stats = (await rig.rest('GET', '/metrics')).body;
    say(
      `${created} events created (${trips.length} trips offline), all stored once; duplicates skipped by the backend: ${stats.events_duplicates ?? 0}, acks seen: ${acks.length}`,
    );
  });
});

/** A minimal EventSource: GET with fetch, parse `event:`/`data:` blocks. */
function openStream(url: string): { events: EventMessage[]; opened: boolean; close(): void } {
  const controller = new AbortController();
  const stream = { events: [] as EventMessage[], opened: false, close: () => controller.abort() };
  void (async () => {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    if (response.status !== 200 || !response.body) throw new Error(`stream answered ${response.status}`);
    stream.opened = true;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (block.includes('event: event') && data) stream.events.push(JSON.parse(data.slice(6)));
      }
    }
  })().catch((error: Error) => {
    if (error.name !== 'AbortError') say(`stream failed: ${error.message}`);
  });
  return stream;
}
