import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  haFirmwareInstallFilter,
  haRelaySetFilter,
  haStatusTopic,
  haTripResetFilter,
  isKnownTime,
  parseHaCircuitTopic,
  parseHaFirmwareInstallTopic,
  PROTOCOL_VERSION,
  topics,
} from '@dinmeter/shared';
import { CommandsService } from '../commands/commands.service';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { DeviceRecord } from '../devices/devices.types';
import { StoredEvent } from '../events/event-points';
import { EventsService } from '../events/events.service';
import { FirmwareService } from '../firmware/firmware.service';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import {
  buildHaDiscovery,
  DEFAULT_MAX_RECORD_AGE_S,
  HA_BACKEND_OFFLINE,
  HA_BACKEND_ONLINE,
  HA_PAYLOAD_INSTALL,
  HA_PAYLOAD_PRESS,
  HA_TRIGGERS,
  haDiscoveryRemoval,
  HaMeter,
  haTriggerKey,
  parseHaRelayPayload,
  staleHaDiscoveryTopics,
} from './ha-discovery';
import { PacedPublisher } from './paced-publisher';

/**
 * Home Assistant MQTT discovery for every known meter, and the bridge back: switch and button
 * requests become real commands, meter events become device triggers. Configs are published retained
 * when the backend (re)connects, when Home Assistant announces itself on <prefix>/status, and when a
 * meter is first seen or its firmware or circuit labels change (the registry says so: nothing is done per
 * reading), for at most HA_DISCOVERY_MAX_METERS meters; a removed meter's are cleared.
 * ON/OFF on dinmeter/<id>/ha/<circuit>/set becomes a relay command and PRESS on …/reset a reset_trip
 * command (CommandsService.send), so each command gets an id, a seq and an expiry like every other
 * (docs/invariants.md invariant 2). The bridge's retained dinmeter/backend/status (online, and
 * offline by its last will or at shutdown) is part of every entity's availability.
 */
