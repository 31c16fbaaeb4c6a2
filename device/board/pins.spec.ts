/** The board file must agree with schematics/pinmap.csv, row by row, and use no pin twice. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PINS } from './pins';

interface Row {
  signal: string;
  device: string;
  pin: number;
}

const csv = fs.readFileSync(path.resolve(__dirname, '../../schematics/pinmap.csv'), 'utf8');
const [header, ...lines] = csv.trim().split(/\r?\n/);
const columns = header.split(',');
const rows: Row[] = lines.map((line) => {
  const cells = line.split(',');
  const get = (name: string) => cells[columns.indexOf(name)];
  return { signal: get('signal'), device: get('device'), pin: Number(get('pin')) };
});
const pinOf = (signal: string): Row => {
  const row = rows.find((r) => r.signal === signal);
  if (!row) throw new Error(`pinmap.csv has no row for ${signal}`);
  return row;
};

/** What the board file says, as the same rows. */
const ESP32 = 'esp32';
const EXPANDER = `mcp23017@0x${PINS.expanderAddress.toString(16)}`;
const fromBoard: Row[] = [
  { signal: 'spi_clock', device: ESP32, pin: PINS.spi.clock },
  { signal: 'spi_out', device: ESP32, pin: PINS.spi.out },
  { signal: 'spi_in', device: ESP32, pin: PINS.spi.in },
  ...PINS.chipSelect.map((pin, k) => ({ signal: `cs_${k + 1}`, device: ESP32, pin })),
  { signal: 'i2c_data', device: ESP32, pin: PINS.i2c.data },
  { signal: 'i2c_clock', device: ESP32, pin: PINS.i2c.clock },
  { signal: 'adc_voltage', device: ESP32, pin: PINS.adc.voltage },
  { signal: 'adc_current', device: ESP32, pin: PINS.adc.current },
  ...PINS.relay.map((pin, k) => ({ signal: `relay_${k + 1}`, device: EXPANDER, pin })),
  ...PINS.muxSelect.map((pin, k) => ({ signal: `mux_s${k}`, device: EXPANDER, pin })),
];

describe('board pins', () => {
  it.each(fromBoard.map((r) => [r.signal, r] as const))('should match pinmap.csv for %s', (_signal, row) => {
    expect(pinOf(row.signal)).toEqual(row);
  });

  it('should cover every row of pinmap.csv', () => {
    expect(fromBoard.map((r) => r.signal).sort()).toEqual(rows.map((r) => r.signal).sort());
  });

  it('should use each pin of each device once', () => {
    const keys = rows.map((r) => `${r.device}:${r.pin}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('should give every circuit a chip select and a relay', () => {
    expect(PINS.chipSelect).toHaveLength(10);
    expect(PINS.relay).toHaveLength(10);
  });

  it('should keep ESP32 outputs off the input-only GPIOs 34–39', () => {
    const outputs = lines.filter((line) => line.split(',')[1] === ESP32 && line.split(',')[3] === 'out');
    for (const line of outputs) expect(Number(line.split(',')[2])).toBeLessThan(34);
  });
});
