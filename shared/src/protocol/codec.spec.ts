import { utf8Encode } from '../utf8';
import { decodeMessage, encodeMessage, encodeMessageBytes, MAX_PAYLOAD_BYTES, MessageKind, validateMessage } from './codec';
import { PlanMessage, StatusMessage } from './messages';
import { EXAMPLE_TS, exampleMessage, MESSAGE_KINDS } from './protocol.examples';

function errorsOf(result: { ok: boolean; errors?: string[] }): string[] {
  if (result.ok) throw new Error('expected the message to be rejected');
  return result.errors ?? [];
}

/** The example of `kind` as JSON, padded with spaces after the opening brace to exactly `bytes`. */
function paddedTo(kind: MessageKind, bytes: number): string {
  const text = JSON.stringify(exampleMessage(kind));
  return `{${' '.repeat(bytes - text.length)}${text.slice(1)}`;
}

describe('decodeMessage', () => {
  it.each(MESSAGE_KINDS)('should decode the valid %s example from a string and from bytes', (kind) => {
    const message = exampleMessage(kind);
    const text = JSON.stringify(message);

    expect(decodeMessage(kind, text)).toEqual({ ok: true, value: message });
    expect(decodeMessage(kind, utf8Encode(text))).toEqual({ ok: true, value: message });
  });

  it.each(MESSAGE_KINDS)('should reject malformed JSON for %s with a JSON error', (kind) => {
    const errors = errorsOf(decodeMessage(kind, '{"v":1,'));

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^payload is not valid JSON/);
  });

  it.each(MESSAGE_KINDS)('should reject a %s payload that is JSON but not an object', (kind) => {
    for (const payload of ['[]', 'null', '42', '"text"']) {
      expect(errorsOf(decodeMessage(kind, payload))[0]).toMatch(/^\$(\.op)?: expected/);
    }
  });

  it.each(MESSAGE_KINDS)('should reject NaN and Infinity in %s, which JSON cannot carry', (kind) => {
    const text = JSON.stringify(exampleMessage(kind)).replace('"v":1', '"v":NaN');

    expect(errorsOf(decodeMessage(kind, text))[0]).toMatch(/not valid JSON/);
    expect(errorsOf(decodeMessage(kind, text.replace('NaN', 'Infinity')))[0]).toMatch(/not valid JSON/);
  });

  it.each(MESSAGE_KINDS)('should accept a %s payload of exactly its byte limit and reject one byte more', (kind) => {
    const limit = MAX_PAYLOAD_BYTES[kind];

    expect(decodeMessage(kind, paddedTo(kind, limit)).ok).toBe(true);
    expect(decodeMessage(kind, utf8Encode(paddedTo(kind, limit))).ok).toBe(true);
    expect(errorsOf(decodeMessage(kind, paddedTo(kind, limit + 1)))).toEqual([
      `payload of ${limit + 1} bytes exceeds the ${limit}-byte limit for ${kind}`,
    ]);
    expect(errorsOf(decodeMessage(kind, utf8Encode(paddedTo(kind, limit + 1))))[0]).toMatch(/exceeds/);
  });

  it('should count a string payload in UTF-8 bytes, not UTF-16 units', () => {
    // 2,810 characters but 7,410 bytes on the wire: above the 4,096-byte status limit.
    const status: StatusMessage = {
      v: 1,
      online: true,
      firmware: '€'.repeat(200),
      health: Array.from({ length: 10 }, (_, i) => ({ circuit: i + 1, state: 'warning' as const, fault: '€'.repeat(200) })),
    };
    const text = JSON.stringify(status);
    expect(text.length).toBeLessThan(MAX_PAYLOAD_BYTES.status);

    expect(errorsOf(decodeMessage('status', text))[0]).toMatch(/exceeds the 4096-byte limit/);
    expect(errorsOf(decodeMessage('status', utf8Encode(text)))[0]).toMatch(/exceeds the 4096-byte limit/);
  });

  it('should reject invalid UTF-8 bytes without trying to parse them', () => {
    const bytes = utf8Encode(JSON.stringify(exampleMessage('heartbeat')));
    const broken = Uint8Array.from([...bytes.slice(0, -1), 0xff, 0x7d]);

    expect(errorsOf(decodeMessage('heartbeat', broken))).toEqual(['payload is not valid UTF-8']);
  });

  it('should decode non-ASCII text carried as UTF-8 bytes', () => {
    const event = { ...exampleMessage('events'), message: 'Küche 🔌 überlastet' };

    const result = decodeMessage('events', utf8Encode(JSON.stringify(event)));

    expect(result).toEqual({ ok: true, value: event });
  });

  it('should list every problem of a message at once', () => {
    const text = JSON.stringify({ v: 2, ts: 1_700_000_000, interval_s: 0, extra: true });

    const errors = errorsOf(decodeMessage('heartbeat', text));

    expect(errors).toEqual([
      '$: unknown field "extra"',
      '$.v: expected one of 1, got 2',
      '$.ts: 1700000000 is below the minimum 946684800000',
      '$.interval_s: 0 is below the minimum 0.1',
    ]);
  });
});

