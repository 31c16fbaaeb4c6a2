import { arr, bool, int, literal, num, obj, optional, refine, Schema, str, tagged, validate } from './schema';

describe('num', () => {
  it.each([
    [Number.NaN, '$: expected a finite number, got NaN'],
    [Infinity, '$: expected a finite number, got Infinity'],
    [-Infinity, '$: expected a finite number, got -Infinity'],
    ['5', '$: expected a finite number, got "5"'],
    [null, '$: expected a finite number, got null'],
    [undefined, '$: expected a finite number, got undefined'],
    [[5], '$: expected a finite number, got array'],
  ])('should reject %p', (input, error) => {
    expect(validate(num(), input)).toEqual({ ok: false, errors: [error] });
  });

  it('should keep min and max inclusive', () => {
    const schema = num({ min: -1, max: 1 });

    expect(validate(schema, -1).ok).toBe(true);
    expect(validate(schema, 1).ok).toBe(true);
    expect(validate(schema, -1.0001)).toEqual({ ok: false, errors: ['$: -1.0001 is below the minimum -1'] });
    expect(validate(schema, 1.0001)).toEqual({ ok: false, errors: ['$: 1.0001 is above the maximum 1'] });
  });
});

describe('int', () => {
  it('should reject fractions and accept integers', () => {
    expect(validate(int(), 1.5)).toEqual({ ok: false, errors: ['$: expected an integer, got 1.5'] });
    expect(validate(int(), -3)).toEqual({ ok: true, value: -3 });
  });
});

describe('str', () => {
  it('should apply min length, max length (256 by default) and pattern', () => {
    const id = str({ minLength: 2, maxLength: 4, pattern: /^[a-z]+$/ });

    expect(validate(id, 'ab')).toEqual({ ok: true, value: 'ab' });
    expect(validate(id, 'a')).toEqual({ ok: false, errors: ['$: must not be shorter than 2 characters'] });
    expect(validate(id, 'abcde')).toEqual({ ok: false, errors: ['$: longer than 4 characters'] });
    expect(validate(id, 'AB')).toEqual({ ok: false, errors: ['$: "AB" does not match /^[a-z]+$/'] });
    expect(validate(str(), 'x'.repeat(257))).toEqual({ ok: false, errors: ['$: longer than 256 characters'] });
  });

  it('should not echo a long string back in its error', () => {
    const result = validate(str({ pattern: /^\d+$/ }), 'x'.repeat(100));

    expect(result).toEqual({ ok: false, errors: ['$: a long string does not match /^\\d+$/'] });
  });
});

describe('bool', () => {
  it('should accept only true and false', () => {
    expect(validate(bool(), false)).toEqual({ ok: true, value: false });
    expect(validate(bool(), 0)).toEqual({ ok: false, errors: ['$: expected true or false, got 0'] });
  });
});

describe('literal', () => {
  it('should accept listed values only, without coercion', () => {
    expect(validate(literal(1, 4), 4)).toEqual({ ok: true, value: 4 });
    expect(validate(literal(1, 4), '4')).toEqual({ ok: false, errors: ['$: expected one of 1, 4, got "4"'] });
  });
});

describe('arr', () => {
  it('should report each bad element by index and return nothing', () => {
    const result = validate(arr(int(), { maxItems: 5 }), [1, 'two', 3, 4.5]);

    expect(result).toEqual({ ok: false, errors: ['$[1]: expected a finite number, got "two"', '$[3]: expected an integer, got 4.5'] });
  });

  it('should check the item count before the items', () => {
    expect(validate(arr(int(), { minItems: 1, maxItems: 2 }), [])).toEqual({ ok: false, errors: ['$: needs at least 1 items, has 0'] });
    expect(validate(arr(int(), { maxItems: 2 }), ['a', 'b', 'c'])).toEqual({
      ok: false,
      errors: ['$: at most 2 items allowed, has 3'],
    });
  });
});

describe('obj', () => {
  const point = obj({ x: num(), y: num(), label: optional(str()) });

  it('should return only declared fields and allow optional ones to be absent', () => {
    expect(validate(point, { x: 1, y: 2 })).toEqual({ ok: true, value: { x: 1, y: 2 } });
    expect(validate(point, { x: 1, y: 2, label: 'a' })).toEqual({ ok: true, value: { x: 1, y: 2, label: 'a' } });
  });

  it('should list unknown, missing and wrong fields together', () => {
    const result = validate(point, { y: 'no', z: 3 });

    expect(result).toEqual({
      ok: false,
      errors: ['$: unknown field "z"', '$.x: is required', '$.y: expected a finite number, got "no"'],
    });
  });

  it('should reject null for an optional field (absent is not null)', () => {
    expect(validate(point, { x: 1, y: 2, label: null })).toEqual({ ok: false, errors: ['$.label: expected a string, got null'] });
  });

  it('should treat inherited property names as unknown fields', () => {
    const result = validate(point, JSON.parse('{"x":1,"y":2,"hasOwnProperty":0,"__proto__":{"x":5}}'));

    expect(result).toEqual({ ok: false, errors: ['$: unknown field "hasOwnProperty"', '$: unknown field "__proto__"'] });
  });

  it('should name nested paths', () => {
    const outer = obj({ inner: obj({ list: arr(obj({ n: int() }), { maxItems: 3 }) }) });

    expect(validate(outer, { inner: { list: [{ n: 1 }, { n: 'x' }] } })).toEqual({
      ok: false,
      errors: ['$.inner.list[1].n: expected a finite number, got "x"'],
    });
  });
});

