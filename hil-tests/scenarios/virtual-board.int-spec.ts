/**
 * The firmware IMAGE against the real backend: the lin build of device/manifest.json (compiled
 * TypeScript, xsc, xsl, linked with the XS runtime by the Moddable SDK), running headless as the
 * virtual board (device/platform/lin: ATM90E26 models behind embedded:io/spi, the MCP23017 relays
 * behind embedded:io/i2c, flash and NVS in files with power-cut injection), with the SDK's own
 * ECMA-419 TCP sockets and MQTT client, against influxd and the backend process. Nothing here goes
 * through the Node virtual meter.
 *
 * Skipped, with a note, only where no Moddable SDK exists ($MODDABLE or shared/moddable-sdk beside
 * the clone). The image is rebuilt when a source is newer (npm test builds it in its firmware step).
 */
import mqtt from 'mqtt';
import { join } from 'node:path';
import { PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import { ensureLinImage } from '../../device/tools/firmware/firmware-build';
import { locateSdk, prepareSdk, Sdk } from '../../device/tools/firmware/moddable-sdk';
import { VirtualBoardProcess } from '../../device/tools/firmware/virtual-board.process';
import { eventually, SimulatedRig } from '../rig/simulated-rig';
import { signed } from './support/signed';

jest.setTimeout(240_000);

const DEVICE = 'vb-1';
/** The base-load circuit: it always draws, so "cut" is visible as 0 W. */
const CIRCUIT = 7;

const location = locateSdk();
if (!location) process.stdout.write('virtual board scenarios SKIPPED: no Moddable SDK ($MODDABLE, or shared/moddable-sdk beside the clone)\n');
const describeWithSdk = location ? describe : describe.skip;

describeWithSdk('virtual board: the Moddable build of the firmware against InfluxDB and the backend', () => {
  const rig = new SimulatedRig();
  let sdk: Sdk;
  let board: VirtualBoardProcess;
  /** The board's login and command key, issued by the backend's registry. */
  let mqttLogin: { username: string; password: string; commandKey: string };

  const configureBoard = (powerCutAtWrite?: number): void =>
    board.configure(
      { deviceId: DEVICE, mqttUrl: rig.mqttUrl, mqttLogin, commandKey: mqttLogin.commandKey, intervalS: 1 },
      { seed: 7, powerCutAtWrite },
    );

  /** Seq → number of points in InfluxDB for the board. */
  async function storedSeqs(): Promise<Map<number, number>> {
    const rows = await rig.influxQuery(`SELECT "seq", "power_w" FROM "circuit" WHERE "device" = '${DEVICE}'`);
    const perSeq = new Map<number, number>();
    for (const row of rows) perSeq.set(row.seq as number, (perSeq.get(row.seq as number) ?? 0) + 1);
    return perSeq;
  }

  /** Every record 1..max is in InfluxDB with exactly one point per circuit: nothing lost, nothing twice. */
  async function expectCompleteLog(): Promise<number> {
    const perSeq = await storedSeqs();
    const seqs = [...perSeq.keys()].sort((a, b) => a - b);
    const max = seqs[seqs.length - 1] ?? 0;
    expect(seqs).toEqual(Array.from({ length: max }, (_, k) => k + 1));
    expect([...perSeq.entries()].filter(([, n]) => n !== 10)).toEqual([]);
    return max;
  }

  async function lastTelemetrySeq(): Promise<number> {
    const { body } = await rig.rest('GET', `/devices/${DEVICE}`);
    return body?.lastTelemetrySeq ?? 0;
  }

  /** Waits until the backend stored `count` more records than `from`, all acked. */
  async function recordsBeyond(from: number, count: number): Promise<void> {
    await eventually(async () => (await lastTelemetrySeq()) >= from + count, 60_000, `records beyond ${from}`);
  }

  beforeAll(async () => {
    sdk = prepareSdk(location!, { mcsim: true, log: (line) => process.stdout.write(`${line}\n`) });
    const image = await ensureLinImage(sdk);
    await rig.start();
    mqttLogin = await rig.deviceLogin(DEVICE);
    board = new VirtualBoardProcess(image, join(rig.dir, DEVICE), join(sdk.bin, 'mcsim'));
    configureBoard();
    await board.start();
  }, 600_000);

  afterAll(async () => {
    await board?.stop();
    await rig.stop();
  });

  it('should come online and store every record in InfluxDB exactly once', async () => {
    await eventually(async () => (await rig.rest('GET', `/devices/${DEVICE}`)).body?.online, 60_000, `${DEVICE} online`);
    await recordsBeyond(0, 5);
    const { body } = await rig.rest('GET', `/devices/${DEVICE}`);
    expect(body.firmware).toMatch(/^dinmeter-esp32 /); // the very entry main.ts, not the Node virtual meter
    const max = await expectCompleteLog();
    expect(max).toBeGreaterThanOrEqual(5);
    // Real readings through the driver and the chip models: the base load draws, the empty circuit does not.
    const rows = await rig.influxQuery(`SELECT "power_w", "voltage_v" FROM "circuit" WHERE "device" = '${DEVICE}' AND "circuit" = '${CIRCUIT}' ORDER BY time DESC LIMIT 1`);
    expect(rows[0].power_w).toBeGreaterThan(20);
    expect(rows[0].voltage_v).toBeGreaterThan(200);
  });

  it('should ack a relay command and cut the load', async () => {
    const post = await rig.rest('POST', `/devices/${DEVICE}/circuits/${CIRCUIT}/relay`, { state: 'off' });
    expect(post.status).toBe(202);
    const acked = await eventually(
      async () => {
        const { body } = await rig.rest('GET', `/commands/${post.body.commandId}`);
        return body.status === 'acked' ? body : undefined;
      },
      30_000,
      'relay command acked',
    );
    expect(acked.state).toBe('off');
    const row = await eventually(
      async () =>
        (
          await rig.influxQuery(
            `SELECT "power_w", "current_a" FROM "circuit" WHERE "device" = '${DEVICE}' AND "circuit" = '${CIRCUIT}' AND time > ${acked.ackedAt + 1500}ms LIMIT 1`,
          )
        )[0],
      30_000,
      'telemetry after the relay opened',
    );
    expect(row.power_w).toBe(0);
    expect(row.current_a).toBe(0);
  });

  it('should lose no record when killed mid-run, and ignore a stale command retained for it at restart', async () => {
    // The applied command's seq is in NVS: a retained command with an older seq must not switch the relay back on.
    const backendClient = await mqtt.connectAsync(rig.backendUrl, { clientId: 'dinmeter-backend-virtual-board-test' });
    const stale = { v: PROTOCOL_VERSION, id: 'stale-retained', seq: 1, expires: Date.now() + 600_000, op: 'relay', circuit: CIRCUIT, state: 'on' };
    const acks = new Map<string, any>();
    backendClient.on('message', (_topic, payload) => {
      const ack = JSON.parse(payload.toString());
      acks.set(ack.id, ack);
    });
    await backendClient.subscribeAsync(topics.cmdAck(DEVICE), { qos: 1 });
    await backendClient.publishAsync(topics.cmd(DEVICE), signed(Buffer.from(mqttLogin.commandKey, 'hex'), 'cmd', JSON.stringify(stale)), { qos: 1, retain: true });

    const before = await lastTelemetrySeq();
    await board.kill('SIGKILL');
    await board.start();
    await recordsBeyond(before, 5);
    await expectCompleteLog();

    // The SDK's MQTT client does not report the retain flag: the seq gate refuses it (README).
    const ack = await eventually(async () => acks.get(stale.id), 20_000, 'answer to the stale command');
    expect(ack).toMatchObject({ ok: false, code: 'stale_seq' });
    const { body: circuits } = await rig.rest<any[]>('GET', `/devices/${DEVICE}/circuits`);
    expect(circuits[CIRCUIT - 1].relay.state).toBe('off');
    await backendClient.publishAsync(topics.cmd(DEVICE), '', { qos: 1, retain: true });
    await backendClient.endAsync();
  });

  it('should keep its record log through a power cut in the middle of a flash write', async () => {
    const before = await lastTelemetrySeq();
    await board.kill('SIGKILL');
    configureBoard(40); // a few records after boot: a record append or a log erase is torn half-way
    await board.start();
    await board.waitFor(/virtual-board: power cut during write \d+ \((flash|nvs)[^)]*\)/, 60_000);
    await board.kill('SIGKILL');
    configureBoard();
    await board.start();
    await recordsBeyond(before, 5);
    await expectCompleteLog();
  });
});
