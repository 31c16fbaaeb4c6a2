/**
 * Deterministic randomness for the simulation (XS has no usable Math.random in tests).
 * `hash01(seed, n)` is a pure function of its inputs, so load models can ask "what happened in
 * time bucket n" without keeping state and regardless of how the simulation is stepped.
 */
export function hash01(seed: number, n: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(Math.floor(n) | 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296;
}

/** Smooth noise in [-1, 1]: linear interpolation between hashed values every `periodMs`. */
export function smoothNoise(seed: number, tMs: number, periodMs: number): number {
  const x = tMs / periodMs;
  const k = Math.floor(x);
  const f = x - k;
  const a = hash01(seed, k) * 2 - 1;
  const b = hash01(seed, k + 1) * 2 - 1;
  return a + (b - a) * f;
}

export const DAY_MS = 86_400_000;

/** Milliseconds into the local day. */
export function msOfDay(tMs: number, utcOffsetMinutes: number): number {
  const local = tMs + utcOffsetMinutes * 60_000;
  return ((local % DAY_MS) + DAY_MS) % DAY_MS;
}

/** Index of the local day (for per-day randomness). */
export function dayIndex(tMs: number, utcOffsetMinutes: number): number {
  return Math.floor((tMs + utcOffsetMinutes * 60_000) / DAY_MS);
}
