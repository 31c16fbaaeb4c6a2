import { Logger } from '@nestjs/common';
import { CIRCUIT_COUNT, DeviceTopicKind } from '@dinmeter/shared';
import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { AppConfig, loadConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { DeviceRecord } from '../devices/devices.types';
import { DeviceMessageHandler, MqttService } from '../mqtt/mqtt.service';
import { HaLink, HaLinkHandlers } from './ha-link';
import { HomeAssistantService } from './homeassistant.service';

/** In-memory link: records publishes, lets the test deliver messages. */
class FakeLink implements HaLink {
  filters: string[] = [];
  handlers?: HaLinkHandlers;
  published: { topic: string; payload: string; retain: boolean }[] = [];
  start(filters: string[], handlers: HaLinkHandlers): void {
    this.filters = filters;
    this.handlers = handlers;
  }
  async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    this.published.push({ topic, payload, retain });
  }
  async stop(): Promise<void> {}
  deliver(topic: string, payload: string, retained = false): void {
    this.handlers!.onMessage(topic, Buffer.from(payload), retained);
  }
}

const device = (id: string, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id,
  online: true,
  firstSeen: 0,
  circuits: Array.from({ length: CIRCUIT_COUNT }, (_, k) => ({ circuit: k + 1 })),
  ...extra,
});

const tick = () => new Promise((resolve) => setImmediate(resolve));
const ENTITIES_PER_METER = CIRCUIT_COUNT * 10;

describe(HomeAssistantService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  let link: FakeLink;
  let registry: Map<string, DeviceRecord>;
  let handlers: Map<DeviceTopicKind, DeviceMessageHandler[]>;
  let send: jest.Mock;
  let counters: Counters;
  let service: HomeAssistantService;

  function create(config: AppConfig = loadConfig({})): HomeAssistantService {
    link = new FakeLink();
    handlers = new Map();
    send = jest.fn((deviceId: string) => ({ commandId: 'c-1', deviceId }));
    counters = new Counters();
    const devices = { find: (id: string) => registry.get(id), list: () => [...registry.values()] } as unknown as DevicesService;
    const mqtt = {
      on: (kind: DeviceTopicKind, handler: DeviceMessageHandler) => handlers.set(kind, [...(handlers.get(kind) ?? []), handler]),
    } as unknown as MqttService;
    service = new HomeAssistantService(config, link, devices, { send } as unknown as CommandsService, mqtt, counters);
    service.onModuleInit();
    service.onApplicationBootstrap();
    return service;
  }

  const fromDevice = (kind: DeviceTopicKind, id: string) => handlers.get(kind)!.forEach((h) => h(id, Buffer.from('{}'), false));

  beforeEach(() => {
    registry = new Map([['vm-1', device('vm-1', { firmware: '1.0.0' })]]);
    create();
  });

  describe('discovery', () => {
    it('should subscribe to homeassistant/status and every relay set topic', () => {
      expect(link.filters).toEqual(['homeassistant/status', 'dinmeter/+/ha/+/set']);
    });

    it('should publish every known meter retained when the link connects', async () => {
      registry.set('vm-2', device('vm-2'));
      link.handlers!.onConnect();
      await tick();
      expect(link.published).toHaveLength(2 * ENTITIES_PER_METER);
      expect(link.published.every((p) => p.retain)).toBe(true);
      expect(counters.get('ha_discovery_published')).toBe(2 * ENTITIES_PER_METER);
    });

    it('should publish again when Home Assistant says online, not on other status payloads', async () => {
      link.deliver('homeassistant/status', 'offline');
      await tick();
      expect(link.published).toHaveLength(0);
      link.deliver('homeassistant/status', 'online');
      await tick();
      expect(link.published).toHaveLength(ENTITIES_PER_METER);
    });

    it('should publish a meter when it is first seen, and not again for the same meter', async () => {
      registry.set('vm-3', device('vm-3'));
      fromDevice('status', 'vm-3');
      fromDevice('telemetry', 'vm-3');
      await tick();
      expect(link.published).toHaveLength(ENTITIES_PER_METER);
      expect(link.published[0].topic).toContain('dinmeter_vm-3_');
      fromDevice('relays', 'vm-3');
      await tick();
      expect(link.published).toHaveLength(ENTITIES_PER_METER);
    });

    it('should publish again when a label or the firmware changed', async () => {
      fromDevice('status', 'vm-1');
      await tick();
      registry.get('vm-1')!.circuits[4].label = 'Heat pump';
      fromDevice('telemetry', 'vm-1');
      await tick();
      expect(link.published).toHaveLength(2 * ENTITIES_PER_METER);
      expect(link.published.some((p) => JSON.parse(p.payload).name === 'Heat pump relay')).toBe(true);
      registry.get('vm-1')!.firmware = '1.1.0';
      fromDevice('status', 'vm-1');
      await tick();
      expect(JSON.parse(link.published.at(-1)!.payload).device.sw_version).toBe('1.1.0');
    });

    it('should use the configured prefix', async () => {
      create(loadConfig({ HA_DISCOVERY_PREFIX: 'hass' }));
      expect(link.filters[0]).toBe('hass/status');
      link.deliver('hass/status', 'online');
      await tick();
      expect(link.published[0].topic).toMatch(/^hass\/sensor\//);
    });

    it('should do nothing at all with HA_DISCOVERY=false', async () => {
      create(loadConfig({ HA_DISCOVERY: 'false' }));
      expect(link.handlers).toBeUndefined();
      expect(handlers.size).toBe(0);
    });
  });

  describe('relay switches', () => {
    it.each([
      ['ON', 'on'],
      ['OFF', 'off'],
    ])('should turn %s on dinmeter/vm-1/ha/4/set into a relay command', (payload, state) => {
      link.deliver('dinmeter/vm-1/ha/4/set', payload);
      expect(send).toHaveBeenCalledWith('vm-1', { op: 'relay', circuit: 4, state });
      expect(counters.get('ha_commands')).toBe(1);
    });

    it.each([
      ['a retained request', 'dinmeter/vm-1/ha/4/set', 'ON', true],
      ['a payload other than ON/OFF', 'dinmeter/vm-1/ha/4/set', 'on', false],
      ['an unknown meter', 'dinmeter/vm-9/ha/4/set', 'ON', false],
      ['circuit 11', 'dinmeter/vm-1/ha/11/set', 'ON', false],
    ])('should ignore %s', (_what, topic, payload, retained) => {
      link.deliver(topic, payload, retained);
      expect(send).not.toHaveBeenCalled();
    });

    it('should count rejected requests', () => {
      link.deliver('dinmeter/vm-1/ha/4/set', 'TOGGLE');
      link.deliver('dinmeter/vm-1/ha/4/set', 'ON', true);
      expect(counters.get('ha_commands_rejected')).toBe(2);
    });
  });
});
