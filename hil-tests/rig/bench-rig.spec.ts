/**
 * The bench rig without a bench: the line-protocol controller against a fake controller on
 * 127.0.0.1, and the rig's REST/Influx plumbing against a fake fetch.
 */
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { BenchProtocolError, LineBenchController, parseBenchUrl } from './bench-controller';
import { BenchRig, BenchUnsupportedError, benchConfigFromEnv } from './bench-rig';
import { createRig, rigKind } from './index';
import { SimulatedRig } from './simulated-rig';

/** A fake bench controller: records commands, answers from a table (or stays silent). */
class FakeBench {
  readonly received: string[] = [];
  readonly sockets = new Set<Socket>();
  power = false;
  server!: Server;

  constructor(private readonly answer: (command: string, bench: FakeBench) => string | undefined) {}

  async listen(): Promise<number> {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          this.received.push(line);
          const reply = this.answer(line, this);
          if (reply !== undefined) socket.write(`${reply}\r\n`);
        }
      });
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const standard = (command: string, bench: FakeBench): string | undefined => {
  if (command === 'PING') return 'OK fake-bench 1.0';
  if (/^LOAD \d+ \d+$/.test(command)) return 'OK';
  if (command === 'POWER ON' || command === 'POWER OFF') {
    bench.power = command === 'POWER ON';
    return 'OK';
  }
  if (/^POWER CYCLE \d+$/.test(command)) return 'OK';
  if (/^NET CUT \d+$/.test(command)) return 'OK';
  if (command === 'REF 3') return 'OK 2301.5 1234.25';
  if (command === 'REF 4') return 'OK garbage';
  if (command === 'SILENT') return undefined;
  return 'ERR unknown command';
};

describe('LineBenchController', () => {
  let bench: FakeBench;
  let controller: LineBenchController;

  beforeEach(async () => {
    bench = new FakeBench(standard);
    controller = new LineBenchController({ host: '127.0.0.1', port: await bench.listen(), timeoutMs: 500 });
  });

  afterEach(async () => {
    await controller.close();
    await bench.close();
  });

  it('should send one line per command and return the text after OK', async () => {
    expect(await controller.identify()).toBe('fake-bench 1.0');
    await controller.setLoad(2, 1500.4);
    await controller.setPower(true);
    await controller.powerCycle(2000);
    await controller.cutNetwork(30);
    expect(bench.received).toEqual(['PING', 'LOAD 2 1500', 'POWER ON', 'POWER CYCLE 2000', 'NET CUT 30']);
    expect(bench.power).toBe(true);
  });

  it('should parse reference readings and reject malformed ones', async () => {
    expect(await controller.readReference(3)).toEqual({ powerW: 2301.5, energyWh: 1234.25 });
    await expect(controller.readReference(4)).rejects.toThrow(/expected "<watts> <wh>"/);
  });

  it('should keep replies in order when commands are issued concurrently', async () => {
    const replies = await Promise.all([
      controller.identify(),
      controller.readReference(3),
      controller.identify(),
    ]);
    expect(replies[1]).toEqual({ powerW: 2301.5, energyWh: 1234.25 });
    expect(bench.received).toEqual(['PING', 'REF 3', 'PING']);
  });

  it('should turn ERR into an error naming the command', async () => {
    await expect(controller.command('FROB 1')).rejects.toThrow(/refused "FROB 1": unknown command/);
  });

  it('should time out on a silent controller and recover on a fresh connection', async () => {
    await expect(controller.command('SILENT')).rejects.toThrow(BenchProtocolError);
    expect(await controller.identify()).toBe('fake-bench 1.0');
  });

  it('should refuse unsafe or invalid requests before sending anything', async () => {
    await expect(controller.setLoad(1, 5000)).rejects.toThrow(/bench limit/);
    await expect(controller.setLoad(11, 100)).rejects.toThrow(/circuit must be 1\.\.10/);
    await expect(controller.cutNetwork(0)).rejects.toThrow(/network cut/);
    expect(bench.received).toEqual([]);
  });

  it('should report an unreachable controller clearly', async () => {
    const dead = new LineBenchController({ host: '127.0.0.1', port: 1, timeoutMs: 500 });
    await expect(dead.identify()).rejects.toThrow(/cannot reach the bench controller at 127\.0\.0\.1:1/);
  });

  it('should parse tcp:// bench URLs only', () => {
    expect(parseBenchUrl('tcp://bench.lan:5025')).toEqual({ host: 'bench.lan', port: 5025 });
    expect(() => parseBenchUrl('http://bench.lan')).toThrow(/tcp:\/\/host:port/);
  });
});

