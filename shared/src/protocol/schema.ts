/**
 * A tiny runtime validator, portable to XS (no Node APIs, no dependencies).
 * Every schema parses `unknown` into a typed value or collects human-readable errors
 * with the JSON path of the offending value. Objects are closed: unknown keys are errors.
 * An object or array whose every part parsed to itself comes back as the input itself, not a copy
 * (ingest validates thousands of records a second; the copies were half of its garbage).
 */
export interface Schema<T> {
  parse(input: unknown, path: string, errors: string[]): T | undefined;
  readonly optional?: boolean;
  /**
   * The same rules as a JSON Schema (the subset OpenAPI 3.0 and AsyncAPI share): the published API
   * descriptions are generated from it. Cross-field rules of `refine` are not expressible there.
   */
  jsonSchema(): JsonSchema;
}

/** A JSON Schema object, as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

export type Infer<S> = S extends Schema<infer T> ? T : never;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function num(options: NumberOptions = {}): Schema<number> {
  return {
    parse(input, path, errors) {
      if (typeof input !== 'number' || !Number.isFinite(input)) {
        errors.push(`${path}: expected a finite number, got ${describe(input)}`);
        return undefined;
      }
      if (options.integer && !Number.isInteger(input)) {
        errors.push(`${path}: expected an integer, got ${input}`);
        return undefined;
      }
      if (options.min !== undefined && input < options.min) {
        errors.push(`${path}: ${input} is below the minimum ${options.min}`);
        return undefined;
      }
      if (options.max !== undefined && input > options.max) {
        errors.push(`${path}: ${input} is above the maximum ${options.max}`);
        return undefined;
      }
      return input;
    },
    jsonSchema: () => ({ type: options.integer ? 'integer' : 'number', ...bounds(options.min, options.max, 'minimum', 'maximum') }),
  };
}

function bounds(min: number | undefined, max: number | undefined, minKey: string, maxKey: string): JsonSchema {
  const out: JsonSchema = {};
  if (min !== undefined) out[minKey] = min;
  if (max !== undefined) out[maxKey] = max;
  return out;
}

export function int(options: Omit<NumberOptions, 'integer'> = {}): Schema<number> {
  return num({ ...options, integer: true });
}

export function str(options: { minLength?: number; maxLength?: number; pattern?: RegExp } = {}): Schema<string> {
  const maxLength = options.maxLength ?? 256;
  return {
    parse(input, path, errors) {
      if (typeof input !== 'string') {
        errors.push(`${path}: expected a string, got ${describe(input)}`);
        return undefined;
      }
      if (input.length < (options.minLength ?? 0)) {
        errors.push(`${path}: must not be shorter than ${options.minLength} characters`);
        return undefined;
      }
      if (input.length > maxLength) {
        errors.push(`${path}: longer than ${maxLength} characters`);
        return undefined;
      }
      if (options.pattern && !options.pattern.test(input)) {
        errors.push(`${path}: ${describe(input)} does not match ${options.pattern}`);
        return undefined;
      }
      return input;
    },
    jsonSchema: () => ({
      type: 'string',
      ...bounds(options.minLength, maxLength, 'minLength', 'maxLength'),
      ...(options.pattern ? { pattern: options.pattern.source } : {}),
    }),
  };
}

export function bool(): Schema<boolean> {
  return {
    parse(input, path, errors) {
      if (typeof input !== 'boolean') {
        errors.push(`${path}: expected true or false, got ${describe(input)}`);
        return undefined;
      }
      return input;
    },
    jsonSchema: () => ({ type: 'boolean' }),
  };
}

export function literal<T extends string | number | boolean>(...values: T[]): Schema<T> {
  return {
    parse(input, path, errors) {
      if (!values.includes(input as T)) {
        errors.push(`${path}: expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input)}`);
        return undefined;
      }
      return input as T;
    },
    jsonSchema: () => {
      const kinds = values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v));
      return { type: kinds.every((k) => k === kinds[0]) ? kinds[0] : 'number', enum: [...values] };
    },
  };
}

export function arr<T>(item: Schema<T>, options: { minItems?: number; maxItems: number }): Schema<T[]> {
  return {
    parse(input, path, errors) {
      if (!Array.isArray(input)) {
        errors.push(`${path}: expected an array, got ${describe(input)}`);
        return undefined;
      }
      if (input.length < (options.minItems ?? 0)) {
        errors.push(`${path}: needs at least ${options.minItems} items, has ${input.length}`);
        return undefined;
      }
      if (input.length > options.maxItems) {
        errors.push(`${path}: at most ${options.maxItems} items allowed, has ${input.length}`);
        return undefined;
      }
      const before = errors.length;
      let out: T[] | undefined;
      for (let index = 0; index < input.length; index++) {
        const element: unknown = input[index];
        const parsed = item.parse(element, `${path}[${index}]`, errors);
        if (parsed !== element && out === undefined) out = input.slice(0, index) as T[];
        if (out !== undefined) out.push(parsed as T);
      }
      return errors.length === before ? (out ?? (input as T[])) : undefined;
    },
    jsonSchema: () => ({ type: 'array', items: item.jsonSchema(), ...bounds(options.minItems, options.maxItems, 'minItems', 'maxItems') }),
  };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    optional: true,
    parse(input, path, errors) {
      return input === undefined ? undefined : inner.parse(input, path, errors);
    },
    jsonSchema: () => inner.jsonSchema(),
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Infer<S[K]>;
};

export function obj<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return {
    parse(input, path, errors) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        errors.push(`${path}: expected an object, got ${describe(input)}`);
        return undefined;
      }
      const record = input as Record<string, unknown>;
      const before = errors.length;
      for (const key of Object.keys(record)) {
        // Own keys only: `in` would let "constructor", "toString", "__proto__" pass as known.
        if (!Object.prototype.hasOwnProperty.call(shape, key)) errors.push(`${path}: unknown field "${key}"`);
      }
      // A copy only once some field parses to something else than it is (none of the built-in schemas does).
      let out: Record<string, unknown> | undefined;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k];
        const schema = shape[key];
        const value = record[key];
        if (value === undefined && !schema.optional) {
          errors.push(`${path}.${key}: is required`);
          continue;
        }
        const parsed = schema.parse(value, `${path}.${key}`, errors);
        if (parsed !== value && out === undefined) {
          out = {};
          for (let j = 0; j < k; j++) if (record[keys[j]] !== undefined) out[keys[j]] = record[keys[j]];
        }
        if (out !== undefined && parsed !== undefined) out[key] = parsed;
      }
      if (errors.length !== before) return undefined;
      return (out ?? record) as ObjectOf<S>;
    },
    jsonSchema: () => {
      const required = keys.filter((key) => !shape[key].optional);
      return {
        type: 'object',
        properties: Object.fromEntries(keys.map((key) => [key, shape[key].jsonSchema()])),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
      };
    },
  };
}

/** A union told apart by one string field (`op`, `type`, ...). */
export function tagged<K extends string, M extends Record<string, Schema<any>>>(
  tag: K,
  members: M,
): Schema<Infer<M[keyof M]>> {
  const names = Object.keys(members);
  return {
    parse(input, path, errors) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        errors.push(`${path}: expected an object, got ${describe(input)}`);
        return undefined;
      }
      const value = (input as Record<string, unknown>)[tag];
      if (typeof value !== 'string' || !names.includes(value)) {
        errors.push(`${path}.${tag}: expected one of ${names.map((n) => JSON.stringify(n)).join(', ')}, got ${describe(value)}`);
        return undefined;
      }
      return members[value].parse(input, path, errors);
    },
    jsonSchema: () => ({ oneOf: names.map((name) => members[name].jsonSchema()) }),
  };
}

/** Adds a cross-field rule after the shape has parsed. `rule` returns an error text or undefined. */
export function refine<T>(inner: Schema<T>, rule: (value: T) => string | undefined): Schema<T> {
  return {
    optional: inner.optional,
    parse(input, path, errors) {
      const value = inner.parse(input, path, errors);
      if (value === undefined) return undefined;
      const problem = rule(value);
      if (problem) {
        errors.push(`${path}: ${problem}`);
        return undefined;
      }
      return value;
    },
    jsonSchema: () => inner.jsonSchema(),
  };
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function validate<T>(schema: Schema<T>, input: unknown, root = '$'): Result<T> {
  const errors: string[] = [];
  const value = schema.parse(input, root, errors);
  if (errors.length > 0 || value === undefined) {
    return { ok: false, errors: errors.length > 0 ? errors : [`${root}: invalid`] };
  }
  return { ok: true, value };
}