describe('validateMessage', () => {
  it.each(MESSAGE_KINDS)('should reject an unknown field in %s by name', (kind) => {
    const message = { ...exampleMessage(kind), bogus: 1 };

    expect(errorsOf(validateMessage(kind, message))).toContain('$: unknown field "bogus"');
  });

  it.each(MESSAGE_KINDS)('should require the version field in %s', (kind) => {
    const message: Record<string, unknown> = { ...exampleMessage(kind) };
    delete message.v;

    expect(errorsOf(validateMessage(kind, message))).toContain('$.v: is required');
  });

  it.each(MESSAGE_KINDS)('should reject prototype names as unknown fields in %s', (kind) => {
    const message = JSON.parse(`{"constructor":1,"__proto__":2,${JSON.stringify(exampleMessage(kind)).slice(1)}`);

    const errors = errorsOf(validateMessage(kind, message));

    expect(errors).toContain('$: unknown field "constructor"');
    expect(errors).toContain('$: unknown field "__proto__"');
  });
});

describe('encodeMessage', () => {
  it.each(MESSAGE_KINDS)('should encode the valid %s example as its JSON', (kind) => {
    const message = exampleMessage(kind);

    expect(JSON.parse(encodeMessage(kind, message))).toEqual(message);
  });

  it('should throw on an invalid message, naming the kind and the path', () => {
    const command = { ...exampleMessage('cmd'), circuit: 11 };

    expect(() => encodeMessage('cmd', command)).toThrow(
      'refusing to encode an invalid cmd message: $.circuit: 11 is above the maximum 10',
    );
  });

  it('should throw on NaN rather than let JSON.stringify turn it into null', () => {
    const telemetry = exampleMessage('telemetry');
    telemetry.circuits[0].power_w = Number.NaN;

    expect(() => encodeMessage('telemetry', telemetry)).toThrow('$.circuits[0].power_w: expected a finite number, got NaN');
  });

  it('should fit the largest plan the schema allows (10 circuits × 96 intervals) within the plan limit', () => {
    const plan: PlanMessage = {
      v: 1,
      version: 1,
      issued: EXAMPLE_TS,
      circuits: Array.from({ length: 10 }, (_, c) => ({
        circuit: c + 1,
        on: Array.from({ length: 96 }, (_, k) => ({ start: EXAMPLE_TS + k * 900_000, end: EXAMPLE_TS + k * 900_000 + 450_000 })),
        valid_until: EXAMPLE_TS + 2 * 86_400_000,
      })),
    };

    const encoded = encodeMessage('plan', plan);

    expect(encoded.length).toBeLessThan(65536);
    expect(decodeMessage('plan', encoded)).toEqual({ ok: true, value: plan });
  });
});

describe('encodeMessageBytes', () => {
  it.each(MESSAGE_KINDS)('should produce UTF-8 bytes that decode back to the %s example', (kind) => {
    const message = exampleMessage(kind);

    const bytes = encodeMessageBytes(kind, message);

    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeMessage(kind, bytes)).toEqual({ ok: true, value: message });
  });
});
