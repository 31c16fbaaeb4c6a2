import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { PricesService } from '../prices/prices.service';
import { CircuitAutomation, CircuitRuntime } from './automation.types';
import { EnergyRepository } from './energy.repository';
import { GuardsService, UNTIL_TOP_UP } from './guards.service';

const NOW = Date.parse('2025-11-26T12:00:00Z');

function setup(view: Record<string, unknown>, usedWh = 0, price = 0.5) {
  const commands = { send: jest.fn() };
  const energy = { usedWh: jest.fn(async () => usedWh) };
  const devices = { find: () => ({}), circuit: () => view };
  const prices = { priceAt: () => price, currency: 'EUR' };
  const config = Object.assign(new AppConfig(), { PRICE_TIMEZONE: 'UTC' });
  const guards = new GuardsService(
    devices as unknown as DevicesService,
    energy as unknown as EnergyRepository,
    prices as unknown as PricesService,
    commands as unknown as CommandsService,
    new Counters(),
    config,
  );
  return { guards, commands, energy };
}
const rt = (): CircuitRuntime => ({ windows: [], alerts: [] });
const reading = (power_w: number, energy_import_wh: number) => ({ reading: { power_w, energy_import_wh }, readingTs: NOW, relay: { state: 'on' } });

describe(GuardsService.name, () => {
  describe('evaluate', () => {
    it('should cut once per period when the daily budget is used up, and keep plans off until the period ends', async () => {
      const rule: CircuitAutomation = { mode: 'manual', guards: { budget: { kwh: 2, period: 'day' } }, updatedAt: 0 };
      const { guards, commands, energy } = setup(reading(100, 0), 2500);
      const state = rt();
      expect(await guards.evaluate('m1', 4, rule, state, NOW)).toBe(true);
      expect(commands.send).toHaveBeenCalledWith('m1', { op: 'relay', circuit: 4, state: 'off' });
      expect(energy.usedWh).toHaveBeenCalledWith('m1', 4, Date.parse('2025-11-26T00:00:00Z'), NOW + 1);
      expect(state.cutUntil).toBe(Date.parse('2025-11-27T00:00:00Z'));
      expect(state.alerts).toEqual([expect.objectContaining({ kind: 'budget', message: expect.stringMatching(/2\.500 kWh of the 2 kWh day budget/) })]);
      expect(await guards.evaluate('m1', 4, rule, state, NOW + 60_000)).toBe(false);
      expect(commands.send).toHaveBeenCalledTimes(1);
    });

    it('should not cut below the budget', async () => {
      const rule: CircuitAutomation = { mode: 'manual', guards: { budget: { kwh: 2, period: 'month' } }, updatedAt: 0 };
      const { guards, commands } = setup(reading(100, 0), 1999);
      expect(await guards.evaluate('m1', 4, rule, rt(), NOW)).toBe(false);
      expect(commands.send).not.toHaveBeenCalled();
    });

    it('should deduct money credit at the live price and cut at zero until a top-up', async () => {
      const rule: CircuitAutomation = { mode: 'manual', guards: { credit: { unit: 'money' } }, updatedAt: 0 };
      const view = reading(1000, 10_000);
      const { guards, commands } = setup(view, 0, 0.5);
      const state: CircuitRuntime = { ...rt(), creditBalance: 1 };
      await guards.evaluate('m1', 2, rule, state, NOW); // baseline
      view.reading.energy_import_wh = 11_000; // +1 kWh at 0.5
      expect(await guards.evaluate('m1', 2, rule, state, NOW)).toBe(false);
      expect(state.creditBalance).toBeCloseTo(0.5, 12);
      view.reading.energy_import_wh = 12_000;
      expect(await guards.evaluate('m1', 2, rule, state, NOW)).toBe(true);
      expect(state.creditBalance).toBeCloseTo(0, 12);
      expect(state).toMatchObject({ cutReason: 'credit', cutUntil: UNTIL_TOP_UP });
      expect(commands.send).toHaveBeenCalledTimes(1);
    });

    it('should cut a circuit that stayed below the standby power for the set time', async () => {
      const rule: CircuitAutomation = { mode: 'manual', guards: { standby: { belowW: 5, forMinutes: 10 } }, updatedAt: 0 };
      const view = { ...reading(2, 0), readingTs: NOW };
      const { guards, commands } = setup(view);
      const state = rt();
      await guards.evaluate('m1', 5, rule, state, NOW);
      view.readingTs = NOW + 9 * 60_000;
      await guards.evaluate('m1', 5, rule, state, NOW);
      expect(commands.send).not.toHaveBeenCalled();
      view.readingTs = NOW + 10 * 60_000;
      await guards.evaluate('m1', 5, rule, state, NOW);
      expect(commands.send).toHaveBeenCalledWith('m1', { op: 'relay', circuit: 5, state: 'off' });
      expect(state.cutUntil).toBeUndefined(); // a standby cut does not block the plan's next run
    });

    it('should restart the standby timer when the power rises', async () => {
      const rule: CircuitAutomation = { mode: 'manual', guards: { standby: { belowW: 5, forMinutes: 10 } }, updatedAt: 0 };
      const view = { ...reading(2, 0), readingTs: NOW };
      const { guards, commands } = setup(view);
      const state = rt();
      await guards.evaluate('m1', 5, rule, state, NOW);
      view.readingTs = NOW + 5 * 60_000;
      view.reading.power_w = 50;
      await guards.evaluate('m1', 5, rule, state, NOW);
      view.readingTs = NOW + 12 * 60_000;
      view.reading.power_w = 2;
      await guards.evaluate('m1', 5, rule, state, NOW);
      expect(commands.send).not.toHaveBeenCalled();
    });
  });
});
