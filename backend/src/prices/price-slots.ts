import { PriceSlot } from './price.types';

const MS_PER_MINUTE = 60_000;

/**
 * Strict ISO 8601 instant with an explicit offset (`Z`, `+01:00`, `+0100`); seconds and fractions
 * optional. Date.parse alone accepts local-time strings, which would make the result depend on the
 * server's time zone.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  const local = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  const check = new Date(local);
  // Reject 2023-02-30 and 25:00 instead of letting Date roll them over.
  if (check.getUTCDate() !== +d || check.getUTCHours() !== +h || +mi > 59 || +s > 59) return undefined;
  if (zone === 'Z') return local;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return local - sign * offsetMin * MS_PER_MINUTE;
}

/** ISO 8601 durations used by market data: PT15M, PT60M, PT1H, P1D. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [, d = '0', h = '0', min = '0'] = m;
  const ms = ((+d * 24 + +h) * 60 + +min) * MS_PER_MINUTE;
  return ms > 0 ? ms : undefined;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/**
 * Sorts and checks a parsed series: finite numbers, integral ms instants, end after start,
 * no two slots overlapping. Gaps are allowed (a planner treats them as unknown prices).
 */
export function normaliseSlots(slots: PriceSlot[], fail: (message: string) => never): PriceSlot[] {
  if (slots.length === 0) fail('no prices in the input');
  for (const s of slots) {
    if (!Number.isSafeInteger(s.start) || !Number.isSafeInteger(s.end))
      fail(`slot ${s.start}–${s.end}: not whole ms`);
    if (s.end <= s.start) fail(`slot ${toIso(s.start)}: end ${toIso(s.end)} is not after its start`);
    if (!Number.isFinite(s.price)) fail(`slot ${toIso(s.start)}: price ${s.price} is not a finite number`);
  }
  const sorted = [...slots].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) {
      fail(`slots ${toIso(sorted[i - 1].start)} and ${toIso(sorted[i].start)} overlap`);
    }
  }
  return sorted;
}

/** The JSON shape the CLIs print and read: ISO instants with Z. */
export function slotsToJson(slots: PriceSlot[]): { start: string; end: string; price: number }[] {
  return slots.map((s) => ({ start: toIso(s.start), end: toIso(s.end), price: s.price }));
}

/** EUR/MWh → EUR/kWh without binary noise like 0.10406000000000001. */
export function perMwhToPerKwh(perMwh: number): number {
  return Number((perMwh / 1000).toPrecision(15));
}
