import { Inject, Injectable, Logger, NotFoundException, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CIRCUIT_COUNT, CircuitReading, decodeMessage, isKnownTime, isValidDeviceId } from '@dinmeter/shared';
import { CLOCK, NowFn } from '../common/tokens';
import { Counters } from '../common/counters';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { toStoredDevice } from './device-registry.repository';
import { CircuitView, DEVICE_REGISTRY_REPOSITORY, DeviceRecord, DeviceRegistryRepository } from './devices.types';
import { RelayHistoryService, relayPoint } from './relay-history.service';

const GAP_STARTS_REMEMBERED = 64;

/**
 * The device registry: which meters exist, whether they are online (retained status + last will),
 * their latest readings, relay states and chip health. What survives a restart (identity, firmware,
 * relays, health, labels) is persisted per device through the repository; the latest readings live in
 * memory only, so storing a record costs O(1) and never touches the disk (InfluxDB has the readings).
 * A removed meter is registered again only by its birth, a status `online: true` (docs/homeassistant.md):
 * its last will, or a record stored after the removal, is not the meter coming back.
 */
@Injectable()
export class DevicesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DevicesService.name);
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly failsafeListeners: (() => void)[] = [];
  private readonly removedListeners: ((id: string) => void)[] = [];
  private readonly describedListeners: ((id: string) => void)[] = [];
  /** Per meter, the first missing seq of its recent gaps (recordGap). */
  private readonly gapStarts = new Map<string, Set<number>>();
  /** Removed meters (persisted) that have not announced themselves online since. */
  private readonly removed = new Set<string>();

  constructor(
    @Inject(DEVICE_REGISTRY_REPOSITORY) private readonly repository: DeviceRegistryRepository,
    @Inject(CLOCK) private readonly now: NowFn,
    @Inject(MQTT_BUS) private readonly mqtt: MqttBus,
    private readonly counters: Counters,
    private readonly relayHistory: RelayHistoryService,
  ) {}

  onModuleInit(): void {
    const { devices, removed } = this.repository.load();
    for (const device of devices) this.devices.set(device.id, device);
    for (const { id } of removed) this.removed.add(id);
    // Snapshots only for meters that are online: an offline meter's relays may have moved (failsafe).
    this.relayHistory.watch(() => this.list().filter((d) => d.online).map((d) => [d.id, d.circuits.map((c) => c.relay)]));
    this.mqtt.on('status', (id, payload) => this.onStatus(id, payload));
    this.mqtt.on('relays', (id, payload) => this.onRelays(id, payload));
    this.mqtt.on('events', (id, payload) => this.onEvent(id, payload));
  }

  onModuleDestroy(): void {
    this.repository.flush();
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  }

  find(id: string): DeviceRecord | undefined {
    return this.devices.get(id);
  }

  get(id: string): DeviceRecord {
    const device = isValidDeviceId(id) ? this.devices.get(id) : undefined;
    if (!device) throw new NotFoundException(`unknown device ${JSON.stringify(id)}`);
    return device;
  }

  /** The shortest failsafe any known meter reported in its status (HeartbeatService keeps up with it). */
  shortestFailsafeSeconds(): number | undefined {
    const reported = [...this.devices.values()].map((d) => d.failsafeMinS).filter((s): s is number => s !== undefined);
    return reported.length > 0 ? Math.min(...reported) : undefined;
  }

  onFailsafeChange(listener: () => void): void {
    this.failsafeListeners.push(listener);
  }

  /** Called with the id of every removed device (Home Assistant clears its entities). */
  onRemoved(listener: (id: string) => void): void {
    this.removedListeners.push(listener);
  }

  /**
   * Called with a meter's id when what describes it changed: it was registered (its first message,
   * or its birth after a removal), its firmware, or a circuit label. Never for readings, relay states
   * or health, so a listener costs nothing per telemetry record (Home Assistant discovery). It runs
   * while the registry takes the message in: read the record from a later turn (setImmediate).
   */
  onDescriptionChange(listener: (id: string) => void): void {
    this.describedListeners.push(listener);
  }

  /**
   * Forgets a meter: registry entry and persisted state; listeners clear what depends on it. Its
   * readings stay in InfluxDB, and so do its records stored after this. Only its next birth (it
   * reconnects) registers it again, so revoke its MQTT credentials first or unplug it.
   */
  remove(id: string): void {
    this.get(id);
    this.devices.delete(id);
    this.gapStarts.delete(id);
    this.removed.add(id);
    this.repository.remove({ id, removedAt: this.now() });
    this.logger.log(`device ${id} removed`);
    for (const listener of this.removedListeners) listener(id);
  }

  circuit(id: string, circuit: number): CircuitView {
    return this.get(id).circuits[circuit - 1];
  }

  /** Called by ingest for every stored record: keeps the latest reading per circuit, in memory only. */
  recordTelemetry(id: string, seq: number, ts: number, readings: CircuitReading[]): void {
    const known = this.devices.has(id);
    const device = this.touch(id);
    if (!device) return;
    if (device.lastTelemetryTs === undefined || ts >= device.lastTelemetryTs) {
      device.lastTelemetryTs = ts;
      device.lastTelemetrySeq = seq;
      for (const reading of readings) {
        const view = device.circuits[reading.circuit - 1];
        view.reading = reading;
        view.readingTs = ts;
      }
    }
    if (!known) this.persist(device);
  }

  /**
   * Called by ingest for every hole counted in a meter's seqs, by this instance or another (memory
   * only). Two instances can each see the same hole: it counts once by its first missing seq.
   */
  recordGap(id: string, firstMissingSeq: number): void {
    const device = this.touch(id);
    if (!device) return;
    const seen = this.gapStarts.get(id) ?? new Set<number>();
    if (seen.has(firstMissingSeq)) return;
    // Bounded: only recent holes can be reported twice.
    if (seen.size >= GAP_STARTS_REMEMBERED) seen.delete(seen.values().next().value!);
    seen.add(firstMissingSeq);
    this.gapStarts.set(id, seen);
    device.telemetryGaps = (device.telemetryGaps ?? 0) + 1;
  }

  setLabel(id: string, circuit: number, label: string | undefined): void {
    const view = this.circuit(id, circuit);
    if (view.label === label) return;
    view.label = label;
    this.persist(this.get(id));
    this.described(id);
  }

  /** The meter's entry, created by its first message; none for a removed meter (until onStatus sees its birth). */
  private touch(id: string): DeviceRecord | undefined {
    let device = this.devices.get(id);
    const now = this.now();
    if (!device) {
      if (this.removed.has(id)) {
        this.counters.inc('device_messages_after_removal');
        return undefined;
      }
      device = {
        id,
        online: false,
        firstSeen: now,
        circuits: Array.from({ length: CIRCUIT_COUNT }, (_, k) => ({ circuit: k + 1 })),
      };
      this.devices.set(id, device);
      this.logger.log(`new device ${id}`);
      this.described(id);
    }
    device.lastSeen = now;
    return device;
  }

  private described(id: string): void {
    for (const listener of this.describedListeners) listener(id);
  }

  private onStatus(id: string, payload: Buffer): void {
    const result = decodeMessage('status', payload);
    if (!result.ok) return this.reject(id, 'status', result.errors);
    const status = result.value;
    // The birth of a removed meter: it really is back (its last will is not).
    if (status.online && this.removed.delete(id)) this.logger.log(`removed device ${id} is online again`);
    const known = this.devices.has(id);
    const device = this.touch(id);
    if (!device) return;
    if (device.online !== status.online) this.logger.log(`device ${id} is ${status.online ? 'online' : 'offline'}`);
    device.online = status.online;
    const firmwareChanged = status.firmware !== undefined && status.firmware !== device.firmware;
    if (firmwareChanged) device.firmware = status.firmware;
    if (status.boot_id !== undefined) device.bootId = status.boot_id;
    if (status.boot_ts !== undefined) device.bootTs = status.boot_ts;
    for (const health of status.health ?? []) device.circuits[health.circuit - 1].health = health;
    // The last will carries no failsafe_min_s: the meter keeps its settings while offline.
    const failsafeChanged = status.failsafe_min_s !== undefined && status.failsafe_min_s !== device.failsafeMinS;
    if (failsafeChanged) device.failsafeMinS = status.failsafe_min_s;
    this.persist(device);
    if (firmwareChanged && known) this.described(id); // a new meter was described by touch()
    if (failsafeChanged) for (const listener of this.failsafeListeners) listener();
  }

  private onRelays(id: string, payload: Buffer): void {
    const result = decodeMessage('relays', payload);
    if (!result.ok) return this.reject(id, 'relays', result.errors);
    const device = this.touch(id);
    if (!device) return;
    // Before SNTP the meter stamps TIME_UNKNOWN_MS (or counts up from it): use our clock for the history then.
    const ts = isKnownTime(result.value.ts) ? result.value.ts : this.now();
    const changes = [];
    for (const state of result.value.circuits) {
      const previous = device.circuits[state.circuit - 1].relay;
      if (!previous || previous.state !== state.state || previous.reason !== state.reason) {
        changes.push(relayPoint(id, state, ts));
      }
      device.circuits[state.circuit - 1].relay = state;
      if (state.plan_version !== undefined) device.planVersion = state.plan_version;
    }
    this.persist(device);
    void this.relayHistory.write(changes);
  }

  private onEvent(id: string, payload: Buffer): void {
    const result = decodeMessage('events', payload);
    if (!result.ok) return this.reject(id, 'events', result.errors);
    this.touch(id);
    const event = result.value;
    this.counters.inc(`device_events_${event.type}`);
    const where = event.circuit ? ` circuit ${event.circuit}` : '';
    this.logger.log(`event from ${id}${where}: ${event.type}${event.message ? ` — ${event.message}` : ''}`);
  }

  private reject(id: string, kind: string, errors: string[]): void {
    this.counters.inc(`mqtt_rejected_${kind.replace('/', '_')}`);
    this.logger.warn(`rejected ${kind} from ${id}: ${errors.slice(0, 5).join('; ')}`);
  }

  private persist(device: DeviceRecord): void {
    this.repository.save(toStoredDevice(device));
  }
}
