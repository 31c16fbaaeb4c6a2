/**
 * UTF-8 encode/decode without TextEncoder/Buffer: XS on the ESP32 has neither by default.
 *
 * XS keeps strings as UTF-8, so `text.length` and `charCodeAt(i)` each scan the string: a loop
 * over a 3 KB telemetry JSON costs seconds on the device (found running the firmware image as the
 * virtual board). ASCII text, which every JSON.stringify output of this protocol is, takes XS's
 * native ArrayBuffer.fromString / String.fromArrayBuffer instead (both absent in Node, where the
 * loops below are fast).
 */
const XsArrayBuffer = ArrayBuffer as unknown as { fromString?: (text: string) => ArrayBuffer };
const XsString = String as unknown as { fromArrayBuffer?: (buffer: ArrayBuffer) => string };
/** Both XS extensions are there (called on their classes: fromString constructs `new this`). */
const xsStrings = typeof XsArrayBuffer.fromString === 'function' && typeof XsString.fromArrayBuffer === 'function';
/** No character outside 7-bit ASCII (control characters included: JSON escapes them anyway). */
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

export function utf8Encode(text: string): Uint8Array {
  if (xsStrings && ASCII.test(text)) return new Uint8Array(XsArrayBuffer.fromString!(text));
  const out: number[] = [];
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // A lone surrogate has no UTF-8 form: write U+FFFD as TextEncoder does (WHATWG Encoding §9.1).
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return Uint8Array.from(out);
}

/** Bytes that utf8Encode(text) would produce, without building them. */
export function utf8ByteLength(text: string): number {
  const units = text.length;
  if (ASCII.test(text)) return units;
  let length = 0;
  for (let i = 0; i < units; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < units) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** Smallest code point per count of continuation bytes: anything below is an overlong form. */
const MIN_CODE_POINT = [0, 0x80, 0x800, 0x10000];

/** The platform's strict decoder where it has one (Node, browsers): the same answers at native speed. */
const nativeDecoder: { decode(bytes: Uint8Array): string } | undefined = (() => {
  const Decoder = (globalThis as { TextDecoder?: new (label: string, options: object) => { decode(bytes: Uint8Array): string } }).TextDecoder;
  return Decoder ? new Decoder('utf-8', { fatal: true, ignoreBOM: true }) : undefined;
})();

/** Strict decoder: returns undefined on malformed input instead of inventing replacement characters. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  if (!nativeDecoder) return utf8DecodePortable(bytes);
  try {
    return nativeDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** utf8Decode in plain JavaScript, for XS on the ESP32 (no TextDecoder there by default). */
export function utf8DecodePortable(bytes: Uint8Array): string | undefined {
  if (xsStrings && isAscii(bytes)) {
    const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    return XsString.fromArrayBuffer!(exact as ArrayBuffer);
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i];
    let code: number;
    let extra: number;
    if (b0 < 0x80) {
      code = b0;
      extra = 0;
    } else if ((b0 & 0xe0) === 0xc0) {
      code = b0 & 0x1f;
      extra = 1;
    } else if ((b0 & 0xf0) === 0xe0) {
      code = b0 & 0x0f;
      extra = 2;
    } else if ((b0 & 0xf8) === 0xf0) {
      code = b0 & 0x07;
      extra = 3;
    } else return undefined;
    for (let k = 1; k <= extra; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) return undefined;
      code = (code << 6) | (b & 0x3f);
    }
    // RFC 3629 §3: overlong forms, UTF-16 surrogates and code points above U+10FFFF are not UTF-8.
    if (code < MIN_CODE_POINT[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    i += extra + 1;
    if (code >= 0x10000) {
      code -= 0x10000;
      out += String.fromCharCode(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
    } else out += String.fromCharCode(code);
  }
  return out;
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false;
  return true;
}
