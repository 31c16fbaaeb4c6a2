/**
 * What the firmware needs to know about the board, read off the netlist by tracing: every GPIO
 * and expander pin with its firmware signal, which chip select belongs to which circuit, the
 * ADC channel map. The generators turn this into pinmap.csv and device/board/pins.ts.
 */
import { Netlist, Part } from './model';
import { ctCircuitOf, isVoltageTap, traceToController } from './trace';

export interface AdcChannelFact {
  chip: number;
  channel: number;
}

export interface BoardFacts {
  spi: { clock: number; out: number; in: number };
  /** GPIO of the ATM90E26 measuring circuit k at index k − 1. */
  chipSelect: number[];
  i2c: { data: number; clock: number };
  expanderAddress: number;
  relay: number[];
  adcSpi: { clock: number; out: number; in: number };
  adcSelect: number[];
  adcDataReady: number[];
  adcVoltage: AdcChannelFact[];
  adcCurrent: AdcChannelFact[];
  setupButton: number;
}

const byMpn = (n: Netlist, prefix: string): Part[] =>
  [...n.parts.values()].filter((p) => p.mpn.startsWith(prefix));

function gpio(n: Netlist, ref: string, pin: string): number {
  const path = traceToController(n, { ref, pin });
  if (!path) throw new Error(`${ref}.${pin} does not reach a controller pin`);
  return path.number;
}

function signalNumber(n: Netlist, signal: string): number {
  const found = n.signals.find((s) => s.signal === signal);
  if (!found) throw new Error(`netlist declares no signal ${signal}`);
  return found.number;
}

export function boardFacts(n: Netlist): BoardFacts {
  const meters = byMpn(n, 'ATM90E26');
  const adcs = byMpn(n, 'ADS131M08');
  const circuits = meters.length;

  const meterOf = (k: number): Part => {
    const found = meters.find((u) => ctCircuitOf(n, n.netOf(u.ref, 'I1P')!) === k);
    if (!found) throw new Error(`no ATM90E26 reads CT${k}`);
    return found;
  };
  // ADC chips in the order of their chip-select GPIO signals adc_cs_1, adc_cs_2.
  const adcSelect = adcs.map((u) => gpio(n, u.ref, 'CS'));
  const adcOrder = adcs
    .map((u, k) => ({ u, k }))
    .sort((a, b) => signalIndex(adcSelect[a.k]) - signalIndex(adcSelect[b.k]));
  function signalIndex(number: number): number {
    return n.signals.findIndex((s) => s.device === 'esp32' && s.number === number);
  }
  const chips = adcOrder.map((x) => x.u);
  const adcVoltage: AdcChannelFact[] = [];
  const adcCurrent: AdcChannelFact[] = new Array(circuits);
  chips.forEach((u, chip) => {
    for (let ch = 0; ch < 8; ch++) {
      const net = n.netOf(u.ref, `AIN${ch}P`)!;
      if (isVoltageTap(n, net)) adcVoltage.push({ chip, channel: ch });
      const k = ctCircuitOf(n, net);
      if (k !== undefined) adcCurrent[k - 1] = { chip, channel: ch };
    }
  });
  const relays = [...n.parts.values()]
    .filter((p) => p.kind === 'relay')
    .sort((a, b) => Number(a.ref.slice(1)) - Number(b.ref.slice(1)));
  const u3 = byMpn(n, 'MCP23017')[0];
  const addressBit = (pin: string) => (n.netOf(u3.ref, pin)?.name === 'GND' ? 0 : 1);

  return {
    spi: {
      clock: gpio(n, meters[0].ref, 'SCLK'),
      out: gpio(n, meters[0].ref, 'SDI'),
      in: gpio(n, meters[0].ref, 'SDO'),
    },
    chipSelect: Array.from({ length: circuits }, (_, k) => gpio(n, meterOf(k + 1).ref, 'CS')),
    i2c: { data: signalNumber(n, 'i2c_data'), clock: signalNumber(n, 'i2c_clock') },
    expanderAddress: 0x20 | (addressBit('A2') << 2) | (addressBit('A1') << 1) | addressBit('A0'),
    relay: relays.map((k) => gpio(n, k.ref, 'A2')),
    adcSpi: {
      clock: gpio(n, chips[0].ref, 'SCLK'),
      out: gpio(n, chips[0].ref, 'DIN'),
      in: gpio(n, chips[0].ref, 'DOUT'),
    },
    adcSelect: chips.map((u) => gpio(n, u.ref, 'CS')),
    adcDataReady: chips.map((u) => gpio(n, u.ref, 'DRDY')),
    adcVoltage,
    adcCurrent,
    setupButton: signalNumber(n, 'setup_button'),
  };
}
