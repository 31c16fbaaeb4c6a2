/**
 * Little-endian words and LEB128 varints over a preallocated Uint8Array. Values up to 2^53 go
 * through arithmetic, not 32-bit bitwise operators, so seq numbers and mWh counters stay exact.
 */

export function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

/** Signed → unsigned so that small magnitudes of either sign become small varints. */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Writes into `bytes` from `pos` up to `limit`; past the limit it stops and sets `overflowed` instead of throwing. */
export class ByteWriter {
  overflowed = false;

  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    public limit = bytes.length,
  ) {}

  u8(value: number): void {
    if (this.pos >= this.limit) {
      this.overflowed = true;
      return;
    }
    this.bytes[this.pos++] = value;
  }

  u32(value: number): void {
    if (this.pos + 4 > this.limit) {
      this.overflowed = true;
      this.pos = this.limit;
      return;
    }
    writeU32(this.bytes, this.pos, value);
    this.pos += 4;
  }

  /** Unsigned LEB128, exact up to 2^53. */
  varint(value: number): void {
    while (value >= 0x80) {
      this.u8((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.u8(value);
  }

  svarint(value: number): void {
    this.varint(zigzag(value));
  }
}

/** Malformed input is a device fault (bit rot), not a programmer error: reads past the end throw CorruptDataError. */
export class CorruptDataError extends Error {
  override name = 'CorruptDataError';
}

export class ByteReader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  u8(): number {
    if (this.pos >= this.end) throw new CorruptDataError(`read past the end at ${this.pos}`);
    return this.bytes[this.pos++];
  }

  u32(): number {
    if (this.pos + 4 > this.end) throw new CorruptDataError(`read past the end at ${this.pos}`);
    const value = readU32(this.bytes, this.pos);
    this.pos += 4;
    return value;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new CorruptDataError(`varint too long at ${this.pos}`);
    }
  }

  svarint(): number {
    return unzigzag(this.varint());
  }
}
