import { BadRequestException, ConflictException } from '@nestjs/common';
import { decodeMessage, macInput, openSigned, topics } from '@dinmeter/shared';
import { createHmac } from 'node:crypto';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { PriceSlot } from '../prices/price.types';
import { PricesService } from '../prices/prices.service';
import { AutomationService } from './automation.service';
import { AutomationFile, AutomationRepository } from './automation.types';
import { GuardsService } from './guards.service';
import { LeaderLeaseService } from '../leader/leader-lease.service';

const H = 3_600_000;
const KEY = Buffer.alloc(32, 5);

/** The plan inside a published payload, after checking its MAC as the meter does. */
function verifiedPlan(payload: string): string {
  const opened = openSigned('plan', Buffer.from(payload));
  if (!opened.ok) throw new Error(`published an unsigned plan: ${opened.error}`);
  if (!createHmac('sha256', KEY).update(macInput('plan', opened.body)).digest().equals(Buffer.from(opened.mac))) throw new Error('wrong MAC');
  return Buffer.from(opened.body).toString('utf8');
}
const T0 = Date.parse('2025-11-26T00:00:00Z');
const PRICES: PriceSlot[] = Array.from({ length: 24 }, (_, k) => ({ start: T0 + k * H, end: T0 + (k + 1) * H, price: k === 4 ? 0.01 : 0.2 }));

class MemoryRepository implements AutomationRepository {
  data?: AutomationFile;
  load(fallback: AutomationFile): AutomationFile {
    return this.data ? JSON.parse(JSON.stringify(this.data)) : fallback;
  }
  save(data: AutomationFile): void {
    this.data = JSON.parse(JSON.stringify(data));
  }
  flush(): void {}
}

function setup(options: { leader?: boolean; holder?: string; keyless?: boolean } = {}) {
  let now = T0 + 1 * H;
  const repository = new MemoryRepository();
  const published: { topic: string; payload: string; retain?: boolean }[] = [];
  const mqtt = new InMemoryMqttBus();
  jest.spyOn(mqtt, 'publish').mockImplementation(async (topic, payload, o) => void published.push({ topic, payload: verifiedPlan(payload), retain: o.retain }));
  const devices = {
    get: jest.fn((id: string) => {
      if (id !== 'm1') throw new Error('unknown');
      return {};
    }),
    circuit: jest.fn(() => ({ circuit: 1, relay: { circuit: 1, state: 'off', reason: 'plan', plan_version: undefined } })),
  };
  const prices = { planningSlots: () => PRICES, onNewPrices: jest.fn() };
  const leader = {
    isLeader: () => options.leader ?? true,
    holder: () => options.holder ?? 'me',
    instanceId: 'me',
    onChange: jest.fn(),
  };
  const guards = { evaluate: jest.fn(async () => false) };
  const config = Object.assign(new AppConfig(), { PRICE_TIMEZONE: 'UTC' });
  const keys = { missing: options.keyless === true };
  const service = new AutomationService(
    repository,
    () => now,
    config,
    devices as unknown as DevicesService,
    prices as unknown as PricesService,
    mqtt,
    leader as unknown as LeaderLeaseService,
    guards as unknown as GuardsService,
    new Counters(),
    { keyFor: () => (keys.missing ? undefined : new Uint8Array(KEY)) },
  );
  service.onModuleInit();
  return { service, published, repository, setNow: (t: number) => (now = t), devices, guards, keys };
}

const cheapest = { mode: 'cheapest' as const, cheapest: { durationMinutes: 60, from: '02:00', to: '08:00', timezone: 'UTC' } };

