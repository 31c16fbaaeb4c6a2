import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { haRelaySetFilter, haStatusTopic, parseHaRelaySetTopic } from '@dinmeter/shared';
import { CommandsService } from '../commands/commands.service';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { DeviceRecord } from '../devices/devices.types';
import { MqttService } from '../mqtt/mqtt.service';
import { buildHaDiscovery, HaMeter, parseHaRelayPayload } from './ha-discovery';
import { HA_LINK, HaLink } from './ha-link';

/**
 * Home Assistant MQTT discovery for every circuit of every known meter, and the bridge from its relay
 * switches to real commands. Configs are published retained when the link (re)connects, when Home
 * Assistant announces itself on <prefix>/status, and when a meter is first seen or its firmware or
 * circuit labels change. ON/OFF on dinmeter/<id>/ha/<circuit>/set becomes CommandsService.send, so the
 * command gets an id, a seq and an expiry like every other (docs/invariants.md invariant 2).
 */
@Injectable()
export class HomeAssistantService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HomeAssistantService.name);
  /** Per meter, what its published configs were built from: a change means publish again. */
  private readonly published = new Map<string, string>();
  private readonly checkScheduled = new Set<string>();
  private started = false;

  constructor(
    private readonly config: AppConfig,
    @Inject(HA_LINK) private readonly link: HaLink,
    private readonly devices: DevicesService,
    private readonly commands: CommandsService,
    private readonly mqtt: MqttService,
    private readonly counters: Counters,
  ) {}

  private get enabled(): boolean {
    return this.config.HA_DISCOVERY;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    // Any message of a meter may be its first, or follow a label/firmware change. The check runs
    // after this dispatch, once the registry has taken the message in.
    for (const kind of ['status', 'relays', 'telemetry'] as const) this.mqtt.on(kind, (id) => this.scheduleCheck(id));
  }

  /** After every module's init, so the embedded broker is listening. */
  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.log('Home Assistant discovery disabled (HA_DISCOVERY=false)');
      return;
    }
    this.started = true;
    this.link.start([haStatusTopic(this.config.HA_DISCOVERY_PREFIX), haRelaySetFilter()], {
      onConnect: () => void this.publishAll(),
      onMessage: (topic, payload, retained) => this.onMessage(topic, payload.toString('utf8'), retained),
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.started = false;
    await this.link.stop();
  }

  /** Publishes every meter's configs again (retained). */
  async publishAll(): Promise<void> {
    this.published.clear();
    for (const device of this.devices.list()) await this.publishMeter(toMeter(device));
  }

  private scheduleCheck(deviceId: string): void {
    if (!this.started || this.checkScheduled.has(deviceId)) return;
    this.checkScheduled.add(deviceId);
    setImmediate(() => {
      this.checkScheduled.delete(deviceId);
      const device = this.devices.find(deviceId);
      if (device) void this.publishMeter(toMeter(device), true);
    });
  }

  private async publishMeter(meter: HaMeter, onlyIfChanged = false): Promise<void> {
    const signature = JSON.stringify(meter);
    if (onlyIfChanged && this.published.get(meter.id) === signature) return;
    this.published.set(meter.id, signature);
    const messages = buildHaDiscovery(meter, { prefix: this.config.HA_DISCOVERY_PREFIX });
    try {
      await Promise.all(messages.map((m) => this.link.publish(m.topic, m.payload, true)));
      this.counters.inc('ha_discovery_published', messages.length);
    } catch (error) {
      this.published.delete(meter.id); // the next message of this meter tries again
      this.logger.warn(`discovery for ${meter.id} not published: ${(error as Error).message}`);
    }
  }

  private onMessage(topic: string, payload: string, retained: boolean): void {
    if (topic === haStatusTopic(this.config.HA_DISCOVERY_PREFIX)) {
      if (payload.trim() === 'online') {
        this.logger.log('Home Assistant is online: publishing discovery again');
        void this.publishAll();
      }
      return;
    }
    const target = parseHaRelaySetTopic(topic);
    if (!target) return;
    const reject = (why: string) => {
      this.counters.inc('ha_commands_rejected');
      this.logger.warn(`ignored ${topic} ${JSON.stringify(payload.slice(0, 40))}: ${why}`);
    };
    // A retained set message would switch the relay again on every reconnect.
    if (retained) return reject('retained relay requests are never applied');
    const state = parseHaRelayPayload(payload);
    if (!state) return reject('payload must be ON or OFF');
    if (!this.devices.find(target.deviceId)) return reject(`unknown device ${target.deviceId}`);
    let record;
    try {
      record = this.commands.send(target.deviceId, { op: 'relay', circuit: target.circuit, state });
    } catch (error) {
      return reject((error as Error).message); // e.g. the meter has no command key
    }
    this.counters.inc('ha_commands');
    this.logger.log(`Home Assistant: ${target.deviceId} circuit ${target.circuit} ${state} → command ${record.commandId}`);
  }
}

function toMeter(device: DeviceRecord): HaMeter {
  return {
    id: device.id,
    firmware: device.firmware,
    circuits: device.circuits.map((c) => ({ circuit: c.circuit, label: c.label })),
  };
}
