/**
 * SIGTERM / SIGINT: the backend stops in an order that loses nothing and acks nothing it did not
 * store (docs/invariants.md invariant 1), within SHUTDOWN_DEADLINE_MS:
 *
 * 1. ingest stops taking telemetry, waits for the InfluxDB writes under way and sends the acks of
 *    exactly what was stored (confirmed by the broker); anything else the meters replay later;
 * 2. every MQTT client of this process disconnects (the automation lease is released);
 * 3. the embedded broker closes (after its backend clients, so none of them reconnects to it);
 * 4. the rest: Nest's hooks (timers, JSON files), the HTTP server, the InfluxDB writer.
 *
 * Each step has a budget; a step that overruns it is logged and the next one starts, so a hung
 * InfluxDB or broker cannot keep the process alive. Nest's own signal hooks stay off (main.ts).
 */
export interface ShutdownStep {
  name: string;
  budgetMs: number;
  run(): Promise<unknown>;
}

export interface ShutdownLog {
  log(message: string): void;
  warn(message: string): void;
}

/** 4.5 s in all, inside the 5 s a supervisor (systemd, `npm start`, a test) waits before SIGKILL. */
export const SHUTDOWN_DEADLINE_MS = 4500;

/** Runs the steps in order; resolves true when every one finished inside its budget. */
export async function runShutdown(steps: ShutdownStep[], log: ShutdownLog, now: () => number = Date.now): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    const started = now();
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<'overrun'>((resolve) => {
      timer = setTimeout(() => resolve('overrun'), step.budgetMs);
    });
    try {
      const outcome = await Promise.race([step.run().then(() => 'done' as const), overrun]);
      if (outcome === 'overrun') {
        clean = false;
        log.warn(`shutdown: ${step.name} not finished after ${step.budgetMs} ms; going on`);
      } else {
        log.log(`shutdown: ${step.name} (${now() - started} ms)`);
      }
    } catch (error) {
      clean = false;
      log.warn(`shutdown: ${step.name} failed: ${(error as Error)?.message ?? error}`);
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}
