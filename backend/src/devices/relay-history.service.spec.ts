import { GenericPoint } from '../storage/storage.types';
import { RELAY_SNAPSHOT_MS, RelayHistoryService } from './relay-history.service';

describe(RelayHistoryService.name, () => {
  const T0 = Date.UTC(2026, 0, 10, 12, 7, 30);
  let now = T0;
  const written: { points: GenericPoint[]; rp?: string }[] = [];
  const store = { writePoints: jest.fn(async (_m: string, points: GenericPoint[], rp?: string) => void written.push({ points, rp })) };

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    now = T0;
    written.length = 0;
  });
  afterEach(() => jest.useRealTimers());

  describe('snapshot timer', () => {
    it('should write every known relay state on each quarter hour, into the history policy', async () => {
      const service = new RelayHistoryService(store, () => now, { historyRpWhenReady: () => Promise.resolve('rp_history') } as never);
      service.watch(() => [['vm-1', [{ circuit: 1, state: 'on', reason: 'command' }, undefined, { circuit: 3, state: 'off', reason: 'plan', tripped: true }]]]);
      service.onModuleInit();
      const quarter = Math.ceil(T0 / RELAY_SNAPSHOT_MS) * RELAY_SNAPSHOT_MS;
      now = quarter - 1;
      await jest.advanceTimersByTimeAsync(quarter - 1 - T0);
      expect(written).toEqual([]);
      now = quarter;
      await jest.advanceTimersByTimeAsync(1);
      expect(written).toEqual([
        {
          rp: 'rp_history',
          points: [
            { tags: { device: 'vm-1', circuit: '1' }, fields: { state: 1, reason: 'command', tripped: false }, ts: quarter },
            { tags: { device: 'vm-1', circuit: '3' }, fields: { state: 0, reason: 'plan', tripped: true }, ts: quarter },
          ],
        },
      ]);
      now = quarter + RELAY_SNAPSHOT_MS;
      await jest.advanceTimersByTimeAsync(RELAY_SNAPSHOT_MS);
      expect(written.map((w) => w.points[0].ts)).toEqual([quarter, quarter + RELAY_SNAPSHOT_MS]);
      service.onModuleDestroy();
    });

    it('should write nothing when no relay state is known, and survive a failing write', async () => {
      const failing = { writePoints: jest.fn(async () => Promise.reject(new Error('influx down'))) };
      const service = new RelayHistoryService(failing, () => now);
      await service.snapshot(T0);
      expect(failing.writePoints).not.toHaveBeenCalled();
      service.watch(() => [['vm-1', [{ circuit: 1, state: 'on', reason: 'command' }]]]);
      await expect(service.snapshot(T0)).resolves.toBeUndefined();
      expect(failing.writePoints).toHaveBeenCalledWith('relay', [expect.objectContaining({ ts: T0 })], undefined);
    });
  });
});
