/**
 * Following signals through the netlist: across an isolator channel or a driver channel, through
 * a series resistor, to the ESP32 GPIO or expander pin at the end. Used by the checks and by the
 * generators, so the pin map is what the copper says.
 */
import { Net, Netlist, Part, PinRef } from './model';

/** The other pin of a channel part (isolator INx↔OUTx, ULN2803 INn↔OUTn), or undefined. */
export function acrossChannel(n: Netlist, at: PinRef): PinRef | undefined {
  const part = n.part(at.ref);
  if (part.kind === 'isolator') {
    for (const c of part.isolation?.channels ?? []) {
      if (c.input === at.pin) return { ref: at.ref, pin: c.output };
      if (c.output === at.pin) return { ref: at.ref, pin: c.input };
    }
  }
  if (part.kind === 'driver') {
    const m = /^(IN|OUT)(\d)$/.exec(at.pin);
    if (m) return { ref: at.ref, pin: `${m[1] === 'IN' ? 'OUT' : 'IN'}${m[2]}` };
  }
  return undefined;
}

export interface GpioPath {
  /** The isolator or driver channels crossed, as "U7.INC→OUTC". */
  crossed: string[];
  /** The ESP32 or expander pin reached. */
  end: PinRef;
  /** Its GPIO or expander pin number. */
  number: number;
}

/** From a chip pin back to the MCU/expander pin driving or reading it, crossing at most `maxHops` channels. */
export function traceToController(n: Netlist, start: PinRef, maxHops = 3): GpioPath | undefined {
  let net = n.netOf(start.ref, start.pin);
  const crossed: string[] = [];
  const seen = new Set<string>();
  for (let hop = 0; net && hop <= maxHops; hop++) {
    if (seen.has(net.name)) return undefined;
    seen.add(net.name);
    const end = net.pins.find(
      (p) => n.part(p.ref).kind === 'mcu' || n.part(p.ref).mpn.startsWith('MCP23017'),
    );
    if (end) return { crossed, end, number: pinNumber(n.part(end.ref), end.pin) };
    const channelPin = net.pins.find(
      (p) =>
        !(p.ref === start.ref && p.pin === start.pin) &&
        acrossChannel(n, p) &&
        !crossed.some((c) => c.startsWith(`${p.ref}.`)),
    );
    if (!channelPin) return undefined;
    const other = acrossChannel(n, channelPin)!;
    crossed.push(`${channelPin.ref}.${channelPin.pin}→${other.pin}`);
    net = n.netOf(other.ref, other.pin);
  }
  return undefined;
}

/** ESP32 `IO18` → 18; MCP23017 `GPB1` → 9. */
export function pinNumber(part: Part, pin: string): number {
  const io = /^IO(\d+)$/.exec(pin);
  if (io) return Number(io[1]);
  const gp = /^GP([AB])(\d)$/.exec(pin);
  if (gp) return (gp[1] === 'B' ? 8 : 0) + Number(gp[2]);
  throw new Error(`${part.ref}.${pin} is not a GPIO or expander pin`);
}

/** Nets reached from `net` through one series resistor (the other end of each resistor on it). */
export function throughResistor(n: Netlist, net: Net): Net[] {
  const out: Net[] = [];
  for (const p of net.pins) {
    const part = n.part(p.ref);
    if (part.kind !== 'resistor') continue;
    const other = n.netOf(p.ref, p.pin === '1' ? '2' : '1');
    if (other) out.push(other);
  }
  return out;
}

/** The circuit number of the CT whose secondary drives `net`, directly or through one resistor. */
export function ctCircuitOf(n: Netlist, net: Net): number | undefined {
  if (isSupplyNet(n, net)) return undefined;
  for (const candidate of [net, ...throughResistor(n, net)]) {
    const ct = candidate.pins.find((p) => n.part(p.ref).kind === 'ct' && p.pin === 'S1');
    if (ct) return Number(ct.ref.slice(2));
  }
  return undefined;
}

/** True when `net` is the tap of a line-voltage divider (a 240 kΩ string resistor on it). */
export function isVoltageTap(n: Netlist, net: Net): boolean {
  if (isSupplyNet(n, net)) return false;
  return net.pins.some((p) => n.part(p.ref).kind === 'resistor' && n.part(p.ref).quantity === 240_000);
}

/** A net that carries a supply or ground pin (not a signal). */
export function isSupplyNet(n: Netlist, net: Net): boolean {
  return net.pins.some((p) => {
    const role = n.roleOf(p);
    return role === 'power' || role === 'ground';
  });
}
