/**
 * A small typed netlist: parts with named pins, nets joining pins, and the facts the checks need
 * (which side of the isolation barrier a pin is on, which pins are supplies, which parts isolate,
 * which capacitor decouples which IC, isolator channels). Pin NAMES follow each datasheet's pin
 * description; pin NUMBERS are assigned at layout and are not modelled.
 */

/** `logic`: the SELV side (ESP32, 5 V PSU output). `mains`: everything at mains potential, which
 * includes the metering side (its ground is neutral). */
export type Domain = 'logic' | 'mains';

export type PinRole = 'power' | 'ground' | 'in' | 'out' | 'io' | 'passive';

export type PartKind =
  | 'mcu'
  | 'ic'
  | 'regulator'
  | 'isolator'
  | 'isolated-psu'
  | 'driver'
  | 'oscillator'
  | 'crystal'
  | 'resistor'
  | 'capacitor'
  | 'relay'
  | 'connector'
  | 'ct'
  | 'fuse'
  | 'varistor';

export interface PinSpec {
  name: string;
  role: PinRole;
  /** Only for parts that straddle the barrier; otherwise the part's domain. */
  domain?: Domain;
}

export interface IsolationSpec {
  /** IEC 60664-1 insulation the part is rated for between its two sides. */
  insulation: 'reinforced' | 'basic' | 'functional';
  /** Rated withstand (V rms, 60 s) and working voltage (V rms), from the part's datasheet. */
  withstandVrms: number;
  workingVrms: number;
  /** Digital isolators: each channel's input pin and the output pin it drives on the other side. */
  channels?: readonly { input: string; output: string }[];
}

export interface PartSpec {
  ref: string;
  kind: PartKind;
  /** Value or short description ("240k 1206", "ATM90E26"). */
  value: string;
  mpn: string;
  /** The block of the board (schematic sheet and cost roll-up). */
  block: string;
  domain: Domain;
  pins: readonly PinSpec[];
  isolation?: IsolationSpec;
  /** For decoupling capacitors: the IC they sit next to. */
  decouples?: string;
  /** Numeric value in SI units where a check needs it (ohms, farads, hertz, CT turns). */
  quantity?: number;
}

export interface Part extends PartSpec {
  pinByName: ReadonlyMap<string, PinSpec>;
}

export interface PinRef {
  ref: string;
  pin: string;
}

export interface Net {
  name: string;
  pins: PinRef[];
}

/** Why a pin is deliberately left open (unused function, unused channel). */
export interface NoConnect extends PinRef {
  reason: string;
}

/** A GPIO or expander pin with its firmware signal name: what pinmap.csv and pins.ts are made of. */
export interface SignalSpec {
  signal: string;
  /** `esp32` or `mcp23017@0x20`. */
  device: string;
  /** The part and pin on the board. */
  at: PinRef;
  /** GPIO number or expander pin 0–15 (GPA0–GPB7). */
  number: number;
  direction: 'in' | 'out' | 'io';
  notes: string;
}

export class Netlist {
  readonly parts = new Map<string, Part>();
  readonly nets = new Map<string, Net>();
  readonly noConnects: NoConnect[] = [];
  readonly signals: SignalSpec[] = [];
  private readonly netOfPin = new Map<string, string>();

  add(spec: PartSpec): Part {
    if (this.parts.has(spec.ref)) throw new Error(`duplicate part ${spec.ref}`);
    const pinByName = new Map(spec.pins.map((p) => [p.name, p] as const));
    if (pinByName.size !== spec.pins.length) throw new Error(`${spec.ref}: duplicate pin names`);
    const part = { ...spec, pinByName };
    this.parts.set(spec.ref, part);
    return part;
  }

  /** Joins pins ("U1.IO18") into the named net, creating it on first use. */
  connect(name: string, ...pins: string[]): void {
    let net = this.nets.get(name);
    if (!net) this.nets.set(name, (net = { name, pins: [] }));
    for (const text of pins) {
      const ref = this.pin(text);
      const key = `${ref.ref}.${ref.pin}`;
      const existing = this.netOfPin.get(key);
      if (existing) throw new Error(`${key} is already on net ${existing}, cannot join ${name}`);
      this.netOfPin.set(key, name);
      net.pins.push(ref);
    }
  }

  noConnect(reason: string, ...pins: string[]): void {
    for (const text of pins) {
      const ref = this.pin(text);
      if (this.netOfPin.has(`${ref.ref}.${ref.pin}`)) throw new Error(`${text} is connected, cannot be NC`);
      this.noConnects.push({ ...ref, reason });
    }
  }

  signal(spec: Omit<SignalSpec, 'at'> & { at: string }): void {
    this.signals.push({ ...spec, at: this.pin(spec.at) });
  }

  netOf(ref: string, pin: string): Net | undefined {
    const name = this.netOfPin.get(`${ref}.${pin}`);
    return name === undefined ? undefined : this.nets.get(name);
  }

  part(ref: string): Part {
    const part = this.parts.get(ref);
    if (!part) throw new Error(`no part ${ref}`);
    return part;
  }

  domainOf(ref: PinRef): Domain {
    const part = this.part(ref.ref);
    return part.pinByName.get(ref.pin)?.domain ?? part.domain;
  }

  roleOf(ref: PinRef): PinRole {
    const spec = this.part(ref.ref).pinByName.get(ref.pin);
    if (!spec) throw new Error(`${ref.ref} has no pin ${ref.pin}`);
    return spec.role;
  }

  private pin(text: string): PinRef {
    const dot = text.indexOf('.');
    if (dot < 0) throw new Error(`pin reference must be PART.PIN: ${text}`);
    const ref = { ref: text.slice(0, dot), pin: text.slice(dot + 1) };
    if (!this.part(ref.ref).pinByName.has(ref.pin)) throw new Error(`${ref.ref} has no pin ${ref.pin}`);
    return ref;
  }
}
