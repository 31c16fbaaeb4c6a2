import { Logger } from '@nestjs/common';
import { CIRCUIT_COUNT, DeviceTopicKind } from '@dinmeter/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { AppConfig, loadConfig } from '../config/app-config';
import { DeviceRegistryJournal } from '../devices/device-registry.repository';
import { DevicesService } from '../devices/devices.service';
import { DeviceRecord } from '../devices/devices.types';
import { RelayHistoryService } from '../devices/relay-history.service';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { InMemoryMqttBus } from '../mqtt/in-memory-mqtt-bus.testing';
import { FirmwareService } from '../firmware/firmware.service';
import { HomeAssistantService } from './homeassistant.service';
import { DISCOVERY_MAX_IN_FLIGHT } from './paced-publisher';
import { StoredEvent } from '../events/event-points';
import { EventsService, StoredEventListener } from '../events/events.service';

const device = (id: string, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id,
  online: true,
  firstSeen: 0,
  circuits: Array.from({ length: CIRCUIT_COUNT }, (_, k) => ({ circuit: k + 1 })),
  ...extra,
});

const tick = () => new Promise((resolve) => setImmediate(resolve));
/** 113 entities and 21 device triggers (ha-discovery.spec.ts). */
const CONFIGS_PER_METER = 3 + CIRCUIT_COUNT * 11 + 2 * CIRCUIT_COUNT + 1;
/** The per-circuit voltage and frequency sensors of earlier versions, cleared once per meter. */
const STALE_PER_METER = 2 * CIRCUIT_COUNT;
const NOW = Date.parse('2026-03-01T12:00:00Z');

