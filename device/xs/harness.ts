/**
 * Portable test vectors: files named `*.xs-test.ts` anywhere under device/ or shared/ export
 * `default` an array of XsTest. They run twice in `npm test`: in Node (device/xs/vectors.spec.ts)
 * and bundled into the real XS engine through @agoric/xsnap (device/xs/run-xs-tests.ts).
 * They may import only portable code: no Node APIs, no jest.
 */
export interface XsTest {
  name: string;
  run(): void;
}

export class AssertionFailed extends Error {}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new AssertionFailed(message);
}

export function checkEqual<T>(actual: T, expected: T, message = ''): void {
  if (actual !== expected) throw new AssertionFailed(`${message} expected ${String(expected)}, got ${String(actual)}`);
}

/** |actual − expected| ≤ tolerance. */
export function checkClose(actual: number, expected: number, tolerance: number, message = ''): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new AssertionFailed(`${message} expected ${expected} ± ${tolerance}, got ${actual}`);
  }
}

/** Relative error within `fraction` of the expected reading. */
export function checkRelative(actual: number, expected: number, fraction: number, message = ''): void {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  if (!(error <= fraction)) {
    throw new AssertionFailed(`${message} expected ${expected} within ${(fraction * 100).toFixed(3)} %, got ${actual}`);
  }
}

export function checkThrows(fn: () => unknown, pattern: RegExp, message = ''): void {
  try {
    fn();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (!pattern.test(text)) throw new AssertionFailed(`${message} threw "${text}", expected ${pattern}`);
    return;
  }
  throw new AssertionFailed(`${message} did not throw`);
}
