import { PlanMessage, PROTOCOL_VERSION } from '@dinmeter/shared';
import { AppConfig } from '../../config/app-config';
import { LeaderLeaseService } from '../../leader/leader-lease.service';
import { GenericPoint } from '../../storage/storage.types';
import { AutomationService } from '../automation.service';
import { SavingsFigures } from '../savings.calculator';
import { SavingsService } from '../savings.service';
import { PLAN_SLOT_MS, planPoints, siteCapPoint } from './automation-history.points';
import { AutomationHistoryService } from './automation-history.service';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 7);
const MIN = 60_000;

const figures: SavingsFigures = { energyKwh: 2, unpricedKwh: 0, onMinutes: 120, actualCost: 0.4, worstCost: 0.9, averageCost: 0.6, savings: 0.2, savingsVsWorst: 0.5 };

function setup(options: { cap?: number; leader?: boolean; failFor?: string } = {}) {
  const writes: { measurement: string; points: GenericPoint[]; rp?: string }[] = [];
  const store = { writePoints: jest.fn(async (measurement: string, points: GenericPoint[], rp?: string) => void writes.push({ measurement, points, rp })) };
  const listeners: ((deviceId: string, plan: PlanMessage) => void)[] = [];
  const automation = {
    onPlanPushed: (l: (deviceId: string, plan: PlanMessage) => void) => listeners.push(l),
    automatedCircuits: () => [
      { deviceId: 'vm-1', circuit: 1, mode: 'cheapest' as const },
      { deviceId: 'vm-2', circuit: 4, mode: 'schedule' as const },
    ],
  };
  const savings = {
    report: jest.fn(async (deviceId: string) => {
      if (deviceId === options.failFor) throw new Error('device vm-2 not found');
      return { ...figures, currency: 'EUR' };
    }),
  };
  const service = new AutomationHistoryService(
    store,
    () => T0 + 10 * 3_600_000,
    { SITE_POWER_CAP_W: options.cap } as AppConfig,
    automation as unknown as AutomationService,
    savings as unknown as SavingsService,
    { isLeader: () => options.leader ?? true } as unknown as LeaderLeaseService,
    { historyRpWhenReady: async () => 'rp_history' } as never,
  );
  return { service, writes, savings, listeners };
}

describe(AutomationHistoryService.name, () => {
  describe('planPoints', () => {
    it('should write the share of each slot planned on, from the slot of issue to valid_until', () => {
      const plan: PlanMessage = {
        v: PROTOCOL_VERSION,
        version: 7,
        issued: T0 + 5 * MIN,
        circuits: [{ circuit: 1, on: [{ start: T0 + 15 * MIN, end: T0 + 37.5 * MIN }], valid_until: T0 + 60 * MIN }],
      };
      const points = planPoints('vm-1', plan, () => 'cheapest');
      expect(points.map((p) => [p.ts - T0, p.fields.planned_on])).toEqual([
        [0, 0],
        [PLAN_SLOT_MS, 1],
        [2 * PLAN_SLOT_MS, 0.5],
        [3 * PLAN_SLOT_MS, 0],
      ]);
      expect(points[0].tags).toEqual({ device: 'vm-1', circuit: '1', rule: 'cheapest' });
      expect(points[0].fields.version).toBe(7);
    });
  });

  describe('siteCapPoint', () => {
    it('should refuse a cap that is not positive', () => {
      expect(() => siteCapPoint(0, T0)).toThrow('site power cap 0 W');
    });
  });

  describe('onModuleInit', () => {
    it('should write each pushed plan into the history policy, tagged with the circuit\'s rule', async () => {
      const { service, writes, listeners } = setup();
      service.onModuleInit();
      service.onModuleDestroy();
      listeners[0]('vm-2', { v: PROTOCOL_VERSION, version: 9, issued: T0, circuits: [{ circuit: 4, on: [], valid_until: T0 + PLAN_SLOT_MS }, { circuit: 5, on: [], valid_until: T0 + PLAN_SLOT_MS }] });
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatchObject({ measurement: 'automation_plan', rp: 'rp_history' });
      expect(writes[0].points.map((p) => p.tags.rule)).toEqual(['schedule', 'manual']);
    });
  });

  describe('snapshot', () => {
    it('should write the cap and the savings of yesterday and of today so far, stamped with the day', async () => {
      const { service, writes, savings } = setup({ cap: 17_000 });
      const now = T0 + 10 * 3_600_000;
      await service.snapshot(now);
      expect(writes.map((w) => w.measurement)).toEqual(['automation_site_cap', 'automation_savings']);
      expect(writes[0].points).toEqual([{ tags: { rule: 'site_power_cap' }, fields: { cap_w: 17_000 }, ts: now }]);
      expect(savings.report).toHaveBeenCalledWith('vm-1', 1, { from: new Date(T0 - DAY).toISOString(), to: new Date(T0).toISOString() });
      expect(savings.report).toHaveBeenCalledWith('vm-1', 1, { from: new Date(T0).toISOString(), to: new Date(now).toISOString() });
      expect(writes[1].points.map((p) => [p.tags.device, p.ts])).toEqual([
        ['vm-1', T0 - DAY],
        ['vm-1', T0],
        ['vm-2', T0 - DAY],
        ['vm-2', T0],
      ]);
      expect(writes[1].points[0].fields).toEqual({ cost: 0.4, cost_average: 0.6, cost_worst: 0.9, saved: 0.2, energy_kwh: 2, currency: 'EUR' });
    });

    it('should skip a circuit whose report fails and write the others', async () => {
      const { service, writes } = setup({ failFor: 'vm-2' });
      await service.snapshot(T0 + 3_600_000);
      expect(writes.map((w) => w.measurement)).toEqual(['automation_savings']);
      expect(writes[0].points.map((p) => p.tags.device)).toEqual(['vm-1', 'vm-1']);
    });

    it('should write nothing on an instance that does not lead', async () => {
      const { service, writes } = setup({ cap: 17_000, leader: false });
      await service.snapshot(T0);
      expect(writes).toEqual([]);
    });
  });
});
