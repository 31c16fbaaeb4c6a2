import { BadRequestException, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CalibrationParams, CT_MODEL_IDS, ctCalibration, ctModel } from '@dinmeter/shared';
import { CircuitConfigService } from '../circuits/circuit-config.service';
import { CommandsService } from '../commands/commands.service';
import { CommandRecord } from '../commands/commands.types';
import { JsonFileRepository } from '../common/json-file.repository';
import { DevicesService } from '../devices/devices.service';
import { ctFlags } from './ct-check';
import { CircuitSetupDto } from './commissioning.dto';
import { CIRCUIT_SETUP_REPOSITORY, CircuitSetupFile, CircuitSetupView, DEFAULT_CT_MODEL, DeviceSetupView, StoredCircuitSetup } from './circuit-setup.types';

/**
 * What an installer sets per circuit (docs/commissioning.md): label, failsafe and power-on state go to
 * the circuit configuration; the CT model becomes the ATM90E26 calibration computed in shared/ (CT
 * models) and sent as a `calibrate` command; the CT flip is a calibration change too. Both count only
 * once the meter acknowledged them.
 */
@Injectable()
export class CircuitSetupService implements OnModuleInit, OnModuleDestroy {
  private file: CircuitSetupFile = { version: 1, circuits: {} };

  constructor(
    @Inject(CIRCUIT_SETUP_REPOSITORY) private readonly repository: JsonFileRepository<CircuitSetupFile>,
    private readonly devices: DevicesService,
    private readonly configs: CircuitConfigService,
    private readonly commands: CommandsService,
  ) {}

  onModuleInit(): void {
    this.file = this.repository.load({ version: 1, circuits: {} });
    this.commands.onSettled((record) => this.onSettled(record));
  }

  onModuleDestroy(): void {
    this.repository.flush();
  }

  view(deviceId: string): DeviceSetupView {
    const device = this.devices.get(deviceId);
    return {
      id: device.id,
      online: device.online,
      lastTelemetryTs: device.lastTelemetryTs,
      circuits: device.circuits.map((c) => {
        const stored = this.file.circuits[key(deviceId, c.circuit)] ?? {};
        const model = stored.ctModel ?? DEFAULT_CT_MODEL;
        return {
          circuit: c.circuit,
          label: c.label,
          ctModel: model,
          ctReversed: stored.ctReversed ?? false,
          relayFitted: stored.relayFitted ?? true,
          pendingCommandId: stored.pending?.commandId,
          lastError: stored.lastError,
          reading: c.reading,
          readingTs: c.readingTs,
          relay: c.relay,
          health: c.health,
          flags: ctFlags(c.reading, model),
        };
      }),
    };
  }

  circuitView(deviceId: string, circuit: number): CircuitSetupView {
    return this.view(deviceId).circuits[circuit - 1];
  }

  update(deviceId: string, circuit: number, change: CircuitSetupDto): CircuitSetupView & { configCommandId?: string; calibrationCommandId?: string } {
    this.devices.get(deviceId);
    // relayFitted is the meter's relay configuration (it refuses relay commands without one): sent in the config op.
    const { ctModel: modelId, ...config } = change;
    const { relayFitted } = change;
    const model = modelId === undefined ? undefined : ctModel(modelId);
    if (modelId !== undefined && !model) throw new BadRequestException(`ctModel: unknown CT ${JSON.stringify(modelId)} (known: ${CT_MODEL_IDS.join(', ')})`);
    if (modelId === undefined && Object.keys(config).length === 0) throw new BadRequestException('give at least one setting to change');
    const result: { configCommandId?: string; calibrationCommandId?: string } = {};
    if (Object.keys(config).length > 0) result.configCommandId = this.configs.update(deviceId, circuit, config).commandId;
    const stored = this.entry(deviceId, circuit);
    if (relayFitted !== undefined) stored.relayFitted = relayFitted;
    if (model) {
      // A new CT makes the unit's earlier gains meaningless: the model's calibration replaces them.
      const ctReversed = stored.ctReversed ?? false;
      result.calibrationCommandId = this.sendCalibration(deviceId, circuit, { ...ctCalibration(model), ctReversed }, { ctModel: model.id, ctReversed });
    }
    this.repository.save(this.file);
    return { ...this.circuitView(deviceId, circuit), ...result };
  }

  /** The one-click fix of a reversed CT: the circuit's calibration with ctReversed turned over. */
  flipCt(deviceId: string, circuit: number): { commandId: string; ctReversed: boolean } {
    this.devices.get(deviceId);
    const stored = this.entry(deviceId, circuit);
    const ctReversed = !(stored.ctReversed ?? false);
    // The meter resolves a calibration against its board defaults: resend every value it has now.
    const base = stored.calibration ?? ctCalibration(ctModel(stored.ctModel ?? DEFAULT_CT_MODEL)!);
    const commandId = this.sendCalibration(deviceId, circuit, { ...base, ctReversed }, { ctReversed });
    this.repository.save(this.file);
    return { commandId, ctReversed };
  }

  private sendCalibration(deviceId: string, circuit: number, calibration: CalibrationParams, pending: { ctModel?: string; ctReversed: boolean }): string {
    const record = this.commands.send(deviceId, { op: 'calibrate', circuit, calibration });
    const stored = this.entry(deviceId, circuit);
    stored.pending = { commandId: record.commandId, ...pending };
    stored.lastError = undefined;
    return record.commandId;
  }

  private onSettled(record: CommandRecord): void {
    if (record.body.op !== 'calibrate') return;
    const stored = this.entry(record.deviceId, record.body.circuit);
    const ours = stored.pending?.commandId === record.commandId ? stored.pending : undefined;
    if (record.status === 'acked') {
      stored.calibration = record.body.calibration;
      stored.ctReversed = record.body.calibration.ctReversed ?? false;
      if (ours?.ctModel) stored.ctModel = ours.ctModel;
    } else if (ours) {
      stored.lastError = `${record.status}${record.code ? ` (${record.code})` : ''}${record.error ? `: ${record.error}` : ''}`;
    }
    if (ours) stored.pending = undefined;
    this.repository.save(this.file);
  }

  private entry(deviceId: string, circuit: number): StoredCircuitSetup {
    return (this.file.circuits[key(deviceId, circuit)] ??= {});
  }
}

function key(deviceId: string, circuit: number): string {
  return `${deviceId}/${circuit}`;
}
