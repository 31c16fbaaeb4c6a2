/**
 * What a household pays per kWh on top of the market price:
 *
 *   consumer = (market × exchangeRate + supplierMarkup + gridFee(local time) + fixedFees + taxes)
 *              × (1 + energyTaxPercent/100) × (1 + vatPercent/100)
 *
 * gridFee is time-of-use: the first rule whose months, weekdays and local hours match wins, in the
 * tariff's IANA time zone (Intl.DateTimeFormat, so DST follows the zone's rules). Modelled on the
 * Danish "nettarif" (e.g. Radius/Cerius: lav 0–6, høj 6–17, spids 17–21, høj 21–24, different in
 * summer and winter; Energinet's system and transmission tariffs and the elafgift per kWh; 25 % VAT)
 * and on Spain's 2.0TD periods (punta/llano/valle by hour and weekday; impuesto eléctrico as a
 * percentage; 21 % IVA).
 */
import { PriceSlot } from './price.types';

export interface GridFeeRule {
  name?: string;
  /** 1 = January … 12 = December; all months when absent. */
  months?: number[];
  /** ISO weekdays 1 = Monday … 7 = Sunday; every day when absent. */
  weekdays?: number[];
  /** Local hours [from, to), 0–24; from > to wraps past midnight (e.g. [22, 6]). Whole day when absent. */
  hours?: [number, number];
  pricePerKwh: number;
}

export interface TariffConfig {
  /** IANA zone of the grid operator's clock, e.g. Europe/Copenhagen. */
  timeZone: string;
  /** Tariff currency per unit of the market price's currency (EUR → DKK ≈ 7.46); 1 when the same. */
  exchangeRate?: number;
  supplierMarkupPerKwh?: number;
  /** Time-of-use grid fees; together they must cover every hour of every day. */
  gridFees: GridFeeRule[];
  /** Flat per-kWh fees (e.g. Energinet system + transmission tariffs). */
  fixedFeesPerKwh?: number;
  /** Per-kWh taxes (e.g. Danish elafgift). */
  taxesPerKwh?: number;
  /** A percentage tax on the energy (e.g. Spain's impuesto eléctrico 5.11 %), before VAT. */
  energyTaxPercent?: number;
  vatPercent: number;
}

export class TariffConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid tariff config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'TariffConfigError';
  }
}

