/**
 * The controller board (rev 1) as a netlist: the one source of truth for the pin map
 * (schematics/pinmap.csv), the firmware's board file (device/board/pins.ts), the schematic sheets
 * (schematics/svg/) and the BOM quantities (schematics/bom.csv). `npm run schematic` regenerates
 * them; schematics/board.netlist.spec.ts checks the board and that they are up to date.
 *
 * Blocks (schematics/README.md): mcu, psu, relays, isolation, metering, waveform, current input,
 * voltage input, connectors. Domains: `logic` (SELV) and `mains` (the metering side, whose ground
 * is neutral, is at mains potential).
 */
import { Netlist } from './netlist/model';
import * as P from './netlist/parts';

export const CIRCUITS = 10;
/** ADC chip and channel of the CT of circuit k at index k − 1; channel 0 of each chip is the line voltage. */
export const ADC_CURRENT_CHANNELS = Array.from({ length: CIRCUITS }, (_, k) =>
  k < 7 ? { chip: 0, channel: k + 1 } : { chip: 1, channel: k - 6 },
);
export const ADC_VOLTAGE_CHANNEL = 0;
/** The ATM90E26 chip selects, the ADC selects and data-ready lines, in GPIO numbers. */
const ATM_CS_GPIO = [4, 5, 13, 14, 15, 16, 17, 25, 26, 27];
const ADC_CS_GPIO = [19, 0];
const ADC_DRDY_GPIO = [34, 35];

const R0603 = (ohms: number): string => `RC0603FR-07${ohms >= 1000 ? `${ohms / 1000}K` : `${ohms}R`}L`;
const GND_H = 'N_GNDH'; // the metering side's ground IS neutral