@Injectable()
export class HomeAssistantService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(HomeAssistantService.name);
  /** Meters whose configs this process published or queued: at most HA_DISCOVERY_MAX_METERS. */
  private readonly announced = new Set<string>();
  /** Meters left out by HA_DISCOVERY_MAX_METERS, in the order they came: announced when a slot frees. */
  private readonly leftOut = new Set<string>();
  /** Per meter, its queued job's token: the job builds the configs from the registry when its turn comes. */
  private readonly queued = new Map<string, object>();
  /** Meters whose stale configs of earlier versions this process cleared. */
  private readonly staleCleared = new Set<string>();
  private readonly announcedListeners: ((id: string) => void)[] = [];
  /** Discovery configs and their removal go out paced, behind commands (paced-publisher.ts). */
  private readonly discovery = new PacedPublisher((m) => this.mqtt.publish(m.topic, m.payload, { qos: 1, retain: true }));
  private started = false;
  private unsubscribeBackendStatus?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly devices: DevicesService,
    private readonly commands: CommandsService,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly leader: LeaderLeaseService,
    private readonly counters: Counters,
    @Inject(CLOCK) private readonly now: NowFn,
    private readonly firmware: FirmwareService,
    private readonly events: EventsService,
  ) {}

  private get enabled(): boolean {
    return this.config.HA_DISCOVERY;
  }

  private get prefix(): string {
    return this.config.HA_DISCOVERY_PREFIX;
  }

  /** Before the backend's MQTT connection opens: its last will says the bridge is offline. */
  onModuleInit(): void {
    if (!this.enabled) {
      this.logger.log('Home Assistant discovery disabled (HA_DISCOVERY=false)');
      return;
    }
    this.started = true;
    this.mqtt.setWill({ topic: topics.backendStatus(), payload: HA_BACKEND_OFFLINE });
    this.mqtt.onConnect(() => void this.onConnect());
    // A new meter, a birth after removal, new firmware or a label: never a reading (no work per record).
    this.devices.onDescriptionChange((id) => this.announce(id));
    this.events.onStored((event) => this.onEvent(event));
    this.devices.onRemoved((id) => void this.removeMeter(id));
    this.mqtt.subscribe(haStatusTopic(this.prefix), (_topic, payload) => this.onHaStatus(payload.toString('utf8')));
    this.unsubscribeBackendStatus = this.mqtt.subscribe(topics.backendStatus(), (topic, payload) => this.onBackendStatus(topic, payload.toString('utf8')));
    // With several instances (MQTT_SHARE_GROUP) the broker hands each request to one of them, so a press is one command.
    const share = this.config.MQTT_SHARE_GROUP;
    const once = (filter: string) => (share ? topics.sharedSubscription(`${share}-ha`, filter) : filter);
    for (const filter of [haRelaySetFilter(), haTripResetFilter()]) {
      this.mqtt.subscribe(once(filter), (topic, payload, retained) => {
        const target = parseHaCircuitTopic(topic);
        if (target) this.onRequest(topic, target, payload.toString('utf8'), retained);
      });
    }
    this.mqtt.subscribe(once(haFirmwareInstallFilter()), (topic, payload, retained) => {
      const install = parseHaFirmwareInstallTopic(topic);
      if (install) this.onInstall(topic, install.deviceId, payload.toString('utf8'), retained);
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Unavailable at once instead of when the broker notices the lost connection (the last will).
    // Unsubscribed first: the broker would echo it, and its PUBACK would be written after the end.
    this.unsubscribeBackendStatus?.();
    await this.mqtt.publish(topics.backendStatus(), HA_BACKEND_OFFLINE, { qos: 1, retain: true }).catch(() => undefined);
  }

  /** Publishes every meter's configs again (retained), up to HA_DISCOVERY_MAX_METERS meters. */
  publishAll(): void {
    for (const { id } of this.devices.list()) this.announce(id);
  }

  /** Whether this backend announces the meter to Home Assistant (discovery on, registered, within the limit). */
  announces(deviceId: string): boolean {
    return this.started && this.announced.has(deviceId);
  }

  /**
   * Called with a meter's id each time its configs are built to go out (paced): features that add
   * entities to the meter's Home Assistant device (appliances) announce theirs then.
   */
  onAnnounced(listener: (id: string) => void): void {
    this.announcedListeners.push(listener);
  }

  /**
   * Clears every Home Assistant entity and trigger of a meter (empty retained configs): Home
   * Assistant then deletes them, and the device once it has none left. DevicesService.remove calls it
   * through onRemoved; a credentials revoke may call it directly. The registry keeps a removed meter out
   * until its birth, which discovers it again. Its slot goes to the first meter left out by the limit.
   */
  async removeMeter(deviceId: string): Promise<void> {
    if (!this.started) return;
    this.queued.delete(deviceId); // a queued job of this meter builds nothing
    this.leftOut.delete(deviceId);
    if (this.announced.delete(deviceId)) {
      const next = [...this.leftOut].find((id) => this.devices.find(id));
      if (next !== undefined) {
        this.leftOut.delete(next);
        this.announce(next);
      }
    }
    let cleared = 0;
    try {
      await this.discovery.enqueue(() => {
        const messages = haDiscoveryRemoval(deviceId, this.prefix);
        cleared = messages.length;
        return messages;
      });
      this.counters.inc('ha_discovery_removed', cleared);
      this.logger.log(`Home Assistant entities of ${deviceId} removed`);
    } catch (error) {
      this.logger.warn(`entities of ${deviceId} not removed: ${(error as Error).message}`);
    }
  }

  private async onConnect(): Promise<void> {
    await this.mqtt.publish(topics.backendStatus(), HA_BACKEND_ONLINE, { qos: 1, retain: true }).catch((error: Error) => this.logger.warn(`backend status not published: ${error.message}`));
    this.publishAll();
  }

  /**
   * Queues the meter's configs (once: a meter queued already goes out as the registry has it when its
   * turn comes). A meter beyond HA_DISCOVERY_MAX_METERS is left out and counted.
   */
  private announce(deviceId: string): void {
    if (!this.started || this.queued.has(deviceId)) return;
    if (!this.announced.has(deviceId)) {
      if (this.announced.size >= this.config.HA_DISCOVERY_MAX_METERS) return this.leaveOut(deviceId);
      this.announced.add(deviceId);
    }
    const token = {};
    this.queued.set(deviceId, token);
    let published = 0;
    const build = () => {
      if (this.queued.get(deviceId) !== token) return []; // removed meanwhile
      this.queued.delete(deviceId);
      const device = this.devices.find(deviceId);
      if (!device) return [];
      const configs = buildHaDiscovery(toMeter(device), { prefix: this.prefix });
      published = configs.length;
      // Once per meter and process: installations of earlier versions keep no stale entities.
      const stale = this.staleCleared.has(deviceId) ? [] : staleHaDiscoveryTopics(deviceId, this.prefix).map((topic) => ({ topic, payload: '' }));
      for (const listener of this.announcedListeners) listener(deviceId);
      return [...stale, ...configs];
    };
    this.discovery.enqueue(build).then(
      () => {
        this.staleCleared.add(deviceId);
        this.counters.inc('ha_discovery_published', published);
      },
      // The next connect (or Home Assistant's birth) publishes every meter again.
      (error: Error) => this.logger.warn(`discovery for ${deviceId} not published: ${error.message}`),
    );
  }

  private leaveOut(deviceId: string): void {
    if (this.leftOut.has(deviceId)) return;
    this.leftOut.add(deviceId);
    this.counters.inc('ha_discovery_meters_left_out');
    if (this.leftOut.size === 1) {
      const max = this.config.HA_DISCOVERY_MAX_METERS;
      this.logger.warn(
        `Home Assistant discovery is limited to ${max} meters (HA_DISCOVERY_MAX_METERS): ${deviceId} and further meters are not announced (counter ha_discovery_meters_left_out; docs/homeassistant.md)`,
      );
    }
  }

  private onHaStatus(payload: string): void {
    if (payload.trim() !== 'online') return;
    this.logger.log('Home Assistant is online: publishing discovery again');
    this.publishAll();
  }

  private onBackendStatus(topic: string, payload: string): void {
    // Another instance stopped (its last will or clean stop): this one still bridges.
    if (payload !== HA_BACKEND_ONLINE && this.started) void this.mqtt.publish(topic, HA_BACKEND_ONLINE, { qos: 1, retain: true }).catch(() => undefined);
  }

  /** The update entity's install: a rollout of the newest upload (docs/ota.md). */
  private onInstall(topic: string, deviceId: string, payload: string, retained: boolean): void {
    const reject = (why: string) => {
      this.counters.inc('ha_commands_rejected');
      this.logger.warn(`ignored ${topic} ${JSON.stringify(payload.slice(0, 40))}: ${why}`);
    };
    if (retained) return reject('retained requests are never applied');
    if (payload.trim() !== HA_PAYLOAD_INSTALL) return reject(`payload must be ${HA_PAYLOAD_INSTALL}`);
    if (!this.devices.find(deviceId)) return reject(`unknown device ${deviceId}`);
    try {
      const rollout = this.firmware.installLatest(deviceId).rollout;
      this.counters.inc('ha_commands');
      this.logger.log(`Home Assistant: ${deviceId} install firmware ${rollout?.version} → command ${rollout?.commandId}`);
    } catch (error) {
      reject((error as Error).message); // no upload, no FIRMWARE_URL_BASE, no command key
    }
  }

  private onRequest(topic: string, target: { deviceId: string; circuit: number; request: 'set' | 'reset' }, payload: string, retained: boolean): void {
    const reject = (why: string) => {
      this.counters.inc('ha_commands_rejected');
      this.logger.warn(`ignored ${topic} ${JSON.stringify(payload.slice(0, 40))}: ${why}`);
    };
    // A retained request would be applied again on every reconnect.
    if (retained) return reject('retained requests are never applied');
    if (!this.devices.find(target.deviceId)) return reject(`unknown device ${target.deviceId}`);
    const { deviceId, circuit } = target;
    let commandId: string;
    try {
      if (target.request === 'set') {
        const state = parseHaRelayPayload(payload);
        if (!state) return reject('payload must be ON or OFF');
        commandId = this.commands.send(deviceId, { op: 'relay', circuit, state }).commandId;
      } else {
        if (payload.trim() !== HA_PAYLOAD_PRESS) return reject(`payload must be ${HA_PAYLOAD_PRESS}`);
        commandId = this.commands.send(deviceId, { op: 'reset_trip', circuit }).commandId;
      }
    } catch (error) {
      return reject((error as Error).message); // e.g. the meter has no command key
    }
    this.counters.inc('ha_commands');
    this.logger.log(`Home Assistant: ${deviceId} circuit ${circuit} ${target.request} ${payload.trim()} → command ${commandId}`);
  }

  /**
   * Fires the device trigger of a step change, trip or fault. Not for events older than the sensors'
   * record age limit: a replayed backlog must not run automations for what happened long ago.
   */
  private onEvent(stored: StoredEvent): void {
    // Every instance stores every event (EventsService acks what it stored): the leader alone fires.
    if (!this.started || (this.config.MQTT_SHARE_GROUP && !this.leader.isLeader())) return;
    const { device: deviceId, ...fields } = stored;
    const event = { v: PROTOCOL_VERSION, ...fields };
    const trigger = HA_TRIGGERS.find((t) => t.type === event.type);
    if (!trigger || (trigger.scope === 'circuit' && !event.circuit)) return;
    // Before SNTP a meter stamps TIME_UNKNOWN_MS (or counts up from it): such events cannot be judged by age.
    if (isKnownTime(event.ts) && this.now() - event.ts > DEFAULT_MAX_RECORD_AGE_S * 1000) {
      this.counters.inc('ha_triggers_too_old');
      return;
    }
    const message = { trigger: haTriggerKey(trigger.type, event.circuit), ...event };
    this.mqtt.publish(topics.haTriggers(deviceId), JSON.stringify(message), { qos: 1 }).then(
      () => this.counters.inc('ha_triggers'),
      (error: Error) => this.logger.warn(`trigger ${message.trigger} of ${deviceId} not fired: ${error.message}`),
    );
  }
}

function toMeter(device: DeviceRecord): HaMeter {
  return {
    id: device.id,
    firmware: device.firmware,
    circuits: device.circuits.map((c) => ({ circuit: c.circuit, label: c.label })),
  };
}
