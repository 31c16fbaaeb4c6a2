/** Price planners: pure functions over price slots, no I/O. See README.md in this folder. */
export { PlanError, PriceCurve, energyCost, energyKwh } from './price-curve';
export type { PlanCosts, RunRequest } from './price-curve';
export { cheapestWindow } from './cheapest-window.planner';
export type { WindowPlan } from './cheapest-window.planner';
export { cheapestSlots } from './cheapest-slots.planner';
export type { Interval, SlotsPlan, SlotsRequest } from './cheapest-slots.planner';
export { sitePowerCap } from './site-power-cap.planner';
export type { CircuitPlacement, CircuitRun, SitePlan, SitePlanRequest } from './site-power-cap.planner';
export { threshold } from './threshold.planner';
export type { ThresholdPlan, ThresholdRequest } from './threshold.planner';
