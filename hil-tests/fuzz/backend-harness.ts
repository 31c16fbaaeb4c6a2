/**
 * The whole backend (AppModule, every service and controller) booted in-process for the fuzz, with
 * the in-memory MQTT bus (in-memory-mqtt.ts) and an in-memory InfluxDB write sink. `state()` is what
 * an input must not change when it is refused: the device registry, commands, everything persisted,
 * InfluxDB writes, commands and plans published to meters, the automation lease.
 */
import 'reflect-metadata';
import { encodeMessage, HA_DISCOVERY_PREFIX, topics } from '@dinmeter/shared';
import { LoggerService } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../backend/src/app.module';
import { LeaderLeaseService } from '../../backend/src/leader/leader-lease.service';
import { CommandsService } from '../../backend/src/commands/commands.service';
import { JsonFileRepository } from '../../backend/src/common/json-file.repository';
import { POINT_WRITER, TELEMETRY_STORE } from '../../backend/src/common/tokens';
import { loadConfig } from '../../backend/src/config/app-config';
import { DeviceRegistryJournal } from '../../backend/src/devices/device-registry.repository';
import { DevicesService } from '../../backend/src/devices/devices.service';
import { PRICE_MEASUREMENT } from '../../backend/src/prices/prices.repository';
import { configureHttp } from '../../backend/src/http.setup';
import { Role } from '../../backend/src/security/roles';
import { TokenStore } from '../../backend/src/security/tokens/token-store';
import { CircuitPoint } from '../../backend/src/storage/storage.types';
import { exampleMessage } from '../../shared/src/protocol/protocol.examples';
import { InMemoryBus } from './in-memory-mqtt';
import { MemoryTelemetryStore } from './memory-telemetry-store';

/** The meter the fuzz registers first (a valid status), so inputs reach a known device too. */
export const KNOWN_DEVICE = 'fz-1';

export interface BackendHarness {
  app: NestExpressApplication;
  bus: InMemoryBus;
  /** Messages the backend logged at error level (a handler that threw, a failed write); the caller empties it. */
  errorsLogged: string[];
  /** Bearer tokens issued for the fuzz, one per role. */
  tokens: Record<Role, string>;
  /** Is the meter in the registry (a relay request for it becomes a command)? */
  knows(deviceId: string): boolean;
  /**
   * Makes this instance the lease holder again at once (after an input that changed the lease), so the
   * holder never changes on the lease timer while a later input is checked.
   */
  reclaimLease(): void;
  /** Everything a refused input must leave as it was. */
  state(): string;
  /**
   * Lets handlers that continue after a microtask or setImmediate finish; `all` also flushes the
   * InfluxDB writer, after which ingest updates the registry and acks (what a valid record causes).
   */
  settle(all?: boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Persisted state: the last data each repository was asked to save. Counted at save(), not on disk
 * (JsonFileRepository writes after a delay). Commands are compared by count and seqs, because the
 * resend timer re-saves statuses of commands that valid inputs created.
 */
class SaveRecorder {
  private readonly latest = new Map<string, string>();
  /** How many saves changed what their repository holds, and the last one's name (cheap to compare per input). */
  changes = 0;
  lastChanged?: string;
  private readonly restore: (() => void)[] = [];

  install(): this {
    const wrap = <T extends object>(proto: T, method: keyof T, key: (self: T, data: unknown) => [string, string]) => {
      const original = proto[method] as (...args: unknown[]) => unknown;
      const latest = this.latest;
      const record = (name: string, value: string) => {
        if (latest.get(name) === value) return;
        latest.set(name, value);
        this.changes++;
        this.lastChanged = `${name}: ${value.slice(0, 300)}`;
      };
      (proto as Record<keyof T, unknown>)[method] = function (this: T, ...args: unknown[]) {
        record(...key(this, args[0]));
        return original.apply(this, args);
      };
      this.restore.push(() => ((proto as Record<keyof T, unknown>)[method] = original));
    };
    wrap(JsonFileRepository.prototype, 'save', (self, data) => {
      const path = (self as unknown as JsonFileRepository<unknown>).path;
      // The downsampling queue: ranges of stored telemetry (counted as points) worked off on a timer.
      if (path.endsWith('downsampling.json')) return [path, 'queue'];
      if (path.endsWith('commands.json')) {
        const file = data as { lastSeq: unknown; commands: unknown[] };
        return [path, JSON.stringify({ lastSeq: file.lastSeq, count: file.commands.length })];
      }
      return [path, JSON.stringify(data)];
    });
    wrap(DeviceRegistryJournal.prototype, 'save', (_self, device) => [
      `devices/${(device as { id: string }).id}`,
      JSON.stringify(device, (k, v) => (k === 'lastSeen' ? undefined : v)),
    ]);
    return this;
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0)) undo();
  }
}

