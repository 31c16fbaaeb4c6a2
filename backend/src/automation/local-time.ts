/**
 * Local wall-clock helpers for rules written in local time ("run between 22:00 and 06:00",
 * "budget per month"), DST-correct through Intl (prices/day-ahead.poller zonedTimeToUtc).
 */
import { zonedTimeToUtc } from '../prices/day-ahead.poller';
import { localDay } from '../prices/price-fetch.service';
import { BudgetPeriod, MINUTE_MS } from './automation.types';

export const HH_MM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

function minutesOf(hhmm: string): number {
  if (!HH_MM.test(hhmm)) throw new RangeError(`time of day ${JSON.stringify(hhmm)} must be HH:MM`);
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** UTC instant of local `day` (YYYY-MM-DD) at `minutes` after local midnight (24:00 = next midnight). */
export function localMinuteToUtc(day: string, minutes: number, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const hour = Math.floor(minutes / 60);
  return zonedTimeToUtc(y, m, d, hour, timeZone) + (minutes % 60) * MINUTE_MS;
}

function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export interface DailyWindow {
  start: number;
  end: number;
}

/** The daily windows [from, to) that end after `fromMs` and start before `untilMs`, in order. */
export function dailyWindows(from: string, to: string, timeZone: string, fromMs: number, untilMs: number): DailyWindow[] {
  const a = minutesOf(from);
  const b = minutesOf(to);
  if (a === b) throw new RangeError(`window ${from}–${to} is empty`);
  const out: DailyWindow[] = [];
  for (let k = -1; k <= 3; k++) {
    const day = localDay(fromMs, timeZone, k);
    const start = localMinuteToUtc(day, a, timeZone);
    const end = localMinuteToUtc(b > a ? day : addDays(day, 1), b, timeZone);
    if (end > fromMs && start < untilMs && end > start) out.push({ start, end });
  }
  return out;
}

/** The budget period containing `ms`: local day, ISO week (from Monday) or calendar month. */
export function periodAt(period: BudgetPeriod, ms: number, timeZone: string): { start: number; end: number } {
  const today = localDay(ms, timeZone);
  const [y, m, d] = today.split('-').map(Number);
  let first: Date;
  let next: Date;
  if (period === 'day') {
    first = new Date(Date.UTC(y, m - 1, d));
    next = new Date(Date.UTC(y, m - 1, d + 1));
  } else if (period === 'week') {
    const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // 0 = Monday
    first = new Date(Date.UTC(y, m - 1, d - weekday));
    next = new Date(Date.UTC(y, m - 1, d - weekday + 7));
  } else {
    first = new Date(Date.UTC(y, m - 1, 1));
    next = new Date(Date.UTC(y, m, 1));
  }
  const utc = (date: Date) => localMinuteToUtc(date.toISOString().slice(0, 10), 0, timeZone);
  return { start: utc(first), end: utc(next) };
}
