/** Injection token of the telemetry store (InfluxDB 1.x or 2.x/3.x, chosen at start). */
export const TELEMETRY_STORE = Symbol('TELEMETRY_STORE');
/** Injection token of the batching writer in front of the store (bounded memory). */
export const POINT_WRITER = Symbol('POINT_WRITER');
/** Injection token of the clock (ms since epoch), so services can be tested with a fake one. */
export const CLOCK = Symbol('CLOCK');
export type NowFn = () => number;
