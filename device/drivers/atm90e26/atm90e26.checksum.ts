/**
 * CS1/CS2 checksum (datasheet 5.2/5.3): over the bytes of the block's 16-bit words,
 * high byte = XOR of all bytes, low byte = sum of all bytes mod 256.
 * Check values (docs/atm90e26.md "Checksums and start-up"): default-ish metering block → 0x4A34, measurement block → 0xD294.
 */
export function atm90e26Checksum(words: ArrayLike<number>): number {
  let xor = 0;
  let sum = 0;
  for (let k = 0; k < words.length; k++) {
    const word = words[k];
    if (!Number.isInteger(word) || word < 0 || word > 0xffff) throw new RangeError(`checksum word ${k} is not a 16-bit value: ${word}`);
    const high = word >>> 8;
    const low = word & 0xff;
    xor ^= high ^ low;
    sum += high + low;
  }
  return ((xor & 0xff) << 8) | (sum & 0xff);
}
