/** Strict field access into parsed JSON, with the JSON path of the bad value in the error. */
import { parseInstant } from './price-slots';

export type Fail = (message: string) => never;

export function parseJson(text: string, fail: Fail): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function record(v: unknown, path: string, fail: Fail): Record<string, unknown> {
  if (!isRecord(v)) fail(`${path} must be an object`);
  return v as Record<string, unknown>;
}

export function array(v: unknown, path: string, fail: Fail): unknown[] {
  if (!Array.isArray(v)) fail(`${path} must be an array`);
  return v as unknown[];
}

export function finiteNumber(v: unknown, path: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(`${path} must be a finite number, got ${JSON.stringify(v)}`);
  return v as number;
}

export function string(v: unknown, path: string, fail: Fail): string {
  if (typeof v !== 'string') fail(`${path} must be a string, got ${JSON.stringify(v)}`);
  return v as string;
}

/** An ISO 8601 instant with an explicit offset, as ms. */
export function instant(v: unknown, path: string, fail: Fail): number {
  const ms = parseInstant(string(v, path, fail));
  if (ms === undefined) fail(`${path} ${JSON.stringify(v)} is not an ISO 8601 instant with offset`);
  return ms as number;
}
