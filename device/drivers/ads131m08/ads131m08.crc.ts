/**
 * The ADS131M08 output CRC: CRC-16-CCITT, polynomial 0x1021, seed 0xFFFF, MSB first, over every
 * byte of the frame before the CRC word (datasheet 8.5.1.13; MODE.CRC_TYPE = 0). Table-driven:
 * a 16 kSPS burst checks ~1 MB per second in simulation.
 */
const TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[n] = crc;
}

export function crc16Ccitt(bytes: Uint8Array, length = bytes.length, seed = 0xffff): number {
  let crc = seed;
  for (let k = 0; k < length; k++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ bytes[k]) & 0xff];
  return crc;
}