describe('tagged', () => {
  const shape = tagged('kind', {
    circle: obj({ kind: literal('circle'), r: num() }),
    square: obj({ kind: literal('square'), side: num() }),
  });

  it('should parse the member chosen by the tag', () => {
    expect(validate(shape, { kind: 'square', side: 2 })).toEqual({ ok: true, value: { kind: 'square', side: 2 } });
  });

  it('should not let one member borrow another member fields', () => {
    expect(validate(shape, { kind: 'circle', side: 2 })).toEqual({
      ok: false,
      errors: ['$: unknown field "side"', '$.r: is required'],
    });
  });

  it('should reject an unknown or inherited tag', () => {
    expect(validate(shape, { kind: 'toString' })).toEqual({
      ok: false,
      errors: ['$.kind: expected one of "circle", "square", got "toString"'],
    });
  });
});

describe('refine', () => {
  it('should run the rule only after the shape parsed and report it at the path', () => {
    const rule = jest.fn((r: { lo: number; hi: number }) => (r.hi > r.lo ? undefined : 'hi must exceed lo'));
    const range = refine(obj({ lo: num(), hi: num() }), rule);

    expect(validate(range, { lo: 2, hi: 1 })).toEqual({ ok: false, errors: ['$: hi must exceed lo'] });
    expect(validate(range, { lo: 'x', hi: 1 }).ok).toBe(false);
    expect(rule).toHaveBeenCalledTimes(1);
  });

  it('should keep the optional flag of its inner schema', () => {
    const holder = obj({ r: refine(optional(num()), (n) => (n === undefined || n > 0 ? undefined : 'must be positive')) });

    expect(validate(holder, {})).toEqual({ ok: true, value: {} });
  });
});

describe('validate', () => {
  it('should use the given root in paths', () => {
    expect(validate(obj({ a: num() }), {}, 'body')).toEqual({ ok: false, errors: ['body.a: is required'] });
  });

  it('should never report success without a value', () => {
    expect(validate(optional(num()), undefined)).toEqual({ ok: false, errors: ['$: invalid'] });
  });
});

describe('jsonSchema', () => {
  it('should describe an object closed, with its required keys, bounds and enums', () => {
    const schema = obj({ n: int({ min: 1, max: 10 }), s: optional(str({ maxLength: 8, pattern: /^a+$/ })), k: literal('on', 'off'), l: arr(num(), { maxItems: 2 }) });
    expect(schema.jsonSchema()).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1, maximum: 10 },
        s: { type: 'string', maxLength: 8, pattern: '^a+$' },
        k: { type: 'string', enum: ['on', 'off'] },
        l: { type: 'array', items: { type: 'number' }, maxItems: 2 },
      },
      required: ['n', 'k', 'l'],
      additionalProperties: false,
    });
  });

  it('should describe a tagged union as oneOf its members and a refined schema as its inner one', () => {
    const member = obj({ op: literal('ping') });
    expect(tagged('op', { ping: member }).jsonSchema()).toEqual({ oneOf: [member.jsonSchema()] });
    expect(refine(member, () => undefined).jsonSchema()).toEqual(member.jsonSchema());
  });
});

describe('copies', () => {
  const point = obj({ x: num(), label: optional(str()) });
  const points = arr(point, { maxItems: 10 });
  const upper: Schema<string> = { parse: (input) => (typeof input === 'string' ? input.toUpperCase() : undefined), jsonSchema: () => ({}) };

  it('should give back the input itself when every part of it parsed to itself', () => {
    const input = [{ x: 1 }, { x: 2, label: 'b' }];
    const result = validate(points, input);
    expect(result.ok && result.value).toBe(input);
    expect(result.ok && result.value[1]).toBe(input[1]);
  });

  it('should copy an object or array once a part parses to something else, keeping the fields before it', () => {
    const named = obj({ x: num(), name: upper, y: optional(num()) });
    const input = { x: 1, name: 'a', y: 2 };
    const result = validate(arr(named, { maxItems: 2 }), [input]);
    expect(result).toEqual({ ok: true, value: [{ x: 1, name: 'A', y: 2 }] });
    expect(result.ok && result.value[0]).not.toBe(input);
    expect(input).toEqual({ x: 1, name: 'a', y: 2 });
  });

  it('should still refuse what it refused when it copied everything', () => {
    expect(validate(points, [{ x: 1 }, { x: 'two' }])).toEqual({ ok: false, errors: ['$[1].x: expected a finite number, got "two"'] });
    expect(validate(point, { x: 1, extra: true })).toEqual({ ok: false, errors: ['$: unknown field "extra"'] });
  });
});
