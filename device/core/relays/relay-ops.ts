import { CommandGate } from '../commands/command-gate';
import { RelayManager } from './relay-manager';

/** The relay manager owns the `relay`, `reset_trip` and `config` ops of commands. */
export function registerRelayOps(gate: CommandGate, relays: RelayManager): void {
  gate.register('relay', (command, at) =>
    relays.switchByCommand(command.circuit, command.state === 'on', at),
  );
  gate.register('reset_trip', (command, at) => relays.resetTrip(command.circuit, at.nowMs));
  gate.register('config', (command, at) => relays.configure(command.circuit, command.config, at.nowMs));
}