describe(HomeAssistantService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  let bus: InMemoryMqttBus;
  let leader: boolean;
  let registry: Map<string, DeviceRecord>;
  let send: jest.Mock;
  let installLatest: jest.Mock;
  let removed: ((id: string) => void)[];
  let described: ((id: string) => void)[];
  let counters: Counters;
  let service: HomeAssistantService;
  let storedListeners: StoredEventListener[];

  function create(config: AppConfig = loadConfig({})): HomeAssistantService {
    bus = new InMemoryMqttBus({ connected: false });
    leader = true;
    storedListeners = [];
    const events = { onStored: (listener: StoredEventListener) => storedListeners.push(listener) } as unknown as EventsService;
    send = jest.fn((deviceId: string) => ({ commandId: 'c-1', deviceId }));
    installLatest = jest.fn((deviceId: string) => ({ deviceId, rollout: { version: '2.0.0', commandId: 'c-3', at: NOW } }));
    removed = [];
    described = [];
    counters = new Counters();
    const devices = {
      find: (id: string) => registry.get(id),
      list: () => [...registry.values()],
      onRemoved: (listener: (id: string) => void) => removed.push(listener),
      onDescriptionChange: (listener: (id: string) => void) => described.push(listener),
    } as unknown as DevicesService;
    const lease = { isLeader: () => leader } as LeaderLeaseService;
    service = new HomeAssistantService(config, devices, { send } as unknown as CommandsService, bus, lease, counters, () => NOW, { installLatest } as unknown as FirmwareService, events);
    service.onModuleInit();
    return service;
  }

  const fromDevice = (kind: DeviceTopicKind, id: string) => bus.deliver(`dinmeter/${id}/${kind}`, '{}');
  /** The registry says a meter is new, or its firmware or a label changed. */
  const changed = (id: string) => described.forEach((listener) => listener(id));
  /** Lets the paced discovery publish all it has queued (a few dozen messages per event-loop turn). */
  const drain = async () => {
    let seen = -1;
    while (seen !== bus.published.length) {
      seen = bus.published.length;
      for (let k = 0; k < 3; k++) await tick();
    }
  };
  /** What the service published, with its retain flag. */
  const published = () => bus.published.map(({ topic, payload, options }) => ({ topic, payload, retain: options.retain ?? false }));

  beforeEach(() => {
    registry = new Map([['vm-1', device('vm-1', { firmware: '1.0.0' })]]);
    create();
  });

  describe('discovery', () => {
    it('should subscribe to Home Assistant status, backend status, relay and reset requests (meters come from the registry, events from EventsService)', () => {
      expect(storedListeners).toHaveLength(1);
      expect(described).toHaveLength(1);
      expect([...bus.brokerFilters]).toEqual([
        'homeassistant/status',
        'dinmeter/backend/status',
        'dinmeter/+/ha/+/set',
        'dinmeter/+/ha/+/reset',
        'dinmeter/+/ha/firmware/install',
      ]);
    });

    it('should share the request subscriptions with the other instances under MQTT_SHARE_GROUP', () => {
      create(loadConfig({ MQTT_SHARE_GROUP: 'ingest' }));
      expect([...bus.brokerFilters].filter((f) => f.includes('/ha/'))).toEqual([
        '$share/ingest-ha/dinmeter/+/ha/+/set',
        '$share/ingest-ha/dinmeter/+/ha/+/reset',
        '$share/ingest-ha/dinmeter/+/ha/firmware/install',
      ]);
    });

    it('should say the backend is online when the link connects, then publish every known meter retained', async () => {
      registry.set('vm-2', device('vm-2'));
      bus.connect();
      await drain();
      expect(published()[0]).toEqual({ topic: 'dinmeter/backend/status', payload: 'online', retain: true });
      const configs = published().slice(1).filter((p) => p.payload !== '');
      expect(configs).toHaveLength(2 * CONFIGS_PER_METER);
      expect(published().every((p) => p.retain)).toBe(true);
      expect(counters.get('ha_discovery_published')).toBe(2 * CONFIGS_PER_METER);
    });

    it('should clear the stale configs of earlier versions once per meter', async () => {
      bus.connect();
      await drain();
      bus.deliver('homeassistant/status', 'online');
      await drain();
      const cleared = published().filter((p) => p.payload === '').map((p) => p.topic);
      expect(cleared).toHaveLength(STALE_PER_METER);
      expect(cleared).toContain('homeassistant/sensor/dinmeter_vm-1_c4_voltage_v/config');
      expect(cleared).toContain('homeassistant/sensor/dinmeter_vm-1_c4_freq_hz/config');
    });

    it('should publish again when Home Assistant says online, not on other status payloads', async () => {
      bus.deliver('homeassistant/status', 'offline');
      await drain();
      expect(published()).toHaveLength(0);
      bus.deliver('homeassistant/status', 'online');
      await drain();
      expect(published()).toHaveLength(STALE_PER_METER + CONFIGS_PER_METER);
    });

    it('should publish a meter when the registry registers it, and do no work for its messages', async () => {
      registry.set('vm-3', device('vm-3'));
      changed('vm-3');
      await drain();
      expect(published()).toHaveLength(STALE_PER_METER + CONFIGS_PER_METER);
      expect(published()[0].topic).toContain('dinmeter_vm-3_');
      for (const kind of ['status', 'relays', 'telemetry'] as const) fromDevice(kind, 'vm-3');
      await drain();
      expect(published()).toHaveLength(STALE_PER_METER + CONFIGS_PER_METER);
    });

    it('should publish again when a label or the firmware changed', async () => {
      changed('vm-1');
      await drain();
      registry.get('vm-1')!.circuits[4].label = 'Heat pump';
      changed('vm-1');
      await drain();
      expect(published()).toHaveLength(STALE_PER_METER + 2 * CONFIGS_PER_METER);
      expect(published().some((p) => p.payload !== '' && JSON.parse(p.payload).name === 'Heat pump relay')).toBe(true);
      registry.get('vm-1')!.firmware = '1.1.0';
      changed('vm-1');
      await drain();
      expect(JSON.parse(published().at(-1)!.payload).device.sw_version).toBe('1.1.0');
    });

    it('should build a queued meter once, from the registry as it is when its turn comes', async () => {
      registry.set('vm-2', device('vm-2'));
      bus.connect(); // vm-1, then vm-2
      changed('vm-2');
      changed('vm-2');
      registry.get('vm-2')!.circuits[0].label = 'Oven';
      await drain();
      const relays = published().filter((p) => p.topic === 'homeassistant/switch/dinmeter_vm-2_c1_relay/config');
      expect(relays.map((p) => JSON.parse(p.payload).name)).toEqual(['Oven relay']);
    });

    it('should hand at most DISCOVERY_MAX_IN_FLIGHT configs to the client per event-loop turn', async () => {
      registry.set('vm-2', device('vm-2'));
      bus.deliver('homeassistant/status', 'online');
      await tick();
      expect(published()).toHaveLength(DISCOVERY_MAX_IN_FLIGHT);
      await drain();
      expect(published()).toHaveLength(2 * (STALE_PER_METER + CONFIGS_PER_METER));
    });

    it('should tell onAnnounced listeners and answer announces() for the meters it publishes', async () => {
      const announced: string[] = [];
      service.onAnnounced((id) => announced.push(id));
      expect(service.announces('vm-1')).toBe(false);
      bus.connect();
      await drain();
      expect(announced).toEqual(['vm-1']);
      expect(service.announces('vm-1')).toBe(true);
      expect(service.announces('vm-9')).toBe(false);
    });

    it('should use the configured prefix', async () => {
      create(loadConfig({ HA_DISCOVERY_PREFIX: 'hass' }));
      expect(bus.brokerFilters).toContain('hass/status');
      bus.deliver('hass/status', 'online');
      await drain();
      expect(published().every((p) => p.topic.startsWith('hass/'))).toBe(true);
    });

    it('should do nothing at all with HA_DISCOVERY=false', async () => {
      create(loadConfig({ HA_DISCOVERY: 'false' }));
      expect(bus.brokerFilters.size).toBe(0);
      expect(bus.will).toBeUndefined();
      expect(described).toHaveLength(0);
    });
  });

  describe('HA_DISCOVERY_MAX_METERS', () => {
    const meters = () => new Set(published().filter((p) => p.topic.startsWith('homeassistant/') && p.payload !== '').map((p) => JSON.parse(p.payload).device.identifiers[0].slice('dinmeter_'.length)));

    beforeEach(() => {
      for (const id of ['vm-2', 'vm-3', 'vm-4']) registry.set(id, device(id));
      create(loadConfig({ HA_DISCOVERY_MAX_METERS: '2' }));
    });

    it('should announce no more meters than the limit, and count the ones left out once each', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      bus.connect();
      await drain();
      bus.deliver('homeassistant/status', 'online');
      changed('vm-4');
      await drain();
      expect(meters()).toEqual(new Set(['vm-1', 'vm-2']));
      expect(service.announces('vm-3')).toBe(false);
      expect(counters.get('ha_discovery_meters_left_out')).toBe(2);
      expect(warn.mock.calls.filter(([m]) => String(m).includes('HA_DISCOVERY_MAX_METERS'))).toHaveLength(1);
      warn.mockRestore();
    });

    it('should give a removed meter\'s slot to the first meter left out', async () => {
      bus.connect();
      await drain();
      registry.delete('vm-1');
      removed.forEach((listener) => listener('vm-1'));
      await drain();
      expect(service.announces('vm-3')).toBe(true);
      expect(meters()).toEqual(new Set(['vm-1', 'vm-2', 'vm-3']));
      expect(service.announces('vm-4')).toBe(false);
    });

    it('should refuse a limit below 1', () => {
      expect(() => loadConfig({ HA_DISCOVERY_MAX_METERS: '0' })).toThrow(/HA_DISCOVERY_MAX_METERS/);
    });
  });

  describe('removeMeter', () => {
    it('should clear every config of a meter the registry removed', async () => {
      removed.forEach((listener) => listener('vm-1'));
      await drain();
      expect(published().length).toBeGreaterThan(CONFIGS_PER_METER);
      expect(published().every((p) => p.payload === '' && p.retain && p.topic.includes('/dinmeter_vm-1_'))).toBe(true);
      expect(published().map((p) => p.topic)).toContain('homeassistant/switch/dinmeter_vm-1_c3_relay/config');
      expect(counters.get('ha_discovery_removed')).toBe(published().length);
    });

    it('should not publish a meter removed while every meter is being published, after its clears', async () => {
      registry.set('vm-2', device('vm-2'));
      bus.deliver('homeassistant/status', 'online'); // queues vm-1, then vm-2
      registry.delete('vm-2');
      removed.forEach((listener) => listener('vm-2'));
      await drain();
      const last = new Map(published().filter((p) => p.topic.includes('/dinmeter_vm-2_')).map((p) => [p.topic, p.payload]));
      expect(last.size).toBeGreaterThan(CONFIGS_PER_METER);
      expect([...last.values()].filter((payload) => payload !== '')).toEqual([]);
    });

    it('should publish a meter born again right after its removal after its clears', async () => {
      bus.deliver('homeassistant/status', 'online'); // queues vm-1
      removed.forEach((listener) => listener('vm-1'));
      changed('vm-1'); // its birth: the registry has it again
      await drain();
      const last = new Map(published().filter((p) => p.topic.includes('/dinmeter_vm-1_')).map((p) => [p.topic, p.payload]));
      expect([...last.values()].filter((payload) => payload !== '')).toHaveLength(CONFIGS_PER_METER);
      expect(published().filter((p) => p.topic === 'homeassistant/switch/dinmeter_vm-1_c3_relay/config').map((p) => p.payload !== '')).toEqual([false, true]);
    });

    describe('with the real registry', () => {
      let dir: string;
      beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ha-registry-'))));
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      /** DevicesService and HomeAssistantService on one bus, registered in the order Nest starts them. */
      function wire() {
        const wired = new InMemoryMqttBus();
        const relayHistory = new RelayHistoryService({ writePoints: async () => undefined }, () => NOW);
        const devices = new DevicesService(new DeviceRegistryJournal(join(dir, 'devices.jsonl'), undefined, 60_000), () => NOW, wired, new Counters(), relayHistory);
        devices.onModuleInit();
        const events = { onStored: () => () => undefined } as unknown as EventsService;
        const lease = { isLeader: () => true } as LeaderLeaseService;
        new HomeAssistantService(loadConfig({}), devices, {} as CommandsService, wired, lease, new Counters(), () => NOW, {} as FirmwareService, events).onModuleInit();
        bus = wired; // drain() waits for it
        const status = (online: boolean) => wired.deliver('dinmeter/vm-1/status', JSON.stringify({ v: 1, online }));
        /** What the broker retains of vm-1's configs: the last payload published to each topic. */
        const retained = () => {
          const last = new Map<string, string>();
          for (const m of wired.published) if (m.options.retain && m.topic.includes('/dinmeter_vm-1_')) last.set(m.topic, m.payload);
          return [...last.values()];
        };
        return { wired, devices, status, retained };
      }

      // The race of hil-tests/scenarios/homeassistant.int-spec.ts: the broker publishes the stopped meter's
      // last will after the DELETE, and a record in flight is stored after it.
      it("should keep a removed meter's configs cleared through its last will and late records, until its birth", async () => {
        const { wired, devices, status, retained } = wire();
        status(true);
        await drain();
        expect(retained().filter((p) => p !== '')).toHaveLength(CONFIGS_PER_METER);

        devices.remove('vm-1');
        await drain();
        status(false);
        wired.deliver('dinmeter/vm-1/telemetry', '{}');
        devices.recordTelemetry('vm-1', 41, NOW, []);
        wired.deliver('dinmeter/vm-1/events', JSON.stringify({ v: 1, ts: NOW, type: 'fault', message: 'late' }));
        await drain();
        expect(devices.find('vm-1')).toBeUndefined();
        expect(retained().filter((p) => p !== '')).toEqual([]);

        status(true);
        await drain();
        expect(retained().filter((p) => p !== '')).toHaveLength(CONFIGS_PER_METER);
      });
    });
  });

  describe('backend availability', () => {
    it('should leave offline as its last will, and publish offline before it stops', async () => {
      expect(bus.will).toEqual({ topic: 'dinmeter/backend/status', payload: 'offline' });
      await service.onModuleDestroy();
      expect(bus.brokerFilters).not.toContain('dinmeter/backend/status');
      expect(published()).toEqual([{ topic: 'dinmeter/backend/status', payload: 'offline', retain: true }]);
    });

    it('should say online again when another instance left offline behind', async () => {
      bus.deliver('dinmeter/backend/status', 'offline', true);
      await tick();
      expect(published()).toEqual([{ topic: 'dinmeter/backend/status', payload: 'online', retain: true }]);
      bus.deliver('dinmeter/backend/status', 'online', true);
      await tick();
      expect(published()).toHaveLength(1);
    });
  });

  describe('device triggers', () => {
    const stored = (fields: Partial<StoredEvent>) => storedListeners.forEach((listener) => listener({ device: 'vm-1', ts: NOW - 1000, type: 'fault', ...fields }));

    it.each([
      ['step_change', 4, 'c4_step_change'],
      ['protection_trip', 7, 'c7_protection_trip'],
      ['fault', 2, 'fault'],
      ['fault', undefined, 'fault'],
    ] as const)('should fire a stored %s event of circuit %p as the trigger %s', async (type, circuit, trigger) => {
      stored({ type, ...(circuit ? { circuit } : {}), data: { delta_w: 2000 }, seq: 5 });
      await tick();
      expect(published()).toHaveLength(1);
      const [fired] = published();
      expect(fired).toMatchObject({ topic: 'dinmeter/vm-1/ha/triggers', retain: false });
      const payload = JSON.parse(fired.payload);
      expect(payload).toMatchObject({ trigger, v: 1, type, ...(circuit ? { circuit } : {}), data: { delta_w: 2000 }, seq: 5 });
      expect(payload.device).toBeUndefined();
      expect(counters.get('ha_triggers')).toBe(1);
    });

    it.each([
      ['another event type', { type: 'relay', circuit: 1 }],
      ['a step change without a circuit', { type: 'step_change' }],
      ['an event older than ten minutes (a replayed backlog)', { ts: NOW - 601_000 }],
    ] as const)('should fire nothing for %s', async (_what, fields) => {
      stored(fields);
      await tick();
      expect(published()).toEqual([]);
    });

    it('should leave the triggers to the leader when several instances share the meters (each stores every event)', async () => {
      create(loadConfig({ MQTT_SHARE_GROUP: 'ingest' }));
      leader = false;
      stored({});
      await tick();
      expect(published()).toEqual([]);
      leader = true;
      stored({});
      await tick();
      expect(published()).toHaveLength(1);
    });

    it('should fire an event stamped before SNTP (year 2000): its age is unknown', async () => {
      stored({ ts: 946684805000 });
      await tick();
      expect(published()).toHaveLength(1);
    });
  });

  describe('trip reset buttons', () => {
    it('should turn PRESS on dinmeter/vm-1/ha/6/reset into a trip reset', () => {
      bus.deliver('dinmeter/vm-1/ha/6/reset', 'PRESS');
      expect(send).toHaveBeenCalledWith('vm-1', { op: 'reset_trip', circuit: 6 });
      expect(counters.get('ha_commands')).toBe(1);
    });

    it.each([
      ['a retained press', 'dinmeter/vm-1/ha/6/reset', 'PRESS', true],
      ['another payload', 'dinmeter/vm-1/ha/6/reset', 'ON', false],
      ['an unknown meter', 'dinmeter/vm-9/ha/6/reset', 'PRESS', false],
    ])('should ignore %s', (_what, topic, payload, retained) => {
      bus.deliver(topic, payload, retained);
      expect(send).not.toHaveBeenCalled();
      expect(counters.get('ha_commands_rejected')).toBe(1);
    });
  });

  describe('firmware update entity', () => {
    it('should turn install on dinmeter/vm-1/ha/firmware/install into a rollout of the newest image', () => {
      bus.deliver('dinmeter/vm-1/ha/firmware/install', 'install');
      expect(installLatest).toHaveBeenCalledWith('vm-1');
      expect(counters.get('ha_commands')).toBe(1);
    });

    it.each([
      ['a retained install', 'dinmeter/vm-1/ha/firmware/install', 'install', true],
      ['another payload', 'dinmeter/vm-1/ha/firmware/install', 'PRESS', false],
      ['an unknown meter', 'dinmeter/vm-9/ha/firmware/install', 'install', false],
    ])('should ignore %s', (_what, topic, payload, retained) => {
      bus.deliver(topic, payload, retained);
      expect(installLatest).not.toHaveBeenCalled();
      expect(counters.get('ha_commands_rejected')).toBe(1);
    });

    it('should count an install the firmware service refuses (no upload yet) as rejected', () => {
      installLatest.mockImplementation(() => {
        throw new Error('no firmware uploaded yet');
      });
      bus.deliver('dinmeter/vm-1/ha/firmware/install', 'install');
      expect(counters.get('ha_commands_rejected')).toBe(1);
    });
  });

  describe('relay switches', () => {
    it.each([
      ['ON', 'on'],
      ['OFF', 'off'],
    ])('should turn %s on dinmeter/vm-1/ha/4/set into a relay command', (payload, state) => {
      bus.deliver('dinmeter/vm-1/ha/4/set', payload);
      expect(send).toHaveBeenCalledWith('vm-1', { op: 'relay', circuit: 4, state });
      expect(counters.get('ha_commands')).toBe(1);
    });

    it.each([
      ['a retained request', 'dinmeter/vm-1/ha/4/set', 'ON', true],
      ['a payload other than ON/OFF', 'dinmeter/vm-1/ha/4/set', 'on', false],
      ['an unknown meter', 'dinmeter/vm-9/ha/4/set', 'ON', false],
      ['circuit 11', 'dinmeter/vm-1/ha/11/set', 'ON', false],
    ])('should ignore %s', (_what, topic, payload, retained) => {
      bus.deliver(topic, payload, retained);
      expect(send).not.toHaveBeenCalled();
    });

    it('should count rejected requests', () => {
      bus.deliver('dinmeter/vm-1/ha/4/set', 'TOGGLE');
      bus.deliver('dinmeter/vm-1/ha/4/set', 'ON', true);
      expect(counters.get('ha_commands_rejected')).toBe(2);
    });
  });
});