export function buildBoard(): Netlist {
  const n = new Netlist();
  const logic = 'logic' as const;
  const mains = 'mains' as const;
  const cap = (
    ref: string,
    block: string,
    domain: 'logic' | 'mains',
    farads: number,
    a: string,
    b: string,
    decouples?: string,
  ) => {
    const [value, mpn] = CAPS[farads];
    n.add(P.capacitor({ ref, block, domain, farads, value, mpn, decouples }));
    n.connect(a, `${ref}.1`);
    n.connect(b, `${ref}.2`);
  };
  const res = (
    ref: string,
    block: string,
    domain: 'logic' | 'mains',
    ohms: number,
    a: string,
    b: string,
    mpn = R0603(ohms),
  ) => {
    n.add(
      P.resistor({ ref, block, domain, ohms, value: `${ohms >= 1000 ? `${ohms / 1000}k` : ohms} Ω`, mpn }),
    );
    n.connect(a, `${ref}.1`);
    n.connect(b, `${ref}.2`);
  };

  // ---- PSU: mains in, fuse, MOV, AC-DC module, 3.3 V LDO ------------------------------------
  n.add(P.terminal2({ ref: 'J12', block: 'connectors', domain: mains, value: 'mains L / N in' }));
  n.connect('L', 'J12.1');
  n.connect('N_GNDH', 'J12.2');
  n.add(P.fuse({ ref: 'F1', block: 'psu', domain: mains }));
  n.connect('L', 'F1.1');
  n.connect('L_F', 'F1.2');
  n.add(P.varistor({ ref: 'RV1', block: 'psu', domain: mains }));
  n.connect('L_F', 'RV1.1');
  n.connect(GND_H, 'RV1.2');
  n.add(P.acDc({ ref: 'PS1', block: 'psu' }));
  n.connect('L_F', 'PS1.AC_L');
  n.connect(GND_H, 'PS1.AC_N');
  n.connect('+5V', 'PS1.+VO');
  n.connect('GND', 'PS1.-VO');
  cap('C1', 'psu', logic, 100e-6, '+5V', 'GND', 'PS1');
  n.add(P.ldo({ ref: 'U2', block: 'psu', domain: logic }));
  n.connect('+5V', 'U2.VIN', 'U2.EN');
  n.connect('GND', 'U2.GND');
  n.connect('+3V3', 'U2.VOUT');
  n.noConnect('no function', 'U2.NC');
  cap('C2', 'psu', logic, 1e-6, '+5V', 'GND', 'U2');
  cap('C3', 'psu', logic, 1e-6, '+3V3', 'GND', 'U2');

  // ---- MCU ----------------------------------------------------------------------------------
  n.add(P.esp32({ ref: 'U1', block: 'mcu', domain: logic }));
  n.connect('+3V3', 'U1.3V3');
  n.connect('GND', 'U1.GND');
  cap('C4', 'mcu', logic, 10e-6, '+3V3', 'GND', 'U1');
  cap('C5', 'mcu', logic, 100e-9, '+3V3', 'GND', 'U1');
  res('R1', 'mcu', logic, 10_000, '+3V3', 'EN');
  cap('C6', 'mcu', logic, 1e-6, 'EN', 'GND');
  n.connect('EN', 'U1.EN');
  n.add(P.header({ ref: 'J1', block: 'mcu', domain: logic }));
  n.connect('EN', 'J1.EN');
  n.connect('TXD0', 'U1.TXD0', 'J1.TXD');
  n.connect('RXD0', 'U1.RXD0', 'J1.RXD');
  n.connect('GND', 'J1.GND');
  // Setup button (docs/setup-portal.md): active high with a pull-down, because GPIO2 is a strapping
  // pin that must be low or floating for serial download; held at reset it changes nothing (GPIO0 high).
  n.add(P.pushButton({ ref: 'SW1', block: 'mcu', domain: logic, value: 'setup button (hold 5 s: setup portal)' }));
  n.connect('+3V3', 'SW1.1');
  n.connect('SETUP_BTN', 'SW1.2', 'U1.IO2');
  res('R19', 'mcu', logic, 10_000, 'SETUP_BTN', 'GND');
  n.signal({ signal: 'setup_button', device: 'esp32', at: 'U1.IO2', number: 2, direction: 'in', notes: 'SW1 to 3V3 with a 10 k pull-down; high while pressed' });
  n.noConnect('GPIO12 (MTDI): a high level at reset selects 1.8 V flash', 'U1.IO12');

  // ---- I²C expander and relay drivers -------------------------------------------------------
  n.add(P.mcp23017({ ref: 'U3', block: 'relays', domain: logic }));
  n.connect('+3V3', 'U3.VDD');
  n.connect('GND', 'U3.VSS', 'U3.A0', 'U3.A1', 'U3.A2');
  cap('C7', 'relays', logic, 100e-9, '+3V3', 'GND', 'U3');
  res('R2', 'relays', logic, 10_000, '+3V3', 'EXP_RESET');
  n.connect('EXP_RESET', 'U3.RESET');
  res('R3', 'relays', logic, 4_700, '+3V3', 'SDA');
  res('R4', 'relays', logic, 4_700, '+3V3', 'SCL');
  n.connect('SDA', 'U1.IO21', 'U3.SDA');
  n.connect('SCL', 'U1.IO22', 'U3.SCL');
  n.signal({
    signal: 'i2c_data',
    device: 'esp32',
    at: 'U1.IO21',
    number: 21,
    direction: 'io',
    notes: 'MCP23017 expander; 4.7 k pull-up',
  });
  n.signal({
    signal: 'i2c_clock',
    device: 'esp32',
    at: 'U1.IO22',
    number: 22,
    direction: 'out',
    notes: '400 kHz; 4.7 k pull-up',
  });
  n.noConnect('interrupts unused', 'U3.INTA', 'U3.INTB');
  for (const ref of ['U4', 'U5']) {
    n.add(P.uln2803({ ref, block: 'relays', domain: logic }));
    n.connect('GND', `${ref}.GND`);
    n.connect('+5V', `${ref}.COM`); // clamp diodes: the coils' flyback path
  }
  for (let k = 1; k <= CIRCUITS; k++) {
    const expanderPin = k - 1; // GPA0 … GPB1
    const gp = expanderPin < 8 ? `GPA${expanderPin}` : `GPB${expanderPin - 8}`;
    const driver = k <= 8 ? 'U4' : 'U5';
    const channel = k <= 8 ? k : k - 8;
    n.connect(`RLY${k}`, `U3.${gp}`, `${driver}.IN${channel}`);
    n.signal({
      signal: `relay_${k}`,
      device: 'mcp23017@0x20',
      at: `U3.${gp}`,
      number: expanderPin,
      direction: 'out',
      notes: `${gp} -> ${driver} -> relay K${k}`,
    });
    n.add(P.relay({ ref: `K${k}`, block: 'relays' }));
    n.connect('+5V', `K${k}.A1`);
    n.connect(`RLY${k}_COIL`, `K${k}.A2`, `${driver}.OUT${channel}`);
    n.add(
      P.terminal2({ ref: `J${12 + k}`, block: 'connectors', domain: mains, value: `circuit ${k} in / out` }),
    );
    n.connect(`C${k}_IN`, `J${12 + k}.1`, `K${k}.COM`);
    n.connect(`C${k}_OUT`, `J${12 + k}.2`, `K${k}.NO`);
  }
  n.connect('GND', ...[3, 4, 5, 6, 7, 8].map((c) => `U5.IN${c}`)); // unused driver inputs held low
  n.noConnect('unused driver channel', ...[3, 4, 5, 6, 7, 8].map((c) => `U5.OUT${c}`));
  n.noConnect('spare expander pins', ...[2, 3, 4, 5, 6, 7].map((b) => `U3.GPB${b}`));

  // ---- Isolation: hot-side supply and the digital isolators ----------------------------------
  n.add(P.isolatedDcDc({ ref: 'PS2', block: 'isolation' }));
  n.connect('+5V', 'PS2.VIN');
  n.connect('GND', 'PS2.GND');
  n.connect('+5V_H', 'PS2.+VO');
  n.connect(GND_H, 'PS2.0V');
  cap('C8', 'isolation', logic, 4.7e-6, '+5V', 'GND', 'PS2');
  cap('C9', 'isolation', mains, 4.7e-6, '+5V_H', GND_H, 'PS2');
  n.add(P.ldo({ ref: 'U6', block: 'isolation', domain: mains }));
  n.connect('+5V_H', 'U6.VIN', 'U6.EN');
  n.connect(GND_H, 'U6.GND');
  n.connect('+3V3_H', 'U6.VOUT');
  n.noConnect('no function', 'U6.NC');
  cap('C10', 'isolation', mains, 1e-6, '+5V_H', GND_H, 'U6');
  cap('C11', 'isolation', mains, 1e-6, '+3V3_H', GND_H, 'U6');

  // Channel plan: [isolator, forward signals (logic → hot), reverse signal (hot → logic)].
  const plan: [string, 3 | 4, string[], string | undefined][] = [
    ['U7', 3, ['SCLK', 'MOSI', 'CS1'], 'MISO'],
    ['U8', 3, ['CS2', 'CS3', 'CS4'], 'DRDY1'],
    ['U9', 3, ['CS5', 'CS6', 'CS7'], 'DRDY2'],
    ['U10', 3, ['ADC_SCLK', 'ADC_MOSI', 'ADC_CS1'], 'ADC_MISO'],
    ['U11', 4, ['CS8', 'CS9', 'CS10', 'ADC_CS2'], undefined],
  ];
  let capIndex = 12;
  for (const [ref, forward, fwd, rev] of plan) {
    n.add(P.isolator({ ref, block: 'isolation' }, forward));
    n.connect('+3V3', `${ref}.VCC1`, `${ref}.EN1`);
    n.connect('GND', `${ref}.GND1`);
    n.connect('+3V3_H', `${ref}.VCC2`, `${ref}.EN2`);
    n.connect(GND_H, `${ref}.GND2`);
    cap(`C${capIndex++}`, 'isolation', logic, 100e-9, '+3V3', 'GND', ref);
    cap(`C${capIndex++}`, 'isolation', mains, 100e-9, '+3V3_H', GND_H, ref);
    fwd.forEach((signal, k) => {
      const l = 'ABCD'[k];
      n.connect(signal, `${ref}.IN${l}`);
      n.connect(`${signal}_H`, `${ref}.OUT${l}`);
    });
    if (rev) {
      n.connect(`${rev}_H`, `${ref}.IND`);
      n.connect(rev, `${ref}.OUTD`);
    }
  }

  // ESP32 side of the isolated buses.
  const gpio = (
    net: string,
    number: number,
    signal: string,
    direction: 'in' | 'out' | 'io',
    notes: string,
  ) => {
    n.connect(net, `U1.IO${number}`);
    n.signal({ signal, device: 'esp32', at: `U1.IO${number}`, number, direction, notes });
  };
  gpio('SCLK', 18, 'spi_clock', 'out', 'VSPI (SPI3_HOST) to the ten ATM90E26 through U7; mode 3 at 160 kHz');
  gpio('MOSI', 23, 'spi_out', 'out', 'to SDI of every ATM90E26 through U7');
  gpio(
    'MISO',
    39,
    'spi_in',
    'in',
    'from SDO of every ATM90E26 through U7; 10 k pull-up so a dead bus reads all ones',
  );
  res('R5', 'mcu', logic, 10_000, '+3V3', 'MISO');
  ATM_CS_GPIO.forEach((pin, k) => {
    const strap = pin === 5 || pin === 15 ? '; strapping pin: idles high as the strap wants' : '';
    gpio(
      `CS${k + 1}`,
      pin,
      `cs_${k + 1}`,
      'out',
      `ATM90E26 of circuit ${k + 1} through an isolator; active low; 10 k pull-up${strap}`,
    );
    res(`R${6 + k}`, 'mcu', logic, 10_000, '+3V3', `CS${k + 1}`);
  });
  gpio(
    'ADC_SCLK',
    32,
    'adc_spi_clock',
    'out',
    'HSPI (SPI2_HOST) via the GPIO matrix to both ADS131M08 through U10; mode 1 at 8 MHz',
  );
  gpio('ADC_MOSI', 33, 'adc_spi_out', 'out', 'to DIN of both ADS131M08 through U10');
  gpio('ADC_MISO', 36, 'adc_spi_in', 'in', 'from DOUT of both ADS131M08 through U10; 10 k pull-up');
  res('R16', 'mcu', logic, 10_000, '+3V3', 'ADC_MISO');
  ADC_CS_GPIO.forEach((pin, k) => {
    const strap =
      pin === 0 ? '; GPIO0 strapping pin: idles high = normal boot; the programming header pulls it low' : '';
    gpio(
      `ADC_CS${k + 1}`,
      pin,
      `adc_cs_${k + 1}`,
      'out',
      `ADS131M08 chip ${k + 1} through an isolator; active low; 10 k pull-up${strap}`,
    );
    res(`R${17 + k}`, 'mcu', logic, 10_000, '+3V3', `ADC_CS${k + 1}`);
  });
  n.connect('ADC_CS2', 'J1.IO0');
  ADC_DRDY_GPIO.forEach((pin, k) =>
    gpio(
      `DRDY${k + 1}`,
      pin,
      `adc_drdy_${k + 1}`,
      'in',
      `DRDY of ADS131M08 chip ${k + 1} through an isolator (push-pull output); active low`,
    ),
  );

  // ---- Metering: ten ATM90E26, their crystals, dividers and CT inputs -----------------------
  for (let k = 1; k <= CIRCUITS; k++) {
    const u = `U${11 + k}`; // U12 … U21
    n.add(P.atm90e26({ ref: u, block: 'metering', domain: mains }));
    n.connect('+3V3_H', `${u}.DVDD`, `${u}.AVDD`, `${u}.RESET`);
    n.connect(GND_H, `${u}.DGND`, `${u}.AGND`, `${u}.I2P`, `${u}.I2N`, `${u}.USEL`, `${u}.MMD0`, `${u}.MMD1`);
    n.connect('SCLK_H', `${u}.SCLK`);
    n.connect('MOSI_H', `${u}.SDI`);
    n.connect('MISO_H', `${u}.SDO`);
    n.connect(`CS${k}_H`, `${u}.CS`);
    n.noConnect(
      'pulse, zero-crossing and warning outputs unused: the firmware reads registers',
      `${u}.ZX`,
      `${u}.IRQ`,
      `${u}.WARNOUT`,
      `${u}.CF1`,
      `${u}.CF2`,
    );
    cap(`CM${k}_1`, 'metering', mains, 100e-9, '+3V3_H', GND_H, u);
    cap(`CM${k}_2`, 'metering', mains, 10e-6, '+3V3_H', GND_H, u);
    cap(`CM${k}_3`, 'metering', mains, 1e-6, `VREF${k}`, GND_H);
    n.connect(`VREF${k}`, `${u}.VREF`);
    n.add(P.crystal({ ref: `Y${k}`, block: 'metering', domain: mains, hz: 8_192_000 }));
    n.connect(`OSCI${k}`, `${u}.OSCI`, `Y${k}.1`);
    n.connect(`OSCO${k}`, `${u}.OSCO`, `Y${k}.2`);
    cap(`CM${k}_4`, 'metering', mains, 22e-12, `OSCI${k}`, GND_H);
    cap(`CM${k}_5`, 'metering', mains, 22e-12, `OSCO${k}`, GND_H);
    // Voltage: 5 × 240 k (1206, shares 230 V for pulse rating and creepage) over 1.0 k 0.1 %.
    divider(`RVM${k}`, 'L_F', `VM${k}`, 'voltage input');
    n.connect(`VM${k}`, `${u}.V1P`);
    n.connect(GND_H, `${u}.V1N`);
    // Current: CT into the 12 Ω burden; 1 k / 33 nF anti-alias per leg.
    n.add(P.ct({ ref: `CT${k}`, block: 'current input', domain: mains }));
    n.add(P.jack({ ref: `J${1 + k}`, block: 'connectors', domain: mains }));
    n.connect(`CT${k}`, `CT${k}.S1`, `J${1 + k}.TIP`);
    n.connect(GND_H, `CT${k}.S2`, `J${1 + k}.SLEEVE`);
    res(`RB${k}`, 'current input', mains, 12, `CT${k}`, GND_H, 'RT0805BRD0712RL');
    res(`RIM${k}_P`, 'current input', mains, 1_000, `CT${k}`, `IMP${k}`);
    cap(`CIM${k}_P`, 'current input', mains, 33e-9, `IMP${k}`, GND_H);
    res(`RIM${k}_N`, 'current input', mains, 1_000, GND_H, `IMN${k}`);
    cap(`CIM${k}_N`, 'current input', mains, 33e-9, `IMN${k}`, GND_H);
    n.connect(`IMP${k}`, `${u}.I1P`);
    n.connect(`IMN${k}`, `${u}.I1N`);
  }

  // ---- Waveform: two ADS131M08 on one oscillator ---------------------------------------------
  n.add(P.oscillator({ ref: 'X1', block: 'waveform', domain: mains, hz: 8_192_000 }));
  n.connect('+3V3_H', 'X1.VDD', 'X1.OE');
  n.connect(GND_H, 'X1.GND');
  n.connect('ADC_CLK', 'X1.OUT');
  cap('CX1', 'waveform', mains, 100e-9, '+3V3_H', GND_H, 'X1');
  for (let chip = 0; chip < 2; chip++) {
    const u = `U${22 + chip}`;
    n.add(P.ads131m08({ ref: u, block: 'waveform', domain: mains }));
    n.connect('+3V3_H', `${u}.AVDD`, `${u}.DVDD`);
    n.connect(GND_H, `${u}.AGND`, `${u}.DGND`);
    n.connect('ADC_CLK', `${u}.CLKIN`);
    n.connect('ADC_SCLK_H', `${u}.SCLK`);
    n.connect('ADC_MOSI_H', `${u}.DIN`);
    n.connect('ADC_MISO_H', `${u}.DOUT`);
    n.connect(`ADC_CS${chip + 1}_H`, `${u}.CS`);
    n.connect(`DRDY${chip + 1}_H`, `${u}.DRDY`);
    n.connect(`ADC_CAP${chip + 1}`, `${u}.CAP`);
    n.noConnect('internal 1.2 V reference', `${u}.REFIN`);
    cap(`CA${chip + 1}_1`, 'waveform', mains, 100e-9, '+3V3_H', GND_H, u);
    cap(`CA${chip + 1}_2`, 'waveform', mains, 1e-6, '+3V3_H', GND_H, u);
    cap(`CA${chip + 1}_3`, 'waveform', mains, 220e-9, `ADC_CAP${chip + 1}`, GND_H);
    // SYNC/RESET held high: the driver resets by command; both chips share CLKIN.
    res(`RA${chip + 1}`, 'waveform', mains, 10_000, '+3V3_H', `ADC_SYNC${chip + 1}`);
    n.connect(`ADC_SYNC${chip + 1}`, `${u}.SYNC_RESET`);
    divider(`RVA${chip + 1}`, 'L_F', `VA${chip + 1}`, 'voltage input');
    n.connect(`VA${chip + 1}`, `${u}.AIN${ADC_VOLTAGE_CHANNEL}P`);
    const used = new Set([ADC_VOLTAGE_CHANNEL]);
    ADC_CURRENT_CHANNELS.forEach((c, index) => {
      if (c.chip !== chip) return;
      const k = index + 1;
      used.add(c.channel);
      res(`RIA${k}`, 'waveform', mains, 1_000, `CT${k}`, `IA${k}`);
      cap(`CIA${k}`, 'waveform', mains, 22e-9, `IA${k}`, GND_H);
      n.connect(`IA${k}`, `${u}.AIN${c.channel}P`);
    });
    for (let ch = 0; ch < 8; ch++) {
      n.connect(GND_H, `${u}.AIN${ch}N`);
      if (!used.has(ch)) n.connect(GND_H, `${u}.AIN${ch}P`); // unused channel: grounded and switched off
    }
  }
  return n;

  function divider(prefix: string, top: string, tap: string, block: string): void {
    let node = top;
    for (let s = 1; s <= 5; s++) {
      const next = s === 5 ? tap : `${prefix}_${s}`;
      res(`${prefix}_${s}`, block, 'mains', 240_000, node, next, 'RC1206FR-07240KL');
      node = next;
    }
    res(`${prefix}_L`, block, 'mains', 1_000, tap, GND_H, 'RT0603BRD071KL');
  }
}

/** Capacitor values used on the board → [value text, MPN]. */
const CAPS: Record<number, [string, string]> = {
  22e-12: ['22 pF C0G 0603', 'CL10C220JB8NNNC'],
  22e-9: ['22 nF X7R 0603', 'CL10B223KB8NNNC'],
  33e-9: ['33 nF X7R 0603', 'CL10B333KB8NNNC'],
  100e-9: ['100 nF X7R 0603', 'CL10B104KB8NNNC'],
  220e-9: ['220 nF X7R 0603', 'CL10B224KB8NNNC'],
  1e-6: ['1 µF X7R 0603', 'CL10B105KO8NNNC'],
  4.7e-6: ['4.7 µF X5R 0805', 'CL21A475KAQNNNE'],
  10e-6: ['10 µF X5R 0805', 'CL21A106KOQNNNE'],
  100e-6: ['100 µF 10 V electrolytic', 'EEE-FK1A101P'],
};
