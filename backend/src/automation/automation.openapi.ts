import { array, bool, int, isoTime, nullable, num, object, oneOf, ref, str } from '../openapi/schema';

export const LEADER = object({ instance: str, leader: nullable(str), isLeader: bool });

const interval = object({ start: isoTime, end: isoTime });

export const AUTOMATION = object({
  device: str,
  circuit: int,
  mode: oneOf('manual', 'schedule', 'cheapest', 'threshold'),
  'schedule?': ref('ScheduleRuleDto'),
  'cheapest?': ref('CheapestRuleDto'),
  'threshold?': ref('ThresholdRuleDto'),
  'guards?': ref('GuardsDto'),
  'updatedAt?': isoTime,
  state: object({
    'creditBalance?': num,
    'cutUntil?': isoTime,
    'cutReason?': oneOf('budget', 'credit', 'standby'),
    alerts: array(object({ ts: isoTime, kind: oneOf('budget', 'credit', 'standby'), message: str })),
  }),
  leader: nullable(str),
});

export const CREDIT = object({ device: str, circuit: int, unit: oneOf('kwh', 'money'), balance: num });

export const PLAN = object({
  device: str,
  circuit: int,
  mode: oneOf('manual', 'schedule', 'cheapest', 'threshold'),
  version: nullable(int),
  issued: nullable(isoTime),
  on: array(interval),
  validUntil: nullable(isoTime),
  windows: array(
    object({
      windowStart: isoTime,
      windowEnd: isoTime,
      on: array(interval),
      'cost?': num,
      'worstCost?': num,
      'averageCost?': num,
      'savings?': num,
      'note?': str,
    }),
  ),
  meter: object({ planVersion: nullable(int), relay: nullable(oneOf('on', 'off')), reason: nullable(str) }),
  inSync: bool,
});

export const SAVINGS = object({
  device: str,
  circuit: int,
  from: isoTime,
  to: isoTime,
  area: str,
  currency: nullable(str),
  consumerPrices: bool,
  energyKwh: num,
  unpricedKwh: { ...num, description: 'energy used where no price is known (not in the costs)' },
  onMinutes: num,
  actualCost: num,
  worstCost: num,
  averageCost: num,
  savings: { ...num, description: 'averageCost − actualCost' },
  savingsVsWorst: num,
});
