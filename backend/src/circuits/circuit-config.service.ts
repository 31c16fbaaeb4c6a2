import { BadRequestException, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CircuitConfig, validate, circuitConfigSchema } from '@dinmeter/shared';
import { CommandsService } from '../commands/commands.service';
import { CommandRecord } from '../commands/commands.types';
import { DevicesService } from '../devices/devices.service';

/**
 * Defaults the meter applies when nothing was configured: device/core/relays/relay-config.ts with the
 * product's factory settings over it (PRODUCT_RELAY_DEFAULTS in device/core/app/meter-core.ts:
 * power-on `restore`, and a meter that never saved a state comes up `on`).
 */
export const DEFAULT_CIRCUIT_CONFIG: Required<Omit<CircuitConfig, 'label' | 'overcurrentA'>> = {
  relayFitted: true,
  powerOnState: 'restore',
  failsafe: { mode: 'hold', afterSeconds: 120 },
  overcurrentDelayMs: 2000,
  minSwitchIntervalSeconds: 0,
  maxSwitchesPerHour: 60,
};

interface StoredCircuitConfig {
  /** What the user asked for (merged over time). */
  desired: CircuitConfig;
  /** What the meter confirmed by ack. */
  confirmed: CircuitConfig;
  pendingCommandId?: string;
  lastError?: string;
}

export interface CircuitConfigFile {
  version: 1;
  circuits: Record<string, StoredCircuitConfig>;
}
export interface CircuitConfigRepository {
  load(fallback: CircuitConfigFile): CircuitConfigFile;
  save(data: CircuitConfigFile): void;
  flush(): void;
}
export const CIRCUIT_CONFIG_REPOSITORY = Symbol('CIRCUIT_CONFIG_REPOSITORY');

/**
 * Per-circuit relay safety configuration (power-on state, failsafe, overcurrent, wear limits):
 * kept here, pushed to the meter as a `config` command and marked confirmed when the meter acks.
 */
@Injectable()
export class CircuitConfigService implements OnModuleInit, OnModuleDestroy {
  private file!: CircuitConfigFile;
  private readonly failsafeListeners: (() => void)[] = [];

  constructor(
    @Inject(CIRCUIT_CONFIG_REPOSITORY) private readonly repository: CircuitConfigRepository,
    private readonly commands: CommandsService,
    private readonly devices: DevicesService,
  ) {}

  onModuleInit(): void {
    this.file = this.repository.load({ version: 1, circuits: {} });
    this.commands.onSettled((record) => this.onSettled(record));
  }

  onModuleDestroy(): void {
    this.repository.flush();
  }

  get(deviceId: string, circuit: number) {
    this.devices.get(deviceId);
    const stored = this.file.circuits[key(deviceId, circuit)];
    const confirmed = stored?.confirmed ?? {};
    return {
      device: deviceId,
      circuit,
      effective: { ...DEFAULT_CIRCUIT_CONFIG, ...confirmed, label: stored?.desired.label ?? confirmed.label },
      desired: stored?.desired ?? {},
      confirmed,
      inSync: !stored?.pendingCommandId,
      pendingCommandId: stored?.pendingCommandId,
      lastError: stored?.lastError,
    };
  }

  /**
   * The shortest failsafe.afterSeconds on any meter, as far as this backend knows: what it asked for
   * (also while the meter has not confirmed it yet) and what the meter confirmed. The heartbeat
   * cadence follows it (HeartbeatService). Undefined while every circuit has the factory failsafe.
   */
  shortestFailsafeSeconds(): number | undefined {
    let shortest: number | undefined;
    for (const stored of Object.values(this.file.circuits)) {
      for (const config of [stored.desired, stored.confirmed]) {
        const seconds = config.failsafe?.afterSeconds;
        if (seconds !== undefined && (shortest === undefined || seconds < shortest)) shortest = seconds;
      }
    }
    return shortest;
  }

  /** Called after a failsafe setting changed, before the config command goes out to the meter. */
  onFailsafeChange(listener: () => void): void {
    this.failsafeListeners.push(listener);
  }

  update(deviceId: string, circuit: number, change: CircuitConfig) {
    this.devices.get(deviceId);
    const plain = JSON.parse(JSON.stringify(change)) as CircuitConfig;
    if (Object.keys(plain).length === 0) throw new BadRequestException('give at least one setting to change');
    const k = key(deviceId, circuit);
    const stored = this.file.circuits[k] ?? { desired: {}, confirmed: {} };
    const desired = { ...stored.desired, ...plain };
    const checked = validate(circuitConfigSchema, desired);
    if (!checked.ok) throw new BadRequestException(checked.errors);
    if (plain.failsafe !== undefined) {
      // Heartbeats speed up first: the meter may apply a shorter failsafe the moment the command lands.
      this.file.circuits[k] = { ...stored, desired };
      for (const listener of this.failsafeListeners) listener();
    }
    const record = this.commands.send(deviceId, { op: 'config', circuit, config: desired });
    this.file.circuits[k] = { ...stored, desired, pendingCommandId: record.commandId, lastError: undefined };
    if (plain.label !== undefined) this.devices.setLabel(deviceId, circuit, plain.label);
    this.repository.save(this.file);
    return { ...this.get(deviceId, circuit), commandId: record.commandId };
  }

  private onSettled(record: CommandRecord): void {
    if (record.body.op !== 'config') return;
    const stored = this.file.circuits[key(record.deviceId, record.body.circuit)];
    if (!stored || stored.pendingCommandId !== record.commandId) return;
    stored.pendingCommandId = undefined;
    const failsafeBefore = this.shortestFailsafeSeconds();
    if (record.status === 'acked') stored.confirmed = record.body.config;
    else stored.lastError = `${record.status}${record.code ? ` (${record.code})` : ''}${record.error ? `: ${record.error}` : ''}`;
    this.repository.save(this.file);
    if (this.shortestFailsafeSeconds() !== failsafeBefore) for (const listener of this.failsafeListeners) listener();
  }
}

function key(deviceId: string, circuit: number): string {
  return `${deviceId}/${circuit}`;
}
