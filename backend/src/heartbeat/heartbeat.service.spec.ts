import { decodeMessage, topics } from '@dinmeter/shared';
import { CircuitConfigService } from '../circuits/circuit-config.service';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { HeartbeatService } from './heartbeat.service';

/** What CircuitConfigService (configured here) and DevicesService (reported by the meters) offer. */
class FailsafeSource {
  private readonly listeners: (() => void)[] = [];
  constructor(private shortest: number | undefined) {}
  shortestFailsafeSeconds() {
    return this.shortest;
  }
  onFailsafeChange(listener: () => void) {
    this.listeners.push(listener);
  }
  change(seconds: number | undefined) {
    this.shortest = seconds;
    for (const listener of this.listeners) listener();
  }
}

describe(HeartbeatService.name, () => {
  const setup = (shortest: number | undefined, intervalS = 10) => {
    const published: { at: number; interval_s: number }[] = [];
    const mqtt = new InMemoryMqttBus();
    jest.spyOn(mqtt, 'publish').mockImplementation(async (topic: string, payload: string) => {
      expect(topic).toBe(topics.heartbeat());
      const decoded = decodeMessage('heartbeat', payload);
      if (!decoded.ok) throw new Error(decoded.errors.join('; '));
      published.push({ at: Date.now(), interval_s: decoded.value.interval_s });
    });
    const circuits = new FailsafeSource(shortest);
    const devices = new FailsafeSource(undefined);
    const config = { HEARTBEAT_INTERVAL_S: intervalS } as AppConfig;
    const service = new HeartbeatService(
      config,
      mqtt,
      circuits as unknown as CircuitConfigService,
      devices as unknown as DevicesService,
      () => Date.now(),
    );
    return { service, published, circuits, devices };
  };

  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** The longest silence between heartbeats within `ms` from now (including from now to the first). */
  const longestGap = (published: { at: number }[], from: number, until: number) => {
    const times = [from, ...published.map((p) => p.at).filter((t) => t >= from && t <= until), until];
    return Math.max(...times.slice(1).map((t, i) => t - times[i]));
  };

  describe('onApplicationBootstrap', () => {
    it('should beat every HEARTBEAT_INTERVAL_S while every failsafe is the factory one', () => {
      const { service, published } = setup(undefined);
      service.onApplicationBootstrap();
      jest.advanceTimersByTime(60_000);
      expect(published).toHaveLength(7); // at start, then every 10 s
      expect(published.every((p) => p.interval_s === 10)).toBe(true);
      service.onModuleDestroy();
    });

    it('should beat often enough for the shortest failsafe configured at start', () => {
      const { service, published } = setup(5);
      service.onApplicationBootstrap();
      const start = Date.now();
      jest.advanceTimersByTime(60_000);
      expect(longestGap(published, start, Date.now())).toBeLessThanOrEqual(5000 / 3);
      expect(published[0].interval_s).toBeCloseTo(1.666, 3);
      service.onModuleDestroy();
    });
  });

  describe('cadence changes', () => {
    it('should speed up at once when a shorter failsafe is configured', () => {
      const { service, published, circuits } = setup(undefined);
      service.onApplicationBootstrap();
      jest.advanceTimersByTime(3000);
      const changedAt = Date.now();
      circuits.change(5);
      expect(published.at(-1)).toEqual({ at: changedAt, interval_s: 1.666 });
      jest.advanceTimersByTime(30_000);
      expect(longestGap(published, changedAt, Date.now())).toBeLessThanOrEqual(1666);
      service.onModuleDestroy();
    });

    it('should follow a short failsafe a meter reports that this backend did not configure', () => {
      const { service, published, devices } = setup(60);
      service.onApplicationBootstrap();
      expect(published.at(-1)?.interval_s).toBe(10);
      devices.change(6);
      expect(published.at(-1)?.interval_s).toBe(2);
      service.onModuleDestroy();
    });

    it('should slow down again when the short failsafe is gone', () => {
      const { service, published, circuits } = setup(5);
      service.onApplicationBootstrap();
      circuits.change(600);
      const count = published.length;
      jest.advanceTimersByTime(30_000);
      expect(published.length - count).toBe(3);
      expect(published.at(-1)?.interval_s).toBe(10);
      service.onModuleDestroy();
    });
  });

  describe('onModuleDestroy', () => {
    it('should stop beating', () => {
      const { service, published } = setup(5);
      service.onApplicationBootstrap();
      service.onModuleDestroy();
      const count = published.length;
      jest.advanceTimersByTime(30_000);
      expect(published).toHaveLength(count);
    });
  });
});
