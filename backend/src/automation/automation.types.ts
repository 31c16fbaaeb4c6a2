import { PlanMessage } from '@dinmeter/shared';

export type AutomationMode = 'manual' | 'schedule' | 'cheapest' | 'threshold';

export interface ScheduleRule {
  /** Cron expressions (5 or 6 fields, `cron` package syntax) that switch on / off. */
  on: string[];
  off: string[];
  timezone?: string;
}

export interface CheapestRule {
  durationMinutes: number;
  /** Local "HH:MM"; `to` ≤ `from` means the window ends the next day. "24:00" is midnight. */
  from: string;
  to: string;
  timezone?: string;
  nonContiguous?: boolean;
  minBlockMinutes?: number;
  maxBlocks?: number;
  /** For the cost figures only (planning does not depend on it). Default 1000 W. */
  powerW?: number;
}

export interface ThresholdRule {
  belowPrice: number;
  powerW?: number;
}

export type BudgetPeriod = 'day' | 'week' | 'month';

export interface Guards {
  budget?: { kwh: number; period: BudgetPeriod; timezone?: string };
  credit?: { unit: 'kwh' | 'money'; balance?: number };
  standby?: { belowW: number; forMinutes: number };
}

/** What PUT …/automation stores for one circuit. */
export interface CircuitAutomation {
  mode: AutomationMode;
  schedule?: ScheduleRule;
  cheapest?: CheapestRule;
  threshold?: ThresholdRule;
  guards?: Guards;
  updatedAt: number;
}

/** One planned daily window of a `cheapest` rule. */
export interface PlannedWindow {
  windowStart: number;
  windowEnd: number;
  on: { start: number; end: number }[];
  /** The prices and rule it was planned with: re-planned when they change before the run starts. */
  basis: string;
  cost?: number;
  worstCost?: number;
  averageCost?: number;
  savings?: number;
  /** Why no cost figures: prices were missing and the run was placed at the window start. */
  note?: string;
}

export interface Alert {
  ts: number;
  kind: 'budget' | 'credit' | 'standby';
  message: string;
}

/** What the automation keeps per circuit besides the rule. */
export interface CircuitRuntime {
  windows: PlannedWindow[];
  /** Credit left, in kWh or money; energy counter seen at the last deduction. */
  creditBalance?: number;
  creditEnergyWh?: number;
  /** Plans keep the circuit off until then (budget: the period's end; credit: until a top-up). */
  cutUntil?: number;
  cutReason?: Alert['kind'];
  /** Start of the budget period already cut (one cut and one alert per period). */
  budgetCutPeriod?: number;
  standbySince?: number;
  alerts: Alert[];
}

export interface AutomationFile {
  version: 1;
  rules: Record<string, CircuitAutomation>;
  runtime: Record<string, CircuitRuntime>;
  /** The last plan pushed per device, and the highest version ever issued. */
  plans: Record<string, PlanMessage>;
  lastVersion: Record<string, number>;
}

export interface AutomationRepository {
  load(fallback: AutomationFile): AutomationFile;
  save(data: AutomationFile): void;
  flush(): void;
}
export const AUTOMATION_REPOSITORY = Symbol('AUTOMATION_REPOSITORY');

export function circuitKey(deviceId: string, circuit: number): string {
  return `${deviceId}/${circuit}`;
}

export function parseCircuitKey(key: string): { deviceId: string; circuit: number } {
  const slash = key.lastIndexOf('/');
  return { deviceId: key.slice(0, slash), circuit: Number(key.slice(slash + 1)) };
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
