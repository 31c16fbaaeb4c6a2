/**
 * The board checked as a netlist: isolation, chip selects through isolators, supplies and
 * decoupling, relay drivers and flyback paths, GPIO constraints, the front end the firmware
 * assumes, and that every file generated from the netlist is up to date.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WAVEFORM_FRONT_END, BOARD_FRONT_END } from '../device/board/front-end';
import { PINS } from '../device/board/pins';
import { buildBoard, CIRCUITS } from './board.netlist';
import { generatedFiles } from './generate';
import { boardFacts } from './netlist/board-facts';
import { Net, Netlist, Part, PinRef } from './netlist/model';
import { isSupplyNet, traceToController } from './netlist/trace';

const n = buildBoard();
const parts = [...n.parts.values()];
const nets = [...n.nets.values()];
const ofMpn = (prefix: string): Part[] => parts.filter((p) => p.mpn.startsWith(prefix));
const pinKey = (p: PinRef) => `${p.ref}.${p.pin}`;
const roleNets = (part: Part, role: 'power' | 'ground'): Net[] =>
  part.pins
    .filter((p) => p.role === role)
    .map((p) => n.netOf(part.ref, p.name))
    .filter((x): x is Net => x !== undefined);

describe('board netlist', () => {
  describe('structure', () => {
    it('should connect every pin of every part or mark it no-connect with a reason', () => {
      const open: string[] = [];
      for (const part of parts) {
        for (const pin of part.pins) {
          const nc = n.noConnects.find((c) => c.ref === part.ref && c.pin === pin.name);
          if (!n.netOf(part.ref, pin.name) && !nc?.reason) open.push(`${part.ref}.${pin.name}`);
        }
      }
      expect(open).toEqual([]);
    });

    it('should have no net with a single pin (a dangling wire)', () => {
      expect(nets.filter((net) => net.pins.length < 2).map((net) => net.name)).toEqual([]);
    });

    it('should refuse a pin joined to two nets and a reference to a missing pin', () => {
      const m = new Netlist();
      m.add({
        ref: 'R1',
        kind: 'resistor',
        value: '1k',
        mpn: 'x',
        block: 'b',
        domain: 'logic',
        pins: [
          { name: '1', role: 'passive' },
          { name: '2', role: 'passive' },
        ],
      });
      m.connect('A', 'R1.1');
      expect(() => m.connect('B', 'R1.1')).toThrow(/R1.1 is already on net A/);
      expect(() => m.connect('B', 'R1.3')).toThrow(/R1 has no pin 3/);
    });
  });

  describe('isolation barrier', () => {
    it('should keep every net on one side: no copper joins mains and logic', () => {
      const mixed = nets.filter((net) => new Set(net.pins.map((p) => n.domainOf(p))).size > 1);
      expect(mixed.map((net) => `${net.name}: ${net.pins.map(pinKey).join(' ')}`)).toEqual([]);
    });

    it('should bridge the barrier only with parts rated for reinforced insulation at 230 V', () => {
      const bridges = parts.filter((p) => new Set(p.pins.map((pin) => pin.domain ?? p.domain)).size > 1);
      expect(bridges.length).toBeGreaterThan(10);
      for (const part of bridges) {
        expect({ ref: part.ref, kind: part.kind, insulation: part.isolation?.insulation }).toEqual({
          ref: part.ref,
          kind: expect.stringMatching(/^(isolator|isolated-psu|relay)$/),
          insulation: 'reinforced',
        });
        // IEC 60664-1 / IEC 61010-1: 230 V rms working voltage; dielectric test of reinforced insulation ≥ 3 kV rms class.
        expect(part.isolation!.workingVrms).toBeGreaterThanOrEqual(250);
        expect(part.isolation!.withstandVrms).toBeGreaterThanOrEqual(3000);
      }
    });

    it('should give each isolator channel one input and one output on opposite sides', () => {
      for (const iso of parts.filter((p) => p.kind === 'isolator')) {
        for (const c of iso.isolation!.channels!) {
          const input = { ref: iso.ref, pin: c.input };
          const output = { ref: iso.ref, pin: c.output };
          expect([n.roleOf(input), n.roleOf(output)]).toEqual(['in', 'out']);
          expect(n.domainOf(input)).not.toBe(n.domainOf(output));
        }
      }
    });
  });

  describe('chip selects and buses', () => {
    const selects = [...ofMpn('ATM90E26'), ...ofMpn('ADS131M08')].map((u) => ({
      u,
      path: traceToController(n, { ref: u.ref, pin: 'CS' }),
    }));

    it('should bring every ATM90E26 and ADS131M08 chip select to its own ESP32 GPIO through one isolator channel', () => {
      expect(selects).toHaveLength(CIRCUITS + 2);
      for (const { u, path: p } of selects) {
        expect({ chip: u.ref, reached: p?.end.ref, crossed: p?.crossed.length }).toEqual({
          chip: u.ref,
          reached: 'U1',
          crossed: 1,
        });
        expect(n.part(p!.crossed[0].split('.')[0]).kind).toBe('isolator');
      }
      const gpios = selects.map((s) => s.path!.number);
      expect(new Set(gpios).size).toBe(gpios.length);
    });

    it('should cross the barrier once on SCLK, MOSI, MISO and DRDY of every chip', () => {
      const lines: [string, string[]][] = [
        ['ATM90E26', ['SCLK', 'SDI', 'SDO']],
        ['ADS131M08', ['SCLK', 'DIN', 'DOUT', 'DRDY']],
      ];
      for (const [mpn, pins] of lines) {
        for (const u of ofMpn(mpn)) {
          for (const pin of pins)
            expect({
              at: `${u.ref}.${pin}`,
              hops: traceToController(n, { ref: u.ref, pin })?.crossed.length,
            }).toEqual({ at: `${u.ref}.${pin}`, hops: 1 });
        }
      }
    });

    it('should trace a missing isolator channel as a failure (the check can fail)', () => {
      const broken = buildBoard();
      const cs = broken.netOf('U12', 'CS')!;
      cs.pins = cs.pins.filter((p) => broken.part(p.ref).kind !== 'isolator');
      expect(traceToController(broken, { ref: 'U12', pin: 'CS' })).toBeUndefined();
    });
  });

  describe('supplies and decoupling', () => {
    const ics = parts.filter((p) => p.pins.some((pin) => pin.role === 'power'));

    it('should connect every supply pin to a supply net and every ground pin to a ground net', () => {
      for (const ic of ics) {
        for (const pin of ic.pins.filter((p) => p.role === 'power' || p.role === 'ground')) {
          const net = n.netOf(ic.ref, pin.name);
          expect({ pin: `${ic.ref}.${pin.name}`, net: net?.name }).toEqual({
            pin: `${ic.ref}.${pin.name}`,
            net: expect.stringMatching(pin.role === 'power' ? /^\+/ : /^(GND|N_GNDH)$/),
          });
        }
      }
    });

    it('should decouple each supply net of each IC with a capacitor of its own to that IC’s ground', () => {
      for (const ic of ics) {
        const grounds = new Set(roleNets(ic, 'ground').map((x) => x.name));
        for (const supply of new Set(roleNets(ic, 'power').map((x) => x.name))) {
          const caps = parts.filter((c) => c.kind === 'capacitor' && c.decouples === ic.ref);
          const across = caps.filter((c) => {
            const ends = [n.netOf(c.ref, '1')?.name, n.netOf(c.ref, '2')?.name];
            return ends.includes(supply) && ends.some((e) => e !== undefined && grounds.has(e));
          });
          expect({ ic: ic.ref, supply, decoupled: across.length > 0 }).toEqual({
            ic: ic.ref,
            supply,
            decoupled: true,
          });
        }
      }
    });
  });

  describe('relays', () => {
    it('should drive every coil from a driver output and clamp it to the coil supply (flyback path)', () => {
      const relays = parts.filter((p) => p.kind === 'relay');
      expect(relays).toHaveLength(CIRCUITS);
      for (const k of relays) {
        const supply = n.netOf(k.ref, 'A1')!;
        const low = n.netOf(k.ref, 'A2')!;
        expect(isSupplyNet(n, supply)).toBe(true);
        const sink = low.pins.find((p) => n.part(p.ref).kind === 'driver' && /^OUT\d$/.test(p.pin));
        expect({ relay: k.ref, driver: sink?.ref }).toEqual({ relay: k.ref, driver: expect.any(String) });
        // ULN2803: the clamp diodes' common cathode COM must sit on the coil supply.
        expect(n.netOf(sink!.ref, 'COM')?.name).toBe(supply.name);
        expect(traceToController(n, { ref: k.ref, pin: 'A2' })?.end.ref).toBe('U3');
      }
    });

    it('should switch each circuit’s live between its own in and out terminals', () => {
      for (let k = 1; k <= CIRCUITS; k++) {
        expect(n.netOf(`K${k}`, 'COM')?.name).toBe(`C${k}_IN`);
        expect(n.netOf(`K${k}`, 'NO')?.name).toBe(`C${k}_OUT`);
      }
    });
  });

  describe('ESP32 pins', () => {
    const used = n.signals.filter((s) => s.device === 'esp32');

    it('should use each GPIO and expander pin once', () => {
      const keys = n.signals.map((s) => `${s.device}:${s.number}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('should keep outputs off the input-only GPIOs 34–39 and leave the flash pins alone', () => {
      for (const s of used) {
        if (s.direction !== 'in')
          expect({ signal: s.signal, gpio: s.number < 34 }).toEqual({ signal: s.signal, gpio: true });
        expect(s.number < 6 || s.number > 11).toBe(true);
      }
    });

    it('should put only idle-high chip selects on the strapping pins 0, 5 and 15, nothing on 12, and on 2 only the pulled-down setup button', () => {
      // GPIO2 must be low or floating for serial download: an active-high button with a pull-down keeps it low.
      const gpio2 = used.filter((x) => x.number === 2);
      expect(gpio2.map((x) => x.signal)).toEqual(['setup_button']);
      expect(throughPull(n, n.netOf('U1', 'IO2')!, 'GND')).toBe(true);
      expect(throughPullUp(n, n.netOf('U1', 'IO2')!)).toBe(false);
      for (const s of used.filter((x) => [0, 5, 12, 15].includes(x.number))) {
        expect({
          signal: s.signal,
          ok: /cs_\d+$/.test(s.signal) && s.number !== 12,
        }).toEqual({ signal: s.signal, ok: true });
        const pull = throughPullUp(n, n.netOf('U1', `IO${s.number}`)!);
        expect({ signal: s.signal, pulledUp: pull }).toEqual({ signal: s.signal, pulledUp: true });
      }
    });

    it('should pull up the MISO inputs on GPIO 34–39 (they have no internal pull-ups)', () => {
      for (const signal of ['spi_in', 'adc_spi_in']) {
        const s = used.find((x) => x.signal === signal)!;
        expect({ signal, pulledUp: throughPullUp(n, n.netOf('U1', `IO${s.number}`)!) }).toEqual({
          signal,
          pulledUp: true,
        });
      }
    });
  });

  describe('front end agrees with the firmware board file', () => {
    it('should give 6 mV/A: SCT-013-000 (2000 turns) into a 12 Ω burden', () => {
      const burden = n.part('RB1').quantity!;
      const turns = n.part('CT1').quantity!;
      expect((burden / turns) * 1000).toBeCloseTo(BOARD_FRONT_END.currentMvPerA, 6);
      expect((burden / turns) * 1000).toBeCloseTo(WAVEFORM_FRONT_END.currentMvPerA, 6);
    });

    it('should divide the line voltage by 1201 into each ADC voltage channel', () => {
      const chain = parts.filter((p) => p.ref.startsWith('RVA1_'));
      const top = chain.filter((p) => p.ref !== 'RVA1_L').reduce((sum, p) => sum + p.quantity!, 0);
      const bottom = n.part('RVA1_L').quantity!;
      expect((top + bottom) / bottom).toBeCloseTo(WAVEFORM_FRONT_END.lineVoltsPerPinVolt, 6);
    });

    it('should clock both ADCs from the one oscillator at the frequency the firmware assumes', () => {
      const clk = n.netOf('X1', 'OUT')!;
      expect(
        clk.pins
          .filter((p) => p.pin === 'CLKIN')
          .map((p) => p.ref)
          .sort(),
      ).toEqual(
        ofMpn('ADS131M08')
          .map((u) => u.ref)
          .sort(),
      );
      expect(n.part('X1').quantity).toBe(WAVEFORM_FRONT_END.clockInHz);
    });

    it('should match the generated board file', () => {
      const facts = boardFacts(n);
      expect(facts.chipSelect).toEqual([...PINS.chipSelect]);
      expect(facts.adcCurrent).toEqual(PINS.adcCurrent.map((c) => ({ ...c })));
      expect(facts.relay).toEqual([...PINS.relay]);
    });
  });

  describe('generated files', () => {
    it.each([...generatedFiles()].map(([file, content]) => [file, content] as const))(
      '%s should be what `npm run schematic` writes',
      (file, content) => {
        const onDisk = fs.readFileSync(path.resolve(__dirname, '..', file), 'utf8');
        expect(onDisk === content ? 'up to date' : `${file} is stale: run npm run schematic`).toBe(
          'up to date',
        );
      },
    );

    it('should have no stale SVG sheet', () => {
      const sheets = fs.readdirSync(path.join(__dirname, 'svg')).map((f) => `schematics/svg/${f}`);
      expect(sheets.sort()).toEqual(
        [...generatedFiles().keys()].filter((f) => f.startsWith('schematics/svg/')).sort(),
      );
    });
  });
});

/** A resistor from this net to a supply net. */
function throughPullUp(n: Netlist, net: Net): boolean {
  return throughPull(n, net, '+');
}

/** A resistor from `net` to a net whose name starts with `to` ('+' for a supply, 'GND'). */
function throughPull(n: Netlist, net: Net, to: string): boolean {
  return net.pins.some((p) => {
    if (n.part(p.ref).kind !== 'resistor') return false;
    const other = n.netOf(p.ref, p.pin === '1' ? '2' : '1');
    return other !== undefined && other.name.startsWith(to);
  });
}
