import { Logger } from '@nestjs/common';
import { CircuitReading, encodeMessage, PROTOCOL_VERSION } from '@dinmeter/shared';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../common/counters';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { DeviceRegistryJournal } from './device-registry.repository';
import { DevicesService } from './devices.service';
import { RelayHistoryService } from './relay-history.service';

describe(DevicesService.name, () => {
  const NOW = Date.UTC(2026, 0, 10, 12);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'registry-'))));
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  /** A registry over a real journal in `dir`, fed through captured MQTT handlers. */
  function boot() {
    const mqtt = new InMemoryMqttBus();
    const relayHistory = { watch: jest.fn(), write: jest.fn(async () => undefined) } as unknown as RelayHistoryService;
    const repository = new DeviceRegistryJournal(join(dir, 'devices.jsonl'), join(dir, 'devices.json'), 60_000);
    const counters = new Counters();
    const service = new DevicesService(repository, () => NOW, mqtt, counters, relayHistory);
    service.onModuleInit();
    const send = (kind: string, id: string, message: object) => mqtt.deliver(`dinmeter/${id}/${kind}`, encodeMessage(kind as never, message as never));
    const changes = jest.fn();
    service.onFailsafeChange(changes);
    const status = (id: string, fields: Record<string, unknown>) => mqtt.deliver(`dinmeter/${id}/status`, JSON.stringify({ v: 1, ...fields }));
    return { service, repository, send, status, changes, counters };
  }
  const reading = (circuit: number, power_w: number) => ({ circuit, voltage_v: 230, current_a: 1, power_w, energy_import_wh: 100 }) as CircuitReading;

  describe('recordTelemetry', () => {
    it('should keep the latest reading in memory without any disk I/O for a known meter', () => {
      const { service, repository, send } = boot();
      send('status', 'm1', { v: PROTOCOL_VERSION, online: true, firmware: '1.2.0' });
      repository.flush();
      const before = readFileSync(join(dir, 'devices.jsonl'), 'utf8');
      const save = jest.spyOn(repository, 'save');
      const touched = [jest.spyOn(fs, 'writeFileSync'), jest.spyOn(fs, 'appendFileSync'), jest.spyOn(fs, 'openSync')];
      for (let seq = 1; seq <= 500; seq++) service.recordTelemetry('m1', seq, NOW + seq * 10_000, [reading(1, seq)]);
      repository.flush();
      expect(save).not.toHaveBeenCalled();
      for (const spy of touched) expect(spy).not.toHaveBeenCalled();
      expect(readFileSync(join(dir, 'devices.jsonl'), 'utf8')).toBe(before);
      expect(service.circuit('m1', 1).reading?.power_w).toBe(500);
      expect(service.get('m1').lastTelemetrySeq).toBe(500);
    });

    it('should persist a meter first seen through telemetry (its identity), without its readings', () => {
      const { service, repository } = boot();
      service.recordTelemetry('m9', 1, NOW, [reading(2, 40)]);
      repository.flush();
      const [line] = readFileSync(join(dir, 'devices.jsonl'), 'utf8').trimEnd().split('\n');
      expect(JSON.parse(line)).toMatchObject({ id: 'm9', firstSeen: NOW });
      expect(line).not.toMatch(/reading|power_w|lastTelemetry/);
    });
  });

  describe('recordGap', () => {
    it('should count each hole once by its first missing seq, however many instances report it, and never persist the count', () => {
      const { service, repository } = boot();
      service.recordTelemetry('m1', 5, NOW, [reading(1, 5)]);
      service.recordGap('m1', 2);
      service.recordGap('m1', 2);
      service.recordGap('m1', 9);
      repository.flush();
      expect(service.get('m1').telemetryGaps).toBe(2);
      expect(readFileSync(join(dir, 'devices.jsonl'), 'utf8')).not.toMatch(/telemetryGaps/);
    });
  });

  describe('remove', () => {
    it('should forget the meter across a restart, tell the listeners, and 404 an unknown one', () => {
      const first = boot();
      first.send('status', 'm1', { v: PROTOCOL_VERSION, online: true, firmware: '1.2.0' });
      first.send('status', 'm2', { v: PROTOCOL_VERSION, online: true });
      const removed = jest.fn();
      first.service.onRemoved(removed);
      first.service.remove('m1');
      expect(removed).toHaveBeenCalledWith('m1');
      expect(first.service.find('m1')).toBeUndefined();
      expect(() => first.service.remove('m1')).toThrow('unknown device "m1"');
      expect(removed).toHaveBeenCalledTimes(1);
      first.service.onModuleDestroy();
      expect(boot().service.list().map((d) => d.id)).toEqual(['m2']);
    });

    it('should register a removed meter again by its birth (status online), and persist that', () => {
      const first = boot();
      first.send('status', 'm1', { v: PROTOCOL_VERSION, online: true });
      first.service.remove('m1');
      first.send('status', 'm1', { v: PROTOCOL_VERSION, online: true, firmware: '1.3.0' });
      expect(first.service.get('m1')).toMatchObject({ online: true, firmware: '1.3.0' });
      first.service.recordTelemetry('m1', 9, NOW, [reading(1, 9)]);
      expect(first.service.get('m1').lastTelemetrySeq).toBe(9);
      first.service.onModuleDestroy();
      expect(boot().service.get('m1').firmware).toBe('1.3.0');
    });

    // The race of the Home Assistant scenario: the broker publishes the stopped meter's last will after the
    // DELETE, and records in flight are stored after it. None of them is the meter coming back.
    it('should not register a removed meter again by its last will, a late record, gap, event or relay state', () => {
      const { service, send, status, counters } = boot();
      status('m1', { online: true });
      service.remove('m1');
      status('m1', { online: false });
      service.recordTelemetry('m1', 41, NOW, [reading(1, 41)]);
      service.recordGap('m1', 40);
      send('events', 'm1', { v: PROTOCOL_VERSION, ts: NOW, type: 'fault', message: 'late' });
      send('relays', 'm1', { v: PROTOCOL_VERSION, ts: NOW, circuits: [{ circuit: 2, state: 'off', reason: 'command' }] });
      expect(service.find('m1')).toBeUndefined();
      expect(counters.get('device_messages_after_removal')).toBe(5);
      expect(counters.get('device_events_fault')).toBe(1); // the event is still counted (EventsService stores it)
    });

    it('should keep a meter removed across a restart until its birth', () => {
      const first = boot();
      first.status('m1', { online: true });
      first.service.remove('m1');
      first.service.onModuleDestroy();
      const second = boot();
      second.status('m1', { online: false }); // the retained last will, redelivered to the new connection
      expect(second.service.find('m1')).toBeUndefined();
      second.status('m1', { online: true });
      expect(second.service.get('m1').online).toBe(true);
    });
  });

  describe('onDescriptionChange', () => {
    it('should tell the listeners of a new meter, new firmware, a label and a birth, never of readings, relays or an unchanged status', () => {
      const { service, send, status } = boot();
      const described = jest.fn();
      service.onDescriptionChange(described);
      status('m1', { online: true, firmware: '1.0.0' });
      expect(described.mock.calls).toEqual([['m1']]);

      status('m1', { online: true, firmware: '1.0.0', health: [{ circuit: 1, state: 'ok' }] });
      status('m1', { online: false });
      for (let seq = 1; seq <= 100; seq++) service.recordTelemetry('m1', seq, NOW + seq, [reading(1, seq)]);
      send('relays', 'm1', { v: PROTOCOL_VERSION, ts: NOW, circuits: [{ circuit: 2, state: 'off', reason: 'command' }] });
      service.setLabel('m1', 3, undefined); // no label before either
      expect(service.circuit('m1', 1).health?.state).toBe('ok');
      expect(described).toHaveBeenCalledTimes(1);

      status('m1', { online: true, firmware: '1.1.0' });
      service.setLabel('m1', 3, 'Oven');
      service.recordTelemetry('m2', 1, NOW, [reading(1, 1)]);
      expect(described.mock.calls.slice(1)).toEqual([['m1'], ['m1'], ['m2']]);

      service.remove('m1');
      status('m1', { online: false }); // its last will: still removed
      status('m1', { online: true });
      expect(described.mock.calls.slice(4)).toEqual([['m1']]);
    });
  });

  describe('restart', () => {
    it('should restore identity, firmware, health, relays and labels, but not readings', () => {
      const first = boot();
      first.send('status', 'm1', { v: PROTOCOL_VERSION, online: true, firmware: '1.2.0', boot_id: 'b1', health: [{ circuit: 3, state: 'warning' }] });
      first.send('relays', 'm1', { v: PROTOCOL_VERSION, ts: NOW, circuits: [{ circuit: 2, state: 'off', reason: 'command' }] });
      first.service.recordTelemetry('m1', 7, NOW, [reading(1, 99)]);
      first.service.setLabel('m1', 4, 'heat pump');
      first.service.onModuleDestroy();

      const second = boot();
      const device = second.service.get('m1');
      expect(device).toMatchObject({ id: 'm1', online: true, firmware: '1.2.0', bootId: 'b1', firstSeen: NOW });
      expect(device.circuits[1].relay).toEqual({ circuit: 2, state: 'off', reason: 'command' });
      expect(device.circuits[2].health).toMatchObject({ circuit: 3, state: 'warning' });
      expect(device.circuits[3].label).toBe('heat pump');
      expect(device.circuits[0].reading).toBeUndefined();
      expect(device.lastTelemetrySeq).toBeUndefined();
    });

    it('should import a devices.json from before once, and then remove it', () => {
      const legacy = { version: 1, devices: [{ id: 'old-1', online: false, firstSeen: 5, circuits: [{ circuit: 1, label: 'oven', reading: { circuit: 1, power_w: 3 }, readingTs: 9 }] }] };
      writeFileSync(join(dir, 'devices.json'), JSON.stringify(legacy));
      const { service } = boot();
      expect(service.get('old-1').circuits[0]).toEqual({ circuit: 1, label: 'oven' });
      expect(() => statSync(join(dir, 'devices.json'))).toThrow(/ENOENT/);
      expect(boot().service.get('old-1').circuits[0].label).toBe('oven');
    });
  });

  describe('shortestFailsafeSeconds', () => {
    it('should be undefined until a meter reports one', () => {
      const { service, status } = boot();
      status('vm-1', { online: true });
      expect(service.shortestFailsafeSeconds()).toBeUndefined();
    });

    it('should take the shortest failsafe_min_s over the meters, and tell the listeners when it changes', () => {
      const { service, status, changes } = boot();
      status('vm-1', { online: true, failsafe_min_s: 120 });
      status('vm-2', { online: true, failsafe_min_s: 5 });
      expect(service.shortestFailsafeSeconds()).toBe(5);
      expect(changes).toHaveBeenCalledTimes(2);
      status('vm-2', { online: true, failsafe_min_s: 5 });
      expect(changes).toHaveBeenCalledTimes(2);
    });

    it("should keep a meter's failsafe through its last will (it keeps its settings offline)", () => {
      const { service, status } = boot();
      status('vm-1', { online: true, failsafe_min_s: 5 });
      status('vm-1', { online: false });
      expect(service.get('vm-1').online).toBe(false);
      expect(service.shortestFailsafeSeconds()).toBe(5);
    });
  });
});