interface LocalTime {
  month: number;
  weekday: number;
  hour: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
/** Every real UTC offset is a multiple of 15 minutes, so local hour edges fall on UTC quarter-hours. */
const QUARTER_MS = 900_000;

function ruleMatches(rule: GridFeeRule, t: LocalTime): boolean {
  if (rule.months && !rule.months.includes(t.month)) return false;
  if (rule.weekdays && !rule.weekdays.includes(t.weekday)) return false;
  if (!rule.hours) return true;
  const [from, to] = rule.hours;
  return from <= to ? t.hour >= from && t.hour < to : t.hour >= from || t.hour < to;
}

/** Checks a config (e.g. parsed from a settings file) and lists every problem at once. */
export function validateTariffConfig(raw: unknown): TariffConfig {
  const problems: string[] = [];
  const c = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, any>;
  if (typeof raw !== 'object' || raw === null) problems.push('config must be an object');
  if (typeof c.timeZone !== 'string') problems.push('timeZone must be an IANA zone name');
  else {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: c.timeZone });
    } catch {
      problems.push(`timeZone ${JSON.stringify(c.timeZone)} is not a known IANA zone`);
    }
  }
  const num = (key: string, optional: boolean, min = -Infinity) => {
    const v = c[key];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
      problems.push(`${key} must be a number${min > -Infinity ? ` ≥ ${min}` : ''}, got ${JSON.stringify(v)}`);
  };
  num('exchangeRate', true, Number.MIN_VALUE);
  num('supplierMarkupPerKwh', true);
  num('fixedFeesPerKwh', true);
  num('taxesPerKwh', true);
  num('energyTaxPercent', true, 0);
  num('vatPercent', false, 0);
  const ints = (v: unknown, lo: number, hi: number) =>
    Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= lo && x <= hi);
  if (!Array.isArray(c.gridFees) || c.gridFees.length === 0)
    problems.push('gridFees must be a non-empty array (one rule with no conditions for a flat fee)');
  else {
    c.gridFees.forEach((r: any, i: number) => {
      const at = `gridFees[${i}]${r && typeof r.name === 'string' ? ` (${r.name})` : ''}`;
      if (typeof r !== 'object' || r === null) return problems.push(`${at} must be an object`);
      if (typeof r.pricePerKwh !== 'number' || !Number.isFinite(r.pricePerKwh))
        problems.push(`${at}.pricePerKwh must be a number`);
      if (r.months !== undefined && !ints(r.months, 1, 12))
        problems.push(`${at}.months must be a non-empty list of 1–12`);
      if (r.weekdays !== undefined && !ints(r.weekdays, 1, 7))
        problems.push(`${at}.weekdays must be a non-empty list of 1 (Mon)–7 (Sun)`);
      if (
        r.hours !== undefined &&
        !(ints(r.hours, 0, 24) && r.hours.length === 2 && r.hours[0] !== r.hours[1])
      ) {
        problems.push(`${at}.hours must be [from, to] with whole hours 0–24, from ≠ to`);
      }
    });
    if (problems.length === 0) {
      const holes: string[] = [];
      for (let month = 1; month <= 12; month++) {
        for (let weekday = 1; weekday <= 7; weekday++) {
          for (let hour = 0; hour < 24; hour++) {
            if (!c.gridFees.some((r: GridFeeRule) => ruleMatches(r, { month, weekday, hour })))
              holes.push(`month ${month} weekday ${weekday} hour ${hour}`);
          }
        }
      }
      if (holes.length)
        problems.push(
          `gridFees cover no rule for ${holes.length} local hours, e.g. ${holes.slice(0, 3).join('; ')}`,
        );
    }
  }
  if (problems.length) throw new TariffConfigError(problems);
  return raw as TariffConfig;
}

export class ConsumerTariff {
  private readonly config: TariffConfig;
  private readonly local: Intl.DateTimeFormat;

  constructor(config: TariffConfig) {
    this.config = validateTariffConfig(config);
    this.local = new Intl.DateTimeFormat('en-US', {
      timeZone: config.timeZone,
      hourCycle: 'h23',
      month: 'numeric',
      weekday: 'short',
      hour: 'numeric',
    });
  }

  localTime(ms: number): LocalTime {
    const parts: Record<string, string> = {};
    for (const p of this.local.formatToParts(ms)) parts[p.type] = p.value;
    return { month: Number(parts.month), weekday: WEEKDAYS[parts.weekday], hour: Number(parts.hour) };
  }

  gridFeeAt(ms: number): number {
    const t = this.localTime(ms);
    return this.config.gridFees.find((r) => ruleMatches(r, t))!.pricePerKwh;
  }

  /** Consumer price per kWh for a market price per kWh at instant `ms`. */
  priceAt(ms: number, marketPerKwh: number): number {
    const c = this.config;
    const net =
      marketPerKwh * (c.exchangeRate ?? 1) +
      (c.supplierMarkupPerKwh ?? 0) +
      this.gridFeeAt(ms) +
      (c.fixedFeesPerKwh ?? 0) +
      (c.taxesPerKwh ?? 0);
    return net * (1 + (c.energyTaxPercent ?? 0) / 100) * (1 + c.vatPercent / 100);
  }

  /** Consumer prices for market slots; a slot is split where the grid fee changes inside it. */
  apply(slots: readonly PriceSlot[]): PriceSlot[] {
    const out: PriceSlot[] = [];
    for (const s of slots) {
      let start = s.start;
      let fee = this.gridFeeAt(start);
      const firstQuarter = Math.floor(s.start / QUARTER_MS) * QUARTER_MS + QUARTER_MS;
      for (let t = firstQuarter; t < s.end; t += QUARTER_MS) {
        const next = this.gridFeeAt(t);
        if (next === fee) continue;
        out.push({ start, end: t, price: this.priceAt(start, s.price) });
        [start, fee] = [t, next];
      }
      out.push({ start, end: s.end, price: this.priceAt(start, s.price) });
    }
    return out;
  }
}
