import { utf8ByteLength, utf8Decode, utf8DecodePortable, utf8Encode } from './utf8';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('utf8Encode', () => {
  it.each([
    ['', []],
    ['A', [0x41]],
    ['é', [0xc3, 0xa9]],
    ['€', [0xe2, 0x82, 0xac]],
    ['😀', [0xf0, 0x9f, 0x98, 0x80]],
    ['\u0000', [0x00]],
    ['\u07ff', [0xdf, 0xbf]],
    ['\uffff', [0xef, 0xbf, 0xbf]],
    ['\u{10ffff}', [0xf4, 0x8f, 0xbf, 0xbf]],
  ])('should encode %p as RFC 3629 bytes', (text, expected) => {
    expect(Array.from(utf8Encode(text))).toEqual(expected);
  });

  it('should agree with TextEncoder on every BMP code point and on surrogate pairs', () => {
    const encoder = new TextEncoder();
    let text = '';
    for (let code = 0; code <= 0xffff; code++) if (code < 0xd800 || code > 0xdfff) text += String.fromCharCode(code);
    text += '😀👍🏽𝄞\u{10000}\u{10ffff}';

    expect(Array.from(utf8Encode(text))).toEqual(Array.from(encoder.encode(text)));
  });

  it.each(['\ud83d', 'a\ude00b', '\ude00\ud83d'])('should write U+FFFD for the lone surrogate in %p, as TextEncoder does', (text) => {
    expect(Array.from(utf8Encode(text))).toEqual(Array.from(new TextEncoder().encode(text)));
  });
});

// utf8Decode uses the platform's TextDecoder where there is one (Node); XS runs utf8DecodePortable.
describe.each([
  ['utf8Decode', utf8Decode],
  ['utf8DecodePortable', utf8DecodePortable],
])('%s', (_name, utf8Decode) => {
  it.each(['', 'plain ASCII', 'Küche überlastet', '€ 0,25/kWh', '😀 emoji 👍🏽 and 𝄞', '\u0000\u007f\u0080\u07ff\u0800\uffff'])(
    'should round-trip %p',
    (text) => {
      expect(utf8Decode(utf8Encode(text))).toBe(text);
    },
  );

  it.each([
    ['a truncated 2-byte sequence', [0x41, 0xc3]],
    ['a truncated 3-byte sequence', [0xe2, 0x82]],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ['a lone continuation byte', [0x80]],
    ['a continuation byte replaced by ASCII', [0xe2, 0x41, 0xac]],
    ['0xFF', [0xff]],
    ['a 5-byte lead 0xF8', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['overlong "/" (C0 AF)', [0xc0, 0xaf]],
    ['overlong NUL (C0 80)', [0xc0, 0x80]],
    ['overlong 3-byte (E0 80 AF)', [0xe0, 0x80, 0xaf]],
    ['overlong 4-byte (F0 82 82 AC)', [0xf0, 0x82, 0x82, 0xac]],
    ['an encoded high surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['an encoded low surrogate (ED BF BF)', [0xed, 0xbf, 0xbf]],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
    ['a lead byte 0xF5', [0xf5, 0x80, 0x80, 0x80]],
  ])('should reject %s', (_what, input) => {
    expect(utf8Decode(bytes(...input))).toBeUndefined();
  });

  it('should keep a byte order mark (JSON.parse refuses it, as before)', () => {
    expect(utf8Decode(bytes(0xef, 0xbb, 0xbf, 0x7b, 0x7d))).toBe('\ufeff{}');
  });

  it('should agree with a fatal TextDecoder on the boundaries of every sequence length', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const cases = [
      [0x7f],
      [0xc2, 0x80],
      [0xc1, 0xbf],
      [0xdf, 0xbf],
      [0xe0, 0xa0, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xed, 0x9f, 0xbf],
      [0xee, 0x80, 0x80],
      [0xf0, 0x90, 0x80, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x8f, 0xbf, 0xbf],
    ];
    for (const input of cases) {
      let expected: string | undefined;
      try {
        expected = decoder.decode(bytes(...input));
      } catch {
        expected = undefined;
      }
      expect([input, utf8Decode(bytes(...input))]).toEqual([input, expected]);
    }
  });
});

describe('utf8ByteLength', () => {
  it.each(['', 'abc', 'é', '€uro', '😀', 'a\ud83db', '\ude00', 'Küche 🔌 überlastet'])('should equal the encoded length of %p', (text) => {
    expect(utf8ByteLength(text)).toBe(utf8Encode(text).byteLength);
  });
});
