/**
 * Signed commands and plans (docs/security.md "Signed commands", docs/protocol.md "Signed
 * envelope"). Every `cmd` and `plan` travels as
 *
 *     {"mac":"<64 lower-case hex>","msg":<B>}
 *
 * where B is the exact UTF-8 bytes of the encoded message and the MAC is HMAC-SHA256 with the
 * meter's own command key over `<kind>\n` + B (`cmd\n…` or `plan\n…`: a signed plan is no signed
 * command). The envelope is fixed down to the byte (no spaces, `mac` first), so the meter checks
 * the MAC over a slice of what it received, before any JSON is parsed, and never re-serialises.
 * The whole envelope is still plain JSON: `JSON.parse(payload).msg` is the message.
 * Portable (no Node APIs): the backend signs with Node's crypto, the meter verifies through its
 * crypto port; both hand their HMAC function in.
 */
import { utf8Decode, utf8Encode } from '../utf8';
import { MAX_PAYLOAD_BYTES } from './codec';

export const SIGNED_KINDS = ['cmd', 'plan'] as const;
export type SignedKind = (typeof SIGNED_KINDS)[number];

/** HMAC-SHA256 output, and the command key's length (256 bits, RFC 2104 §3: at least the output length). */
export const MAC_BYTES = 32;
export const COMMAND_KEY_BYTES = 32;

const PREFIX = '{"mac":"';
const MIDDLE = '","msg":';
const SUFFIX = '}';
const MAC_HEX = MAC_BYTES * 2;
const BODY_START = PREFIX.length + MAC_HEX + MIDDLE.length;
/** Bytes the envelope adds to the message: 81. */
export const SIGNED_ENVELOPE_OVERHEAD_BYTES = BODY_START + SUFFIX.length;

/** Largest signed payload per kind: the message's own limit plus the envelope. */
export function maxSignedBytes(kind: SignedKind): number {
  return MAX_PAYLOAD_BYTES[kind] + SIGNED_ENVELOPE_OVERHEAD_BYTES;
}

/** What the MAC covers: the topic kind, a newline, the message bytes. */
export function macInput(kind: SignedKind, body: Uint8Array): Uint8Array {
  const input = new Uint8Array(kind.length + 1 + body.length);
  for (let i = 0; i < kind.length; i++) input[i] = kind.charCodeAt(i);
  input[kind.length] = 0x0a;
  input.set(body, kind.length + 1);
  return input;
}

/**
 * Wraps an encoded message (encodeMessage's output) in its signed envelope. `hmac` is
 * HMAC-SHA256 with the meter's command key. Throws on a body that is not one JSON object text
 * or would make the envelope exceed the limit (programmer errors).
 */
export function sealSigned(kind: SignedKind, body: string, hmac: (input: Uint8Array) => Uint8Array): string {
  if (body.charCodeAt(0) !== 0x7b || body.charCodeAt(body.length - 1) !== 0x7d) {
    throw new Error(`refusing to sign a ${kind} body that is not a JSON object text: ${body.slice(0, 40)}`);
  }
  const bytes = utf8Encode(body);
  if (bytes.length > MAX_PAYLOAD_BYTES[kind]) {
    throw new Error(`refusing to sign a ${kind} message of ${bytes.length} bytes: the limit is ${MAX_PAYLOAD_BYTES[kind]}`);
  }
  const mac = hmac(macInput(kind, bytes));
  if (mac.length !== MAC_BYTES) throw new Error(`the HMAC function returned ${mac.length} bytes, not ${MAC_BYTES}`);
  return `${PREFIX}${toHex(mac)}${MIDDLE}${body}${SUFFIX}`;
}

export type OpenedEnvelope = { ok: true; mac: Uint8Array; body: Uint8Array } | { ok: false; error: string };

/**
 * Splits a received payload into MAC and message bytes by offsets, checking the fixed layout
 * byte by byte. Says nothing about authenticity: the caller verifies `mac` over
 * macInput(kind, body). The body is a view into `payload` (no copy).
 */
export function openSigned(kind: SignedKind, payload: Uint8Array): OpenedEnvelope {
  const limit = maxSignedBytes(kind);
  if (payload.length > limit) return { ok: false, error: `payload of ${payload.length} bytes exceeds the ${limit}-byte limit for a signed ${kind}` };
  if (payload.length < SIGNED_ENVELOPE_OVERHEAD_BYTES + 2 || !startsWith(payload, 0, PREFIX)) {
    return { ok: false, error: `not a signed envelope: a signed ${kind} starts with ${PREFIX}` };
  }
  const mac = new Uint8Array(MAC_BYTES);
  for (let i = 0; i < MAC_BYTES; i++) {
    const high = hexValue(payload[PREFIX.length + 2 * i]);
    const low = hexValue(payload[PREFIX.length + 2 * i + 1]);
    if (high < 0 || low < 0) return { ok: false, error: `mac must be ${MAC_HEX} lower-case hex digits` };
    mac[i] = (high << 4) | low;
  }
  if (!startsWith(payload, PREFIX.length + MAC_HEX, MIDDLE)) return { ok: false, error: `not a signed envelope: ${MIDDLE} must follow the mac` };
  if (payload[payload.length - 1] !== SUFFIX.charCodeAt(0)) return { ok: false, error: 'not a signed envelope: it must end with the closing brace' };
  return { ok: true, mac, body: payload.subarray(BODY_START, payload.length - 1) };
}

/** A command key from its hex form (64 hex digits); throws a RangeError saying what is wrong. */
export function parseCommandKeyHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== COMMAND_KEY_BYTES * 2) {
    throw new RangeError(`a command key is ${COMMAND_KEY_BYTES * 2} hex digits, got ${hex.length} characters${/^[0-9a-fA-F]*$/.test(hex) ? '' : ' with non-hex ones'}`);
  }
  const key = new Uint8Array(COMMAND_KEY_BYTES);
  for (let i = 0; i < COMMAND_KEY_BYTES; i++) key[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return key;
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return hex;
}

function startsWith(bytes: Uint8Array, offset: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** 0–15 for an ASCII lower-case hex digit, -1 otherwise (upper case too: one spelling per MAC). */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/**
 * The command id of a payload that failed verification, if one can be read (from the envelope's
 * `msg` or a bare command): only to address the `unauthenticated` ack, never to act on.
 */
export function unverifiedCommandId(payload: Uint8Array | string): string | undefined {
  if (payload.length > maxSignedBytes('cmd')) return undefined;
  let parsed: unknown;
  try {
    const text = typeof payload === 'string' ? payload : utf8Decode(payload);
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
  const message = isObject(parsed) && isObject(parsed.msg) ? parsed.msg : parsed;
  const id = isObject(message) ? message.id : undefined;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