/**
 * Publishes that are not state of their own: the backend's timers (heartbeat, lease, stored notices)
 * and Home Assistant discovery, which mirrors the registry (compared as `devices`) and goes out with
 * the next message of a meter, valid or not.
 */
const NOT_STATE = (topic: string) => TIMER_TOPICS.has(topic) || topic.startsWith(`${HA_DISCOVERY_PREFIX}/`);
const TIMER_TOPICS = new Set([topics.heartbeat(), topics.automationLease(), topics.ingestStored()]);

export async function startBackend(): Promise<BackendHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-fuzz-'));
  const bus = new InMemoryBus(NOT_STATE).install();
  const saves = new SaveRecorder().install();
  const store = new MemoryTelemetryStore();
  const config = loadConfig({
    DATA_DIR: dir,
    // Never dialled: mqtt.connect is the in-memory bus; MQTT_URL only keeps the embedded broker off.
    MQTT_URL: 'mqtt://fuzz.invalid:1883',
    // With a share group the ingest peers (dinmeter/backend/ingest/stored) subscribe too.
    MQTT_SHARE_GROUP: 'fuzz',
    INSTANCE_ID: 'fuzz',
    // Leadership settles in about 2 s and no stall of the loaded machine outlasts the lease.
    LEASE_TTL_S: '60',
    LOG_LEVEL: 'error',
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, [{ provide: TELEMETRY_STORE, useValue: store }])] }).compile();
  const errorsLogged: string[] = [];
  const quiet = () => undefined;
  const logger: LoggerService = { log: quiet, warn: quiet, debug: quiet, verbose: quiet, error: (m: unknown) => errorsLogged.push(String(m)), fatal: (m: unknown) => errorsLogged.push(String(m)) };
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger });
  configureHttp(app, config);
  await app.init();
  await new Promise((resolve) => setTimeout(resolve, 20)); // the in-memory clients connect on setImmediate

  const issue = async (role: Role) => (await app.get(TokenStore).create(role, 'fuzz')).token;
  const tokens = { read: await issue('read'), control: await issue('control'), admin: await issue('admin') };

  // Points accepted for InfluxDB, counted where a caller hands them over (the writer batches on a timer).
  let points = 0;
  const writer = app.get<{ write(points: CircuitPoint[]): Promise<void>; flush(): Promise<void> }>(POINT_WRITER);
  const write = writer.write.bind(writer);
  writer.write = (p) => ((points += p.length), write(p));

  const devices = app.get(DevicesService);
  const commands = app.get(CommandsService);
  const lease = app.get(LeaderLeaseService);
  // Leadership settles first (the lease is claimed on a timer): the state checks start from a steady backend.
  for (let waited = 0; !lease.isLeader() && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  bus.publish(topics.status(KNOWN_DEVICE), Buffer.from(encodeMessage('status', exampleMessage('status'))), true);
  // Its Home Assistant discovery, and the new leader's first automation pass, go out first.
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const harness: BackendHarness = {
    app,
    bus,
    errorsLogged,
    tokens,
    knows: (id) => devices.find(id) !== undefined,
    reclaimLease: () => {
      const claim = { v: 1, holder: lease.instanceId, ttl_ms: config.LEASE_TTL_S * 1000, ts: Date.now() };
      bus.publish(topics.automationLease(), Buffer.from(JSON.stringify(claim)), true);
    },
    state: () =>
      JSON.stringify({
        // The registry's persisted part is in the saves; its size catches a device added in memory only.
        devices: devices.list().length,
        // Counts, not statuses: pending commands expire on a timer (the saved commands.json is compared the same way).
        commands: commands.history(KNOWN_DEVICE).length,
        saves: saves.changes,
        lastSave: saves.lastChanged,
        points,
        // Prices are written before the upload answers. Not compared: relay history (written on a
        // quarter-hour timer too; the relay states it records are in the registry saves) and appliance
        // points (they follow telemetry analysis, counted as telemetry points above).
        pricePoints: store.pointsByMeasurement.get(PRICE_MEASUREMENT),
        published: bus.published,
        lastPublished: bus.lastPublished,
        // The lease as last received, not holder(now), which also moves with time and acks.
        leaseHolder: lease['election']['latest']?.holder,
      }),
    settle: async (all = false) => {
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      await turn();
      if (!all) return;
      await writer.flush();
      for (let i = 0; i < 3; i++) await turn();
    },
    close: async () => {
      await app.close();
      saves.uninstall();
      bus.uninstall();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