describe(AutomationService.name, () => {
  describe('put', () => {
    it('should store the rule and push a retained, valid plan with the cheapest hour', async () => {
      const { service, published, repository } = setup();
      const view = await service.put('m1', 3, cheapest);
      expect(view).toMatchObject({ device: 'm1', circuit: 3, mode: 'cheapest' });
      expect(published).toHaveLength(1);
      expect(published[0]).toMatchObject({ topic: topics.plan('m1'), retain: true });
      const plan = decodeMessage('plan', published[0].payload);
      expect(plan.ok).toBe(true);
      if (!plan.ok) return;
      expect(plan.value.circuits).toEqual([{ circuit: 3, on: [{ start: T0 + 4 * H, end: T0 + 5 * H }], valid_until: T0 + 26 * H }]); // off until tomorrow's window
      expect(plan.value.version).toBeGreaterThanOrEqual(T0 + H);
      expect(repository.data?.rules['m1/3'].mode).toBe('cheapest');
    });

    it('should push no plan to a device without a command key, and push it once the key exists', async () => {
      const { service, published, keys } = setup({ keyless: true });
      await service.put('m1', 3, cheapest);
      expect(published).toHaveLength(0);
      keys.missing = false;
      await service.tick();
      expect(published).toHaveLength(1);
    });

    it('should refuse a mode without its settings and a bad cron expression', async () => {
      const { service, published } = setup();
      await expect(service.put('m1', 1, { mode: 'threshold' })).rejects.toThrow(BadRequestException);
      await expect(service.put('m1', 1, { mode: 'schedule', schedule: { on: ['99 * * * *'], off: ['0 1 * * *'] } })).rejects.toThrow(BadRequestException);
      expect(published).toHaveLength(0);
    });

    it('should send changes to the leader when another instance holds the lease', async () => {
      const { service } = setup({ leader: false, holder: 'other' });
      await expect(service.put('m1', 1, cheapest)).rejects.toThrow(ConflictException);
    });
  });

  describe('onPlanPushed', () => {
    it('should hand each published plan to the listeners, and nothing for a plan left unpublished', async () => {
      const { service, keys } = setup({ keyless: true });
      const seen: [string, number[]][] = [];
      service.onPlanPushed((deviceId, plan) => seen.push([deviceId, plan.circuits.map((c) => c.circuit)]));
      await service.put('m1', 3, cheapest);
      expect(seen).toEqual([]);
      keys.missing = false;
      await service.tick();
      expect(seen).toEqual([['m1', [3]]]);
    });
  });

  describe('automatedCircuits', () => {
    it('should list the circuits with a rule other than manual', async () => {
      const { service } = setup();
      await service.put('m1', 3, cheapest);
      await service.put('m1', 4, { mode: 'manual' });
      expect(service.automatedCircuits()).toEqual([{ deviceId: 'm1', circuit: 3, mode: 'cheapest' }]);
    });
  });

  describe('tick', () => {
    it('should not push an unchanged plan again, and push a higher version when the rule changes', async () => {
      const { service, published } = setup();
      await service.put('m1', 3, cheapest);
      await service.tick();
      await service.tick();
      expect(published).toHaveLength(1);
      await service.put('m1', 3, { mode: 'manual' });
      expect(published).toHaveLength(2);
      const [a, b] = published.map((p) => JSON.parse(p.payload));
      expect(b.version).toBeGreaterThan(a.version);
      expect(b.circuits).toEqual([]); // manual: left out, the meter keeps the relay as it is
    });

    it('should do nothing on an instance that is not the leader', async () => {
      const { service, published, guards } = setup({ leader: false, holder: undefined });
      await service.put('m1', 3, { ...cheapest, guards: { standby: { belowW: 5, forMinutes: 10 } } });
      await service.tick();
      expect(published).toHaveLength(0);
      expect(guards.evaluate).not.toHaveBeenCalled();
    });

    it('should keep versions increasing after a restart that lost nothing but the clock went back', async () => {
      const first = setup();
      await first.service.put('m1', 3, cheapest);
      const v1 = JSON.parse(first.published[0].payload).version;
      first.setNow(T0); // clock stepped back
      await first.service.put('m1', 3, { ...cheapest, cheapest: { ...cheapest.cheapest, durationMinutes: 120 } });
      expect(JSON.parse(first.published[1].payload).version).toBe(v1 + 1);
    });
  });

  describe('topUp', () => {
    it('should lift a credit cut when the balance is positive again', async () => {
      const { service } = setup();
      await service.put('m1', 3, { ...cheapest, guards: { credit: { unit: 'kwh', balance: 0 } } });
      const rt = (service as unknown as { file: AutomationFile }).file.runtime['m1/3'];
      rt.cutUntil = Number.MAX_SAFE_INTEGER;
      rt.cutReason = 'credit';
      await expect(service.topUp('m1', 3, 2.5)).resolves.toEqual({ device: 'm1', circuit: 3, unit: 'kwh', balance: 2.5 });
      expect(rt.cutUntil).toBeUndefined();
      await expect(service.topUp('m1', 4, 1)).rejects.toThrow(/no credit guard/);
    });
  });
});
