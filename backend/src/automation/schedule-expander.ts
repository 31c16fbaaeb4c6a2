/**
 * `schedule` rules: cron expressions that switch a circuit on and off, expanded into on-intervals
 * for a plan the meter runs offline. Uses CronTime from `cron` (the parser behind @nestjs/schedule).
 */
import { CronTime } from 'cron';
import { DAY_MS } from './automation.types';

export interface OnInterval {
  start: number;
  end: number;
}

/** More switchings than this per expansion means the expression fires far too often for a relay. */
const MAX_EVENTS = 2000;

/** Checks an expression; returns the error text or undefined. */
export function cronError(expression: string, timeZone?: string): string | undefined {
  try {
    new CronTime(expression, timeZone);
    return undefined;
  } catch (error) {
    return `cron expression ${JSON.stringify(expression)}: ${(error as Error).message}`;
  }
}

function firings(expressions: string[], timeZone: string | undefined, from: number, to: number): number[] {
  const out: number[] = [];
  for (const expression of expressions) {
    const cron = new CronTime(expression, timeZone);
    let t = from - 1;
    for (;;) {
      const next = cron.getNextDateFrom(new Date(t), timeZone).toMillis();
      if (next >= to) break;
      out.push(next);
      if (out.length > MAX_EVENTS) throw new RangeError(`cron expression ${JSON.stringify(expression)} fires more than ${MAX_EVENTS} times in ${Math.round((to - from) / DAY_MS)} days`);
      t = next;
    }
  }
  return out;
}

/**
 * On-intervals inside [from, to): the state at `from` follows the last on/off firing in the week
 * before it (off when none), then every firing switches. An on and an off at the same instant: off wins.
 */
export function expandSchedule(on: string[], off: string[], timeZone: string | undefined, from: number, to: number): OnInterval[] {
  const events = [
    ...firings(on, timeZone, from - 7 * DAY_MS, to).map((t) => ({ t, on: true })),
    ...firings(off, timeZone, from - 7 * DAY_MS, to).map((t) => ({ t, on: false })),
  ].sort((a, b) => a.t - b.t || Number(b.on) - Number(a.on));
  const intervals: OnInterval[] = [];
  let onSince: number | undefined;
  const close = (t: number) => {
    if (onSince === undefined) return;
    const start = Math.max(onSince, from);
    if (t > start) intervals.push({ start, end: t });
    onSince = undefined;
  };
  for (const event of events) {
    if (event.on && onSince === undefined) onSince = event.t;
    else if (!event.on) close(event.t);
  }
  close(to);
  // Same-instant off/on pairs leave touching intervals: merge them.
  return intervals.reduce<OnInterval[]>((merged, i) => {
    const last = merged[merged.length - 1];
    if (last && last.end >= i.start) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
    return merged;
  }, []);
}
