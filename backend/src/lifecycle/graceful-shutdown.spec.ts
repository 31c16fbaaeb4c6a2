import { runShutdown, ShutdownStep } from './graceful-shutdown';

describe('runShutdown', () => {
  const quietLog = () => ({ log: jest.fn(), warn: jest.fn() });

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should run the steps one after the other, in order', async () => {
    const order: string[] = [];
    const step = (name: string, ms: number): ShutdownStep => ({
      name,
      budgetMs: 1000,
      run: () => {
        order.push(`${name} start`);
        return new Promise((resolve) => setTimeout(() => resolve(order.push(`${name} end`)), ms));
      },
    });

    const done = runShutdown([step('ingest', 300), step('mqtt', 10), step('broker', 50)], quietLog());
    await jest.runAllTimersAsync();

    expect(await done).toBe(true);
    expect(order).toEqual(['ingest start', 'ingest end', 'mqtt start', 'mqtt end', 'broker start', 'broker end']);
  });

  it('should go on with the next step when one overruns its budget, and say so', async () => {
    const log = quietLog();
    const next = jest.fn(() => Promise.resolve());
    const hung: ShutdownStep = { name: 'ingest', budgetMs: 2500, run: () => new Promise(() => undefined) };

    const done = runShutdown([hung, { name: 'mqtt', budgetMs: 500, run: next }], log);
    await jest.advanceTimersByTimeAsync(2499);
    expect(next).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);

    expect(await done).toBe(false);
    expect(next).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(expect.stringMatching(/ingest not finished after 2500 ms/));
  });

  it('should go on after a step that fails', async () => {
    const log = quietLog();
    const next = jest.fn(() => Promise.resolve());

    const done = runShutdown(
      [
        { name: 'broker', budgetMs: 500, run: () => Promise.reject(new Error('EPIPE')) },
        { name: 'http', budgetMs: 500, run: next },
      ],
      log,
    );
    await jest.runAllTimersAsync();

    expect(await done).toBe(false);
    expect(next).toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith('shutdown: broker failed: EPIPE');
  });
});