describe('BenchRig', () => {
  const ENV = {
    HIL_REST_URL: 'http://10.0.0.2:3000/api/',
    HIL_MQTT_URL: 'mqtt://10.0.0.2:1883',
    HIL_INFLUX_URL: 'http://10.0.0.2:8086',
    HIL_DEVICE_IDS: 'dm-000000000001, dm-000000000002',
    HIL_BENCH_URL: 'tcp://127.0.0.1:5025',
  };

  /** A fake backend: /health, /devices whose online flags follow the fake bench's power. */
  function fakeFetch(bench: FakeBench, calls: string[]): typeof fetch {
    return (async (url: string) => {
      calls.push(url);
      const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200 });
      if (url.endsWith('/health')) return json({ ok: true });
      if (url.endsWith('/devices'))
        return json(['dm-000000000001', 'dm-000000000002'].map((id) => ({ id, online: bench.power })));
      if (url.includes('/query?'))
        return json({ results: [{ series: [{ columns: ['time', 'power_w'], values: [[1, 230.5]] }] }] });
      return new Response('', { status: 404 });
    }) as typeof fetch;
  }

  it('should read its configuration from the HIL_* variables and name what is missing', () => {
    const config = benchConfigFromEnv(ENV);
    expect(config.restUrl).toBe('http://10.0.0.2:3000/api');
    expect(config.deviceIds).toEqual(['dm-000000000001', 'dm-000000000002']);
    expect(config.db).toBe('dinmeter');
    expect(() => benchConfigFromEnv({ HIL_REST_URL: 'x' })).toThrow(
      /HIL_MQTT_URL, HIL_INFLUX_URL, HIL_DEVICE_IDS, HIL_BENCH_URL/,
    );
  });

  it('should power the meters, wait for them online, cut power, and query InfluxDB', async () => {
    const bench = new FakeBench(standard);
    const port = await bench.listen();
    const calls: string[] = [];
    const rig = new BenchRig({
      ...benchConfigFromEnv(ENV),
      controller: new LineBenchController({ host: '127.0.0.1', port, timeoutMs: 500 }),
      fetchImpl: fakeFetch(bench, calls),
      onlineTimeoutMs: 3000,
    });
    try {
      await rig.start();
      await rig.startMeters({ count: 2, intervalS: 10 });
      expect(bench.power).toBe(true);
      await rig.killMeters();
      expect(bench.power).toBe(false);
      expect(await rig.influxQuery('SELECT power_w FROM circuit')).toEqual([{ time: 1, power_w: 230.5 }]);
      expect(
        calls.some((u) => u.startsWith('http://10.0.0.2:8086/query?db=dinmeter&epoch=ms&q=SELECT')),
      ).toBe(true);
      await rig.stop();
      expect(bench.received.filter((c) => c.startsWith('LOAD'))).toHaveLength(10);
    } finally {
      await bench.close();
    }
  });

  it('should refuse what a bench cannot do with a clear error', async () => {
    const rig = new BenchRig({
      ...benchConfigFromEnv(ENV),
      controller: new LineBenchController({ host: '127.0.0.1', port: 1 }),
    });
    await expect(rig.startBackend()).rejects.toThrow(BenchUnsupportedError);
    await expect(rig.killBackend()).rejects.toThrow(/not supported on a bench rig/);
    await expect(rig.stopInflux()).rejects.toThrow(/not supported on a bench rig/);
    await expect(rig.stopMeters()).rejects.toThrow(/not supported on a bench rig/);
    await expect(rig.startMeters({ count: 1, intervalS: 1, speed: 60 })).rejects.toThrow(
      /speed is not supported on a bench rig/,
    );
    await expect(rig.startMeters({ count: 3, intervalS: 1 })).rejects.toThrow(
      /wants 3 meters, the bench has 2/,
    );
    await expect(rig.startMeters({ count: 1, intervalS: 1, ids: ['vm-1'] })).rejects.toThrow(
      /not on this bench/,
    );
  });
});

describe('createRig', () => {
  it('should pick the rig from HIL_RIG (default sim)', () => {
    expect(rigKind({})).toBe('sim');
    expect(
      createRig(
        {},
        {
          HIL_RIG: 'bench',
          ...{
            HIL_REST_URL: 'http://a/api',
            HIL_MQTT_URL: 'mqtt://a',
            HIL_INFLUX_URL: 'http://a:8086',
            HIL_DEVICE_IDS: 'dm-1',
            HIL_BENCH_URL: 'tcp://a:1',
          },
        },
      ),
    ).toBeInstanceOf(BenchRig);
    expect(() => rigKind({ HIL_RIG: 'lab' })).toThrow(/"sim" or "bench"/);
  });

  it('should build a simulated rig by default', () => {
    const rig = createRig({}, {});
    expect(rig).toBeInstanceOf(SimulatedRig);
    (rig as SimulatedRig).stop().catch(() => undefined);
  });
});
