import { Injectable } from '@nestjs/common';
import { CommandsService } from '../commands/commands.service';
import { CommandRecord } from '../commands/commands.types';
import { DevicesService } from '../devices/devices.service';

/**
 * Clears a circuit's overcurrent trip latch (device/core/relays: only an explicit `reset_trip`
 * command clears it). The meter acks it even when the circuit was not tripped; the relay stays
 * off until a command or the plan switches it on.
 */
@Injectable()
export class CircuitTripService {
  constructor(
    private readonly commands: CommandsService,
    private readonly devices: DevicesService,
  ) {}

  reset(deviceId: string, circuit: number): CommandRecord {
    this.devices.get(deviceId);
    return this.commands.send(deviceId, { op: 'reset_trip', circuit });
  }
}
